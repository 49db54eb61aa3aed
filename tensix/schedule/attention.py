"""The fused attention step (tensix/programs/stages/attention.py runs it; lang/passes/attention.py makes it).

Its own module beside contract.py, registered as a step kind when tensix.schedule is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tensix.ops import Op
from tensix.schedule.contract import Coord, Step


@dataclass(frozen=True, slots=True, kw_only=True)
class Attention(Step):
    """out = softmax(q @ k^T * scale + mask) @ v for some (head, chunk of q tile rows) `work` items, as ttnn's
    prefill scaled_dot_product_attention: the scores never leave the core (online softmax over chunks of keys).

    `q` [H, S, d] and `out` [H, S, d] hold `nq` tile rows of `dt` tiles per head; `kt` is k already transposed,
    [KV, d, S_kv] (`dt` tile rows of `nk` tiles per kv head), `v` [KV, S_kv, d] (in kt's format: they share a CB);
    head h reads kv head h // `groups`.
    A work item (h, c) takes q tile rows [c * chunk, c * chunk + chunk) and key chunks of `chunk` tile rows: with
    `causal` (1) only chunks 0..c (the one on the diagonal masked), else all of them. `mask`: the bias tiles added
    to the scores (before the max): with causal, one [chunk, chunk]-tile block (`mask_cols` tiles wide) added on
    the diagonal chunk; else a bias matrix added on every chunk, tile (h, i, j) at page
    ((h % mask_heads) * mask_rows + i % mask_rows) * mask_cols + j; `mask_row` (1): the mask is one row (a
    key-padding row, mask_rows 1), its tiles' row 0 added to every score row."""

    op: ClassVar[Op] = Op.ATTENTION
    q: str
    kt: str
    v: str
    scale: float
    nq: int
    nk: int
    dt: int
    groups: int
    chunk: int
    work: tuple[tuple[int, int], ...]
    causal: int = 0
    mask: str = ""
    mask_rows: int = 1
    mask_heads: int = 1
    mask_cols: int = 0
    mask_row: int = 0

    def items(self):
        """(head, kv head, first q tile row, q tile rows, key chunks) of each work item, in order."""
        ch, nk = self.chunk, self.nk
        last = -(-nk // ch)
        for h, c in self.work:
            q0 = c * ch
            yield h, h // self.groups, q0, min(ch, self.nq - q0), (min(c + 1, last) if self.causal else last)

    def chunk_mask(self, c: int, kc: int) -> bool:
        """Whether key chunk kc of q chunk c adds mask tiles."""
        return bool(self.mask) and (not self.causal or kc == c)

    def _mask_chunks(self, c: int, chunks: int):
        """The key chunks (of `chunks`) of q chunk c that add mask tiles (chunk_mask)."""
        if not self.mask:
            return ()
        if self.causal:
            return (c,) if c < chunks else ()
        return range(chunks)

    def mask_pages(self, h: int, q0: int, i: int, k0: int, kn: int) -> range:
        """The mask pages q tile row q0 + i adds to key tiles k0..k0 + kn - 1."""
        if self.causal:  # the diagonal block: local indices
            first = i * self.mask_cols
        else:
            first = ((h % self.mask_heads) * self.mask_rows + (q0 + i) % self.mask_rows) * self.mask_cols + k0
        return range(first, first + kn)

    def writes(self) -> list[int]:
        return [(h * self.nq + q0 + i) * self.dt + t for h, _, q0, qn, _ in self.items()
                for i in range(qn) for t in range(self.dt)]

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        """Its q rows, the key (k^T and v) chunks its items reach and the mask tiles they add."""
        dt, nq, nk, ch = self.dt, self.nq, self.nk, self.chunk
        need: dict[str, set[int]] = {self.q: set(), self.kt: set(), self.v: set()}
        if self.mask:
            need[self.mask] = set()
        kends: dict[int, int] = {}  # kv head -> the key tiles its items reach: a prefix, so only the longest counts
        for (h, g, q0, qn, chunks), (_, c) in zip(self.items(), self.work, strict=True):
            need[self.q].update(range((h * nq + q0) * dt, (h * nq + q0 + qn) * dt))
            kends[g] = max(kends.get(g, 0), min(nk, chunks * ch))
            for kc in self._mask_chunks(c, chunks):
                k0 = kc * ch
                for i in range(qn):
                    need[self.mask].update(self.mask_pages(h, q0, i, k0, min(ch, nk - k0)))
        for g, kend in kends.items():
            for t in range(dt):
                need[self.kt].update(range((g * dt + t) * nk, (g * dt + t) * nk + kend))
            need[self.v].update(range(g * nk * dt, (g * nk + kend) * dt))
        return need
