"""Copy a float from DRAM (read at NoC (1, 0): Grayskull's DRAM bank 0, as tt-metal's kernel hard-codes) into L1
and DPRINT it."""

from tensix.metal import *


def kernel_main(ctx):
    dram_addr = ctx.get_arg_val(0)
    noc_addr = ctx.get_noc_addr(1, 0, dram_addr)
    cb_id = CB.c_in0
    size = ctx.get_tile_size(cb_id)
    l1_addr = ctx.get_write_ptr(cb_id)
    ctx.cb_reserve_back(cb_id, 0)
    ctx.noc_async_read(noc_addr, l1_addr, size)
    ctx.noc_async_read_barrier()

    data = ctx.l1_ptr(l1_addr, np.float32)
    ctx.DPRINT("Master, I have retrieved the value stored on Device 0 DRAM. Here we go.  It is: ", float(data[0]))

    ctx.cb_push_back(cb_id, 0)
