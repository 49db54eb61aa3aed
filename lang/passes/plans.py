"""Matmul plans of the tile pass: tt-metal's multicast matmul on a grid of cores (`grid_matmul`) and ttnn's 1-D
matmul for decode (`decode_matmul`), and when each pays. Each returns {core: Matmul step}.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tensix.config import MeshConfig
from tensix.formats import tile_nbytes
from tensix.lang import pages
from tensix.lang.errors import PlacementError
from tensix.lang.ir import Node, TensorType
from tensix.lang.passes.choose import cheapest
from tensix.lang.passes.sharded import ShardPlan, sharded_matmul
from tensix.ops import Op
from tensix.presets import resolve
from tensix.programs.stages.layout import SLOTS
from tensix.schedule.contract import Block, ChainOp, Matmul, Mcast, Share
from tensix.timing import TimingModel

DST_TILES = 16  # output tiles a core accumulates at once


def common(n: Node, names: dict, **fields) -> dict:
    chain = tuple(ChainOp(c[0], tuple(c[1:])) for c in n.attrs.get("chain", []))
    return {"out": names[n.id], "chain": chain, **fields}


def reuse_eligible(n: Node, ts: list[TensorType]) -> bool:
    """Whether a 2-D matmul (no sharding or @mcast given) may run as the multicast grid matmul unasked: when its
    output blocks fill more than one core, so some operand band is shared. Whether it does is the cost
    estimate's choice (lang/passes/choose.py)."""
    if n.annotations.shard is not None or n.annotations.mcast is not None or ts[0].rank != 2 or ts[1].rank != 2:
        return False
    g = _Grid.of(n, ts)
    return g.rows * g.cols >= 2


def k_steps(n: Node, ts: list[TensorType]) -> list[int]:
    """k tiles per step a grid matmul may take (each at most what fits L1, grid_matmul clamps): all of k, or k
    in 2 or 4 steps. Fewer tiles a step overlap the bands' reads and multicasts with more of the compute, at a
    handshake per step. (With 8 and 16 steps as well, the estimate chose them for matmuls that share the NoC
    with others at once, where their handshakes cost more than it counts: 02_matmul 16225 cycles against
    15730, the GPT-2 block 292225 against 286641.)"""
    kt = pages.tiles(ts[0].shape[1])
    return sorted({-(-kt // s) for s in (1, 2, 4) if s <= kt}, reverse=True)


DECODE_STEPS = 8  # fewest k steps of a decode matmul: the weight stream overlaps compute after the first
DECODE_SLOTS = 3  # fewest k steps of weights a decode matmul's B CB holds: the reads run on while the activation lands
# More when L1 has room, up to all of a core's k steps: a core whose reader has nothing earlier to do then reads its
# whole weight slice while the activation is still being computed (SmolLM2's decode step, a chain of small ops
# between weight matmuls: 103k -> 96k cycles a layer; 08_moe 71,266 -> 72,176, where its decode matmuls' early
# reads compete with the ops before them).


# WIDE_DECODE: every decode matmul multicasts its activation, so the cores running them share one set of matmul CB
# units (stages/layout.core_layouts), and each k step of each of them reserves the widest weight band among them.
# A wide one (more output columns a core than DST holds: SmolLM2's output head, 24 columns on each of 64 cores)
# takes k steps of one tile, so that unit stays one tile row of it and the narrow decode matmuls on the same
# cores (2 columns, 3 k tiles a step) keep as many of their own k steps in flight as the shared B CB has units:
# 6 instead of 3 (SmolLM2 decode: 88,102 -> 78,014 cycles a layer, 3,033,834 -> 2,696,660 a token).


def decode_pays(n: Node, ts: list[TensorType]) -> bool:
    """A 2-D matmul of one activation tile row (decode), no sharding or @mcast given, over more than one k tile
    and more output columns than one core's DST holds: its weights are the traffic."""
    a, b = ts[0], ts[1]
    if n.annotations.shard is not None or n.annotations.mcast is not None or a.rank != 2 or b.rank != 2:
        return False
    return pages.tiles(a.shape[0]) == 1 and pages.tiles(a.shape[1]) > 1 and pages.tiles(b.shape[1]) > 1


def decode_matmul(n: Node, ts: list[TensorType], names: dict, cfg: MeshConfig, share: int = 1,
                  sharded: ShardPlan | None = None) -> dict:
    """A decode matmul as ttnn's 1-D (width-sharded) matmul: the output's tile columns in contiguous runs over
    as many cores as have one (whole rows of the core rectangle, so they form one), each core streaming its
    weight columns from DRAM in k steps of many reads in flight, while one core reads the activation row and
    multicasts it to all (`Mcast.a`). At least DECODE_STEPS k steps, fewer tiles each when L1 is short.
    `sharded`: the weights lie DRAM-sharded, and the cores take their bank's columns (lang/passes/sharded.py)."""
    a, b = ts[0], ts[1]
    kt, nt = pages.tiles(a.shape[1]), pages.tiles(b.shape[1])
    if sharded is None:
        cores = n.attrs["_cores"]
        xs, ys = sorted({c[0] for c in cores}), sorted({c[1] for c in cores})
        if nt < len(xs):
            xs, ys = xs[:nt], ys[:1]
        else:
            ys = ys[:max(1, min(len(ys), nt // len(xs)))]
        used = [(x, y) for y in ys for x in xs]
        runs = [(i * nt // len(used), (i + 1) * nt // len(used)) for i in range(len(used))]
    else:
        runs = [(lo, hi) for _, _, lo, hi in sharded.cores.values()]
    width = max(hi - lo for lo, hi in runs)
    ta, tb, to = (tile_nbytes("fp32" if t.dtype == "int32" else t.dtype) for t in (a, b, n.type))
    room = L1_OPERANDS * cfg.l1_bytes / share - 2 * width * to
    whole = SLOTS * kt * ta <= L1_ACTIVATION * cfg.l1_bytes / share  # the activation row moves once
    per_k = DECODE_SLOTS * width * tb + (0 if whole else SLOTS * ta)
    kb = max(1, min(-(-kt // DECODE_STEPS), int((room - (SLOTS * kt * ta if whole else 0)) // per_k)))
    kb = -(-kt // -(-kt // kb))
    held = int((room - (SLOTS * kt * ta if whole else 0) - (0 if whole else SLOTS * ta)) // (kb * width * tb))
    slots = max(DECODE_SLOTS, min(-(-kt // kb), held))
    if width > DST_TILES:  # the same weight bytes in flight, cut into k steps of one tile (see WIDE_DECODE)
        kb, slots = 1, min(kt, slots * kb)
    fields = {"a": names[n.inputs[0]], "b": names[n.inputs[1]], "kt": kt, "b_cols": nt, "out_cols": nt, "kb": kb,
              "sub": (1, DST_TILES) if width > DST_TILES else None, "a_kb": kt if whole and kb < kt else 0,
              "b_slots": slots}
    if len(n.inputs) > 2:
        fields["bias"] = names[n.inputs[2]]
    if sharded is not None:
        return sharded_matmul(n, ts, names, sharded, common(n, names, **fields))
    share_a = Share(sender=used[0], rect=(xs[0], ys[0], xs[-1], ys[-1]), n=len(used) - 1)
    return {core: Matmul(**common(n, names, **fields), blocks=(Block(0, 1, lo, hi - lo, 0, 0),),
                         mcast=Mcast(a=share_a)) for core, (lo, hi) in zip(used, runs, strict=True)}


def spread(steps: dict) -> dict | None:
    """A decode plan's steps with its activation row spread over its cores (`Share.senders`): the row's k tiles in
    contiguous runs over the senders in (y, x) order, each reading its run and multicasting it to the others, all at
    once (stages/mcast.spread_row), instead of one sender gathering the whole row and then multicasting it.
    The senders fill a rectangle, which every core tells it is ready with one multicast: all the cores, or with more
    cores than k tiles as many whole rows of them as get a tile each (else the start of the first row). On
    SmolLM2's gate, up and output head (18 k tiles, rows of 8 cores) 16 cores send, where 18 would take two
    multicasts a core: a 4-layer decode step 502,003 cycles against 503,061.
    Every other sender multicasts on NoC 1, the rest on NoC 0: each core takes in the whole row from all the others
    at once, and on one NoC all of it would queue on its one link into the core (a 4-layer SmolLM2 decode step:
    546,405 cycles with every row on one NoC, 538,262 on both; 535,564 with each sender's reads of its run on its
    NoC too, rather than its step's). Only where the row moves in one unit (`a_kb` = kt, one block of one tile
    row); else None."""
    first = next(iter(steps.values()))
    share = first.mcast.a if first.mcast else None
    if share is None or share.n == 0 or (first.a_kb or first.kb) < first.kt or first.blocks[0].rows != 1:
        return None
    cores = sorted(steps, key=lambda c: (c[1], c[0]))
    kt, width = first.kt, share.rect[2] - share.rect[0] + 1
    n = len(cores) if len(cores) <= kt else kt // width * width or kt  # a rectangle: whole rows, or part of one
    senders = tuple((cores[i], i * kt // n, (i + 1) * kt // n, i % 2) for i in range(n))
    return {c: replace(s, mcast=replace(s.mcast, a=replace(share, senders=senders))) for c, s in steps.items()}


def spread_pays(n: Node, steps: dict, done: list[Node], lays: dict, cfg: MeshConfig, fid: str, memo: dict
                 ) -> dict | None:
    """A decode matmul's plan with its activation row spread over its cores (`spread`), where an op before it
    wrote that row from more than one core (so no core holds it whole) and the estimate is lower than one sender
    gathering it; else None."""
    src = n.inputs[0]
    producers = {m.id: m for m in done}
    while src in producers and producers[src].op == Op.VIEW:
        src = producers[src].inputs[0]
    if src not in producers or len(producers[src].attrs["_steps"]) < 2:
        return None
    option = spread(steps)
    if option is None:
        return None
    best, _ = cheapest([steps, option], lays, cfg, fid, memo)
    return option if best else None


def sender_noc(steps: dict, nocs: list[int], asked: int | None = None) -> dict:
    """A decode matmul's steps with its sender (the core reading the activation row and multicasting it) on the
    NoC fewer of the earlier decode matmuls of the same activation gathered it on (`nocs`, appended to; a tie keeps
    the plan's NoC, 0 unless DRAM-sharded). Decode matmuls of one activation (a layer's q, k and v projections;
    gate and up) gather the same pages from the same cores at once, and on one NoC those reads queue on the same
    links, as a split one-row norm's do (docs/architecture.md, "One-row norms"). The sender's weight reads and
    writes take that NoC too (a step has one). `asked`: the op's @noc, which route gives all its cores."""
    sender = min(steps, key=lambda c: (c[1], c[0]))
    step = steps[sender]
    mine = 0 if step.noc is None else step.noc  # route puts a multicast matmul with no NoC on NoC 0
    if asked is not None:
        mine = asked
    elif nocs.count(mine) > nocs.count(1 - mine):
        mine = 1 - mine
        steps = {**steps, sender: replace(step, noc=mine)}
    nocs.append(mine)
    return steps


@dataclass(frozen=True)
class _Grid:
    """A matmul's output blocks laid on its core rectangle (columns xs, rows ys) as a grid: blocks of bm x bn
    tiles, on the rows x cols cores that get one (ceil division can leave the last ones idle)."""

    xs: list[int]
    ys: list[int]
    mt: int
    kt: int
    nt: int
    bm: int
    bn: int

    @staticmethod
    def of(n: Node, ts: list[TensorType]) -> _Grid:
        cores = n.attrs["_cores"]
        xs, ys = sorted({c[0] for c in cores}), sorted({c[1] for c in cores})
        mt, kt, nt = pages.tiles(ts[0].shape[0]), pages.tiles(ts[0].shape[1]), pages.tiles(ts[1].shape[1])
        return _Grid(xs, ys, mt, kt, nt, -(-mt // len(ys)), -(-nt // len(xs)))

    @property
    def rows(self) -> int:
        return -(-self.mt // self.bm)

    @property
    def cols(self) -> int:
        return -(-self.nt // self.bn)

    @property
    def last(self) -> int:
        """Columns of the last grid column's blocks (may be fewer than bn)."""
        return self.nt - (self.cols - 1) * self.bn


@dataclass(frozen=True)
class _Plan:
    """How a core runs its grid block (tt-metal's matmul_multicore_reuse_mcast): the block's columns in
    `passes` blocks of `width` (more than one only when the fp32 partial sums of a whole block would not fit
    L1), each block's k in steps of `kb` tiles (sized by what fits L1), output sub-blocks of `sub` tiles."""

    passes: int
    width: int
    kb: int
    sub: tuple[int, int]
    room: float = 0.0  # L1 bytes left for the operand bands beside the partial sums, 2 output sub-blocks and bias
    whole: int = 0  # sub-blocks of a block whose partial sums spill (0: it does not spill)

    def out_slots(self, kb: int, fmts: tuple[str, str, str], bm: int) -> int:
        """Sub-blocks the output CB holds at k steps of `kb` (Matmul.out_slots): all of a spilling block's, as
        tt-metal's multicast matmul holds its whole output block, where they fit beside the operand bands;
        else 0 (two)."""
        ta, tb, to = (tile_nbytes(f) for f in fmts)
        left = self.room - kb * SLOTS * (bm * ta + self.width * tb)
        return self.whole if self.whole > 2 and left >= (self.whole - 2) * self.sub[0] * self.sub[1] * to else 0


L1_OPERANDS = 0.8  # share of L1 the double-buffered operand CBs and a block's partial sums may take
L1_ACTIVATION = 0.4  # share of L1 a decode matmul's whole activation row (double-buffered) may take
L1_PARTIALS = 0.4  # share of L1 a block's fp32 partial sums may take (more: the block goes in passes)


def _plan(g: _Grid, fmts: tuple[str, str, str], cfg: MeshConfig, share: int, fidelity: str = "HiFi4") -> _Plan:
    """The widest blocks whose fp32 partial sums fit L1_PARTIALS of L1 (and that every core of a grid row
    splits alike, so the row's multicasts pair up), then the largest k step whose double-buffered A and B
    bands fit the rest of L1_OPERANDS of it, divided among the `share` multicast matmuls that may lay their
    operand CBs out alike on one core (stages/layout.core_layouts). A spilling block's output CB holds the whole
    block, as tt-metal's (out_CB_tiles = out_block_tiles), sized before the k step, where that step still hides
    the packer (`holds_whole`); else two sub-blocks."""
    ta, tb, to = (tile_nbytes(f) for f in fmts)
    l1 = cfg.l1_bytes / share
    passes = next((p for p in range(1, g.bn + 1) if g.bm * -(-g.bn // p) * 4096 <= L1_PARTIALS * l1
                   and -(-g.last // -(-g.bn // p)) == p), 1)
    width = -(-g.bn // passes)
    sm = min(g.bm, DST_TILES)
    sub = (sm, min(width, max(1, DST_TILES // sm)))
    spilled = g.bm * width * 4096 if g.bm * width > sub[0] * sub[1] else 0
    band = SLOTS * (g.bm * ta + width * tb)  # one k tile of the double-buffered A and B bands
    room = L1_OPERANDS * l1 - spilled - 2 * sub[0] * sub[1] * to - width * to  # partial sums, output, bias
    kb = max(1, min(g.kt, int(room // band)))
    whole = -(-g.bm // sub[0]) * -(-width // sub[1]) if spilled else 0
    held = min(g.kt, int((room - (g.bm * width - 2 * sub[0] * sub[1]) * to) // band))  # k step beside the block
    if whole > 2 and holds_whole(held, fidelity, fmts[1]):
        kb = held
    steps = -(-g.kt // kb)
    return _Plan(passes, width, -(-g.kt // steps), sub, room, whole)


def holds_whole(kb: int, fidelity: str, b_fmt: str, timing: TimingModel | None = None) -> bool:
    """Whether a spilling block's output CB may hold the whole block at k steps of `kb` tiles: each step packs
    every output tile's fp32 partial sum with L1 accumulation once and multiplies kb tile products into it, so a
    step shorter than that pack leaves the math waiting for the packer (a 16384^3 bf16 matmul on wormhole_n150 at
    k steps of 1 instead of 2: 45% slower). Otherwise the k step keeps the room and the output CB two sub-blocks,
    and the math waits for the writer in the last k step instead."""
    t = timing or TimingModel()
    return kb >= 1 and kb * t.matmul(fidelity, b_fmt) >= t.pack("fp32", accumulate=True)


def grid_matmul(n: Node, ts: list[TensorType], names: dict, mcast: bool, skip: bool = False,
                cfg: MeshConfig | None = None, share: int = 1, kb: int | None = None, fidelity: str = "HiFi4") -> dict:
    """Output blocks on the core rectangle as a grid (@shard(block)), run as tt-metal's multicast matmul: k in
    steps of whole A (bm x kb) and B (kb x bn) bands, every output sub-block of the block updated each step
    (partial sums in fp32 between steps), so each band is read once per core row (column). With `mcast` one
    core of each row reads the activation band and multicasts it along the row, one core of each column does
    the same with the weights. The senders sit on diagonals (row r's in column r, column c's in row c + 1,
    wrapping): with all of them in the first row and column, every weight read from DRAM funnelled through
    one NoC row (a GPT-2 block: 843k cycles; on diagonals 719k); one diagonal shifted, no core reads and
    multicasts both operands' bands. `kb`: k tiles per step, at most what fits L1 (default: that most)."""
    a, b = ts[0], ts[1]
    if a.rank > 2 or b.rank > 2:
        raise PlacementError(n.pos, f"@mcast/@shard(block) matmul needs 2-D operands, got {a} @ {b}")
    g = _Grid.of(n, ts)
    xs, ys, mt, kt, nt, bm, bn, rows, cols = g.xs, g.ys, g.mt, g.kt, g.nt, g.bm, g.bn, g.rows, g.cols
    fmts = tuple("fp32" if t.dtype == "int32" else t.dtype for t in (a, b, n.type))
    plan = _plan(g, fmts, cfg or resolve(None), share, fidelity)
    kb = min(kb or plan.kb, plan.kb)
    fields = {"a": names[n.inputs[0]], "b": names[n.inputs[1]], "kt": kt, "b_cols": nt, "out_cols": nt,
              "kb": kb, "sub": plan.sub, "out_slots": plan.out_slots(kb, fmts, bm)}
    if len(n.inputs) > 2:
        fields["bias"] = names[n.inputs[2]]
    # compiled for skipping: the activation bands of all grid rows, so a column skips its weights at a k step
    # where all are zero (every core of the column then depends on all of the activation)
    a_rows = tuple((ry * bm, min(bm, mt - ry * bm)) for ry in range(rows)) if skip else None
    steps = {}
    for ry in range(rows):
        for rx in range(cols):
            r0, c0 = ry * bm, rx * bn
            here, w = min(bn, nt - c0), plan.width
            blocks = tuple(Block(r0, min(bm, mt - r0), c0 + j, min(w, here - j), 0, r0) for j in range(0, here, w))
            shares = None
            if mcast:  # senders on diagonals: their DRAM reads arrive over different NoC rows and columns
                shares = Mcast(
                    a=Share(sender=(xs[ry % cols], ys[ry]), rect=(xs[0], ys[ry], xs[cols - 1], ys[ry]), n=cols - 1),
                    b=Share(sender=(xs[rx], ys[(rx + 1) % rows]), rect=(xs[rx], ys[0], xs[rx], ys[rows - 1]),
                            n=rows - 1, a_rows=a_rows or None))
            steps[(xs[rx], ys[ry])] = Matmul(**common(n, names, **fields), blocks=blocks, mcast=shares)
    return steps


