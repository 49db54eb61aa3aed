"""tt-metal's tests/tt_metal/tt_metal/test_kernels/ kernels that programming examples use, transliterated
(a kernel path `tests/tt_metal/tt_metal/test_kernels/<rest>` resolves here)."""
