"""NoC addresses as tt-metal encodes them, and the address generators that turn a page id into one.

A unicast NoC address is ((y << 6 | x) << 36) | local address; a multicast one packs the rectangle's corners
(tt-metal's NOC_XY_ADDR / NOC_MULTICAST_ADDR for Wormhole and Blackhole: 36 local bits, 6 bits per coordinate).
InterleavedAddrGen, InterleavedAddrGenFast and TensorAccessor put page id in bank id % banks at
base + (id // banks) * aligned page size, the bank's NoC position from the device's bank table.
"""

from __future__ import annotations

from tensix.errors import KernelError

LOCAL_BITS = 36
NODE_BITS = 6
LOCAL_MASK = (1 << LOCAL_BITS) - 1
NODE_MASK = (1 << NODE_BITS) - 1
DRAM_ALIGNMENT, L1_ALIGNMENT = 32, 16
SHARDED, IS_DRAM = 1, 2  # TensorAccessorArgs config bits


def noc_xy_addr(x: int, y: int, addr: int) -> int:
    return (((y << NODE_BITS) | x) << LOCAL_BITS) | addr


def decode(noc_addr) -> tuple[int, int, int]:
    """(x, y, local address) of a unicast NoC address (a tuple passes through)."""
    if isinstance(noc_addr, tuple):
        return noc_addr
    n = int(noc_addr)
    xy = n >> LOCAL_BITS
    return xy & NODE_MASK, (xy >> NODE_BITS) & NODE_MASK, n & LOCAL_MASK


def noc_multicast_addr(x_start: int, y_start: int, x_end: int, y_end: int, addr: int) -> int:
    enc = (x_start << 2 * NODE_BITS) | (y_start << 3 * NODE_BITS) | x_end | (y_end << NODE_BITS)
    return (enc << LOCAL_BITS) | addr


def decode_multicast(noc_addr: int) -> tuple[int, int, int, int, int]:
    """(x_start, y_start, x_end, y_end, local address) of a multicast NoC address."""
    n = int(noc_addr)
    enc = n >> LOCAL_BITS
    return ((enc >> 2 * NODE_BITS) & NODE_MASK, (enc >> 3 * NODE_BITS) & NODE_MASK, enc & NODE_MASK,
            (enc >> NODE_BITS) & NODE_MASK, n & LOCAL_MASK)


class _Interleaved:
    """Bank and offset of a page of an interleaved buffer, as tt-metal's InterleavedAddrGen computes them."""

    def __init__(self, ctx, is_dram: bool, bank_base_address: int, page_size: int):
        self.ctx, self.is_dram = ctx, bool(is_dram)
        self.bank_base_address, self.page_size = int(bank_base_address), int(page_size)
        align = DRAM_ALIGNMENT if self.is_dram else L1_ALIGNMENT
        self.aligned_page_size = -(-self.page_size // align) * align
        self.banks = ctx.bank_xy(self.is_dram)
        self.num_banks = len(self.banks)

    def get_noc_addr(self, page_id: int, offset: int = 0, noc: int | None = None) -> int:
        x, y, a = self.location(page_id, offset)
        return noc_xy_addr(x, y, a)

    def location(self, page_id: int, offset: int = 0) -> tuple[int, int, int]:
        bank, slot = page_id % self.num_banks, page_id // self.num_banks
        x, y = self.banks[bank]
        return x, y, self.bank_base_address + slot * self.aligned_page_size + offset


class InterleavedAddrGen(_Interleaved):
    """InterleavedAddrGen<DRAM>{.bank_base_address, .page_size}."""


class InterleavedPow2AddrGen(_Interleaved):
    """InterleavedPow2AddrGen<DRAM>{.bank_base_address, .log_base_2_of_page_size}: pages of 2^log bytes."""

    def __init__(self, ctx, is_dram: bool, bank_base_address: int, log_base_2_of_page_size: int):
        super().__init__(ctx, is_dram, bank_base_address, 1 << int(log_base_2_of_page_size))


class InterleavedAddrGenFast(_Interleaved):
    """InterleavedAddrGenFast<DRAM>{.bank_base_address, .page_size, .data_format}."""

    def __init__(self, ctx, is_dram: bool, bank_base_address: int, page_size: int, data_format=None):
        super().__init__(ctx, is_dram, bank_base_address, page_size)
        self.data_format = data_format


class TensorAccessorArgs:
    """Compile-time description of a buffer, read from compile-time arg `cta_offset` on (device side), or built
    from a Buffer and appended to a list of compile-time args (host side)."""

    def __init__(self, source=0, crta_offset: int = 0, *, ctx=None):
        if ctx is None:  # host: TensorAccessorArgs(buffer)
            self.buffer, self.words = source, _host_words(source)
            self.offset = 0
        else:  # device: ctx.TensorAccessorArgs(cta_offset)
            self.offset = int(source)
            flags = ctx.get_compile_time_arg_val(self.offset)
            count = 1 if not flags & SHARDED else 1 + 6 + ctx.get_compile_time_arg_val(self.offset + 2)
            self.words = [ctx.get_compile_time_arg_val(self.offset + i) for i in range(count)]
        self.is_dram = bool(self.words[0] & IS_DRAM)
        self.is_sharded = bool(self.words[0] & SHARDED)

    def append_to(self, args: list) -> list:
        args.extend(self.words)
        return args

    def get_compile_time_args(self) -> list[int]:
        return list(self.words)

    def next_compile_time_args_offset(self) -> int:
        return self.offset + len(self.words)

    def compile_time_args_skip(self) -> int:
        return len(self.words)


def _host_words(buf) -> list[int]:
    buf = buf.get_backing_buffer()
    flags = (SHARDED if buf.is_sharded() else 0) | (IS_DRAM if buf.is_dram() else 0)
    if not buf.is_sharded():
        return [flags]
    spec = buf.shard
    cores = buf._shard_cores
    return [flags, 2, len(cores), *spec.tensor2d_shape_in_pages, *spec.shape_in_pages(),
            *[(x << 16) | y for x, y in cores]]


class TensorAccessor:
    """TensorAccessor(args, address, page_size): page id -> NoC address of any interleaved or sharded buffer."""

    def __init__(self, ctx, args: TensorAccessorArgs, address: int, page_size: int | None = None):
        if not isinstance(args, TensorAccessorArgs):
            raise KernelError(f"{ctx.where()}: TensorAccessor needs TensorAccessorArgs, got {args!r}")
        self.ctx, self.args, self.address = ctx, args, int(address)
        buf = ctx.mdev.buffer_at(self.address, args.is_dram)
        if page_size is None:
            if buf is None:
                raise KernelError(f"{ctx.where()}: no {'DRAM' if args.is_dram else 'L1'} buffer at 0x{address:x}; "
                                  f"pass the page size to TensorAccessor(args, address, page_size)")
            page_size = buf.page_size()
        self.page_size = int(page_size)
        self.buffer = buf
        self._interleaved = None if args.is_sharded else _Interleaved(ctx, args.is_dram, address, self.page_size)

    def location(self, page_id: int, offset: int = 0) -> tuple[int, int, int]:
        if self._interleaved is not None:
            return self._interleaved.location(page_id, offset)
        where, addr = self.buffer.page_location(page_id)
        x, y = self.ctx.bank_noc_xy(where, self.args.is_dram)
        return x, y, addr + offset

    def get_noc_addr(self, page_id: int, offset: int = 0, noc: int | None = None) -> int:
        x, y, a = self.location(page_id, offset)
        return noc_xy_addr(x, y, a)
