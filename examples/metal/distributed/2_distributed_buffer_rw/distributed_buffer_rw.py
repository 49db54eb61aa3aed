"""distributed/2_distributed_buffer_rw (tt-metal programming example): an L1 MeshBuffer sharded over a 2x4 mesh,
written with random data and read back; the data read must equal the data written."""

import time

from tensix.metal import *  # noqa: F403
from tensix.metal.distributed import *  # noqa: F403
from tensix.metal.distributed import ShardedBufferConfig


def main(device=None, tiles: tuple[int, int] = (64, 128)) -> bool:
    """tiles: tt-metal's 64 * 128 pages of a UInt32 tile (32 MB over the mesh); smaller for quick runs."""
    mesh_device = MeshDevice.create(MeshDeviceConfig(MeshShape(2, 4)), device=device)
    cq = mesh_device.mesh_command_queue()

    shard_shape = Shape2D(32, 32)
    distributed_buffer_shape = Shape2D(32 * mesh_device.num_rows(), 32 * mesh_device.num_cols())
    tile_size_bytes = tile_size(DataFormat.UInt32)
    distributed_buffer_size_bytes = tiles[0] * tiles[1] * tile_size_bytes

    local_buffer_config = DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.L1,
                                                  bottom_up=False)
    distributed_buffer_config = ShardedBufferConfig(
        global_size=distributed_buffer_size_bytes,
        global_buffer_shape=distributed_buffer_shape,
        shard_shape=shard_shape)

    mesh_buffer = MeshBuffer.create(distributed_buffer_config, local_buffer_config, mesh_device)

    src_data = create_random_vector_of_bfloat16(distributed_buffer_size_bytes, 1, time.time_ns())
    EnqueueWriteMeshBuffer(cq, mesh_buffer, src_data)

    read_back_data = []
    EnqueueReadMeshBuffer(cq, read_back_data, mesh_buffer, True)

    ok = list(src_data) == read_back_data
    ok &= all(mesh_buffer.get_device_buffer(MeshCoordinate(r, c)).read_bytes().size * 8 == src_data.nbytes
              for r in range(2) for c in range(4))  # each device holds its own eighth
    mesh_device.close()
    return ok


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
