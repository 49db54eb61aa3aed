"""Generic kernels that run a core's schedule: the compiler's target (tensix/schedule/contract.py, docs/schedule.md).

Every core gets one reader, one compute and one writer kernel with the same arguments: `steps`, the core's typed
steps in order, and `units`, the pages each of its CB reservations takes; each kernel does its part of every step
(reader.py, compute.py, writer.py run each step's part that its stage module registered for its class with
`@handles(role, Kind)`, dispatch.py; row.py, sparse.py and mcast.py hold the fused row ops, the sparse decode
matmul and the multicast handshakes). Every module of this package is imported with it, so a step kind's parts
register themselves: a new kind's module needs no import added anywhere. Before reading a step's inputs the
reader waits on its `wait` semaphores; after its writes land the writer increments its `signal` semaphores on the
consumer cores.
layout.py lays a core's L1 out (CB ids by slot and format, units, addresses: the compiler's alloc pass calls
it once; an elementwise step's input CBs follow from Step.streamed), build.py turns a Schedule into the Program
the emulator loads. Which pages a step reads and writes is the step's own (Step.reads, Step.writes).
"""

import importlib
import pkgutil

from tensix.programs.stages.compute import compute
from tensix.programs.stages.layout import cb_requirements
from tensix.programs.stages.reader import reader
from tensix.programs.stages.writer import writer

__all__ = ["cb_requirements", "compute", "reader", "writer"]

for _module in pkgutil.iter_modules(__path__):  # each registers its step kinds' parts (dispatch.handles)
    importlib.import_module(f"{__name__}.{_module.name}")
