"""The multicast records of a matmul step (`Matmul.mcast`): its operand shares, and for a decode row spread over its
cores (`Share.senders`) which k tiles of it each core reads and multicasts to the others."""

from __future__ import annotations

from dataclasses import dataclass, field

from tensix.errors import SourcePos
from tensix.identity_memo import IdentityMemo

Coord = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Share:
    """One multicast operand: `sender` reads it and multicasts to the `n` other cores of `rect` (x0, y0, x1,
    y1); `ready`/`valid`: the handshake semaphores, one each per CB unit (stages/mcast.py); `a_rows`: with zero
    skipping, the activation bands (row, rows) of every grid row, whose zero tiles let a column skip weights;
    `senders`: a spread decode row (core, k0, k1, noc), each core multicasting k tiles k0..k1-1 on `noc` at once;
    they fill a rectangle (`senders_rect`), to which every core of the share multicasts its readiness."""

    sender: Coord
    rect: tuple[int, int, int, int]
    n: int
    ready: tuple[int, ...] = ()
    valid: tuple[int, ...] = ()
    a_rows: tuple[tuple[int, int], ...] | None = None
    senders: tuple[tuple[Coord, int, int, int], ...] = ()
    at: SourcePos | None = field(default=None, compare=False, repr=False)  # where a .sched file wrote it


@dataclass(frozen=True, slots=True)
class Mcast:
    """A matmul's multicast plan: the activation (`a`) and weight (`b`) operand shares, either may be absent."""

    a: Share | None = None
    b: Share | None = None
    at: SourcePos | None = field(default=None, compare=False, repr=False)  # where a .sched file wrote it


def slice_of(share: Share, core: Coord) -> tuple[int, int]:
    """The k tiles (k0, k1) of the row `core` reads and multicasts ((0, 0): none, it only receives)."""
    return next(((k0, k1) for c, k0, k1, _ in share.senders if c == core), (0, 0))


_RECTS = IdentityMemo()  # a share's senders tuple -> their rectangle


def senders_rect(share: Share) -> tuple[int, int, int, int]:
    """The rectangle (x0, y0, x1, y1) a spread row's senders fill (plans.spread picks them so): every core of the
    share multicasts its readiness to it once. Found once per share: each of its cores asks on every run."""
    senders = share.senders
    hit = _RECTS.get(senders)
    if hit is not None:
        return hit
    xs, ys = [c[0][0] for c in senders], [c[0][1] for c in senders]
    return _RECTS.put((min(xs), min(ys), max(xs), max(ys)), senders)


_SLICES = IdentityMemo()  # a share's senders tuple -> sent_by's


def sent_by(share: Share) -> dict[Coord, list[tuple[int, int, int]]]:
    """Per core of a spread row, its (k0, k1, noc) entries of `senders` in order: each core finds its own at once
    (looking through all of them, every core on every run, was O(cores^2) a decode matmul)."""
    senders = share.senders
    hit = _SLICES.get(senders)
    if hit is not None:
        return hit
    mine: dict[Coord, list[tuple[int, int, int]]] = {}
    for core, k0, k1, noc in senders:
        mine.setdefault(core, []).append((k0, k1, noc))
    return _SLICES.put(mine, senders)


def run_pages(share: Share, core: Coord, blocks, kt: int) -> set[int]:
    """The pages of the activation `core` reads: its k tiles of every row its blocks take."""
    k0, k1 = slice_of(share, core)
    return {r * kt + k for a_r0, bm, *_ in blocks for r in range(a_r0, a_r0 + bm) for k in range(k0, k1)}
