"""The ttnn tensor slice: from_vector tilizes onto the device (pages in tile order), to_vector untilizes back,
row-major tensors page by row; misuse is a typed error."""

import numpy as np
import pytest

from tensix.errors import ProgramError
from tensix.metal import *
from tensix.metal.ttnn import *  # noqa: F403


def test_tile_tensor_round_trip_and_page_order():
    mesh = distributed.MeshDevice.create_unit_mesh(0)
    spec = TensorSpec(Shape([64, 32]), TensorLayout(DataType.UINT32, PageConfig(Layout.TILE), MemoryConfig()))
    values = np.arange(64 * 32, dtype=np.uint32)
    t = Tensor.from_vector(values, spec, mesh)
    assert t.mesh_buffer().page_size() == 4096 and t.mesh_buffer().num_pages() == 2
    raw = t.mesh_buffer().read_bytes().view(np.uint32)
    # face 0 row-major (raw[16] is row 1, col 0), face 1 from row 0 col 16, face 2 from row 16 col 0, then tile 1
    assert (raw[16], raw[256], raw[512], raw[1024]) == (32, 16, 512, 1024)
    assert np.array_equal(t.to_vector(), values)


def test_row_major_tensor_pages_are_rows():
    mesh = distributed.MeshDevice.create_unit_mesh(0)
    spec = TensorSpec(Shape([3, 8]), TensorLayout(DataType.BFLOAT16, PageConfig(Layout.ROW_MAJOR),
                                                   MemoryConfig(BufferType.L1)))
    t = Tensor.from_vector(bfloat16, np.arange(24, dtype=np.float32), spec, mesh)
    assert t.mesh_buffer().page_size() == 16 and t.mesh_buffer().is_l1()
    assert np.array_equal(t.to_vector(bfloat16).astype(np.float32), np.arange(24, dtype=np.float32))


def test_tensor_misuse():
    mesh = distributed.MeshDevice.create_unit_mesh(0)
    spec = TensorSpec(Shape([30, 32]), TensorLayout(DataType.BFLOAT16, PageConfig(Layout.TILE)))
    with pytest.raises(ProgramError, match="not whole 32x32 tiles"):
        allocate_tensor_on_device(spec, mesh)
    with pytest.raises(ProgramError, match="interleaved"):
        MemoryConfig(TensorMemoryLayout.HEIGHT_SHARDED, BufferType.L1)
    ok = TensorSpec(Shape([32, 32]), TensorLayout(DataType.BFLOAT16, PageConfig(Layout.TILE)))
    with pytest.raises(ProgramError, match="5 values for shape"):
        Tensor.from_vector(np.zeros(5), ok, mesh)
