"""The compiler's target as a typed contract: per-core schedules of steps, CBs, L1 buffers and semaphores.

contract.py holds the dataclasses, plain.py their JSON form, text.py (with schedule.lark) their `.sched` text
form, verify.py the rules a schedule must keep before it runs. Step kinds are named by tensix/ops.py's `Op` (the one
vocabulary of the language, the schedule and the compute API).
"""

from tensix.ops import MATMULS, Op
from tensix.schedule.attention import Attention  # step kinds of their own modules: registered with the others
from tensix.schedule.contract import (
    CB,
    STEPS,
    Block,
    CoreSchedule,
    DramBuffer,
    L1Buffer,
    L1Shard,
    Schedule,
    Step,
    Units,
)
from tensix.schedule.split import MatmulSplit

__all__ = [
    "CB", "Attention", "MATMULS", "Block", "CoreSchedule", "DramBuffer", "L1Buffer", "L1Shard", "MatmulSplit", "Op",
    "STEPS", "Schedule", "Step", "Units",
]
