"""Link occupancy of both NoCs: packets, flits, hop latency and contention, and per-link counters.

Cut-through model: a packet of F flits holds each link of its route for F cycles; its head reaches the
next router `hop_cycles` after entering a link; a link busy with an earlier packet delays the head.
Transfers are offered in time order by the engine, so each link serves packets first come, first served.
A NIU injects one packet after another: a header cycle, then its bytes at `rate` bytes per cycle (a write's
or a read response's NIU rate, below the link's: how fast a core injects or absorbs data). An unlinked
multicast packet first reserves its path (`noc_mcast_setup_cycles` plus `noc_mcast_dest_cycles` per
destination), and every multicast packet holds the NIU `noc_mcast_packet_cycles` longer than a write's.
One-flit packets (read requests, acknowledgements) hold no link.
"""

from __future__ import annotations

from array import array

from tensix.config import MeshConfig
from tensix.noc.routing import DIRS, Coord, Link, multicast_links, route

_GEOMETRY: dict[tuple[int, int], tuple[dict, dict]] = {}
MAX_PATH_LIST = 1 << 20  # keys (2 x tiles^2) up to which Fabric.path finds Paths by list index (8 MiB)


class Path:
    """A route of one NoC as this run's transfers use it: src and dst (NoC x, y), its link ids and links, the latency
    of a one-flit packet along it, the NIU its packets leave by, and the flits and bytes it carried (spread onto
    its links for stats). Made once per route and Fabric (Fabric.path; Fabric.reset zeroes what it carried): a
    transfer looks up one of these, not each."""

    __slots__ = ("key", "noc", "src", "dst", "ids", "links", "request", "ni", "flits", "nbytes", "back", "issuer",
                 "issuer_op", "issuer_kind", "shape")  # the .pxd types them

    def __init__(self, key: int, noc: int, src: Coord, dst: Coord, ids: tuple[int, ...], links: tuple[Link, ...],
                 request: int, ni: int):
        self.key, self.noc, self.src, self.dst, self.ids, self.links = key, noc, src, dst, array("q", ids), links
        self.request, self.ni = request, ni
        self.flits = self.nbytes = 0
        self.back: Path | None = None  # the route from dst to src, once a transfer asked (Device.transfer)
        # the trace shape (TransferLog.shape) of the last transfer along it: its issuing kernel, op and kind (a route
        # mostly carries one kernel's reads or writes for one op at a time, so most transfers find theirs here)
        self.issuer, self.issuer_op, self.issuer_kind, self.shape = None, 0, 0, -1


class McastPlan:
    """A multicast tree as its packets walk it: per link (parents before children) its id and the index of its
    parent (-1: it leaves the source's router), per destination the index of the link that reaches it (-1: the
    source itself), and the links. Pure geometry: shared by every run on a torus of this size."""

    __slots__ = ("lids", "parents", "leaves", "links", "head_after")  # the .pxd types them

    def __init__(self, lids: list[int], parents: list[int], leaves: list[int], links: tuple[Link, ...]):
        self.lids, self.parents, self.leaves = array("q", lids), array("q", parents), array("q", leaves)
        self.links = links
        self.head_after = array("q", bytes(8 * len(lids)))  # scratch of Fabric.multicast, one packet at a time


class Fabric:
    """Both NoCs of one device: routes (cached), link free times, bytes and busy cycles per link."""

    def __init__(self, cfg: MeshConfig):
        self.cfg = cfg
        self.width, self.height = cfg.width, cfg.height
        # routes and multicast trees are pure geometry: shared by every run on a torus of this size
        self._routes, self._mcasts = _GEOMETRY.setdefault((self.width, self.height), ({}, {}))
        self._paths: dict[int, Path] = {}  # routes used so far (this run, or any run since the Fabric was made), by key
        keys = 2 * (self.width * self.height) ** 2  # every transfer looks its Path up: by key in a list, which costs
        self._by_key: list = [None] * keys if keys <= MAX_PATH_LIST else []  # less than hashing it (a NoC this big:
        # by the dict alone)
        self._maxp, self._niu, self._hop = cfg.max_packet_bytes, cfg.niu_cycles, cfg.hop_cycles
        self._hdr, self._lbpc = cfg.header_flits, cfg.link_bytes_per_cycle
        self._wrate = cfg.noc_write_bytes_per_cycle
        self._tiles = self.width * self.height
        self._mcast_returns: dict[tuple, int] = {}
        self.reset()

    def reset(self) -> None:
        """Both NoCs idle, as at the start of a run: every link and NIU free, nothing carried. The Paths made so far
        stay (their routes and latencies are geometry): a Mesh's next run finds them made, not ~1,000 made again."""
        nlinks = 2 * self.width * self.height * 2
        # int64 arrays: compiled (tensix/compiled.py), the link loops index them as C arrays
        self.free_at = array("q", bytes(8 * nlinks))
        self.link_bytes = array("q", bytes(8 * nlinks))
        self.link_busy = array("q", bytes(8 * nlinks))
        self.niu_free = array("q", bytes(8 * 2 * self.width * self.height))
        self._noc_bytes = array("q", bytes(16))  # per NoC, bytes x hops (noc_bytes)
        self.sent = 0  # the cycle the last `send` started injecting
        for p in self._paths.values():
            p.flits = p.nbytes = 0
            p.issuer, p.issuer_op, p.issuer_kind, p.shape = None, 0, 0, -1

    @property
    def noc_bytes(self) -> list[int]:
        """Bytes x hops carried so far, per NoC."""
        return [int(v) for v in self._noc_bytes]

    def link_id(self, noc: int, link: Link) -> int:
        x, y, d = link
        return ((noc * self.height + y) * self.width + x) * 2 + DIRS[noc].index(d)

    def link_of(self, lid: int) -> tuple[int, Link]:
        """(noc, link) of a link id: the inverse of link_id."""
        rest, axis = divmod(lid, 2)
        rest, x = divmod(rest, self.width)
        noc, y = divmod(rest, self.height)
        return noc, (x, y, DIRS[noc][axis])

    def route(self, noc: int, src: Coord, dst: Coord) -> tuple[tuple[int, ...], tuple[Link, ...]]:
        """(link ids, links) from src to dst on NoC `noc`, cached."""
        key = (noc, src, dst)
        hit = self._routes.get(key)
        if hit is None:
            links = tuple(route(noc, src, dst, self.width, self.height))
            hit = self._routes[key] = (tuple(self.link_id(noc, lk) for lk in links), links)
        return hit

    def path(self, noc: int, sx: int, sy: int, dx: int, dy: int) -> Path:
        """The Path from NoC (sx, sy) to (dx, dy) on NoC `noc`, made on first use."""
        key = ((noc * self.height + sy) * self.width + sx) * self._tiles + dy * self.width + dx
        inside = 0 <= key < len(self._by_key)  # (a key off the grid is for route() to refuse)
        p = self._by_key[key] if inside else self._paths.get(key)
        if p is None:
            src, dst = (sx, sy), (dx, dy)
            ids, links = self.route(noc, src, dst)
            request = 2 * self.cfg.niu_cycles + len(ids) * self.cfg.hop_cycles + self._hdr
            p = self._paths[key] = Path(key, noc, src, dst, ids, links, request,
                                        (noc * self.height + sy) * self.width + sx)
            if inside:
                self._by_key[key] = p
        return p

    def request_cycles(self, noc: int, src: Coord, dst: Coord) -> int:
        """Latency of a one-flit packet (read request, write acknowledgement) from src's NIU into dst's NIU
        on NoC `noc`; it holds no link."""
        return self.path(noc, src[0], src[1], dst[0], dst[1]).request

    def mcast_return_cycles(self, noc: int, src: Coord, dsts: tuple[Coord, ...]) -> int:
        """Latency of the slowest acknowledgement back from a multicast's destinations to its sender."""
        key = (noc, src, dsts)
        cycles = self._mcast_returns.get(key)
        if cycles is None:
            cycles = self._mcast_returns[key] = max((self.request_cycles(noc, d, src) for d in dsts), default=0)
        return cycles

    def unicast(self, noc: int, src: Coord, dst: Coord, nbytes: int, t: int,
                rate: float = 0.0) -> tuple[int, int, tuple[Link, ...]]:
        """Send nbytes from src to dst starting no earlier than cycle t: (start, end cycle, links used).

        Packets leave the NIU at `rate` bytes per cycle (default: the write rate)."""
        p = self.path(noc, src[0], src[1], dst[0], dst[1])
        end = self.send(p, nbytes, t, rate)
        return self.sent, end, p.links

    def send(self, p: Path, nbytes: int, t: int, rate: float = 0.0) -> int:
        """Send nbytes along path p starting no earlier than cycle t; returns the cycle the last byte is in the far
        NIU (the cycle injection started: `sent`). Link load is counted per path and spread onto links for stats.
        (The hottest path of the emulator, hence written out inline; compiled, the link arrays are indexed as
        attributes: one taken into a local is a buffer acquired and released per call.)"""
        maxp, niu, hop = self._maxp, self._niu, self._hop
        if rate <= 0.0:
            rate = self._wrate
        ni = p.ni
        inj = self.niu_free[ni]
        if inj < t:
            inj = t
        self.sent = end = inj
        remaining, flits_sent = nbytes, 0
        nids = len(p.ids)
        while remaining > 0:
            pb = maxp if remaining > maxp else remaining
            remaining -= pb
            flits = self._hdr + -(-pb // self._lbpc)
            head = inj + niu
            for i in range(nids):  # cut-through, first come first served on every link
                lid = p.ids[i]
                s = self.free_at[lid]
                if s < head:
                    s = head
                self.free_at[lid] = s + flits
                head = s + hop
            done = head + flits + niu
            if done > end:
                end = done
            inject = pb / rate
            packet = int(inject)  # its ceiling, with no call to math.ceil when compiled
            inj += self._hdr + (packet + 1 if packet < inject else packet)
            flits_sent += flits
        p.flits += flits_sent
        p.nbytes += nbytes
        self.niu_free[ni] = inj
        self._noc_bytes[p.noc] += nbytes * nids
        return end

    def multicast(
        self, noc: int, src: Coord, dsts: tuple[Coord, ...], nbytes: int, t: int,
        linked_in: bool = False, linked: bool = False,
    ) -> tuple[int, int, tuple[Link, ...]]:
        """Send the same nbytes from src to every tile of dsts along one tree: (start, end, links).

        Each packet first reserves its path, unless it continues a linked transaction: the first packet when
        the multicast before it was `linked_in`, the later ones when this one is `linked`."""
        plan = self._mcast_plan(noc, src, dsts)
        lids, parents, leaves = plan.lids, plan.parents, plan.leaves
        cfg = self.cfg
        free, busy, lbytes = self.free_at, self.link_busy, self.link_bytes
        niu, hop = self._niu, self._hop
        ni = (noc * self.height + src[1]) * self.width + src[0]
        inj = self.niu_free[ni]
        if inj < t:
            inj = t
        start = end = inj
        remaining = nbytes
        setup = cfg.noc_mcast_setup_cycles + round(cfg.noc_mcast_dest_cycles * len(dsts))
        rate, reserve, extra = cfg.noc_write_bytes_per_cycle, not linked_in, cfg.noc_mcast_packet_cycles
        nlinks, nleaves = len(lids), len(leaves)
        head_after = plan.head_after  # per tree link: the cycle the packet's head passes it (scratch)
        while remaining > 0:
            if reserve:
                inj += setup
            reserve = not linked
            pb = self._maxp if remaining > self._maxp else remaining
            remaining -= pb
            flits = self._hdr + -(-pb // self._lbpc)
            for i in range(nlinks):  # in tree order: a link's parent comes before it
                parent = parents[i]
                head = inj + niu if parent < 0 else head_after[parent]
                lid = lids[i]
                s = free[lid]
                if s < head:
                    s = head
                free[lid] = s + flits
                busy[lid] += flits
                lbytes[lid] += pb
                head_after[i] = s + hop
            for j in range(nleaves):
                leaf = leaves[j]
                head = inj + niu if leaf < 0 else head_after[leaf]
                if head + flits + niu > end:
                    end = head + flits + niu
            inject = pb / rate
            packet = int(inject)  # as in send
            inj += self._hdr + (packet + 1 if packet < inject else packet) + extra
        self.niu_free[ni] = inj
        self._noc_bytes[noc] += nbytes * nlinks
        return start, end, plan.links

    def _mcast_plan(self, noc: int, src: Coord, dsts: tuple[Coord, ...]) -> McastPlan:
        key = (noc, src, dsts)
        plan = self._mcasts.get(key)
        if plan is None:
            tree = multicast_links(noc, src, list(dsts), self.width, self.height)
            index = {link: i for i, link in enumerate(tree)}
            lids = [self.link_id(noc, link) for link in tree]
            parents = [-1 if parent is None else index[parent] for parent in tree.values()]
            leaves = []
            for dst in dsts:
                path = route(noc, src, dst, self.width, self.height)
                leaves.append(index[path[-1]] if path else -1)
            plan = self._mcasts[key] = McastPlan(lids, parents, leaves, tuple(self.link_of(lid)[1] for lid in lids))
        return plan

    def forget_issuers(self) -> None:
        """Drop the paths' last issuing kernels (Path.issuer) once the run is over: kernel -> device -> fabric ->
        path -> kernel is a cycle only the cyclic collector would free."""
        for p in self._paths.values():
            p.issuer = None

    def used_links(self) -> list[tuple[int, Link, int, int]]:
        """(noc, link, bytes, busy cycles) of every link that carried traffic, in link-id order."""
        busy, lbytes = array("q", self.link_busy), array("q", self.link_bytes)
        for p in self._paths.values():  # unicast transfers, counted per path (typed loops when compiled: a sparse
            if p.nbytes == 0:  # decode's ~1,000 paths took 2.8 ms of a 40 ms run as Python objects); a path
                continue  # made by an earlier run carried nothing in this one
            ids = p.ids
            for i in range(len(ids)):
                busy[ids[i]] += p.flits
                lbytes[ids[i]] += p.nbytes
        return [(*self.link_of(lid), lbytes[lid], busy[lid]) for lid in range(len(lbytes)) if lbytes[lid]]

