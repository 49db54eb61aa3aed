"""The schedule: what the compiler hands the emulator, as typed values (one frozen dataclass per step kind).

`lang`'s passes build it (tile: steps; route: waits, signals, multicast semaphores; alloc: CBs, L1 buffers and
their addresses; emit: the whole Schedule), `tensix/programs/stages` runs it. Its plain form (`to_plain`,
`from_plain`: JSON) and its text form (tensix/schedule/text.py) both come from these classes' fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

from tensix.errors import SourcePos
from tensix.ops import Op
from tensix.schedule.operand import Operand
from tensix.schedule.shard import L1Shard
from tensix.schedule.share import Mcast, Share, run_pages, slice_of

Coord = tuple[int, int]


# --- small records: tuples, so the stage kernels unpack them as fast as the lists they replace ------------------
class Block(NamedTuple):
    """A matmul output block (tiles): A rows [a_row, a_row + rows), output columns [col, col + cols), B's k
    rows from b_offset, written at output row out_row."""

    a_row: int
    rows: int
    col: int
    cols: int
    b_offset: int
    out_row: int

    def out_pages(self, out_cols: int) -> list[int]:
        """The output pages of this block, row by row, in an output `out_cols` tiles wide."""
        s0 = self.out_row * out_cols + self.col  # (no product per page: a 4k-token layer writes millions)
        return [p for s in range(s0, s0 + self.rows * out_cols, out_cols) for p in range(s, s + self.cols)]


class BinaryPage(NamedTuple):
    out: int
    a: int
    b: int


class UnaryPage(NamedTuple):
    out: int
    a: int


class RowSpan(NamedTuple):
    """Tile row `row` of the input: `n` pages from page `first` (reduce and row steps)."""

    row: int
    first: int
    n: int


class CopyPage(NamedTuple):
    """Output page `out` is page `page` of input number `input` (transposed when `transpose` is 1)."""

    out: int
    input: int
    page: int
    transpose: int


class GatherPage(NamedTuple):
    """Output tile `out`: token-id tile row `row_tile`, table tile column `col_tile`."""

    out: int
    row_tile: int
    col_tile: int


# --- records with names ------------------------------------------------------------------------------------------
def _pos() -> SourcePos | None:
    """Where a record was written in a .sched file (None when a pass built it); not part of its value."""
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Wait:
    """Before reading its inputs, the reader waits until semaphore `sem` of its core reaches `count`; `only`: "writer"
    when only the writer waits (for a spread decode row it moves: the reader streams the weights meanwhile)."""

    sem: int
    count: int
    only: str = ""
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class Signal:
    """After its writes land, the writer increments semaphore `sem` once on each of `cores`."""

    sem: int
    cores: tuple[Coord, ...]
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class ChainOp:
    """A unary op applied to every output tile before packing: `fn` (gelu, scale, topk, ...) with its args."""

    fn: str
    args: tuple[int | float, ...] = ()
    at: SourcePos | None = _pos()


STEPS: dict[str, type[Step]] = {}  # step kind name -> its class, as each class below (or elsewhere) defines it


# --- steps ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What every step has: the DRAM buffer it writes, its fused chain, its readiness handshakes, the NoC its reads
    and writes use (None: reads on NoC 1, writes on NoC 0), its math fidelity (LoFi..HiFi4; None: the kernel's,
    HiFi4), and the op it came from (`label`: source op and op id, `src`: path:line:col in the .tdf)."""

    op: ClassVar[str]  # the kind's one name (an Op for the language's primitives); STEPS finds the class by it
    out: str
    chain: tuple[ChainOp, ...] = ()
    wait: tuple[Wait, ...] = ()
    signal: tuple[Signal, ...] = ()
    noc: int | None = None
    fidelity: str | None = None
    label: str = ""
    src: str = ""
    at: SourcePos | None = _pos()

    def __init_subclass__(cls):  # (no super(): a slots dataclass's methods keep the class it replaced)
        """A subclass naming its own `op` is a step kind: the plain and text forms and the stages find it by name."""
        name = cls.__dict__.get("op")
        if name is None:
            return
        had = STEPS.get(name)
        if had is not None and (had.__module__, had.__name__) != (cls.__module__, cls.__name__):  # (slots remake it)
            raise TypeError(f"step kind '{name}' of {cls.__qualname__} is already {had.__qualname__}'s")
        STEPS[name] = cls

    # What a step touches: route turns it into semaphores, the verifier checks it, stages/layout sizes CBs by it.
    def writes(self) -> list[int]:
        """The pages of `out` this core's writer stores (default: each page entry's first field)."""
        return [entry[0] for entry in self.pages]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        """Input buffer -> the pages the reader of `core` needs (None: any of them, as data decides); an input it
        does not read at all is absent (a multicast receiver gets its band from the sender)."""
        return {name: None for name in self.streamed()}

    def streamed(self) -> list[str]:
        """The DRAM inputs an elementwise step streams through its input CBs, in slot order (EL_A, EL_B, ...)."""
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class Matmul(Step):
    """out = a @ b (+ bias) over `blocks`; `kt` k tiles, `b_cols`/`out_cols` tile columns of B and out; `kb`: k
    tiles per step (k-blocked matmuls); `sub`: (rows, cols) of the sub-blocks DST holds, each k step running all
    of a block's with fp32 partial sums kept between steps (tt-metal's out_subblock); None: the whole block.
    `a_kb`: k tiles per step of the activation moving in longer steps than the weights (a multiple of kb; 0: kb):
    a decode matmul multicasts its whole row once (a_kb = kt). `b_slots`, `out_slots`: k steps of weights the B CB
    holds, sub-blocks the output CB holds (0: two; more: reads run ahead, the math never waits for the writer)."""

    op: ClassVar[Op] = Op.MATMUL
    a: str
    b: str
    kt: int
    b_cols: int
    out_cols: int
    blocks: tuple[Block, ...]
    bias: str | None = None
    kb: int = 1
    mcast: Mcast | None = None
    sub: tuple[int, int] | None = None
    a_kb: int = 0
    b_slots: int = 0
    out_slots: int = 0

    def writes(self) -> list[int]:
        return [p for b in self.blocks for p in b.out_pages(self.out_cols)]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        m = self.mcast or Mcast()
        kt, cols, need = self.kt, self.b_cols, {}
        if m.a and m.a.senders and slice_of(m.a, core)[1]:  # its own run of a spread row
            need[self.a] = run_pages(m.a, core, self.blocks, kt)
        elif _reads_itself(m.a, core):  # each band once: blocks share them (a 16384^3 core's 32 blocks one A band)
            for a_r0, bm in dict.fromkeys((b[0], b[1]) for b in self.blocks):
                need.setdefault(self.a, set()).update(range(a_r0 * kt, (a_r0 + bm) * kt))  # rows a_r0.., every k
        if _reads_itself(m.b, core):
            for c0, bn, b_off in dict.fromkeys((b[2], b[3], b[4]) for b in self.blocks):
                need.setdefault(self.b, set()).update((b_off + k) * cols + c0 + j for k in range(kt) for j in range(bn))
        for _, _, c0, bn, _, _ in self.blocks if self.bias else ():
            need.setdefault(self.bias, set()).update(range(c0, c0 + bn))
        if m.b and m.b.a_rows:  # skipping: every core checks the zero headers of all rows of A
            need[self.a] = None
        return need


@dataclass(frozen=True, slots=True, kw_only=True)
class MatmulRows(Matmul):
    """A decode matmul whose weights also sit row-major in `b_rows`: only rows of live activation columns
    move when at most `max_density` of them are live."""

    op: ClassVar[Op] = Op.MATMUL_ROWS
    b_rows: str
    max_density: float = 0.5

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        """A shared activation band, weights gathered by row: which depends on the data."""
        return {name: None for name in (self.a, self.b, self.bias, self.b_rows) if name}


@dataclass(frozen=True, slots=True, kw_only=True)
class Binary(Step):
    """out = fn(a, b) page by page; `bcast`: none, row or col (b broadcast along it); `more`: the inputs of the
    binary ops fused after it (lang/passes/fuse.py), applied in DST where the chain's OPERAND items say."""

    op: ClassVar[Op] = Op.BINARY
    a: str
    b: str
    fn: str
    bcast: str
    pages: tuple[BinaryPage, ...]
    more: tuple[Operand, ...] = ()

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        if not self.pages:
            return {}
        out, pa, pb = zip(*self.pages)  # (a causal mask's add at 4k tokens: 147k pages a layer)
        need = {self.a: {*pa, *pb}} if self.a == self.b else {self.a: set(pa), self.b: set(pb)}
        for m in self.more:
            need.setdefault(m.name, set()).update(map(m.page, out))
        return need

    def streamed(self) -> list[str]:
        return [self.a, self.b]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unary(Step):
    """out = chain(a) page by page."""

    op: ClassVar[Op] = Op.UNARY
    a: str
    pages: tuple[UnaryPage, ...]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        return {self.a: {pa for _, pa in self.pages}}

    def streamed(self) -> list[str]:
        return [self.a]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reduce(Step):
    """One output tile per tile row of a: fn (sum, max) along the row, times `scale`."""

    op: ClassVar[Op] = Op.REDUCE
    a: str
    fn: str
    scale: float
    rows: tuple[RowSpan, ...]

    def writes(self) -> list[int]:
        return [r[0] for r in self.rows]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        return {self.a: _spanned(self.rows)}

    def streamed(self) -> list[str]:
        return [self.a]


@dataclass(frozen=True, slots=True, kw_only=True)
class Row(Step):
    """softmax / layernorm / rmsnorm over tile rows of `nt` tiles; `aux`: gamma and beta, or the mask (`mask_rows`
    rows). Norms: `cols` (c0, c1) the tile columns written, of whole rows read or of those with `parts` (norm.py).
    `block` > 0: a row too wide for L1 streams, `block` tiles at a time, read once per pass (rowstream.py)."""

    op: ClassVar[Op] = Op.ROW
    a: str
    fn: str
    nt: int
    rows: tuple[RowSpan, ...]
    eps: float = 0.0
    aux: tuple[str, ...] = ()
    mask_rows: int = 0
    cols: tuple[int, int] = (0, 0)
    parts: tuple[Coord, ...] = ()
    sem: int = -1
    block: int = 0

    def writes(self) -> list[int]:
        return [first + j for _, first, _ in self.rows for j in (range(*self.cols) if self.cols[1] else range(self.nt))]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        nt, need = self.nt, {self.a: set(self.writes()) if self.parts else _spanned(self.rows)}
        if self.fn == "softmax" and self.aux:  # the mask's tile rows these rows add
            return need | {self.aux[0]: {(r % self.mask_rows) * nt + j for r, _, _ in self.rows for j in range(nt)}}
        return need | {name: set(range(*self.cols) if self.cols[1] else range(nt)) for name in self.aux}  # gamma, beta


@dataclass(frozen=True, slots=True, kw_only=True)
class Copy(Step):
    """Pages moved from any of `inputs` (reshape, transpose, concat, slice)."""

    op: ClassVar[Op] = Op.COPY
    inputs: tuple[str, ...]
    pages: tuple[CopyPage, ...]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        need: dict[str, set[int]] = {}
        for _, index, page, _ in self.pages:
            need.setdefault(self.inputs[index], set()).add(page)
        return need

    def streamed(self) -> list[str]:
        return list(self.inputs)


@dataclass(frozen=True, slots=True, kw_only=True)
class GatherRows(Step):
    """Embedding lookup: output tiles assembled from the `table` rows the token `ids` name."""

    op: ClassVar[Op] = Op.GATHER_ROWS
    ids: str
    table: str
    table_cols: int
    pages: tuple[GatherPage, ...]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        """Rows chosen by the token ids: which depends on the data."""
        return {self.ids: None, self.table: None}


def _reads_itself(share: Share | None, core: Coord) -> bool:
    """Whether a core reads a multicast operand from DRAM itself: no multicast, or it is the sender."""
    return share is None or share.n == 0 or share.sender == core


def _spanned(rows) -> set[int]:
    return {p for _, first, n in rows for p in range(first, first + n)}


# --- a core, the program ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CB:
    """Circular buffer `id` on a core: `pages` pages of `page_nbytes` in `fmt` at L1 `address`; `owners`: the
    ops whose steps use it."""

    id: int
    name: str
    fmt: str
    pages: int
    page_nbytes: int
    address: int
    owners: tuple[str, ...] = ()
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class L1Buffer:
    """A named L1 buffer (multicast staging) of `nbytes` at `address`."""

    name: str
    nbytes: int
    address: int
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class Units:
    """Pages each reservation of a core's CBs takes, fixed per core so reservations never wrap: matmul A, B,
    output and bias units (stages/layout.blocking), and the elementwise unit (stages/layout.el_unit)."""

    a: int = 1
    b: int = 1
    out: int = 1
    bias: int = 1
    el: int = 1
    a_mover: str = ""  # "writer": every matmul's activation moves on the writer (k-blocked and plain ones mix)
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class CoreSchedule:
    """One core: units, semaphores waited on, L1 buffers, CBs and steps in order (each kernel does its part of each)."""

    core: Coord
    units: Units
    semaphores: tuple[int, ...]
    buffers: tuple[L1Buffer, ...]
    cbs: tuple[CB, ...]
    steps: tuple[Step, ...]
    shards: tuple[L1Shard, ...] = ()  # its shards of L1-resident tensors, laid out after its CBs
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class DramBuffer:
    """A DRAM tensor: role input / param (host-written), output (read back), scratch, state (kept on the device between
    runs, zero at first) or state_next (the next run's `source` state); layout tiles (interleaved: tile p in bank
    p % banks), rows (a matrix row per page) or sharded (ttnn's DRAM-sharded weights: bank b holds a contiguous band
    of `bank_cols[b]` tile columns, the bands in bank order); `source`: the host array filling it, if not its name."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    role: str = "scratch"
    layout: str = "tiles"
    source: str = ""
    memory: str = "dram"  # or "l1": no DRAM pages; the tensor lives in its cores' L1 shards (CoreSchedule.shards)
    bank_cols: tuple[int, ...] = ()
    base: int | None = None  # bank offset (where it reuses dead tensors' space); None: after the buffers before it
    at: SourcePos | None = _pos()


@dataclass(frozen=True, slots=True)
class Schedule:
    """The placed program: DRAM buffers and per-core schedules in (y, x) order; `semaphores`: the size of the
    semaphore region every core holds (semaphore k at one L1 address on all of them); `source`: the .tdf it
    came from (its params' initializers and the reference check live there)."""

    name: str
    device: str
    source: str
    semaphores: int
    buffers: tuple[DramBuffer, ...]
    cores: tuple[CoreSchedule, ...]
    at: SourcePos | None = _pos()


RECORDS: dict[str, type] = {cls.__name__: cls for cls in (Wait, Signal, ChainOp, Operand, Share, Mcast, CB, L1Buffer,
                                                          L1Shard, Units, CoreSchedule, DramBuffer, Schedule)}
TUPLES: dict[str, type] = {cls.__name__: cls for cls in (Block, BinaryPage, UnaryPage, RowSpan, CopyPage, GatherPage)}

