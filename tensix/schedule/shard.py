"""A core's shard of an L1-resident tensor: the schedule record (CoreSchedule.shards) that places its pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from tensix.errors import SourcePos


@dataclass(frozen=True, slots=True)
class L1Shard:
    """This core's shard of an L1-resident tensor (a DramBuffer with memory "l1"): its `pages`, in order, one page
    after another from L1 `address` (`nbytes` in all). The device lays shards out after the core's CBs."""

    tensor: str
    pages: tuple[int, ...]
    nbytes: int
    address: int
    at: SourcePos | None = field(default=None, compare=False, repr=False)  # where a .sched file wrote it
