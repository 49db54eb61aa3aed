"""The compiler's target as a typed contract: per-core schedules of steps, CBs, L1 buffers and semaphores.

contract.py holds the dataclasses, plain.py their JSON form, text.py (with schedule.lark) their `.sched` text
form, verify.py the rules a schedule must keep before it runs.
"""

from tensix.schedule.contract import (
    CB,
    MATMULS,
    Block,
    CoreSchedule,
    DramBuffer,
    L1Buffer,
    L1Shard,
    Op,
    Schedule,
    Step,
    Units,
)

__all__ = ["CB", "MATMULS", "Block", "CoreSchedule", "DramBuffer", "L1Buffer", "L1Shard", "Op", "Schedule", "Step",
           "Units"]
