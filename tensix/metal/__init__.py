"""tensix.metal: tt-metal programs as written, on the emulator. `from tensix.metal import *` stands for
`using namespace tt; using namespace tt::tt_metal;` and brings every host name (see docs/metalium.md).

Kernel files define `kernel_main(ctx)`; device calls are methods of the context with tt-metal's names and
argument order.
"""

import sys

import numpy as np
from ml_dtypes import bfloat16

from tensix.metal import distributed, experimental, sfpi
from tensix.metal.addrgen import TensorAccessorArgs
from tensix.metal.asserts import ReadMeshDeviceProfilerResults
from tensix.metal.buffers import (
    Buffer,
    CreateBuffer,
    InterleavedBufferConfig,
    ShardedBufferConfig,
    ShardSpecBuffer,
)
from tensix.metal.compute import MetalInitWarning
from tensix.metal.context import MetalArgWarning
from tensix.metal.coords import CoreCoord, CoreRange, CoreRangeSet
from tensix.metal.device import (
    CloseDevice,
    CommandQueue,
    CreateDevice,
    EnqueueReadBuffer,
    EnqueueWriteBuffer,
    Finish,
    MetalDevice,
    align,
    worker_core_from_logical_core,
)
from tensix.metal.eltwise_more import ELWADD, ELWMUL, ELWSUB, EltwiseBinaryReuseDestType
from tensix.metal.enums import (
    CB,
    INVALID,
    NOC,
    TILE_HEIGHT,
    TILE_HW,
    TILE_WIDTH,
    VALID,
    BufferType,
    CBIndex,
    DataFormat,
    DataMovementProcessor,
    EltwiseBinaryType,
    MathFidelity,
    ShardOrientation,
    TensorMemoryLayout,
    constants,
    tile_size,
)
from tensix.metal.host_utils import (
    TT_ASSERT,
    TT_FATAL,
    TT_THROW,
    TTFatalError,
    bfloat16_identity_transform,
    create_identity_matrix,
    fmt,
    is_close,
    pack_bfloat16_vec_into_uint32_vec,
    reinterpret_cast,
    stderr,
    unpack_uint32_vec_into_bfloat16_vec,
)
from tensix.metal.launch import EnqueueProgram
from tensix.metal.llk_sfpu import (
    APPROX,
    DST_ACCUM_MODE,
    DST_SYNC_MODE,
    VectorMode,
    my_add_tile_face,
    smoothstep_tile_face,
)
from tensix.metal.mesh_buffer import BufferShardingArgs
from tensix.metal.named_args import TT_KERNEL, args
from tensix.metal.program import (
    CircularBufferConfig,
    ComputeConfig,
    CreateCircularBuffer,
    CreateKernel,
    CreateProgram,
    CreateSemaphore,
    DataMovementConfig,
    GetCommonRuntimeArgs,
    GetRuntimeArgs,
    Program,
    ReaderDataMovementConfig,
    SetCommonRuntimeArgs,
    SetRuntimeArgs,
    WriterDataMovementConfig,
)
from tensix.metal.sfpi import (
    dst_reg,
    reinterpret,
    setsgn,
    v_else,
    v_elseif,
    v_endif,
    v_if,
    vConst0,
    vConst0p8373,
    vConst1,
    vConstNeg1,
    vFloat,
    vInt,
    vUInt,
)
from tensix.metal.soc import ARCH, CoordSystem, CoreType, MetalContext, to_str, umd
from tensix.metal.sub_device import DispatchCoreType, HalProgrammableCoreType, SubDevice
from tensix.metal.tile_slice import TSLICE_INPUT_CB, TSLICE_OUTPUT_CB, TSLICE_RD_PTR, TSLICE_WR_PTR, SliceRange
from tensix.metal.tilize import (
    check_bfloat16_vector_pcc,
    create_constant_vector_of_bfloat16,
    create_random_vector_of_bfloat16,
    pack_two_bfloat16_into_uint32,
    tilize,
    tilize_nfaces,
    untilize,
    untilize_nfaces,
)
from tensix.metal.work_split import num_cores_to_corerangeset, split_work_to_cores

# `tt::`, `tt_metal::` and `tt::tt_metal::` qualifiers may stay: tt.tt_metal.CreateKernel is this module's CreateKernel
tt = tt_metal = sys.modules[__name__]

__all__ = [
    # SFPI and LLK names a compute kernel gets from tt-metal's compute API headers (docs/metalium.md)
    "APPROX", "DST_ACCUM_MODE", "DST_SYNC_MODE", "VectorMode", "dst_reg", "my_add_tile_face", "reinterpret",
    "setsgn", "sfpi", "smoothstep_tile_face", "v_else", "v_elseif", "v_endif", "v_if", "vConst0", "vConst0p8373",
    "vConst1", "vConstNeg1", "vFloat", "vInt", "vUInt",
    "CB", "ELWADD", "ELWMUL", "ELWSUB", "EltwiseBinaryReuseDestType", "ReadMeshDeviceProfilerResults",
    "ARCH", "CB", "CoordSystem", "CoreType", "EltwiseBinaryType", "MetalArgWarning", "MetalContext", "to_str", "umd",
    "DispatchCoreType", "HalProgrammableCoreType", "SliceRange", "SubDevice", "TSLICE_INPUT_CB",
    "TSLICE_OUTPUT_CB", "TSLICE_RD_PTR", "TSLICE_WR_PTR", "TT_ASSERT", "TT_FATAL", "TT_KERNEL", "TT_THROW",
    "TTFatalError", "args",
    "bfloat16_identity_transform", "create_identity_matrix", "experimental", "fmt", "is_close",
    "pack_bfloat16_vec_into_uint32_vec", "reinterpret_cast", "stderr", "tt", "tt_metal",
    "unpack_uint32_vec_into_bfloat16_vec",
    "create_constant_vector_of_bfloat16", "create_random_vector_of_bfloat16",
    "BufferShardingArgs",
    "align", "pack_two_bfloat16_into_uint32",
    "INVALID", "NOC", "TILE_HEIGHT", "TILE_HW", "TILE_WIDTH", "VALID", "Buffer", "BufferType", "CBIndex",
    "CircularBufferConfig", "CloseDevice", "CommandQueue", "ComputeConfig", "CoreCoord", "CoreRange", "CoreRangeSet",
    "CreateBuffer", "CreateCircularBuffer", "CreateDevice", "CreateKernel", "CreateProgram", "CreateSemaphore",
    "DataFormat", "DataMovementConfig", "DataMovementProcessor", "EnqueueProgram", "EnqueueReadBuffer",
    "EnqueueWriteBuffer", "Finish", "GetCommonRuntimeArgs", "GetRuntimeArgs", "InterleavedBufferConfig",
    "MathFidelity", "MetalDevice", "MetalInitWarning", "Program", "ReaderDataMovementConfig", "SetCommonRuntimeArgs",
    "SetRuntimeArgs", "ShardOrientation", "ShardSpecBuffer", "ShardedBufferConfig", "TensorAccessorArgs",
    "TensorMemoryLayout", "WriterDataMovementConfig", "bfloat16", "check_bfloat16_vector_pcc", "constants",
    "distributed", "np", "num_cores_to_corerangeset", "split_work_to_cores", "tile_size", "tilize", "tilize_nfaces",
    "untilize", "untilize_nfaces", "worker_core_from_logical_core",
]
