"""vecadd_sharding (tt-metal programming example): c = a + b over 4x4 tiles sharded in L1 over four cores
(height, width or block sharding); the circular buffers sit on the shards, so only a compute kernel runs."""

from tensix.metal import *

TEST_CONFIGS = {  # sharding type -> (layout, num_cores_y, num_cores_x)
    "height": (TensorMemoryLayout.HEIGHT_SHARDED, 4, 1),
    "width": (TensorMemoryLayout.WIDTH_SHARDED, 1, 4),
    "block": (TensorMemoryLayout.BLOCK_SHARDED, 2, 2),
}


def make_sharded_l1_mesh_buffer_bfp16(mesh_device, size: int, layout, shard_config):
    sharding_args = BufferShardingArgs(shard_config, layout)
    local_config = distributed.DeviceLocalBufferConfig(page_size=constants.TILE_HW * np.dtype(bfloat16).itemsize,
                                                       buffer_type=BufferType.L1, sharding_args=sharding_args)
    return distributed.MeshBuffer.create(distributed.ReplicatedBufferConfig(size=size), local_config, mesh_device)


def make_circular_buffer_bfp16(program, core, cb, n_tiles: int, l1_buf):
    tile_bytes = np.dtype(bfloat16).itemsize * constants.TILE_HW
    cb_config = CircularBufferConfig(n_tiles * tile_bytes, {cb: DataFormat.Float16_b}).set_page_size(
        cb, tile_bytes).set_globally_allocated_address(l1_buf.get_backing_buffer())
    return CreateCircularBuffer(program, core, cb_config)


def main(device=None, sharding_type: str = "height") -> bool:
    seed = 0x1234567
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    layout, num_cores_y, num_cores_x = TEST_CONFIGS[sharding_type]
    n_tiles_y = n_tiles_x = 4
    num_tiles_per_core_x = n_tiles_x // num_cores_x
    num_tiles_per_core_y = n_tiles_y // num_cores_y

    cores = CoreRange(CoreCoord(0, 0), CoreCoord(num_cores_y - 1, num_cores_x - 1))
    spec = ShardSpecBuffer(cores, (num_tiles_per_core_x * constants.TILE_HEIGHT,
                                   num_tiles_per_core_y * constants.TILE_WIDTH),
                           ShardOrientation.ROW_MAJOR, (constants.TILE_HEIGHT, constants.TILE_WIDTH),
                           (n_tiles_y, n_tiles_x))
    size_bytes = n_tiles_y * n_tiles_x * constants.TILE_HW * np.dtype(bfloat16).itemsize
    a = make_sharded_l1_mesh_buffer_bfp16(mesh_device, size_bytes, layout, spec)
    b = make_sharded_l1_mesh_buffer_bfp16(mesh_device, size_bytes, layout, spec)
    c = make_sharded_l1_mesh_buffer_bfp16(mesh_device, size_bytes, layout, spec)

    rng = np.random.default_rng(seed)
    num_elements = n_tiles_x * n_tiles_y * constants.TILE_HW
    a_data = rng.uniform(0.0, 10.0, num_elements).astype(bfloat16)
    b_data = rng.uniform(0.0, 10.0, num_elements).astype(bfloat16)

    num_tiles_per_core = n_tiles_x * n_tiles_y // CoreRangeSet(cores).num_cores()
    make_circular_buffer_bfp16(program, cores, CBIndex.c_0, num_tiles_per_core, a)
    make_circular_buffer_bfp16(program, cores, CBIndex.c_1, num_tiles_per_core, b)
    make_circular_buffer_bfp16(program, cores, CBIndex.c_2, num_tiles_per_core, c)

    compute = CreateKernel(program, "kernels/add_sharding.py", cores,
                           ComputeConfig(math_approx_mode=False,
                                         compile_args=[CBIndex.c_0, CBIndex.c_1, CBIndex.c_2]))

    cq = mesh_device.mesh_command_queue()
    distributed.EnqueueWriteMeshBuffer(cq, a, a_data, False)
    distributed.EnqueueWriteMeshBuffer(cq, b, b_data, False)
    SetRuntimeArgs(program, compute, cores, [num_tiles_per_core])
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)

    c_data = np.zeros(num_elements, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, c_data, c, True)
    mesh_device.close()
    expected = a_data.astype(np.float32) + b_data.astype(np.float32)
    return bool(np.all(np.abs(c_data.astype(np.float32) - expected) <= 0.2))


if __name__ == "__main__":
    for kind in TEST_CONFIGS:
        print(kind, "Test Passed" if main(sharding_type=kind) else "Test Failed")
