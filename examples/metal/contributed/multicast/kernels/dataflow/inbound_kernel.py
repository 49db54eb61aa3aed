"""Tell the coordinator this core is ready, wait for the multicast tile, copy it to the outbound CB."""

from tensix.metal import *  # noqa: F403


def copy_tile_between_cb(ctx, src_addr, dst_addr, bytes):
    src = ctx.l1_ptr(src_addr, np.uint32)
    dst = ctx.l1_ptr(dst_addr, np.uint32)
    for i in range(bytes // np.dtype(np.uint32).itemsize):
        dst[i] = src[i]


def kernel_main(ctx):
    start_x = ctx.get_arg_val(0)
    start_y = ctx.get_arg_val(1)
    sender_addr = ctx.get_semaphore(ctx.get_arg_val(2))
    receiver_addr = ctx.get_semaphore(ctx.get_arg_val(3))

    cb_id_in0 = CB.c_in0
    cb_id_out0 = CB.c_out0
    ublock_size_bytes = ctx.get_tile_size(cb_id_in0)
    l1_addr_in = ctx.get_write_ptr(cb_id_in0)  # noqa: F841
    l1_addr_out = ctx.get_write_ptr(cb_id_out0)  # noqa: F841

    receiver_addr_ptr = ctx.l1_ptr(receiver_addr, np.uint32)
    sender_addr_ptr = ctx.l1_ptr(sender_addr, np.uint32)  # noqa: F841
    ctx.cb_reserve_back(cb_id_in0, 1)
    ctx.noc_semaphore_set(receiver_addr_ptr, INVALID)
    remote_sender_semaphore_noc_addr = ctx.get_noc_addr(start_x, start_y, sender_addr)

    ctx.noc_semaphore_inc(remote_sender_semaphore_noc_addr, 1)

    ctx.noc_semaphore_wait(receiver_addr_ptr, VALID)

    sr = SliceRange(h0=0, h1=32, hs=8, w0=0, w1=32, ws=8)
    ctx.DPRINT("Tile slice:\n{}\n", ctx.TileSlice(cb_id_in0, 0, sr, TSLICE_INPUT_CB, TSLICE_WR_PTR, True, False))

    ctx.cb_push_back(cb_id_in0, 1)

    ctx.DPRINT(
        "CORE ({},{}): Inbound kernel has received and acknowledged its tile.\n\n",
        ctx.get_absolute_logical_x(),
        ctx.get_absolute_logical_y())

    ctx.cb_reserve_back(cb_id_out0, 1)
    copy_tile_between_cb(ctx, ctx.get_read_ptr(cb_id_in0), ctx.get_write_ptr(cb_id_out0), ublock_size_bytes)
    ctx.cb_push_back(cb_id_out0, 1)
