"""Writer part of every step: store output tiles to DRAM, then tell the consumer cores the output is ready."""

from __future__ import annotations

from tensix.programs.stages.layout import MATMULS, cb_out


def writer(ctx, *, steps: list[dict]) -> None:
    for step in steps:
        ctx.label, ctx.src = step.get("label", ctx.label), step.get("src", ctx.src)
        _WRITE[step["op"]](ctx, step)
        ctx.noc_async_write_barrier()
        for sem_id, cores in step.get("signal", ()):
            for x, y in cores:
                ctx.noc_semaphore_inc(ctx.get_noc_addr(x, y, ctx.get_semaphore(sem_id)))


def _write_pages(ctx, s: dict, pages, reserve: int | None = None) -> None:
    name = s["out"]
    cb = cb_out(ctx.buffer(name).fmt, matmul=s["op"] in MATMULS)
    n = reserve or len(pages)
    ctx.cb_wait_front(cb, n)
    base = ctx.get_read_ptr(cb)
    size = ctx.buffer(name).page_nbytes
    for i, page in enumerate(pages):
        ctx.noc_async_write_page(name, page, base + i * size, s.get("noc"))
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(cb, n)


def _write_matmul(ctx, s: dict) -> None:
    cols = s["out_cols"]
    cb_bm, cb_bn = s["cb_block"]
    for _, bm, c0, bn, _, o_r0 in s["blocks"]:
        _write_pages(ctx, s, [(o_r0 + i) * cols + c0 + j for i in range(bm) for j in range(bn)], cb_bm * cb_bn)


def _write_each(key: str):
    def write(ctx, s: dict) -> None:
        for entry in s[key]:
            _write_pages(ctx, s, [entry[0]])
    return write


_WRITE = {
    "matmul": _write_matmul, "matmul_rows": _write_matmul,
    "binary": _write_each("pages"), "unary": _write_each("pages"),
    "reduce": _write_each("rows"), "copy": _write_each("pages"), "gather_rows": _write_each("pages"),
}
