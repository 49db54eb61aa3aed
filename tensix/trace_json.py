"""trace.json's text, written directly: the same bytes as json.dumps(trace.to_dict()) (trace version 2: op table,
op indexes) in a third of the time; with `sort_keys`, those of json.dumps(..., sort_keys=True) (the canonical
text a run's record hashes).

A model's trace holds tens of thousands of spans and transfers; building a dict per row and encoding them took
a second of a GPT-2 block's `tensix run`. Rows become text through templates, read straight from the run's logs
(tensix/tracelog.py: int columns, each transfer's route fields shared by its shape, which is encoded once), with
each distinct string and link list encoded once.
"""

from __future__ import annotations

import json

from tensix.trace import NO_OP, TRACE_VERSION

# one row's text from its parts: spans (kernel prefix, name, start, end, count, op suffix; sorted: count, end, name,
# op suffix, start, with the core and role in the kernel's prefix and suffix), transfers (id, the shape's text before
# nbytes, nbytes, start, end, the shape's text after end; sorted: the shape's text, end, id, shape, nbytes, shape,
# start). %s prints ints as str() does, as the dicts' json.dumps did.
_SPAN = ('%s%s,"start":%s,"end":%s,"count":%s%s}', '%s%s,"end":%s,"name":%s%s%s%s}')
_TRANSFER = ('{"id":%s%s%s,"start":%s,"end":%s%s', '%s%s,"id":%s%s%s%s%s}')
_TOP = ('{{"version":{0},"title":{1},"clock_hz":{2},"ops":[{3}],"spans":[{4}],"transfers":[{5}]}}',
        '{{"clock_hz":{2},"ops":[{3}],"spans":[{4}],"title":{1},"transfers":[{5}],"version":{0}}}')


class _Encoded(dict):
    """Each distinct value's compact JSON, encoded once: `enc[value]`."""

    def __missing__(self, value) -> str:
        text = self[value] = json.dumps(value, separators=(",", ":"))
        return text


def trace_json(trace, sort_keys: bool = False) -> str:
    """The compact JSON of `trace.to_dict()` (separators "," and ":"; keys sorted with `sort_keys`), without
    building the dicts."""
    enc = _Encoded()
    ops = ",".join(f'{{"id":{enc[o.id]},"name":{enc[o.name]},"src":{enc[o.src]}}}' for o in trace.ops)
    return _TOP[sort_keys].format(TRACE_VERSION, enc[trace.title], json.dumps(trace.clock_hz), ops,
                                  ",".join(_spans(trace, enc, sort_keys)), ",".join(_transfers(trace, enc, sort_keys)))


def _op(op: int) -> str:
    return f',"op":{op}' if op != NO_OP else ""


def _spans(trace, enc: _Encoded, sort_keys: bool) -> list[str]:
    """Each span's text, in the trace's order: read straight from each kernel's span log where the trace still
    holds them (the rows not built), else from its rows."""
    kernels = trace._kernels
    if kernels is None or not all(hasattr(spans, "_cols") for _, _, spans in kernels):
        kernels = [(core, role, [row]) for core, role, *row in trace._span_rows]
    out: list[str] = []
    ops = _OpText()
    for core, role, spans in kernels:
        head = f'{{"core":[{core[0]},{core[1]}],'
        if sort_keys:
            head, tail = head + '"count":', f',"role":{enc[role]},"start":'
            rows = _span_rows(spans)
            out += [_SPAN[1] % (head, count, end, enc[name], ops[op], tail, start)
                    for name, start, end, count, op in rows]
        else:
            head = f'{head}"role":{enc[role]},"name":'
            out += [_SPAN[0] % (head, enc[name], start, end, count, ops[op]) for name, start, end, count, op
                    in _span_rows(spans)]
    return out


def _span_rows(spans):
    """(name, start, end, count, op) of each span of a kernel's log (tensix.tracelog.SpanLog) or list of rows."""
    if not hasattr(spans, "_cols"):
        return spans
    names = spans.names
    rows = [(names[i], *rest) for i, *rest in _columns(spans._cols)]
    if spans.name is not None:  # the span still open when the run ended
        rows.append((spans.name, spans.start, spans.end, spans.count, spans.op))
    return rows


def _transfers(trace, enc: _Encoded, sort_keys: bool) -> list[str]:
    """Each transfer's text, in issue order: each distinct shape (a route of one kernel for one op) encoded once,
    the rows read straight from the log's columns where the trace holds a tensix.tracelog.TransferLog."""
    log = trace._transfer_rows
    if hasattr(log, "shapes") and hasattr(log, "_cols"):
        shapes, rows = log.shapes, _columns(log._cols)
    else:  # rows as tuples (a trace read back from a file): each row its own shape
        shapes = [(noc, kind, issuer, role, src, dst, rect, links, op)
                  for noc, kind, issuer, role, src, dst, rect, _, _, _, links, op in log]
        rows = ((i, nbytes, start, end) for i, (*_, nbytes, start, end, _, _) in enumerate(log))
    parts = [_shape_text(shape, enc, sort_keys) for shape in shapes]
    if sort_keys:
        return [_TRANSFER[1] % (parts[s][0], end, i, parts[s][1], nbytes, parts[s][2], start)
                for i, (s, nbytes, start, end) in enumerate(rows)]
    return [_TRANSFER[0] % (i, parts[s][0], nbytes, start, end, parts[s][1]) for i, (s, nbytes, start, end)
            in enumerate(rows)]


def _shape_text(shape: tuple, enc: _Encoded, sort_keys: bool) -> tuple[str, ...]:
    """The text of a transfer's fields that its shape fixes, in the pieces between the per-transfer fields."""
    noc, kind, issuer, role, src, dst, rect, links, op = shape
    dst = enc[tuple(dst)] if dst else "null"
    rect = enc[tuple(rect)] if rect else "null"
    issuer, src, links = f"[{issuer[0]},{issuer[1]}]", f"[{src[0]},{src[1]}]", enc[links]
    if sort_keys:
        return (f'{{"dst":{dst},"end":', f',"issuer":{issuer},"kind":{enc[kind]},"links":{links},"nbytes":',
                f',"noc":{noc}{_op(op)},"rect":{rect},"role":{enc[role]},"src":{src},"start":')
    return (f',"noc":{noc},"kind":{enc[kind]},"issuer":{issuer},"role":{enc[role]},"src":{src},"dst":{dst},'
            f'"rect":{rect},"nbytes":', f',"links":{links}{_op(op)}}}')


class _OpText(dict):
    """A span's op field by op index: empty for NO_OP."""

    def __missing__(self, op: int) -> str:
        text = self[op] = _op(op)
        return text


def _columns(cols):
    """The rows of a tensix.tracelog column store as tuples of ints, chunk by chunk (slicing each column out of a
    chunk at once instead of a row at a time)."""
    w, last = cols.width, len(cols.chunks) - 1
    for c, chunk in enumerate(cols.chunks):
        end = cols.at if c == last else len(chunk) // w * w
        yield from zip(*(chunk[k:end:w] for k in range(w)))
