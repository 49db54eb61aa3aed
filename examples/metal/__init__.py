"""tt-metal's programming examples transliterated to tensix.metal (docs/metalium.md): each folder holds the host
program (`<name>.py`, with `main()`) and its kernels (`kernels/*.py`)."""
