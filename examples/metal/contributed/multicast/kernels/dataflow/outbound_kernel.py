"""Write the received tile to DRAM at this core's index."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    tile_offset = ctx.get_arg_val(1)

    cb_id_out0 = CB.c_out0
    dram_writer_args = ctx.TensorAccessorArgs(0)
    dram_writer = ctx.TensorAccessor(dram_writer_args, dst_addr)

    ctx.cb_wait_front(cb_id_out0, 1)
    l1_read_addr = ctx.get_read_ptr(cb_id_out0)

    dram_tile_id = tile_offset
    ctx.noc_async_write_page(dram_tile_id, dram_writer, l1_read_addr)
    ctx.noc_async_write_barrier()

    ctx.cb_pop_front(cb_id_out0, 1)

    ctx.DPRINT(
        "Core ({},{}): Outbound kernel has written tile to DRAM index {}.\n",
        ctx.get_absolute_logical_x(),
        ctx.get_absolute_logical_y(),
        dram_tile_id)
