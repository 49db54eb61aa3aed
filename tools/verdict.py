"""What limits a run, in plain words: compares how busy the cores, the links and the waits were and names the
bottleneck; also says what program ran.

Input: `Run`; output: sentences for the report's header and summary and for `summary.txt`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tensix.stats import Link, Stats

from .explain import WAIT_PREFIX, wait_base
from .runfiles import Run
from .units import fmt_bytes, fmt_bytes_short, fmt_coord, fmt_int, fmt_pct

DIR_WORD = {"E": "east", "S": "south", "W": "west", "N": "north"}
ROUTE_ORDER = {0: ("E", "S"), 1: ("N", "W")}
ROLE_ORDER = {"reader": 0, "compute": 1, "writer": 2}
ROLE_WORD = {"input": "input", "param": "parameter", "output": "output"}
ROLE_RANK = {"input": 0, "param": 1, "output": 2}
KIND_WORD = {"read": "reads", "write": "writes", "mcast": "multicasts", "sem": "semaphore updates"}
WAIT_FOR = {"cb_reserve_back": "for free space in a circular buffer", "noc_async_read_barrier": "for their NoC reads "
            "to arrive", "noc_async_write_barrier": "for their NoC writes to land", "noc_semaphore_wait": "for a "
            "signal from another core"}  # the legs of a route, in the order the NoC takes them
BOUND_AT = 0.5  # a resource busy at least half the run is what the run waits for
IMBALANCED_AT = 0.75  # one NoC carrying this share of the link bytes or more is worth a sentence


@dataclass(frozen=True, slots=True)
class RoleWait:
    """How long one kernel role spent waiting, averaged over the cores that run it, and on what mostly."""

    role: str
    share: float  # waiting cycles / (run cycles x cores with this role)
    main: str  # the call waited in longest (`cb_wait_front`)
    main_share: float


def compute_share(stats: Stats) -> float:
    """Mean share of the run in which the cores' compute kernels worked (busy fraction without a compute role)."""
    if not stats.cores or not stats.total_cycles:
        return 0.0
    shares = [dict(c.busy_cycles).get("compute", c.busy_fraction * stats.total_cycles) / stats.total_cycles
              for c in stats.cores]
    return sum(shares) / len(shares)


def hottest_link(stats: Stats) -> Link | None:
    return max(stats.links, key=lambda ln: (ln.busy_cycles, ln.nbytes), default=None)


def role_waits(run: Run) -> list[RoleWait]:
    """Per kernel role (most waiting first): its share of the run spent in `wait:` spans and the main wait."""
    total = max(1, run.stats.total_cycles)
    waits: dict[str, Counter] = {}
    cores: dict[str, set] = {}
    for s in run.trace.spans:
        cores.setdefault(s.role, set()).add(s.core)
        if s.name.startswith(WAIT_PREFIX):
            waits.setdefault(s.role, Counter())[wait_base(s.name)] += s.end - s.start
    out = []
    for role, counts in waits.items():
        scale = total * len(cores[role])
        main, cycles = counts.most_common(1)[0]
        out.append(RoleWait(role, sum(counts.values()) / scale, main, cycles / scale))
    return sorted(out, key=lambda w: -w.share)


def link_name(link: Link) -> str:
    return f"{fmt_coord(link.src)}\u2192{fmt_coord(link.dst)} going {DIR_WORD[link.dir]} on NoC {link.noc}"


def limit_sentences(run: Run) -> list[str]:
    """The verdict first ("Data movement bound: ..."), then why: what the hottest link carried, what kernels waited
    for."""
    stats = run.stats
    if not stats.total_cycles:
        return ["Nothing to judge: the run took 0 cycles."]
    compute, link = compute_share(stats), hottest_link(stats)
    link_util = link.busy_cycles / stats.total_cycles if link else 0.0
    cores = f"the cores compute {fmt_pct(compute)} of the time (compute utilization: {stats.utilization_text()})"
    hot = f"the hottest link, {link_name(link)}, is busy {fmt_pct(link_util)} of the run" if link else (
        "no link carried any data")
    if link and link_util >= BOUND_AT and link_util >= 2 * compute:
        verdict = f"Data movement bound: {hot}, while {cores}."
    elif compute >= BOUND_AT and compute >= link_util:
        verdict = f"Compute bound: {cores}; {hot}."
    else:
        verdict = (f"Latency bound: no single resource is saturated: {cores} and {hot}; the rest of the run the "
                   "kernels wait (for data, for each other) or have nothing to do.")
    return [verdict] + ([link_users(run, link)] if link else []) + [_waits_sentence(run)]


def link_users(run: Run, link: Link) -> str:
    """Which transfers crossed a link and why they share it (the NoC's route order)."""
    key = (link.src[0], link.src[1], link.dir)
    users = [t for t in run.trace.transfers if t.noc == link.noc and key in t.links]
    if not users:
        return f"That link carried {fmt_bytes(link.nbytes)}."
    kinds = Counter(t.kind for t in users)
    tile_kinds = run.stats.device.kinds()
    sources = Counter("DRAM" if tile_kinds.get(t.src) == "dram" else "core" for t in users)
    what = ", ".join(plural(n, kind) for kind, n in kinds.most_common())
    origin = _and_list([f"{'all' if n == len(users) else f'{n / len(users):.0%}'} from {src} tiles"
                        for src, n in sources.most_common()])
    return (f"It carried {fmt_bytes_short(link.nbytes)} in {plural(len(users), 'transfer')} ({what}; {origin}). "
            + _route_reason(link))


def _route_reason(link: Link) -> str:
    order = ROUTE_ORDER.get(link.noc)
    if not order or link.dir not in order:
        return ""
    first, second = (DIR_WORD[d] for d in order)
    line = "column" if link.dir in "NS" else "row"
    who = "start" if link.dir == order[0] else "end"
    return (f"NoC {link.noc} sends every transfer {first} first, then {second}, so all transfers that {who} in the "
            f"same {line} share the links going {DIR_WORD[link.dir]} along it.")


def wait_reason(main: str, role: str) -> str:
    """What a kernel of `role` waited for when it waited in `main`: `for input tiles from the reader`."""
    if main == "cb_wait_front":
        return {"compute": "for input tiles from the reader", "writer": "for result tiles from compute"}.get(
            role, "for tiles in a circular buffer")
    return WAIT_FOR.get(main, "")


def _waits_sentence(run: Run) -> str:
    waits = sorted((w for w in role_waits(run) if w.share >= 0.01), key=lambda w: (ROLE_ORDER.get(w.role, 9), w.role))
    if not waits:
        return "The trace shows no waits of note."
    parts = [f"{w.role} kernels waited {fmt_pct(w.share, 0)} of the run, mostly {wait_reason(w.main, w.role)} "
             f"({w.main})" for w in waits[:4]]
    return "Where the time went: " + "; ".join(parts) + "."


def noc_balance(run: Run) -> str | None:
    """A sentence when one NoC carried most of the link bytes: how much, and which kinds of transfer put it there."""
    per_noc = run.stats.noc_bytes
    total = sum(per_noc)
    if not total or len(per_noc) < 2:
        return None
    order = sorted(range(len(per_noc)), key=lambda n: -per_noc[n])
    if per_noc[order[0]] / total < IMBALANCED_AT:
        return None
    shares = ", ".join(f"NoC {n} {per_noc[n] / total:.0%} ({fmt_bytes_short(per_noc[n])})" for n in order)
    moved: Counter = Counter()
    for t in run.trace.transfers:
        moved[(t.kind, t.noc)] += t.nbytes
    kinds = _and_list([f"{fmt_bytes_short(b)} in {KIND_WORD.get(k, k)} on NoC {n}"
                       for (k, n), b in sorted(moved.items(), key=lambda kv: -kv[1])])
    return (f"The two NoCs are unevenly loaded: of the link bytes (bytes x hops), {shares}. Reads use NoC 1 and "
            f"writes NoC 0 by default (reader kernels use NoC 1, the other kernels NoC 0); this run moved {kinds}. "
            "Sending some transfers over the less-used NoC (the `noc=` option of a kernel or a read) would spread "
            "the load.")


def program_line(run: Run) -> str:
    """What ran: from program.json when the run directory has it, otherwise what the run itself shows."""
    p, stats = run.program, run.stats
    if p is None:
        labels = sorted({run.trace.ops[s.op].label for s in run.trace.spans if s.op >= 0})
        ops = f"; op labels {', '.join(labels[:6])}{', …' if len(labels) > 6 else ''}" if labels else ""
        return (f"The run directory has no program.json, so the program is described by what it did: "
                f"{len(stats.cores)} cores, {fmt_int(stats.flops)} FLOP, {fmt_bytes_short(_dram(stats, 'read'))} read "
                f"from DRAM and {fmt_bytes_short(_dram(stats, 'written'))} written{ops}.")
    groups: dict[str, list[str]] = {}
    for b in p.buffers:
        groups.setdefault(b.role, []).append(b.text())
    named = [f"{ROLE_WORD.get(role, role)}{'s' if len(names) > 1 else ''} {_some(names)}"
             for role, names in sorted(groups.items(), key=lambda kv: ROLE_RANK.get(kv[0], 9)) if role != "scratch"]
    scratch = len(groups.get("scratch", []))
    tensors = "; ".join(named + ([plural(scratch, "scratch tensor") + " in DRAM"] if scratch else []))
    roles = p.roles()
    per_core = len(p.kernels) == len(roles) * len(p.cores)
    kernels = f"{len(p.kernels)} kernels" + (f" ({', '.join(roles)} on each core)" if per_core else "")
    return f"Program {run.title}: {tensors}; {len(p.cores)} cores, {kernels}."


def plural(n: int, noun: str) -> str:
    """`1 read`, `1,524 reads`."""
    return f"{fmt_int(n)} {noun}{'' if n == 1 else 's'}"


def _and_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _some(names: list[str], shown: int = 6) -> str:
    return ", ".join(names) if len(names) <= shown else ", ".join(names[:shown]) + f", … ({len(names)} in all)"


def _dram(stats: Stats, what: str) -> int:
    return sum(b.bytes_read if what == "read" else b.bytes_written for b in stats.dram)
