"""Pieces the block-matmul reader kernels share (the loops tt-metal repeats in each reader variant): read a
block of tiles, send it to a row or column of cores, receive it from the sender."""

from tensix.metal import *


def read_block(ctx, cb_id, s, start_tile_id, stride_w, stride_h, block_w, block_h, tile_bytes):
    """Reserve a block in cb_id and read block_h x block_w tiles into it; returns (L1 address, bytes)."""
    ctx.cb_reserve_back(cb_id, block_w * block_h)
    l1_write_addr = ctx.get_write_ptr(cb_id)
    start_address = l1_write_addr
    block_size_bytes = 0
    row_start_tile_id = start_tile_id
    for _ in range(block_h):
        tile_id = row_start_tile_id
        for _ in range(block_w):
            ctx.noc_async_read_tile(tile_id, s, l1_write_addr)
            l1_write_addr += tile_bytes
            tile_id += stride_w
            block_size_bytes += tile_bytes
        row_start_tile_id += stride_h
    ctx.noc_async_read_barrier()
    return start_address, block_size_bytes


def mcast_block(ctx, start_address, block_size_bytes, dest, num_dests, sender_sem_ptr, receiver_sem_addr):
    """Wait until all receivers are ready, multicast the block to them, then multicast the VALID flag."""
    start_x, start_y, end_x, end_y = dest
    ctx.noc_semaphore_wait(sender_sem_ptr, num_dests)
    ctx.noc_semaphore_set(sender_sem_ptr, 0)
    multicast_data_addr = ctx.get_noc_multicast_addr(end_x, end_y, start_x, start_y, start_address)
    ctx.noc_async_write_multicast(start_address, multicast_data_addr, block_size_bytes, num_dests)
    receiver_sem_noc_addr = ctx.get_noc_multicast_addr(end_x, end_y, start_x, start_y, receiver_sem_addr)
    ctx.noc_semaphore_set_multicast(receiver_sem_addr, receiver_sem_noc_addr, num_dests)


def receive_block(ctx, cb_id, num_tiles, sender_x, sender_y, sender_sem_addr, receiver_sem_ptr):
    """Reserve the block, tell the sender this core is ready, wait for its VALID flag, push the block."""
    ctx.cb_reserve_back(cb_id, num_tiles)
    ctx.noc_semaphore_set(receiver_sem_ptr, INVALID)
    sender_sem_noc_addr = ctx.get_noc_addr(sender_x, sender_y, sender_sem_addr)
    ctx.noc_semaphore_inc(sender_sem_noc_addr, 1)
    ctx.noc_semaphore_wait(receiver_sem_ptr, VALID)
    ctx.cb_push_back(cb_id, num_tiles)


class ReaderArgs:
    """The runtime args every block-matmul reader takes (tt-metal's 39, by their names in the kernels)."""

    NAMES = ("in0_tensor_addr", "in0_tensor_start_tile_id", "in0_tensor_stride_w", "in0_tensor_stride_h",
             "in0_tensor_next_block_stride", "in0_block_w", "in0_block_h", "in0_block_num_tiles",
             "in1_tensor_addr", "in1_tensor_start_tile_id", "in1_tensor_stride_w", "in1_tensor_stride_h",
             "in1_tensor_next_block_stride", "in1_block_w", "in1_block_h", "in1_block_num_tiles", "num_blocks",
             "in0_mcast_dest_noc_start_x", "in0_mcast_dest_noc_start_y", "in0_mcast_dest_noc_end_x",
             "in0_mcast_dest_noc_end_y", "in0_mcast_num_dests", "in0_mcast_sender_noc_x", "in0_mcast_sender_noc_y",
             "in0_mcast_sender_semaphore", "in0_mcast_receiver_semaphore",
             "in1_mcast_dest_noc_start_x", "in1_mcast_dest_noc_start_y", "in1_mcast_dest_noc_end_x",
             "in1_mcast_dest_noc_end_y", "in1_mcast_num_dests", "in1_mcast_sender_noc_x", "in1_mcast_sender_noc_y",
             "in1_mcast_sender_semaphore", "in1_mcast_receiver_semaphore", "MtKt", "KtNt", "batch", "bcast_B")

    def __init__(self, ctx):
        for i, name in enumerate(self.NAMES):
            setattr(self, name, ctx.get_arg_val(i))
        for op in ("in0", "in1"):  # semaphore ids -> their L1 addresses (get_semaphore)
            for role in ("sender", "receiver"):
                sem = getattr(self, f"{op}_mcast_{role}_semaphore")
                setattr(self, f"{op}_mcast_{role}_semaphore_addr", ctx.get_semaphore(sem))

    def dest(self, op: str) -> tuple[int, int, int, int]:
        return tuple(getattr(self, f"{op}_mcast_dest_noc_{e}") for e in ("start_x", "start_y", "end_x", "end_y"))


def run_reader(ctx, in0_role: str, in1_role: str) -> None:
    """The block-matmul reader of one core: each operand read and sent ("sender") or received ("receiver")."""
    a = ReaderArgs(ctx)
    cb_id_in0, cb_id_in1 = 0, 1
    single_tile_size_bytes = ctx.get_tile_size(cb_id_in0)
    for op in ("in0", "in1"):  # a sender's receivers get VALID from it: set it locally first
        if (in0_role, in1_role)[op == "in1"] == "sender":
            ctx.l1_ptr(getattr(a, f"{op}_mcast_receiver_semaphore_addr"))[0] = VALID
    s0_args = ctx.TensorAccessorArgs(0)
    s0 = ctx.TensorAccessor(s0_args, a.in0_tensor_addr)
    s1_args = ctx.TensorAccessorArgs(s0_args.next_compile_time_args_offset())
    s1 = ctx.TensorAccessor(s1_args, a.in1_tensor_addr)
    in0_start, in1_start = a.in0_tensor_start_tile_id, a.in1_tensor_start_tile_id
    for _ in range(a.batch):
        block_start = {"in0": in0_start, "in1": in1_start}
        for _ in range(a.num_blocks):
            for op, role, cb_id, s in (("in0", in0_role, cb_id_in0, s0), ("in1", in1_role, cb_id_in1, s1)):
                num_tiles = getattr(a, f"{op}_block_num_tiles")
                sender_sem_addr = getattr(a, f"{op}_mcast_sender_semaphore_addr")
                receiver_sem_addr = getattr(a, f"{op}_mcast_receiver_semaphore_addr")
                if role == "sender":
                    start_address, nbytes = read_block(
                        ctx, cb_id, s, block_start[op], getattr(a, f"{op}_tensor_stride_w"),
                        getattr(a, f"{op}_tensor_stride_h"), getattr(a, f"{op}_block_w"),
                        getattr(a, f"{op}_block_h"), single_tile_size_bytes)
                    block_start[op] += getattr(a, f"{op}_tensor_next_block_stride")
                    mcast_block(ctx, start_address, nbytes, a.dest(op), getattr(a, f"{op}_mcast_num_dests"),
                                ctx.l1_ptr(sender_sem_addr), receiver_sem_addr)
                    ctx.cb_push_back(cb_id, num_tiles)
                else:
                    receive_block(ctx, cb_id, num_tiles, getattr(a, f"{op}_mcast_sender_noc_x"),
                                  getattr(a, f"{op}_mcast_sender_noc_y"), sender_sem_addr,
                                  ctx.l1_ptr(receiver_sem_addr))
        if a.bcast_B == 0:
            in1_start += a.KtNt
        in0_start += a.MtKt
