"""Fill c_2 once with a tile of the scalar a (its bf16 bits from a runtime arg), then stream x[i] and y[i] into c_0
and c_1 with the Noc / CircularBuffer device objects."""

from tensix.metal import *


def float_to_bfloat16_bits(ctx, value):
    tmp = np.float32(value).view(np.uint32)
    return np.uint16(tmp >> 16)


def kernel_main(ctx):
    x_addr = ctx.get_arg_val(0)
    y_addr = ctx.get_arg_val(1)
    a_bits = ctx.get_arg_val(2)
    n_tiles = ctx.get_arg_val(3)

    cb_x = CBIndex.c_0
    cb_y = CBIndex.c_1
    cb_a = CBIndex.c_2

    tile_size_bytes = ctx.get_tile_size(cb_x)

    x_args = ctx.TensorAccessorArgs(0)
    x = ctx.TensorAccessor(x_args, x_addr)
    y_args = ctx.TensorAccessorArgs(x_args.next_compile_time_args_offset())
    y = ctx.TensorAccessor(y_args, y_addr)

    ctx.cb_reserve_back(cb_a, 1)
    l1_addr = ctx.get_write_ptr(cb_a)
    ptr = ctx.l1_ptr(l1_addr, np.uint16)
    a_bf16 = np.uint16(a_bits & 0xFFFF)
    for i in range(constants.TILE_HW):
        ptr[i] = a_bf16
    ctx.cb_push_back(cb_a, 1)

    noc = ctx.Noc()
    cb_x_buf = ctx.CircularBuffer(cb_x)
    cb_y_buf = ctx.CircularBuffer(cb_y)

    for i in range(n_tiles):
        cb_x_buf.reserve_back(1)
        cb_y_buf.reserve_back(1)

        noc.async_read(x, cb_x_buf, tile_size_bytes, {"page_id": i}, {"offset_bytes": 0})
        noc.async_read(y, cb_y_buf, tile_size_bytes, {"page_id": i}, {"offset_bytes": 0})
        noc.async_read_barrier()

        cb_x_buf.push_back(1)
        cb_y_buf.push_back(1)
