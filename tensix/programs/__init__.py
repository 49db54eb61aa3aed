"""Hand-written programs in the kernel API: tiled matmul and a NoC exchange (used by examples, tests, benchmarks)."""
