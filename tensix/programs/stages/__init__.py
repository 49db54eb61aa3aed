"""Generic kernels that run a list of compiled steps on one core: the compiler's target.

Every core gets one reader, one compute and one writer kernel with the same `steps` argument; each kernel
does its part of every step in order. A step is a JSON-able dict:

- `op`: matmul | binary | unary | reduce | row | copy | gather_rows (see the reader/compute/writer modules);
  `row` is softmax / layernorm / rmsnorm over whole tile rows (`fn`, `nt` tiles a row, `aux`: gamma and
  beta, or the causal mask with `mask_rows`)
- `out`: the DRAM buffer it writes; inputs by name (`a`, `b`, `bias`, `inputs`, `ids`, `table`)
- the output pages this core computes (`blocks` for matmul, `pages` / `rows` otherwise)
- `chain`: unary ops applied to each output tile before packing, e.g. [["gelu"], ["scale", 0.125]]
- `wait`: [[sem_id, count]]: the reader waits until this core's semaphore sem_id reaches count
  (one increment per producer core that writes pages it reads: deps.py) before reading the step's inputs
- `signal`: [[sem_id, [[x, y], ...]]]: after its writes land, the writer increments sem_id on each core (one
  semaphore-increment multicast per rectangle of those cores)
- matmuls on a grid may carry `mcast` (row and column senders, rectangles, handshake semaphores: mcast.py)
  and `kb`, the k tiles moved per step; deps.py says which pages each step reads and writes

CB ids: layout.py (inputs by slot and format, outputs by format, then fixed ids for gather ids, sparse
control and the row ops' intermediates); `el_unit` on a step is the pages each elementwise reservation takes
on its core (the widest row of its row ops).
"""

from tensix.programs.stages.compute import compute
from tensix.programs.stages.layout import cb_requirements
from tensix.programs.stages.reader import reader
from tensix.programs.stages.writer import writer

__all__ = ["cb_requirements", "compute", "reader", "writer"]
