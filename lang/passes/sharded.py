"""The DRAM-sharded decode matmul (ttnn's matmul_multi_core_reuse_dram_sharded): the weights lie in DRAM as one
contiguous band of tile columns per bank, each core of the op is assigned the bank nearest it on the NoC and
streams a part of that bank's band from it alone, while one core reads the activation row and multicasts it to
all. Returns {core: Matmul step} and the bands (DramBuffer.bank_cols) the weights must be laid out in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tensix.config import MeshConfig
from tensix.lang import pages
from tensix.lang.ir import Node, TensorType
from tensix.noc.routing import route
from tensix.schedule.contract import Block, Matmul, Mcast, Share

Core = tuple[int, int]


def bank_bands(nt: int, banks: int) -> tuple[int, ...]:
    """Tile columns per bank: as even as whole columns allow, the wider bands first (so the first nt % banks
    banks hold one column more)."""
    return tuple(nt // banks + (1 if b < nt % banks else 0) for b in range(banks))


def bank_hops(cfg: MeshConfig, core: Core, bank: int) -> tuple[int, int]:
    """(links a page from DRAM bank `bank` crosses to logical core `core`, the NoC with fewer of them: NoC 1, the
    reader's default, on a tie)."""
    return _hops(cfg.dram_banks[bank], cfg.noc_xy(core), cfg.width, cfg.height)


@lru_cache(maxsize=1 << 16)
def _hops(src: Core, dst: Core, width: int, height: int) -> tuple[int, int]:
    """bank_hops by NoC coordinates: a decoder's every layer places its decode matmuls on the same cores, so the
    same pairs come up in each (walking their routes was a third of compiling a decode step)."""
    hops, noc = min((len(route(noc, src, dst, width, height)), 1 - noc) for noc in (1, 0))
    return hops, 1 - noc


def quotas(bands: tuple[int, ...], cores: int) -> list[int]:
    """Cores per bank: `cores` spread as evenly as whole cores allow over the banks holding columns, the extra
    ones to the first; never more cores than a bank has columns."""
    live = [b for b, w in enumerate(bands) if w]
    out = [0] * len(bands)
    for i, b in enumerate(live):
        out[b] = min(bands[b], cores // len(live) + (1 if i < cores % len(live) else 0))
    return out


def assign_banks(cfg: MeshConfig, cores: list[Core], quota: list[int]) -> dict[Core, tuple[int, int]]:
    """core -> (its bank, the NoC it reads on): the nearest first. Every (core, bank) pair in order of hops
    (then core in (y, x) order, then bank): a core takes the bank if it has none yet and the bank is short of
    its quota. A greedy matching, not an optimal one: it is what `quotas` and the hop counts make it."""
    pairs = sorted((_nearer(bank_hops(cfg, c, b)), (c[1], c[0]), b) for c in cores for b in range(len(quota))
                   if quota[b])
    taken = [0] * len(quota)
    out: dict[Core, tuple[int, int]] = {}
    for (_, noc), (y, x), b in pairs:
        noc = 1 - noc
        if (x, y) not in out and taken[b] < quota[b]:
            out[(x, y)] = (b, noc)
            taken[b] += 1
    return out


def _nearer(hops_noc: tuple[int, int]) -> tuple[int, int]:
    """Sort key: fewer hops, then NoC 1 (the reader's own) before NoC 0."""
    return hops_noc[0], 1 - hops_noc[1]


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Where a DRAM-sharded decode matmul runs: the weight bands per bank, and per core its bank, NoC and output
    columns [lo, hi)."""

    bands: tuple[int, ...]
    cores: dict[Core, tuple[int, int, int, int]]  # core -> (bank, noc, lo, hi)

    @property
    def rect(self) -> tuple[int, int, int, int]:
        xs, ys = [c[0] for c in self.cores], [c[1] for c in self.cores]
        return min(xs), min(ys), max(xs), max(ys)


def shard_plan(n: Node, ts: list[TensorType], cfg: MeshConfig) -> ShardPlan:
    """The bands and the cores: whole rows of the op's core rectangle (so the activation's multicast reaches a
    rectangle of them), as many as have a column each. With a core for every bank holding columns, the columns
    spread over all banks; with fewer, over one bank per core (the nearest one not taken), the rest get none."""
    nt = pages.tiles(ts[1].shape[1])
    cores = n.attrs["_cores"]
    xs, ys = sorted({c[0] for c in cores}), sorted({c[1] for c in cores})
    rows = max(1, min(len(ys), nt // len(xs)))
    used = [(x, y) for y in ys[:rows] for x in xs][:nt]
    nbanks = len(cfg.dram_banks)
    if len(used) >= min(nt, nbanks):
        bands = bank_bands(nt, nbanks)
        banks = assign_banks(cfg, used, quotas(bands, len(used)))
    else:
        banks = assign_banks(cfg, used, [1] * nbanks)
        chosen = sorted(b for b, _ in banks.values())
        widths = dict(zip(chosen, bank_bands(nt, len(chosen)), strict=True))
        bands = tuple(widths.get(b, 0) for b in range(nbanks))
    starts = [sum(bands[:b]) for b in range(nbanks)]
    out = {}
    for b, w in enumerate(bands):
        mine = sorted((c for c in banks if banks[c][0] == b), key=lambda c: (c[1], c[0]))
        for i, c in enumerate(mine):
            out[c] = (b, banks[c][1], starts[b] + i * w // len(mine), starts[b] + (i + 1) * w // len(mine))
    return ShardPlan(bands, out)


def sharded_matmul(n: Node, ts: list[TensorType], names: dict, plan: ShardPlan, fields: dict) -> dict:
    """The steps of a DRAM-sharded decode matmul: each core its columns, reading on the NoC nearer its bank;
    `fields`: the Matmul fields the decode plans share (operands, k step)."""
    sender = min(plan.cores, key=lambda c: (c[1], c[0]))
    x0, y0, x1, y1 = plan.rect
    share = Share(sender=sender, rect=plan.rect, n=(x1 - x0 + 1) * (y1 - y0 + 1) - 1)
    return {core: Matmul(**fields, blocks=(Block(0, 1, lo, hi - lo, 0, 0),), mcast=Mcast(a=share), noc=noc)
            for core, (_, noc, lo, hi) in sorted(plan.cores.items(), key=lambda kv: (kv[0][1], kv[0][0]))}
