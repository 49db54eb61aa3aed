"""tt-metal's enums and constants under their own names (CBIndex, DataFormat, MathFidelity, NOC, ...).

Each DataFormat knows the tensix format that holds it and the bytes of one 32x32 tile.
"""

from __future__ import annotations

import enum
from types import SimpleNamespace

CBIndex = enum.IntEnum("CBIndex", [(f"c_{i}", i) for i in range(32)])
CBIndex.__doc__ = "Circular buffer indices c_0..c_31 (tt::CBIndex)."
CB = enum.IntEnum("CB", [(f"c_in{i}", i) for i in range(8)] + [(f"dataflow{i}", 8 + i) for i in range(8)]
                  + [(f"c_out{i}", 16 + i) for i in range(8)] + [(f"c_intermed{i}", 24 + i) for i in range(8)])
CB.__doc__ = "The older circular buffer names (tt::CB): c_in0..7 = 0..7, c_out0..7 = 16..23, c_intermed0..7 = 24..31."

CB = enum.IntEnum("CB", [(f"c_in{i}", i) for i in range(8)] + [(f"c_out{i}", 16 + i) for i in range(8)]
                  + [(f"c_intermed{i}", 24 + i) for i in range(8)])
CB.__doc__ = "The older circular buffer names (tt::CB): c_in0..7 = 0..7, c_out0..7 = 16..23, c_intermed0..7 = 24..31."


class DataFormat(enum.Enum):
    """tt::DataFormat: value = (tensix format or None for raw integer pages, bytes per 32x32 tile)."""

    Float32 = ("fp32", 4096)
    Float16_b = ("bf16", 2048)
    Bfp8_b = ("bfp8_b", 1088)
    Bfp4_b = ("bfp4_b", 576)
    UInt32 = ("uint32", 4096)
    Int32 = ("int32", 4096)
    UInt16 = ("uint16", 2048)
    UInt8 = ("uint8", 1024)

    @property
    def fmt(self) -> str:
        return self.value[0]

    @property
    def tile_nbytes(self) -> int:
        return self.value[1]


FLOAT_FORMATS = ("fp32", "bf16", "bfp8_b", "bfp4_b")  # the formats the unpacker turns into math values
BY_FMT = {d.fmt: d for d in DataFormat}


def tile_size(fmt: DataFormat) -> int:
    """tt::tile_size(format): bytes of one 32x32 tile."""
    return fmt.tile_nbytes


class EltwiseBinaryType(enum.Enum):
    """The binary op of binary_tiles_init<full_init, EltwiseBinaryType> (a define may give it as its C++ name)."""

    ELWADD = "add"
    ELWSUB = "sub"
    ELWMUL = "mul"


class MathFidelity(enum.Enum):
    LoFi = "LoFi"
    HiFi2 = "HiFi2"
    HiFi3 = "HiFi3"
    HiFi4 = "HiFi4"


class NOC(enum.IntEnum):
    """NoC a data movement kernel uses: RISCV_0_default = NOC_0, RISCV_1_default = NOC_1 (tt-metal's defaults)."""

    RISCV_0_default = 0
    RISCV_1_default = 1
    NOC_0 = 0
    NOC_1 = 1


class DataMovementProcessor(enum.IntEnum):
    """RISCV_0 = BRISC (tensix's writer slot), RISCV_1 = NCRISC (the reader slot)."""

    RISCV_0 = 0
    RISCV_1 = 1


class BufferType(enum.Enum):
    DRAM = "dram"
    L1 = "l1"


class TensorMemoryLayout(enum.Enum):
    INTERLEAVED = "interleaved"
    HEIGHT_SHARDED = "height_sharded"
    WIDTH_SHARDED = "width_sharded"
    BLOCK_SHARDED = "block_sharded"


class ShardOrientation(enum.Enum):
    ROW_MAJOR = "row_major"
    COL_MAJOR = "col_major"


# tt::constants (tt_metal/api/tt-metalium/constants.hpp)
constants = SimpleNamespace(TILE_WIDTH=32, TILE_HEIGHT=32, TILE_HW=1024, FACE_WIDTH=16, FACE_HEIGHT=16,
                            FACE_HW=256)
TILE_WIDTH, TILE_HEIGHT, TILE_HW = 32, 32, 1024
INVALID, VALID = 0, 1  # hostdevcommon/common_values.hpp: semaphore flag values
