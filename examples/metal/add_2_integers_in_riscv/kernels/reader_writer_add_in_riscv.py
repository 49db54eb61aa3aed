"""Read two uint32 from DRAM into L1, add them on the RISC-V, write the sum back to DRAM."""

from tensix.metal import *


def kernel_main(ctx):
    src0_dram = ctx.get_arg_val(0)
    src1_dram = ctx.get_arg_val(1)
    dst_dram = ctx.get_arg_val(2)
    src0_l1 = ctx.get_arg_val(3)
    src1_l1 = ctx.get_arg_val(4)
    dst_l1 = ctx.get_arg_val(5)

    src0 = ctx.InterleavedAddrGen(is_dram=True, bank_base_address=src0_dram, page_size=np.dtype(np.uint32).itemsize)
    src1 = ctx.InterleavedAddrGen(is_dram=True, bank_base_address=src1_dram, page_size=np.dtype(np.uint32).itemsize)
    dst = ctx.InterleavedAddrGen(is_dram=True, bank_base_address=dst_dram, page_size=np.dtype(np.uint32).itemsize)

    src0_dram_noc_addr = ctx.get_noc_addr(0, src0)
    src1_dram_noc_addr = ctx.get_noc_addr(0, src1)
    ctx.noc_async_read(src0_dram_noc_addr, src0_l1, np.dtype(np.uint32).itemsize)
    ctx.noc_async_read(src1_dram_noc_addr, src1_l1, np.dtype(np.uint32).itemsize)
    ctx.noc_async_read_barrier()

    dat0 = ctx.l1_ptr(src0_l1, np.uint32)
    dat1 = ctx.l1_ptr(src1_l1, np.uint32)
    out0 = ctx.l1_ptr(dst_l1, np.uint32)

    ctx.DPRINT("Adding integers: ", dat0[0], " + ", dat1[0], "\n")

    out0[0] = dat0[0] + dat1[0]

    dst_dram_noc_addr = ctx.get_noc_addr(0, dst)
    ctx.noc_async_write(dst_l1, dst_dram_noc_addr, np.dtype(np.uint32).itemsize)
    ctx.noc_async_write_barrier()
