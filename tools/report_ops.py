"""What each source op cost: its cycles on the critical path, bytes per NoC, DRAM bytes and zero-skip savings, and
which ops loaded each link.

Input: `Run` (the trace's op table, spans and transfers; the stats' zero-skip figures); output: `OpCost` rows whose
byte columns add up to the run's totals, and `link_ops` for the hot-link lists of the report and the traffic map.

The critical path is walked backward from the end of the run (`critical_cycles`): it charges every cycle of the run
to exactly one op, so the column adds up to the run's cycle count.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

from tensix.jsondoc import Coord
from tensix.trace import NO_OP, Op, Span, Trace, Transfer

from .explain import WAIT_PREFIX
from .runfiles import Run
from .units import fmt_int, fmt_pct

LinkKey = tuple[int, int, int, str]  # (noc, x, y, dir) of a link's source end


@dataclass(frozen=True, slots=True)
class OpCost:
    """One row of the per-op table; `op` None for work outside any source op (hand-written kernels, handshakes
    before a kernel's first step)."""

    op: Op | None
    critical_cycles: int
    noc_bytes: tuple[int, ...]  # per NoC, bytes x hops (as the run's NoC totals count them)
    dram_bytes: int  # read from and written to DRAM banks
    zero_skip_bytes: int  # NoC and DRAM bytes zero skipping did not move
    zero_skip_cycles: int  # net core cycles skipping saved, summed over the op's cores (avoided - checks)


def op_costs(run: Run) -> list[OpCost]:
    """A row per op of the trace that did anything, in op-table order, then the row outside any op if not empty."""
    trace, nocs = run.trace, run.stats.nocs
    critical = critical_cycles(run)
    noc: dict[int, list[int]] = {}
    dram: Counter = Counter()
    kinds = run.stats.device.kinds()
    for t in trace.transfers:
        noc.setdefault(t.op, [0] * len(nocs))[t.noc] += t.nbytes * len(t.links)
        dram[t.op] += t.nbytes * ((kinds.get(t.src) == "dram") + (t.dst is not None and kinds.get(t.dst) == "dram"))
    skipped_bytes: Counter = Counter()
    skipped_cycles: Counter = Counter()
    index = {op.label: op.index for op in trace.ops}
    for z in run.stats.zero_skip.ops if run.stats.zero_skip else ():
        i = index.get(z.op, NO_OP)
        skipped_bytes[i] += z.noc_bytes_skipped + z.dram_bytes_skipped
        skipped_cycles[i] += z.cycles_skipped
    used = set(critical) | set(noc) | set(dram) | set(skipped_bytes)
    return [OpCost(trace.op(i), critical.get(i, 0), tuple(noc.get(i, [0] * len(nocs))), dram[i], skipped_bytes[i],
                   skipped_cycles[i]) for i in [*range(len(trace.ops)), NO_OP] if i in used]


def link_ops(trace: Trace) -> dict[LinkKey, Counter]:
    """Per link, the bytes each op (index; NO_OP outside any) moved over it."""
    out: dict[LinkKey, Counter] = {}
    for t in trace.transfers:
        for x, y, d in t.links:
            out.setdefault((t.noc, x, y, d), Counter())[t.op] += t.nbytes
    return out


def loaders_text(trace: Trace, loads: Counter | None, n: int = 3) -> str:
    """`matmul %h (06_gpt2_block.tdf:12) 75%, add %x (06_gpt2_block.tdf:14) 25%`: the ops that loaded a link."""
    if not loads:
        return ""
    total = sum(loads.values())
    ranked = sorted(loads.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{op_text(trace.op(i))} {100 * b / total:.0f}%" for i, b in ranked[:n]]
    return ", ".join(parts) + (f", {len(ranked) - n} more" if len(ranked) > n else "")


def op_text(op: Op | None) -> str:
    if op is None:
        return "outside any op"
    return f"{op.label} ({op.where})" if op.where else op.label


def op_header(run: Run) -> tuple[str, ...]:
    """The per-op table's columns (the zero-skip ones only for a run that skipped zeros)."""
    skip = ("zero skipping: bytes not moved", "zero skipping: net core cycles saved") if run.stats.zero_skip else ()
    return ("op", "source", "cycles on the critical path", *(f"NoC {n} bytes x hops" for n in run.stats.nocs),
            "DRAM bytes", *skip)


def op_rows(run: Run) -> list[tuple[str, ...]]:
    """The per-op table: a row per op (op-table order, outside any op last), then the run's totals."""
    costs, total, zs = op_costs(run), max(1, run.stats.total_cycles), run.stats.zero_skip
    rows = [(c.op.label if c.op else "outside any op", (c.op.where if c.op else "") or "\u2014",
             f"{fmt_int(c.critical_cycles)} ({fmt_pct(c.critical_cycles / total)})", *map(fmt_int, c.noc_bytes),
             fmt_int(c.dram_bytes)) + ((fmt_int(c.zero_skip_bytes), fmt_int(c.zero_skip_cycles)) if zs else ())
            for c in costs]
    skip = (fmt_int(sum(z.noc_bytes_skipped + z.dram_bytes_skipped for z in zs.ops)),
            fmt_int(sum(z.cycles_skipped for z in zs.ops))) if zs else ()
    rows.append(("run total", "\u2014", f"{fmt_int(sum(c.critical_cycles for c in costs))} of {fmt_int(total)}",
                 *map(fmt_int, run.stats.noc_bytes), fmt_int(run.stats.dram_bytes), *skip))
    return rows


# --- the critical path ------------------------------------------------------------------------------------------
def critical_cycles(run: Run) -> dict[int, int]:
    """Cycles of the run on its critical path, per op index (NO_OP: outside any op); they sum to the run's cycles.

    The walk starts at the end of the kernel that finished last and goes back in time. On a kernel at cycle t:
    a work span before t puts its cycles on the path (its op's) and the walk continues at its start; a gap before
    t with no span is charged outside any op, except on a compute kernel's packer, which is idle there waiting for
    the compute kernel's next tile: the walk continues on the compute kernel at t. A wait span [s, e) was ended by
    the latest of these events at or before t and after s, which the walk follows:
    - a transfer the kernel itself issued (its barrier waited for it): [s, t) is charged to the transfer's op and
      the walk continues on the kernel at s;
    - a transfer of another kernel that landed on this core (a semaphore increment, data): its whole time
      [start, t) is charged to the transfer's op and the walk continues on the issuing kernel at its start;
    - the end of a work span of another kernel on this core (a CB handshake) at e' <= t: [e', t) is charged to
      the waiting kernel's op and the walk continues on that kernel at e'.
    With none of them, [s, t) is charged to the wait's op. Cycles after the last kernel ends (transfers still in
    flight) go to no op.
    """
    walk = _Walk(run)
    return walk.run()


class _Walk:
    def __init__(self, run: Run):
        self.total = run.stats.total_cycles
        self.spans: dict[tuple[Coord, str], list[Span]] = {}
        for s in run.trace.spans:
            self.spans.setdefault((s.core, s.role), []).append(s)
        for spans in self.spans.values():
            spans.sort(key=lambda s: (s.start, s.end))
        self.starts = {k: [s.start for s in v] for k, v in self.spans.items()}
        noc_of = dict(run.stats.device.compute_cores)
        self.noc_of = noc_of
        self.core_of = {v: k for k, v in noc_of.items()}
        self.landed: dict[Coord, list[Transfer]] = {}  # by destination core
        self.issued: dict[tuple[Coord, str], list[Transfer]] = {}
        for t in run.trace.transfers:
            self.issued.setdefault((t.issuer, t.role), []).append(t)
            for core in self._destinations(t):
                self.landed.setdefault(core, []).append(t)
        for group in (*self.issued.values(), *self.landed.values()):
            group.sort(key=lambda tr: (tr.end, tr.id))
        self.work = {k: [s for s in v if not s.name.startswith(WAIT_PREFIX)] for k, v in self.spans.items()}
        self.work_ends = {k: [s.end for s in v] for k, v in self.work.items()}
        self.charged: Counter = Counter()
        self.idle_packer = -1  # the cycle the walk last left an idle packer for its compute kernel

    def _destinations(self, t: Transfer) -> list[Coord]:
        if t.dst is not None:
            return [self.core_of[t.dst]] if t.dst in self.core_of else []
        x0, y0, x1, y1 = t.rect or (0, 0, -1, -1)
        return [c for xy, c in self.core_of.items() if x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1]

    def run(self) -> dict[int, int]:
        if not self.spans:
            self.charge(NO_OP, 0, self.total)
            return dict(self.charged)
        kernel, t = max(((k, v[-1].end) for k, v in self.spans.items()), key=lambda kt: (kt[1], kt[0][0][::-1]))
        t = min(t, self.total)
        self.charge(NO_OP, t, self.total)
        while t > 0:
            kernel, t = self.step(kernel, t)
        return dict(self.charged)

    def charge(self, op: int, start: int, end: int) -> None:
        if end > start:
            self.charged[op] += end - start

    def step(self, kernel: tuple[Coord, str], t: int) -> tuple[tuple[Coord, str], int]:
        spans = self.spans.get(kernel, ())
        i = bisect.bisect_left(self.starts.get(kernel, ()), t) - 1
        if (i < 0 or spans[i].end < t) and kernel[1] == "packer" and t != self.idle_packer:
            self.idle_packer = t  # (once per t: the compute kernel may hand the walk straight back at t)
            return (kernel[0], "compute"), t  # an idle packer (TRISC2) was waiting for its compute kernel's tiles
        if i < 0:
            self.charge(NO_OP, 0, t)
            return kernel, 0
        span = spans[i]
        if span.end < t:
            self.charge(NO_OP, span.end, t)
            return kernel, span.end
        if not span.name.startswith(WAIT_PREFIX):
            self.charge(span.op, span.start, t)
            return kernel, span.start
        return self.released(kernel, span, t)

    def released(self, kernel: tuple[Coord, str], wait: Span, t: int) -> tuple[tuple[Coord, str], int]:
        """Follow the event that ended `wait` (see critical_cycles)."""
        s, core = wait.start, kernel[0]
        own = _latest(self.issued.get(kernel), s, t, lambda tr: True)
        landed = _latest(self.landed.get(core), s, t, lambda tr: tr.start < t and (tr.issuer, tr.role) != kernel)
        handoff = max(((spans[i].end, other) for other, spans in self.work.items() if other[0] == core
                       and other != kernel and (i := bisect.bisect_right(self.work_ends[other], t) - 1) >= 0
                       and spans[i].end > s), default=None)
        ends = [own.end if own else -1, landed.end if landed else -1, handoff[0] if handoff else -1]
        if max(ends) < 0:
            self.charge(wait.op, s, t)
            return kernel, s
        if ends[0] >= ends[1] and ends[0] >= ends[2]:
            self.charge(own.op, s, t)
            return kernel, s
        if ends[1] >= ends[2]:
            self.charge(landed.op, landed.start, t)
            return (landed.issuer, landed.role), landed.start
        self.charge(wait.op, handoff[0], t)
        return handoff[1], handoff[0]


def _latest(transfers: list[Transfer] | None, s: int, t: int, ok) -> Transfer | None:
    """The transfer of `transfers` (sorted by end) ending last in (s, t] for which ok(transfer) holds."""
    if not transfers:
        return None
    i = bisect.bisect_right(transfers, t, key=lambda tr: tr.end) - 1
    while i >= 0 and transfers[i].end > s:
        if ok(transfers[i]):
            return transfers[i]
        i -= 1
    return None
