"""Integer codes for tile-kernel operations and data formats (numba kernels branch on plain ints).

The op names and their codes are tensix/ops.py's (the one vocabulary); this module gives the kernels each code
as a plain int constant and each group as a name -> code dict, used by the compute API to translate names.
"""

from tensix.ops import BinaryFn, Dim, ReduceFn, UnaryFn, codes

# Binary elementwise ops: out = a (op) b.
BINARY = codes(BinaryFn)
ADD, SUB, MUL = BINARY.values()

# Unary elementwise ops (the SFPU).
UNARY = codes(UnaryFn)
RELU, GELU, SILU, EXP, RECIP, SQRT, RSQRT, NEG, SQUARE, TANH, SIGMOID, IDENTITY, GELU_TANH, TRUNC = UNARY.values()

# Reductions and the dimension they reduce: ROW reduces along each row (result in column 0),
# COL along each column (result in row 0), SCALAR over the whole tile (result at [0, 0]).
REDUCE = codes(ReduceFn)
SUM, MAX = REDUCE.values()
DIM = codes(Dim)
ROW, COL, SCALAR = DIM.values()

# Tile data formats, in the order of tensix.formats.FORMATS.
FP32, BF16, BFP8_B, BFP4_B = range(4)
FORMAT = {"fp32": FP32, "bf16": BF16, "bfp8_b": BFP8_B, "bfp4_b": BFP4_B}
