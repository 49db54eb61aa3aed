"""Which circular buffers a step list needs on a core, and their ids (shared by kernels and compiler).

Every CB is reserved in one fixed page count, so reservations never wrap: matmul CBs in the core's
largest unit (smaller blocks leave pages unused; on cores of grid multicast matmuls, the largest of all of
them: core_layouts), elementwise CBs in the widest tile row a fused row op of the core holds
(one page when it has none). Row ops keep their intermediates in two CBs only the
compute kernel pushes to (CB_MID, CB_STAT), always fp32; matmuls whose blocks exceed DST keep their partial
sums in CB_MID too, pushed a page at a time like the row ops' (so neither's reservations wrap).
"""

from __future__ import annotations

from tensix.core import SEMAPHORE_NBYTES
from tensix.formats import FORMATS, tile_nbytes
from tensix.ops import MATMULS
from tensix.programs.stages.dispatch import CB_NEEDS
from tensix.schedule.contract import CB, CoreSchedule, L1Buffer, Op, Step, Units

MM_A, MM_B, MM_BIAS, EL_A, EL_B = range(5)  # input slots
_OUT_MM, _OUT_EL, CB_IDS, CB_CTRL = 20, 24, 28, 29  # outputs by format; gather ids; matmul_rows control
CB_MID, CB_STAT = 30, 31  # row ops: a tile row of intermediates; row statistics (and squares on their way)


SLOTS = 2  # k steps a multicast matmul operand CB holds (stages/mcast.py)


def b_slots(step: Step) -> int:
    """k steps of weights a matmul step's B CB holds (Matmul.b_slots; multicast bands: SLOTS)."""
    return step.b_slots or SLOTS


def cb_in(slot: int, fmt: str) -> int:
    return slot * 4 + FORMATS.index(fmt)


def cb_out(fmt: str, matmul: bool = False) -> int:
    return (_OUT_MM if matmul else _OUT_EL) + FORMATS.index(fmt)


def blocking(steps: list[Step]) -> list[int]:
    """A core's matmul CB units, [A, B, output, bias]: the most pages any of its matmul steps takes at once (an
    A band of bm x kb tiles (bm x a_kb when set), a B band of kb x bn, a bm x bn output block, bn bias tiles).
    Every step reserves these, one fixed count per CB, so reservations never wrap."""
    ua = ub = uo = ubias = 1
    for s in steps:
        if s.op in MATMULS:
            kb, ka = s.kb, s.a_kb or s.kb
            for b in s.blocks:
                bm, bn = b[1], b[3]
                ua, ub, ubias = max(ua, bm * ka), max(ub, kb * bn), max(ubias, bn)
                uo = max(uo, largest_subblock(s, b))  # a sub-block at a time
        elif s.op == Op.ATTENTION:  # its q band moves through the A CB, a k^T chunk and a v chunk together the B CB
            band = s.chunk * s.dt
            ua, ub = max(ua, band), max(ub, 2 * band)
    return [ua, ub, uo, ubias]


def k_blocked(s: Step) -> bool:
    """A matmul step moving whole operand bands in k steps (multicast, sub-blocked or k-blocked)."""
    return s.op == Op.MATMUL and bool(s.mcast or s.sub or s.kb > 1)


def a_on_writer(steps: list[Step]) -> bool:
    """Whether a core mixes k-blocked matmuls (activation moved by the writer) with plain ones (by the reader)."""
    return len({k_blocked(s) for s in steps if s.op == Op.MATMUL}) == 2


def subblocks(step: Step, block) -> list[tuple[int, int, int, int]]:
    """(row, rows, col, cols) of a matmul block's sub-blocks (`Matmul.sub`) relative to it, row-major, as the
    compute kernel packs them; the whole block when `sub` is None."""
    sm, sn = step.sub or (block.rows, block.cols)
    return [(i, min(sm, block.rows - i), j, min(sn, block.cols - j)) for i in range(0, block.rows, sm)
            for j in range(0, block.cols, sn)]


def subblock_count(step: Step, block) -> int:
    """len(subblocks(step, block)), without listing them."""
    sm, sn = step.sub or (block.rows, block.cols)
    return -(-block.rows // sm) * -(-block.cols // sn)


def largest_subblock(step: Step, block) -> int:
    """The most tiles a sub-block of the block has: the first one's (the others are as large or cut short)."""
    sm, sn = step.sub or (block.rows, block.cols)
    return min(sm, block.rows) * min(sn, block.cols)


def spill_pages(step: Step) -> int:
    """CB_MID pages a matmul step keeps partial sums in between k steps: its largest block, when that is more
    than one sub-block (else it accumulates in DST)."""
    if step.op not in MATMULS or step.sub is None:
        return 0
    return max((b.rows * b.cols for b in step.blocks if subblock_count(step, b) > 1), default=0)


def el_unit(steps: list[Step]) -> int:
    """Pages every elementwise-CB reservation of a core takes: the widest tile row of its row ops, else 1."""
    return max(((s.block or s.nt) if s.op == Op.ROW else max(s.chunk, s.dt) for s in steps
                if s.op in (Op.ROW, Op.ATTENTION)),
               default=1)


def mid_pages(fn: str, nt: int, masked: bool) -> int:
    """CB_MID pages a row op needs: a tile row, two for a masked softmax (the masked row, then its exps)."""
    return 2 * nt if fn == "softmax" and masked else nt


def attention_state_pages(s: Step) -> int:
    """CB_STAT pages an attention step keeps: per q row of a chunk its record (running max, correction, running
    sum and dt output accumulator tiles), one more record while a row's is replaced."""
    return (3 + s.dt) * (s.chunk + 1)


STREAM_MID_PAGES = 2  # CB_MID pages a streaming row op needs: a centred (or masked) tile and its square (or exp)


def stream_cb_nbytes(block: int, x_tile: int, aux_tiles: list[int]) -> int:
    """L1 a streaming row op's CBs take (stages/rowstream.py): blocks of x and its operands double-buffered, two
    output blocks, STREAM_MID_PAGES fp32 intermediates and two fp32 statistics pages."""
    return block * (4 * x_tile + 2 * max(aux_tiles, default=0)) + (STREAM_MID_PAGES + 2) * 4096


def row_cb_nbytes(fn: str, nt: int, x_tile: int, aux_tiles: list[int]) -> int:
    """L1 a row op's CBs take on a core holding nothing else: x and its operands (gamma, beta or the mask)
    double-buffered, an output row (in x's format), the fp32 intermediates and two fp32 statistics pages."""
    return nt * (3 * x_tile + 2 * max(aux_tiles, default=0)) + (mid_pages(fn, nt, bool(aux_tiles)) + 2) * 4096


def staging_sizes(steps: dict, formats: dict[str, str]) -> dict[tuple[int, int], dict[str, int]]:
    """core -> the staging buffers multicasts write into that it declares (first, so each sits at one L1
    address on every core declaring it): the activation band of sparse decode matmuls, one program-wide size,
    on the cores running one. Cores of grid multicast matmuls have their operand CBs at one address (below),
    so they declare it all or none. (Grid matmuls multicast straight into those CBs: core_layouts.)"""
    norms = {c: max((norm_parts_nbytes(s) for s in ss if shares_stats(s)), default=0) for c, ss in steps.items()}
    shared = {c for c, core_steps in steps.items() if shares_operands(core_steps)}
    size = max((rows_stage_nbytes(core_steps, formats) for core_steps in steps.values()), default=0)
    if not size:
        most, on = max(norms.values(), default=0), {c for c, n in norms.items() if n}
        return {c: {"norm_parts": most} for c in (on | shared if on & shared else on)}
    cores = {c for c, core_steps in steps.items() if any(s.op in (Op.MATMUL_ROWS, SPLIT) for s in core_steps)}
    if cores & shared:
        cores |= shared
    parts = max((s.parts_at + split_parts_nbytes(s) for ss in steps.values() for s in ss if s.op == SPLIT), default=0)
    if any(norms.values()):  # one address on every core declaring it: all staging cores declare all of it
        cores |= {c for c, n in norms.items() if n}
        if cores & shared:
            cores |= shared
        parts_ = {"norm_parts": max(norms.values())}
    else:
        parts_ = {}
    return {c: {"rows_stage": size, **({"split_parts": parts} if parts else {}), **parts_} for c in cores}


def norm_parts_nbytes(s: Step) -> int:
    """The `norm_parts` bytes of a norm sharing its statistics: an fp32 tile per core and round (layernorm's mean,
    then its variance; rmsnorm's one) (stages/norm.py)."""
    return (2 if s.fn == "layernorm" else 1) * len(s.parts) * tile_nbytes("fp32")


def shares_stats(s: Step) -> bool:
    """Whether a step is a one-row norm sharing its statistics over its cores (stages/norm.py)."""
    return s.op == Op.ROW and bool(s.parts)


SPLIT = Op.MATMUL_SPLIT  # the k-split decode matmul (stages/split.py): its staging is sized here


def split_part_nbytes(rows: int) -> int:
    """Bytes of one output tile's fp32 partial in a k-split matmul: its live rows only (a tiny tile)."""
    return rows * 32 * 4


def split_stage_nbytes(s: Step, formats: dict[str, str]) -> int:
    """The `rows_stage` a k-split step needs: its activation band, all its k rows gathered (each row at most
    out_cols tiles wide), its packed activation."""
    n, page = s.k1 - s.k0, tile_nbytes(formats[s.a])
    row = s.out_cols * 32 * (4 if formats[s.b_rows] == "fp32" else 2)
    return 2 * n * page + n * 32 * row


def split_parts_nbytes(s: Step) -> int:
    """The `split_parts` bytes of a k-split op from its `parts_at`: partials in (a slot per core, as wide as the
    widest reducer's columns), then this core's own partial out."""
    most = max(n for *_, n in s.owners)
    return (len(s.parts) * most + s.out_cols) * split_part_nbytes(s.rows)


def shares_operands(steps: list[Step]) -> bool:
    """Whether a core runs a grid multicast matmul (as sender or receiver of an operand band)."""
    return any(s.op == Op.MATMUL and s.mcast for s in steps)


def core_layouts(steps: dict, formats: dict[str, str]) -> dict:
    """core -> (its matmul CB units, `blocking`; its CBs {id: (format, pages)}).

    Cores running a grid multicast matmul share one set of units and declare the same matmul operand CBs (every
    format any of them uses): those CBs then sit at one L1 address on all of them and fill in step, so a
    sender multicasts a band straight into the receivers' CBs at its own write pointer, as tt-metal's in0
    and in1 CBs (stages/mcast.py)."""
    shared = {c for c, core_steps in steps.items() if shares_operands(core_steps)}
    common = [s for c in shared for s in steps[c] if s.op in MATMULS or s.op == Op.ATTENTION]
    block = list(blocking(common))
    unit_a, unit_b = block[0], block[1]
    operands_a, operands_b = {}, {}  # the operand CBs every sharing core declares, gathered once
    for s in common:
        if s.op == Op.ATTENTION:  # (its units only: its CBs are its own core's)
            continue
        fa, fb = formats[s.a], formats[s.b]
        operands_a[cb_in(MM_A, fa)] = (fa, SLOTS * unit_a)
        operands_b[cb_in(MM_B, fb)] = (fb, max(operands_b.get(cb_in(MM_B, fb), (fb, 0))[1], _b_ring(s, unit_b)))
    out = {}
    for core, core_steps in steps.items():
        if core not in shared:
            out[core] = (list(blocking(core_steps)), cb_requirements(core_steps, formats))
            continue
        need = cb_requirements(core_steps, formats, block)
        need.update(operands_a)
        for cb, (fb, pages) in operands_b.items():
            need[cb] = (fb, max(need.get(cb, (fb, 0))[1], pages))
        out[core] = (block, need)
    return out


def _b_ring(s: Step, unit_b: int) -> int:
    """Pages a shared B CB needs for step `s` (each of its k steps reserves the common unit, `unit_b`): its
    b_slots k steps of its own band, in whole units, and at least SLOTS units. A decode matmul keeping many narrow
    weight steps in flight on cores that also run a grid matmul with wide bands would otherwise hold b_slots of
    the wide units (at S=512 in fp32, SmolLM2's prefill needed 288 pages, 1.1 MiB, on each such core)."""
    band = max(s.kb * b.cols for b in s.blocks)
    return max(SLOTS, -(-b_slots(s) * band // unit_b)) * unit_b


def rows_stage_nbytes(steps: list[Step], formats: dict[str, str]) -> int:
    """L1 staging a core's matmul_rows steps need: a block's activation tiles and 32 gathered weight rows for
    each of the kb packed tiles of a group."""
    bn = blocking(steps)[3]  # the widest block
    need = 0
    for s in steps:
        if s.op == Op.MATMUL_ROWS:
            elem = 4 if formats[s.b_rows] == "fp32" else 2
            band = s.kt * tile_nbytes(formats[s.a])
            need = max(need, band + 32 * s.kb * -(-bn * 32 * elem // 32) * 32)
        elif s.op == SPLIT:
            need = max(need, split_stage_nbytes(s, formats))
    return need


def cb_requirements(steps: list[Step], formats: dict[str, str], block: list[int] | None = None,
                    el: int | None = None) -> dict[int, tuple[str, int]]:
    """CB id -> (format, pages) a core needs to run `steps`; `formats` maps buffer names to formats; `block` and
    `el`: the matmul and elementwise CB units to use (default: its own, `blocking` and `el_unit`)."""
    need: dict[int, tuple[str, int]] = {}
    ua, ub, uo, ubias = block or blocking(steps)
    unit = el or el_unit(steps)

    def want(cb: int, fmt: str, pages: int) -> None:
        need[cb] = (fmt, max(need.get(cb, (fmt, 0))[1], pages))

    for s in steps:
        out = formats[s.out]
        op = s.op
        if op in MATMULS:
            want(cb_in(MM_A, formats[s.a]), formats[s.a], SLOTS * ua)
            want(cb_in(MM_B, formats[s.b]), formats[s.b], b_slots(s) * ub if block is None else _b_ring(s, ub))
            if op == Op.MATMUL_ROWS:
                want(CB_CTRL, "fp32", 2)
            if s.bias:
                want(cb_in(MM_BIAS, formats[s.bias]), formats[s.bias], ubias)
            spill = spill_pages(s)
            if spill:
                want(CB_MID, "fp32", spill)
            # two sub-blocks (double-buffered): the writer stores one while the next computes; or `out_slots` of
            # them (each reserves the unit): all of a spilling block's, as tt-metal's multicast matmul holds its
            # whole output block (out_CB_tiles = out_block_tiles), so the math never waits for the writer
            want(cb_out(out, matmul=True), out,
                 uo * (s.out_slots or min(2, max(subblock_count(s, b) for b in s.blocks))))
            continue
        if op == Op.ROW:
            want(cb_in(EL_A, formats[s.a]), formats[s.a], 2 * unit)
            for name in s.aux:  # gamma and beta (one unit each), or one mask unit per tile row
                want(cb_in(EL_B, formats[name]), formats[name], 2 * unit)
            want(CB_MID, "fp32", STREAM_MID_PAGES if s.block else mid_pages(s.fn, s.nt, bool(s.aux)))
            want(CB_STAT, "fp32", 2)
            # a row, stored at once while the next row's statistics run; streaming: two blocks
            want(cb_out(out), out, 2 * unit if s.block else unit)
            if s.parts:  # a norm sharing its statistics: its partials out and landed (stages/norm.py)
                want(cb_out("fp32"), "fp32", unit)
                want(CB_CTRL, "fp32", 2)
            continue
        if op == Op.ATTENTION:  # q (two bands), k^T and v (two chunks), mask rows, output rows, fp32 state
            want(cb_in(MM_A, formats[s.q]), formats[s.q], 2 * ua)
            want(cb_in(MM_B, formats[s.kt]), formats[s.kt], 2 * ub)
            if s.mask:
                want(cb_in(EL_B, formats[s.mask]), formats[s.mask], 2 * unit)
            want(cb_out(out), out, 2 * unit)
            want(CB_MID, "fp32", 2 * s.chunk)
            want(CB_STAT, "fp32", attention_state_pages(s))
            continue
        own = CB_NEEDS.get(type(s))  # a kind's own CBs, registered beside its parts (dispatch.needs_cbs)
        if own is not None:
            for cb, (fmt, pages) in own(s, formats, unit).items():
                want(cb, fmt, pages)
            continue
        names = s.streamed()
        for slot, name in enumerate(names[:2]):
            want(cb_in(EL_A + slot, formats[name]), formats[name], 2 * unit)
        for name in names[2:]:
            want(cb_in(EL_A, formats[name]), formats[name], 2 * unit)
        if op == Op.GATHER_ROWS:
            want(CB_IDS, "fp32", 1)
            want(cb_in(EL_A, out), out, 2 * unit)
        want(cb_out(out), out, 2 if unit == 1 else unit)  # one tile a unit: double-buffered unless rows are wide
    return need


def step_cbs(step: Step, formats: dict[str, str]) -> set[int]:
    """The CB ids one step uses. Units change only page counts, not which CBs, so the smallest stand in for the
    step's own (`blocking` per step per core was most of a 12-layer GPT-2's alloc pass)."""
    return set(cb_requirements([step], formats, block=[1, 1, 1, 1], el=1))


_SLOTS = ("mm_a", "mm_b", "mm_bias", "el_a", "el_b", "mm_out", "el_out")
_FIXED = {CB_IDS: "ids", CB_CTRL: "ctrl", CB_MID: "row_mid", CB_STAT: "row_stat"}


def cb_name(cb_id: int, fmt: str) -> str:
    return f"{_SLOTS[cb_id // 4]}_{fmt}" if cb_id < CB_IDS else _FIXED[cb_id]


def semaphores(steps: list[Step]) -> tuple[int, ...]:
    """The semaphores a core waits on: its steps' readiness waits and their multicast handshakes."""
    ids = {w.sem for s in steps for w in s.wait} | {s.sem for s in steps if s.op == SPLIT or shares_stats(s)}
    for s in steps:
        for share in (s.mcast.a, s.mcast.b) if getattr(s, "mcast", None) else ():
            if share:
                ids |= {*share.ready, *share.valid}
    return tuple(sorted(ids))


def core_schedules(steps: dict, formats: dict[str, str], alignment: int, layouts: dict | None = None,
                   staging: dict | None = None) -> tuple[int, list[CoreSchedule]]:
    """Every core's CBs, L1 buffers and units for its steps, at the L1 addresses the device gives them (it
    allocates in this order: the program-wide semaphore region, the L1 buffers, the CBs by id; each aligned);
    returns the semaphore region's size (semaphores) and the cores in (y, x) order. `layouts` and `staging`:
    core_layouts' and staging_sizes' of these steps, when the caller has them already."""
    layouts = core_layouts(steps, formats) if layouts is None else layouts
    staging = staging_sizes(steps, formats) if staging is None else staging
    sems = {core: semaphores(core_steps) for core, core_steps in steps.items()}
    count = 1 + max((i for ids in sems.values() for i in ids), default=-1)
    out = []
    for core in sorted(steps, key=lambda c: (c[1], c[0])):
        block, need = layouts[core]
        top = count * SEMAPHORE_NBYTES
        buffers = []
        for name, nbytes in staging.get(core, {}).items():
            addr = _align(top, alignment)
            buffers.append(L1Buffer(name, nbytes, addr))
            top = addr + nbytes
        cbs = []
        used = [(s.label, step_cbs(s, formats)) for s in steps[core]]
        for cb_id, (fmt, pages) in sorted(need.items()):
            page = 32 if cb_id == CB_CTRL else tile_nbytes(fmt)
            addr = _align(top, alignment)
            owners = tuple(dict.fromkeys(label for label, own in used if cb_id in own))
            cbs.append(CB(cb_id, cb_name(cb_id, fmt), fmt, pages, page, addr, owners))
            top = addr + pages * page
        units = Units(*block, el=el_unit(steps[core]), a_mover="writer" if a_on_writer(steps[core]) else "")
        out.append(CoreSchedule(core, units, sems[core], tuple(buffers), tuple(cbs), tuple(steps[core])))
    return count, out


def _align(addr: int, alignment: int) -> int:
    return -(-addr // alignment) * alignment
