"""A matmul plan's cost estimate, from the timing model's constants alone: what the compiler weighs when it
chooses between plans it can run (lang/passes/tile.py: multicast or per-core reads; DRAM-sharded or interleaved
weights).

The estimate is the busiest resource's time plus one read round trip and the last k step's compute: DRAM banks
(bytes read and written / `dram_bank_bytes_per_cycle`), NoC links (flits of every DRAM read, multicast tree and
output write along its dimension-ordered route), each core's NIU (bytes in / `noc_read_bytes_per_cycle`; bytes
out / `noc_write_bytes_per_cycle`, plus `noc_mcast_packet_cycles` per multicast packet), its matrix engine
(tile products at `TimingModel.matmul`), and its data-movement cores' serial work: per k step the read
commands (`noc_read_issue_cycles` each) and a round trip (`niu_cycles`, `hop_cycles` per hop, and
`dram_latency_cycles`) before the next step's reads, plus a multicast's reservation (`noc_mcast_setup_cycles` +
`noc_mcast_dest_cycles` per receiver). Contention is counted as load, not simulated: a bound, not a run.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

from tensix.config import MeshConfig
from tensix.formats import tile_nbytes
from tensix.noc.routing import multicast_links, route
from tensix.schedule.contract import Matmul
from tensix.schedule.share import slice_of
from tensix.schedule.split import MatmulSplit
from tensix.timing import TimingModel

Core = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Estimate:
    """Cycles of one plan (`cycles`), and its parts: DRAM bytes read, the busiest bank, link, NIU, matrix engine
    and data-movement core (serial work), and the latency added to the busiest."""

    cycles: float
    dram_bytes: int
    bank: float
    link: float
    niu: float
    compute: float
    serial: float
    latency: float


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a DRAM buffer's tiles live: `cols` tile columns, interleaved (bands empty) or a band per bank."""

    cols: int
    fmt: str
    bands: tuple[int, ...] = ()

    def bank(self, page: int, banks: int) -> int:
        if not self.bands:
            return page % banks
        col, edge = page % self.cols, 0
        for b, w in enumerate(self.bands):
            edge += w
            if col < edge:
                return b
        raise ValueError(f"column {col} past the bands {self.bands}")


def estimate(steps: dict[Core, Matmul], layouts: dict[str, Layout], cfg: MeshConfig,
             timing: TimingModel | None = None, fidelity: str = "HiFi4") -> Estimate:
    """The estimate of one matmul op's steps (logical cores) run alone, its buffers laid out as `layouts`."""
    timing = timing or TimingModel()
    t = _Tally(cfg)
    for core, s in steps.items():
        t.step(core, s, layouts, timing, fidelity)
    banks = max(t.bank.values(), default=0) / cfg.dram_bank_bytes_per_cycle
    links = max(t.link.values(), default=0)
    niu = max((t.niu_in[c] / cfg.noc_read_bytes_per_cycle + t.niu_out[c]) for c in steps)
    compute, serial = max(t.compute.values()), max(t.serial.values())
    latency = max(t.trip.values()) + max(t.first.values()) + max(t.last.values())
    busiest = max(banks, links, niu, compute, serial)
    return Estimate(busiest + latency, t.dram_bytes, banks, links, niu, compute, serial, latency)


class _Tally:
    """Loads per resource while the steps are walked. Pages of an interleaved buffer count as spread evenly over
    the banks (a band of many tiles is, to within one tile per bank); a sharded buffer's by its bands."""

    def __init__(self, cfg: MeshConfig):
        self.cfg = cfg
        self.bank: Counter = Counter()  # bank -> bytes
        self.link: Counter = Counter()  # link -> cycles (flits)
        self.niu_in: Counter = Counter()  # core -> bytes read into it
        self.niu_out: Counter = Counter()  # core -> cycles its NIU spends sending
        self.compute: Counter = Counter()
        self.serial: Counter = Counter()
        self.trip: Counter = Counter()  # core -> its longest read round trip
        self.last: Counter = Counter()  # core -> compute of its last k step
        self.first: Counter = Counter()  # core -> the NIU time of its first k step's bands (in, and out when sent)
        self.dram_bytes = 0

    def _flits(self, nbytes: float) -> float:
        cfg = self.cfg
        return nbytes / cfg.link_bytes_per_cycle * (1 + cfg.header_flits * cfg.link_bytes_per_cycle
                                                    / min(cfg.max_packet_bytes, max(nbytes, 1)))

    def _hops(self, links: int) -> int:
        return 2 * self.cfg.niu_cycles + links * self.cfg.hop_cycles

    def _per_bank(self, lay: Layout, tiles: int, cols: tuple[int, int] | None, rows: int) -> dict[int, float]:
        """Tiles read from each bank: `tiles` of an interleaved buffer, evenly; of a sharded one, `rows` rows of
        tile columns [c0, c1) by band."""
        nbanks = len(self.cfg.dram_banks)
        if not lay.bands or cols is None:
            return dict.fromkeys(range(nbanks), tiles / nbanks)
        out, edge = {}, 0
        for b, w in enumerate(lay.bands):
            lo, hi = max(cols[0], edge), min(cols[1], edge + w)
            if hi > lo:
                out[b] = rows * (hi - lo)
            edge += w
        return out

    def _transfer(self, src, dst, noc: int, nbytes: float) -> int:
        links = _route(noc, src, dst, self.cfg.width, self.cfg.height)
        flits, load = self._flits(nbytes), self.link
        for link in links:
            load[link] += flits
        return len(links)

    def step(self, core: Core, s: Matmul, layouts: dict[str, Layout], timing: TimingModel, fidelity: str) -> None:
        cfg, xy = self.cfg, self.cfg.noc_xy(core)
        blocked = bool(s.mcast or s.sub or s.kb > 1)
        a_steps = -(-s.kt // (s.a_kb or s.kb)) if blocked else s.kt
        b_steps = -(-s.kt // s.kb) if blocked else s.kt
        m = s.mcast
        reads = 0
        read_a = 0 if blocked else 1  # a blocked step's activation moves on the writer's core (NoC 0)
        for name, own, noc in ((s.a, not m or _reads(m.a, core), 0 if m else read_a),
                               (s.b, not m or _reads(m.b, core), 0 if m else 1), (s.bias, True, 0 if m else 1)):
            if not name or not own:
                continue
            lay, noc = layouts[name], s.noc if s.noc is not None else noc
            size = tile_nbytes(lay.fmt)
            tiles = {s.a: sum(b.rows for b in s.blocks) * _a_tiles(m, s, core),
                     s.b: s.kt * sum(b.cols for b in s.blocks)}.get(name, sum(b.cols for b in s.blocks))
            per_bank: Counter = Counter()
            if lay.bands and name != s.a:
                for blk in s.blocks:
                    per_bank.update(self._per_bank(lay, 0, (blk.col, blk.col + blk.cols), s.kt if name == s.b else 1))
            else:
                per_bank.update(self._per_bank(lay, tiles, None, 1))
            for b, n in per_bank.items():
                hops = self._transfer(cfg.dram_banks[b], xy, noc, n * size)
                self.bank[b] += n * size
                self.trip[core] = max(self.trip[core], 2 * self._hops(hops) + cfg.dram_latency_cycles)
            self.niu_in[core] += tiles * size
            self.dram_bytes += tiles * size
            reads += tiles
        steps = max(a_steps, b_steps) * len(s.blocks)
        self.serial[core] += (reads * cfg.noc_read_issue_cycles + steps * self.trip[core]
                              + self.niu_in[core] / cfg.noc_read_bytes_per_cycle)
        self.first[core] += self.niu_in[core] / steps / cfg.noc_read_bytes_per_cycle
        for share, name, tiles in ((m.a, s.a, sum(b.rows for b in s.blocks) * _a_tiles(m, s, core)),
                                   (m.b, s.b, sum(b.cols for b in s.blocks) * s.kt)) if m else ():
            if share and share.n and (share.sender == core if not share.senders else tiles):
                self._multicast(core, s, share, tiles * tile_nbytes(layouts[name].fmt), name)
        out = layouts[s.out]
        size, noc = tile_nbytes(out.fmt), s.noc if s.noc is not None else 0
        written = sum(b.rows * b.cols for b in s.blocks)
        for b, n in self._per_bank(out, written, None, 1).items():
            self.bank[b] += n * size
            self._transfer(xy, cfg.dram_banks[b], noc, n * size)
        self.niu_out[core] += written * size / cfg.noc_write_bytes_per_cycle
        per_tile = timing.matmul(fidelity, layouts[s.b].fmt)
        tiles = sum(b.rows * b.cols * s.kt for b in s.blocks)
        self.compute[core] += tiles * per_tile
        self.last[core] = max(self.last[core], tiles * per_tile / max(1, b_steps))

    def _multicast(self, core: Core, s: Matmul, share, nbytes: int, name: str) -> None:
        """The sender's band along the multicast tree, once per link; its NIU per packet; per k step the
        reservation of the path and the receivers' readiness round trip on its serial work."""
        cfg = self.cfg
        x0, y0, x1, y1 = share.rect
        dsts = [cfg.noc_xy((x, y)) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1) if (x, y) != core]
        noc = s.noc if s.noc is not None else 0  # route moves a multicast matmul on NoC 0 unless told
        noc = next((c[3] for c in share.senders if c[0] == core), noc)  # a spread row's sender: its own
        for link in multicast_links(noc, cfg.noc_xy(core), dsts, cfg.width, cfg.height):
            self.link[link] += self._flits(nbytes)
        packets = -(-nbytes // cfg.max_packet_bytes)
        self.niu_out[core] += nbytes / cfg.noc_write_bytes_per_cycle + packets * cfg.noc_mcast_packet_cycles
        steps = -(-s.kt // ((s.a_kb or s.kb) if name == s.a else s.kb)) * len(s.blocks)
        self.first[core] += nbytes / steps / cfg.noc_write_bytes_per_cycle
        far = max(len(route(noc, cfg.noc_xy(core), d, cfg.width, cfg.height)) for d in dsts)
        self.serial[core] += steps * (cfg.noc_mcast_setup_cycles + share.n * cfg.noc_mcast_dest_cycles
                                      + 2 * self._hops(far))


@functools.lru_cache(maxsize=4096)
def _from_banks(noc: int, xy, banks: tuple, width: int, height: int) -> tuple[Counter, int]:
    """Links of the routes from every bank to NoC tile xy, with how many of the routes cross each; the longest."""
    routes = [_route(noc, bank, xy, width, height) for bank in banks]
    return Counter(link for r in routes for link in r), max(len(r) for r in routes)


@functools.lru_cache(maxsize=65536)
def _route(noc: int, src, dst, width: int, height: int) -> tuple:
    return tuple(route(noc, src, dst, width, height))


def _reads(share, core: Core) -> bool:
    """Whether a core reads a multicast operand from DRAM itself: no multicast, or it sends it (a spread
    activation: its own k tiles)."""
    if share is not None and share.senders:
        return slice_of(share, core)[1] > 0
    return share is None or share.n == 0 or share.sender == core


def _a_tiles(m, s: Matmul, core: Core) -> int:
    """k tiles of the activation a core reads (and, sending, multicasts): all kt, or its slice of a spread row."""
    if m is None or m.a is None or not m.a.senders:
        return s.kt
    k0, k1 = slice_of(m.a, core)
    return k1 - k0


def estimate_split(steps: dict[Core, MatmulSplit], layouts: dict[str, Layout], cfg: MeshConfig,
                   timing: TimingModel | None = None, fidelity: str = "HiFi4", live: float = 1.0) -> Estimate:
    """The estimate of a k-split decode matmul (lang/passes/splitk.py) whose activation columns are live (read)
    a fraction `live` of the time. Its phases run one after another on the slowest core (each waits for the last):
    its activation band (reads, the farthest bank's round trip, the zero check), the live weight rows (read
    commands, its NIU, a round trip, or the banks and links all cores' rows load), the tile products and packing
    of its partial, the partials' writes to the reducers (commands, NIU, the links into them, a round trip and the
    semaphore), the reducer's adds and the output's write."""
    return estimate_split_at(steps, layouts, cfg, (live,), timing, fidelity)[0]


def estimate_split_at(steps: dict[Core, MatmulSplit], layouts: dict[str, Layout], cfg: MeshConfig,
                      lives: tuple[float, ...], timing: TimingModel | None = None, fidelity: str = "HiFi4",
                      memo: dict | None = None) -> list[Estimate]:
    """estimate_split at each share in `lives`: the loads are tallied once, the rows' scale with the share. `memo`:
    the reading side of shapes already estimated (shapes differing only in their reducers read alike)."""
    timing = timing or TimingModel()
    reads = tuple((core, s.k0, s.k1, s.noc) for core, s in steps.items())
    key = (reads, layouts[first(steps).a], layouts[first(steps).b_rows], first(steps).rows, fidelity)
    read = None if memo is None else memo.get(key)
    if read is None:
        read = _split_reads(steps, layouts, cfg, timing, fidelity, lives)
        if memo is not None:
            memo[key] = read
    band, gather, compute, dram, banks, links, niu = read
    swap, out, send, reduce = _Tally(cfg), _Tally(cfg), 0.0, 0.0
    for core, s in steps.items():
        xy = cfg.noc_xy(core)
        send = max(send, _split_send(swap, s, xy, cfg))
        if s.cols[1]:
            reduce = max(reduce, _split_reduce(out, s, xy, layouts, cfg, timing))
    exchange = max(send, max(swap.link.values(), default=0))
    return [Estimate(band + g + c + exchange + reduce, int(live * dram), live * banks, live * links, live * niu, c,
                     band + g + c + exchange + reduce, 0.0)
            for live, g, c in zip(lives, gather, compute, strict=True)]


def first(steps: dict):
    return next(iter(steps.values()))


def _split_reads(steps: dict, layouts: dict[str, Layout], cfg: MeshConfig, timing: TimingModel, fidelity: str,
                 lives: tuple[float, ...]) -> tuple:
    """The reading side of a k-split plan: its band phase, and at each share its rows phase and its compute; the
    DRAM bytes, busiest bank and link and NIU with every row read."""
    band, rows, slowest, per_row = _Tally(cfg), _Tally(cfg), 0.0, []
    for core, s in steps.items():
        xy = cfg.noc_xy(core)
        slowest = max(slowest, _split_band(band, s, xy, layouts, cfg, timing))
        per_row.append((s.k1 - s.k0, *_split_rows(rows, s, xy, layouts, cfg)))
    banks = max(rows.bank.values(), default=0) / cfg.dram_bank_bytes_per_cycle
    links = max(rows.link.values(), default=0)
    niu = max(rows.niu_in.values(), default=0) / cfg.noc_read_bytes_per_cycle
    widths = {s.k1 - s.k0: s for s in steps.values()}
    gather, compute = [], []
    for live in lives:
        mine = max(live * n * 32 * cost + trip for n, cost, trip in per_row)
        gather.append(max(mine, live * (banks + links)))  # a row holds its bank, then its links: queues hardly overlap
        compute.append(max(_split_compute(s, layouts, timing, fidelity, live * n * 32) for n, s in widths.items()))
    return slowest, gather, compute, sum(rows.bank.values()), banks, links, niu


def _split_band(t: _Tally, s, xy, layouts: dict[str, Layout], cfg: MeshConfig, timing: TimingModel) -> float:
    """Reading the band of the activation (tiny tiles: two reads of its token rows a tile up to 16 tokens) and the
    zero check over its live faces."""
    page, n, banks = tile_nbytes(layouts[s.a].fmt), s.k1 - s.k0, cfg.dram_banks
    reads, piece = (2, s.rows * page // 64) if s.rows <= 16 else (1, page)
    trip = 0
    for k in range(s.k0, s.k1):
        b = layouts[s.a].bank(k, len(banks))
        t.bank[b] += reads * piece
        trip = max(trip, 2 * t._hops(len(_route(s.noc, banks[b], xy, cfg.width, cfg.height)))
                   + cfg.dram_latency_cycles)
    check = -(-timing.zero_check_cycles * n * (2 if s.rows <= 16 else 4) // 4)
    return n * reads * cfg.noc_read_issue_cycles + trip + check


def _split_rows(t: _Tally, s, xy, layouts: dict[str, Layout], cfg: MeshConfig) -> tuple[float, float]:
    """Every weight row of the band, one read each, spread evenly over the banks (rows interleave): its cycles a row
    (the read command or the NIU taking it in, the slower) and the round trip. Loads the banks and links, all rows
    live, for the shared bound."""
    count, row, banks = (s.k1 - s.k0) * 32, split_row_nbytes(s, layouts), cfg.dram_banks
    flits = (cfg.header_flits + -(-row // cfg.link_bytes_per_cycle)) * count / len(banks)
    uses, longest = _from_banks(s.noc, xy, banks, cfg.width, cfg.height)
    for link, n in uses.items():
        t.link[link] += flits * n
    for b in range(len(banks)):
        t.bank[b] += row * count / len(banks)
    trip = 2 * t._hops(longest) + cfg.dram_latency_cycles
    t.niu_in[xy] += row * count
    return max(cfg.noc_read_issue_cycles, row / cfg.noc_read_bytes_per_cycle), trip


def split_row_nbytes(s, layouts: dict[str, Layout]) -> int:
    """Bytes of one row of a k-split matmul's row-major weights (each row's start aligned to 32 B)."""
    return -(-s.out_cols * 32 * (4 if layouts[s.b_rows].fmt == "fp32" else 2) // 32) * 32


def _split_compute(s, layouts: dict[str, Layout], timing: TimingModel, fidelity: str, count: float) -> float:
    """Tilizing the gathered rows 32 at a time (by the rows moved), one tile product per output tile over the live
    faces, packing the partial's token rows."""
    per_tile, nt, faces_a = timing.matmul(fidelity, layouts[s.b_rows].fmt), s.out_cols, 1 if s.rows <= 16 else 2
    cycles, left = 0.0, count
    while left > 0:
        g = min(32.0, left)
        cycles += nt * (timing.tilize_cycles * g / 32 + per_tile * faces_a * (1 if g <= 16 else 2) / 4)
        left -= g
    return cycles + nt * _pack_tiny(timing, s.rows)


def _pack_tiny(timing: TimingModel, rows: int) -> float:
    return timing.pack_setup_cycles + rows * 32 * 4 / timing.pack_bytes_per_cycle


def _split_send(t: _Tally, s, xy, cfg: MeshConfig) -> float:
    """The partial's columns to each reducer (a write each), the acknowledgements, then the semaphore."""
    tiny, far, noc = s.rows * 32 * 4, 0, _write_noc(s)
    flits = {nc: t._flits(nc * tiny) for nc in {nc for *_, nc in s.owners}}
    for x, y, _, nc in s.owners:
        links = _route(noc, xy, cfg.noc_xy((x, y)), cfg.width, cfg.height)
        for link in links:
            t.link[link] += flits[nc]
        far = max(far, len(links))
    issue = len(s.owners) * cfg.noc_write_issue_cycles + s.out_cols * tiny / cfg.noc_write_bytes_per_cycle
    return issue + 3 * t._hops(far)  # the last write there and its acknowledgement back, the semaphore there


def _split_reduce(t: _Tally, s, xy, layouts: dict[str, Layout], cfg: MeshConfig, timing: TimingModel) -> float:
    """A reducer: per output tile each core's partial added, packed; then the tiles' live faces written."""
    nc, fmt = s.cols[1], layouts[s.out].fmt
    add = max(timing.eltwise_cycles * -(-s.rows // 8) * 8 / 32, _pack_tiny(timing, s.rows))
    live = tile_nbytes(fmt) // 2 if s.rows <= 16 else tile_nbytes(fmt)
    far = 0
    for j in range(nc):
        b = layouts[s.out].bank(s.cols[0] + j, len(cfg.dram_banks))
        far = max(far, t._transfer(xy, cfg.dram_banks[b], _write_noc(s), live))
    write = nc * cfg.noc_write_issue_cycles + 2 * t._hops(far) + cfg.dram_write_latency_cycles
    return nc * (len(s.parts) * add + timing.pack(fmt)) + write


def _write_noc(s) -> int:
    return s.noc if s.write_noc is None else s.write_noc
