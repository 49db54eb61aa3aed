"""Read the tile from DRAM, wait until every receiver is ready, multicast the tile and the VALID flag."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    start_x = ctx.get_arg_val(0)
    start_y = ctx.get_arg_val(1)
    end_x = ctx.get_arg_val(2)
    end_y = ctx.get_arg_val(3)
    sender_addr = ctx.get_semaphore(ctx.get_arg_val(4))
    receiver_addr = ctx.get_semaphore(ctx.get_arg_val(5))
    dram_bank_id = ctx.get_arg_val(6)
    src0_dram = ctx.get_arg_val(7)
    single_tile_size = ctx.get_arg_val(8)
    num_dests = ctx.get_arg_val(9)

    src0_dram_noc_addr = ctx.get_noc_addr_from_bank_id(dram_bank_id, src0_dram, dram=True)
    cb_id_in0 = CB.c_in0
    cb_id_out0 = CB.c_out0  # noqa: F841
    ublock_size_bytes = ctx.get_tile_size(cb_id_in0)
    tile_l1_addr = ctx.get_write_ptr(cb_id_in0)

    ctx.noc_async_read(src0_dram_noc_addr, tile_l1_addr, ublock_size_bytes)
    ctx.noc_async_read_barrier()

    sr = SliceRange(h0=0, h1=32, hs=8, w0=0, w1=32, ws=8)
    ctx.DEVICE_PRINT("Tile slice:\n{}\n", ctx.TileSlice(cb_id_in0, 0, sr, TSLICE_INPUT_CB, TSLICE_WR_PTR, True, False))

    ctx.cb_push_back(cb_id_in0, 1)

    sender_addr_ptr = ctx.l1_ptr(sender_addr, np.uint32)
    receiver_addr_ptr = ctx.l1_ptr(receiver_addr, np.uint32)

    ctx.noc_semaphore_wait(sender_addr_ptr, num_dests)

    ctx.noc_semaphore_set(sender_addr_ptr, 0)

    ctx.DEVICE_PRINT(
        "CORE ({},{}): Tile ready for multicast. I am starting all inbound kernels in cores in given range.\n\n",
        ctx.get_absolute_logical_x(),
        ctx.get_absolute_logical_y())

    identity_tile_global_multicast_addr = ctx.get_noc_multicast_addr(start_x, start_y, end_x, end_y, tile_l1_addr)
    ctx.noc_async_write_multicast(tile_l1_addr, identity_tile_global_multicast_addr, single_tile_size, num_dests)

    receiver_addr_ptr[0] = VALID
    validity_global_multicast_addr = ctx.get_noc_multicast_addr(start_x, start_y, end_x, end_y, receiver_addr)
    ctx.noc_semaphore_set_multicast(receiver_addr, validity_global_multicast_addr, num_dests)

    ctx.noc_async_write_barrier()
