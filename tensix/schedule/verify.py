"""The schedule verifier: the rules a Schedule keeps before it runs, each broken one reported where it is.

Run on every compiled schedule whenever tests run (lang/compiler.py, TENSIX_DEBUG) and on every `.sched` file
`tensix check` or `tensix run` reads; errors point at the offending line and field of the file.
"""

from __future__ import annotations

import math

from tensix.config import MeshConfig
from tensix.core import SEMAPHORE_NBYTES
from tensix.errors import SourceError, SourcePos
from tensix.formats import tile_nbytes
from tensix.programs.stages.layout import a_on_writer, cb_requirements, norm_parts_nbytes, shares_stats
from tensix.schedule.contract import CoreSchedule, DramBuffer, Schedule
from tensix.schedule.share import senders_rect


class ScheduleError(SourceError):
    """A schedule that breaks a rule of the contract."""


def verify_schedule(schedule: Schedule, cfg: MeshConfig, text: str | None = None) -> None:
    """Raise ScheduleError for the first broken rule (`text`: the .sched source, for the caret)."""
    check = _Checker(schedule, cfg, text)
    for rule in (check.grid, check.declared, check.l1, check.shards, check.pages, check.semaphores,
                 check.multicasts, check.shared_norms):
        rule()


class _Checker:
    def __init__(self, schedule: Schedule, cfg: MeshConfig, text: str | None):
        self.s, self.cfg, self.text = schedule, cfg, text
        self.formats = {b.name: b.dtype for b in schedule.buffers}

    def fail(self, record, field: str | None, message: str) -> None:
        raise ScheduleError(_field_pos(record, field, self.text), message, self.text)

    def grid(self) -> None:
        """Every core lies in the device's compute grid."""
        for cs in self.s.cores:
            x, y = cs.core
            cols, rows = len(self.cfg.compute_xs), len(self.cfg.compute_ys)
            if not (0 <= x < cols and 0 <= y < rows):
                self.fail(cs, "core", f"core {cs.core} is outside {self.cfg.name}'s {cols}x{rows} compute grid; "
                                      f"move its steps to a core inside it")

    def declared(self) -> None:
        """Every CB a step streams through is declared on its core, in the step's format, with the pages the core's
        steps reserve at once (its units)."""
        for cs in self.s.cores:
            have = {cb.id: cb for cb in cs.cbs}
            block = [cs.units.a, cs.units.b, cs.units.out, cs.units.bias]
            for step in cs.steps:
                for cb_id, (fmt, _) in sorted(cb_requirements([step], self.formats, block).items()):
                    if cb_id not in have or have[cb_id].fmt != fmt:
                        self.fail(step, None, f"{step.op} step '{step.label}' on core {cs.core} uses CB {cb_id} "
                                              f"({fmt}), which the core does not declare; add `cb id={cb_id} ...` "
                                              f"before its steps")
            mover = "writer" if a_on_writer(list(cs.steps)) else ""
            if cs.units.a_mover != mover:
                self.fail(cs.units, "a_mover" if cs.units.a_mover else None,
                          f"core {cs.core} has units a_mover={cs.units.a_mover!r}, but its matmul steps need "
                          f"{mover!r}: write `a_mover=\"writer\"` exactly when the core mixes k-blocked (multicast, "
                          f"sub-blocked or kb > 1) matmuls with plain ones, so one kernel fills its A CB")
            for cb_id, (_, pages) in sorted(cb_requirements(list(cs.steps), self.formats, block, cs.units.el).items()):
                if have[cb_id].pages < pages:
                    self.fail(have[cb_id], "pages", f"CB {cb_id} on core {cs.core} holds {have[cb_id].pages} pages, "
                                                    f"but its steps reserve {pages} at once (units)")

    def l1(self) -> None:
        """L1 regions (semaphores, buffers, CBs) do not overlap, sit where the device puts them, and fit."""
        for cs in self.s.cores:
            top, prev = self.s.semaphores * SEMAPHORE_NBYTES, "the semaphore region"
            for rec, name, nbytes in _regions(cs):
                if rec.address < top:
                    self.fail(rec, "address", f"{name} on core {cs.core} at 0x{rec.address:x} overlaps {prev}, "
                                              f"which ends at 0x{top:x}")
                want = -(-top // self.cfg.l1_alignment) * self.cfg.l1_alignment
                if rec.address != want:
                    self.fail(rec, "address", f"{name} on core {cs.core} at 0x{rec.address:x}, but the device "
                                              f"places it at 0x{want:x} (L1 is laid out in declaration order)")
                top, prev = rec.address + nbytes, name
                if top > self.cfg.l1_bytes:
                    self.fail(rec, "address", f"{name} on core {cs.core} ends at 0x{top:x}, past the "
                                              f"{self.cfg.l1_bytes} B of L1; use fewer pages or more cores")

    def shards(self) -> None:
        """An L1-resident tensor's pages are held once each, by shards of its page size; nothing else has shards."""
        held: dict[str, dict[int, tuple[int, int]]] = {}
        for cs in self.s.cores:
            for sh in cs.shards:
                buf = next((b for b in self.s.buffers if b.name == sh.tensor), None)
                if buf is None or buf.memory != "l1":
                    self.fail(sh, "tensor", f"shard on core {cs.core} holds '{sh.tensor}', which is no tensor with "
                                            f"memory=\"l1\"")
                want = len(sh.pages) * page_nbytes(buf)
                if sh.nbytes != want:
                    self.fail(sh, "nbytes", f"shard of '{sh.tensor}' on core {cs.core} is {sh.nbytes} B, but its "
                                            f"{len(sh.pages)} pages take {want} B")
                for p in sh.pages:
                    if p in held.setdefault(sh.tensor, {}):
                        self.fail(sh, "pages", f"page {p} of '{sh.tensor}' is held by core {held[sh.tensor][p]} and "
                                               f"again by core {cs.core}; each page lives in one core's L1")
                    held[sh.tensor][p] = cs.core
        for b in self.s.buffers:
            missing = sorted(set(range(page_count(b))) - set(held.get(b.name, {}))) if b.memory == "l1" else []
            if missing:
                self.fail(b, "memory", f"L1 tensor '{b.name}' has no shard holding page {missing[0]}; give every "
                                       f"page a core (shard lines) or put it in DRAM")
            if b.memory not in ("dram", "l1"):
                self.fail(b, "memory", f"tensor '{b.name}': memory \"{b.memory}\" is not \"dram\" or \"l1\"")

    def pages(self) -> None:
        """Every page a step reads is a host-written input or param, or written by some step."""
        roles = {b.name: b for b in self.s.buffers}
        written: dict[str, set[int]] = {}
        for cs in self.s.cores:
            for step in cs.steps:
                written.setdefault(step.out, set()).update(step.writes())
        for cs in self.s.cores:
            for step in cs.steps:
                if step.out not in roles:
                    self.fail(step, "out", f"step '{step.label}' writes '{step.out}', which is no DRAM buffer")
                for name, pages in step.reads(cs.core).items():
                    buf = roles.get(name)
                    if buf is None:
                        self.fail(step, None, f"step '{step.label}' on core {cs.core} reads '{name}', which is no "
                                              f"DRAM buffer")
                    if buf.role in ("input", "param", "state"):
                        continue
                    missing = sorted((pages or set()) - written.get(name, set()))
                    if missing or pages is None and not written.get(name):
                        self.fail(step, None, f"step '{step.label}' on core {cs.core} reads page "
                                              f"{missing[0] if missing else 0} of '{name}', which no step writes")

    def semaphores(self) -> None:
        """Every wait can be met: as many increments of that semaphore on that core as it waits for."""
        incs: dict[tuple, int] = {}
        for cs in self.s.cores:
            for step in cs.steps:
                for sig in step.signal:
                    for c in sig.cores:
                        incs[sig.sem, tuple(c)] = incs.get((sig.sem, tuple(c)), 0) + 1
        declared = {cs.core: set(cs.semaphores) for cs in self.s.cores}
        for cs in self.s.cores:
            for step in cs.steps:
                for sig in step.signal:
                    for c in sig.cores:
                        if sig.sem not in declared.get(tuple(c), ()):
                            self.fail(sig, None, f"step '{step.label}' on core {cs.core} signals semaphore {sig.sem} "
                                                 f"on core {tuple(c)}, which does not declare it")
                for w in step.wait:
                    got = incs.get((w.sem, cs.core), 0)
                    if got < w.count:
                        self.fail(w, None, f"step '{step.label}' on core {cs.core} waits for semaphore {w.sem} to "
                                           f"reach {w.count}, but only {got} step(s) increment it there")
                    if w.sem not in cs.semaphores:
                        self.fail(w, None, f"core {cs.core} waits on semaphore {w.sem} but does not declare it")


    def multicasts(self) -> None:
        """A multicast share's sender lies in its rectangle, which holds n other cores, each running the op with
        the same share (else the sender waits for receivers that never come)."""
        shares = {}
        for cs in self.s.cores:
            for step in cs.steps:
                for share in (step.mcast.a, step.mcast.b) if getattr(step, "mcast", None) else ():
                    if share:
                        shares.setdefault((step.label, share), set()).add(cs.core)
                        x0, y0, x1, y1 = share.rect
                        inside = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
                        if share.sender not in inside or share.n != len(inside) - 1:
                            self.fail(share, "rect", f"multicast of '{step.label}' on core {cs.core}: sender "
                                                     f"{share.sender} and n={share.n} do not fit rect {share.rect}")
                        if share.senders:
                            self.spread_senders(step.label, share)
        for (label, share), cores in shares.items():
            x0, y0, x1, y1 = share.rect
            missing = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1) if (x, y) not in cores]
            if missing:
                self.fail(share, "rect", f"multicast of '{label}' from {share.sender} covers core {missing[0]}, "
                                         f"which does not run '{label}' with it; every core of the rect must")

    def spread_senders(self, label: str, share) -> None:
        """A spread row's senders fill a rectangle inside the share's (every core signals its readiness to them with
        one multicast, stages/mcast.spread_row)."""
        x0, y0, x1, y1 = senders_rect(share)
        inside = {(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)}
        cores = [c for c, *_ in share.senders]
        rx0, ry0, rx1, ry1 = share.rect
        if set(cores) != inside or len(cores) != len(inside) or not (rx0 <= x0 and ry0 <= y0 and x1 <= rx1
                                                                     and y1 <= ry1):
            self.fail(share, "senders", f"multicast of '{label}': its senders {cores} do not fill the rectangle "
                                        f"{(x0, y0, x1, y1)} inside rect {share.rect}; list every core of a "
                                        f"rectangle once (whole rows of the rect, or the start of its first row)")

    def shared_norms(self) -> None:
        """A norm sharing its statistics (`parts`) runs on every core of its parts, itself among them, with the same
        parts and semaphore, each declaring the semaphore and a `norm_parts` buffer big enough, at one address
        (its partials are multicast there)."""
        runs: dict[str, dict] = {}
        for cs in self.s.cores:
            for step in cs.steps:
                if shares_stats(step):
                    runs.setdefault(step.label, {})[cs.core] = (step, cs)
        for label, on in runs.items():
            for core, (step, cs) in on.items():
                if core not in step.parts:
                    self.fail(step, "parts", f"row step '{label}' on core {core} shares its statistics over "
                                             f"{list(step.parts)}, which leaves out this core; list every core of "
                                             f"the norm in parts, this one too")
                for c in step.parts:
                    other = on.get(tuple(c))
                    if other is None or (other[0].parts, other[0].sem) != (step.parts, step.sem):
                        self.fail(step, "parts", f"row step '{label}' on core {core} shares its statistics with core "
                                                 f"{tuple(c)}, which does not run '{label}' with the same parts and "
                                                 f"sem")
                if step.sem not in cs.semaphores:
                    self.fail(step, "sem", f"row step '{label}' on core {core} counts its partials on semaphore "
                                           f"{step.sem}, which the core does not declare")
                buf = next((b for b in cs.buffers if b.name == "norm_parts"), None)
                want = norm_parts_nbytes(step)
                if buf is None or buf.nbytes < want:
                    self.fail(step, "parts", f"row step '{label}' on core {core} needs an L1 buffer 'norm_parts' "
                                             f"of at least {want} B for its partials; declare `l1 name=\"norm_parts\" "
                                             f"nbytes={want} ...` on the core")
            addrs = {next(b.address for b in cs.buffers if b.name == "norm_parts") for _, cs in on.values()}
            if len(addrs) > 1:
                step, cs = next(iter(on.values()))
                self.fail(step, "parts", f"the cores of row step '{label}' hold 'norm_parts' at different addresses "
                                         f"({', '.join(f'0x{a:x}' for a in sorted(addrs))}); its partials are "
                                         f"multicast to one address, so declare the same buffers before it on each")


def _regions(cs: CoreSchedule):
    for b in cs.buffers:
        yield b, f"L1 buffer '{b.name}'", b.nbytes
    for cb in cs.cbs:
        yield cb, f"CB {cb.id}", cb.pages * cb.page_nbytes
    for sh in cs.shards:  # after the CBs, so they move no CB: a multicast lands at one CB address on every core
        yield sh, f"L1 shard of '{sh.tensor}'", sh.nbytes


def page_count(buf: DramBuffer) -> int:
    """Pages of a tensor: 32x32 tiles, or matrix rows (leading axes fold into rows)."""
    rows = math.prod(buf.shape[:-1]) if len(buf.shape) > 1 else 1
    cols = buf.shape[-1] if buf.shape else 1
    return rows if buf.layout == "rows" else -(-rows // 32) * -(-cols // 32)


def page_nbytes(buf: DramBuffer) -> int:
    """Bytes of one page of a tiles-layout tensor (L1-resident tensors are tiled)."""
    return tile_nbytes(buf.dtype)


def _field_pos(record, field: str | None, text: str | None) -> SourcePos | None:
    """Where `field=` of a record sits on its line (the record's own position without one)."""
    at = getattr(record, "at", None)
    if at is None or field is None or text is None:
        return at
    lines = text.splitlines()
    line = lines[at.line - 1] if 0 < at.line <= len(lines) else ""
    col = line.find(f" {field}=", at.col - 1)
    if col < 0:
        return at
    end = line.find(" ", col + 1)
    return SourcePos(at.path, at.line, col + 2, (end if end > 0 else len(line)) + 1)
