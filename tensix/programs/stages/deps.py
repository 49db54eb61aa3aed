"""Which DRAM pages a step writes and which it reads: what the compiler's route pass turns into semaphores.

A consumer core waits only for the producer cores that wrote pages it reads, so elementwise chains split
alike on the same cores hand over core to core instead of waiting for the whole grid; a multicast
receiver waits for none (its sender did). Where what a core reads depends on data (token ids, the sparse
decode band, zero headers of other rows when skipping), it depends on every page of the input: `None`.
"""

from __future__ import annotations

from tensix.schedule.contract import MATMULS, Mcast, Op, Step


def matmul_out_pages(block, out_cols: int) -> list[int]:
    """Output pages of one matmul block (a row, rows, column, cols, b offset, out row; tiles)."""
    _, bm, c0, bn, _, o_r0 = block
    return [(o_r0 + i) * out_cols + c0 + j for i in range(bm) for j in range(bn)]


def written_pages(step: Step) -> list[int]:
    """The pages of step.out this core's writer stores."""
    if step.op in MATMULS:
        return [p for b in step.blocks for p in matmul_out_pages(b, step.out_cols)]
    if step.op == Op.ROW:
        return [p for _, first, n in step.rows for p in range(first, first + n)]
    return [entry[0] for entry in (step.rows if step.op == Op.REDUCE else step.pages)]


def read_pages(step: Step, core: tuple[int, int]) -> dict[str, set[int] | None]:
    """Input buffer name -> the pages the reader of `core` needs (None: it may touch any of them); an input
    it does not read at all is absent (a multicast receiver gets its band from the row's or column's sender)."""
    op, need = step.op, {}
    if op == Op.MATMUL:
        m = step.mcast or Mcast()
        kt, cols = step.kt, step.b_cols
        for a_r0, bm, c0, bn, b_off, _ in step.blocks:
            if _reads_itself(m.a, core):
                need.setdefault(step.a, set()).update((a_r0 + i) * kt + k for i in range(bm) for k in range(kt))
            if _reads_itself(m.b, core):
                need.setdefault(step.b, set()).update((b_off + k) * cols + c0 + j
                                                      for k in range(kt) for j in range(bn))
            if step.bias:
                need.setdefault(step.bias, set()).update(range(c0, c0 + bn))
        if m.b and m.b.a_rows:  # skipping: every core checks the zero headers of all rows of A
            need[step.a] = None
        return need
    if op == Op.BINARY:
        for _, pa, pb in step.pages:
            need.setdefault(step.a, set()).add(pa)
            need.setdefault(step.b, set()).add(pb)
        return need
    if op == Op.UNARY:
        return {step.a: {pa for _, pa in step.pages}}
    if op == Op.REDUCE:
        return {step.a: {p for _, first, n in step.rows for p in range(first, first + n)}}
    if op == Op.ROW:
        nt = step.nt
        need = {step.a: {p for _, first, n in step.rows for p in range(first, first + n)}}
        if step.fn == "softmax" and step.aux:  # the mask's tile rows these rows add
            need[step.aux[0]] = {(r % step.mask_rows) * nt + j for r, _, _ in step.rows for j in range(nt)}
        else:
            need |= {name: set(range(nt)) for name in step.aux}  # gamma and beta, all of them
        return need
    if op == Op.COPY:
        for _, index, page, _ in step.pages:
            need.setdefault(step.inputs[index], set()).add(page)
        return need
    # matmul_rows (a shared activation band, weights gathered by row), gather_rows (rows chosen by token ids)
    return {name: None for name in inputs(step)}


def _reads_itself(share, core: tuple[int, int]) -> bool:
    """Whether a core reads a multicast operand from DRAM itself: no multicast, or it is the sender."""
    return share is None or share.n == 0 or share.sender == core


def inputs(step: Step) -> list[str]:
    """Every DRAM buffer a step may read."""
    names = [getattr(step, k, None) for k in ("a", "b", "bias", "ids", "table", "b_rows")]
    return [n for n in names if n] + list(getattr(step, "inputs", ()) or ()) + list(getattr(step, "aux", ()) or ())
