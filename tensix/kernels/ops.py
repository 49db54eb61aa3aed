"""Integer codes for tile-kernel operations and data formats (numba kernels branch on plain ints).

Each group has its own name -> code dict, used by the compute API to translate names.
"""

# Binary elementwise ops: out = a (op) b.
ADD, SUB, MUL = range(3)
BINARY = {"add": ADD, "sub": SUB, "mul": MUL}

# Unary elementwise ops (the SFPU).
RELU, GELU, SILU, EXP, RECIP, SQRT, RSQRT, NEG, SQUARE, TANH, SIGMOID, IDENTITY, GELU_TANH, TRUNC = range(14)
UNARY = {
    "relu": RELU,
    "gelu": GELU,
    "silu": SILU,
    "exp": EXP,
    "recip": RECIP,
    "sqrt": SQRT,
    "rsqrt": RSQRT,
    "neg": NEG,
    "square": SQUARE,
    "tanh": TANH,
    "sigmoid": SIGMOID,
    "identity": IDENTITY,
    "gelu_tanh": GELU_TANH,
    "trunc": TRUNC,  # to a whole number toward zero, as a cast to int32 (NaN, inf and |x| >= 2^31 give -2^31)
}

# Reductions and the dimension they reduce: ROW reduces along each row (result in column 0),
# COL along each column (result in row 0), SCALAR over the whole tile (result at [0, 0]).
SUM, MAX = range(2)
REDUCE = {"sum": SUM, "max": MAX}
ROW, COL, SCALAR = range(3)
DIM = {"row": ROW, "col": COL, "scalar": SCALAR}

# Tile data formats, in the order of tensix.formats.FORMATS.
FP32, BF16, BFP8_B, BFP4_B = range(4)
FORMAT = {"fp32": FP32, "bf16": BF16, "bfp8_b": BFP8_B, "bfp4_b": BFP4_B}
