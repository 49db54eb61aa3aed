"""What the compute API's tile ops look up rather than work out: a binary op's code by name, and each op's price by
the TimingModel (its span name and cycles), keyed by the op's call site and what its cost depends on. A kernel works
each price out once (ComputeKernel._spend) instead of formatting the name and asking the model at every tile; the
model is frozen, so a key's price never changes within a run."""

from __future__ import annotations

from tensix.errors import KernelError
from tensix.kernels import ops
from tensix.timing import TimingModel


def binary_code(op: str, core) -> int:
    code = ops.BINARY.get(op)
    if code is None:
        raise KernelError(f"compute kernel on core {core}: binary op '{op}' is not add, sub or mul")
    return code


def priced(memo: dict, timing: TimingModel, key: tuple) -> tuple[str, int]:
    """memo[key] = (span name, cycles per tile) of key = (site, op, fidelity, format, ...), and that price."""
    site, op, fidelity = key[0], key[1], key[2] if len(key) > 2 else ""
    if site == "binary":
        price = f"{op}_tiles", timing.eltwise(op, fidelity, key[3])
    elif site == "bcast":
        price = f"{op}_bcast_{key[4]}", timing.eltwise(op, fidelity, key[3], key[5])
    elif site == "copy":
        price = "copy_tile", max(timing.eltwise_cycles, timing.unpack(key[3]))
    elif site == "reduce":
        price = f"reduce_{op}_{key[4]}", max(timing.reduce_cycles, timing.unpack(key[3]))
    else:  # "sfpu"
        price = f"{op}_tile", timing.sfpu(op)
    memo[key] = price
    return price
