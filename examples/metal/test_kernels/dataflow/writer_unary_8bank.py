"""Write the tiles of the output CB (compile-time arg 0) to an interleaved buffer (experimental::Noc and
CircularBuffer). tt-metal's ARCH_QUASAR branch (DataflowBuffer) is for an architecture tensix has no preset of."""


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    num_tiles = ctx.get_arg_val(2)

    onetile = 1
    out_id = ctx.get_compile_time_arg_val(0)
    dst_args = ctx.TensorAccessorArgs(1)
    cb_id_out0 = out_id
    cb = ctx.experimental.CircularBuffer(cb_id_out0)
    tile_bytes = ctx.get_tile_size(cb_id_out0)
    s = ctx.TensorAccessor(dst_args, dst_addr, tile_bytes)

    noc = ctx.experimental.Noc()

    for i in range(num_tiles):
        cb.wait_front(onetile)
        noc.async_write(cb, s, tile_bytes, {}, {"page_id": i})
        noc.async_write_barrier()
        cb.pop_front(onetile)
