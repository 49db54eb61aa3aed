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
from itertools import chain, groupby

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
    """Each distinct value's compact JSON, encoded once: `enc[value]`. A tuple is its items' texts in a list, each
    item encoded once too: a transfer's links (a tuple of hops) share most of their hops with others'."""

    def __missing__(self, value) -> str:
        if type(value) is tuple:
            text = self[value] = f'[{",".join([self[v] for v in value])}]'
        else:
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
    """The spans' text in blocks of rows (joined by "," as the rows are), in the trace's order: read straight from
    each kernel's span log where the trace still holds them (the rows not built), else from its rows."""
    kernels = trace._kernels
    if kernels is None or not all(hasattr(spans, "_cols") for _, _, spans in kernels):
        kernels = [(core, role, [row[2:] for row in rows])  # consecutive rows of one kernel: one block
                   for (core, role), rows in groupby(trace._span_rows, key=lambda row: (row[0], row[1]))]
    out: list[str] = []
    ops = _OpText()
    for core, role, spans in kernels:
        head = f'{{"core":[{core[0]},{core[1]}],'
        if sort_keys:  # fields: count, end, name, op, start
            tail = _escaped(f',"role":{enc[role]},"start":')
            row = _SPAN[1] % (_escaped(head + '"count":'), *("%s",) * 4, tail, "%s")
        else:  # fields: name, start, end, count, op
            row = _SPAN[0] % (_escaped(f'{head}"role":{enc[role]},"name":'), *("%s",) * 5)
        for names, starts, ends, counts, op_ids in _span_columns(spans):
            names, op_texts = [enc[name] for name in names], [ops[op] for op in op_ids]
            fields = (counts, ends, names, op_texts, starts) if sort_keys else (names, starts, ends, counts, op_texts)
            out.append(_rows_text(row, fields))
    return [text for text in out if text]


def _span_columns(spans):
    """(names, starts, ends, counts, ops) of a kernel's spans, a block of rows at a time: per chunk of its log
    (tensix.tracelog.SpanLog), the span still open when the run ended, or a list of rows."""
    if not hasattr(spans, "_cols"):
        yield from [tuple(zip(*spans))] if spans else []
        return
    names = spans.names
    for ids, *rest in _chunk_columns(spans._cols):
        yield ([names[i] for i in ids], *rest)
    if spans.name is not None:
        yield (spans.name,), (spans.start,), (spans.end,), (spans.count,), (spans.op,)


def _transfers(trace, enc: _Encoded, sort_keys: bool) -> list[str]:
    """The transfers' text in blocks of rows (joined by "," as the rows are), in issue order: each distinct shape
    (a route of one kernel for one op) encoded once, the rows read straight from the log's columns where the trace
    holds a tensix.tracelog.TransferLog."""
    log = trace._transfer_rows
    if hasattr(log, "shapes") and hasattr(log, "_cols"):
        shapes, blocks = log.shapes, _chunk_columns(log._cols)
    else:  # rows as tuples (a trace read back from a file): each row its own shape
        shapes = [(noc, kind, issuer, role, src, dst, rect, links, op)
                  for noc, kind, issuer, role, src, dst, rect, _, _, _, links, op in log]
        blocks = [(range(len(log)), *([row[k] for row in log] for k in (7, 8, 9)))] if len(log) else []
    parts = [_shape_text(shape, enc, sort_keys) for shape in shapes]
    row = _TRANSFER[sort_keys] % (("%s",) * 7 if sort_keys else ("%s",) * 6)
    out, first = [], 0
    for ids, nbytes, starts, ends in blocks:
        pieces = [parts[s] for s in ids]
        n = len(pieces)
        index = range(first, first + n)
        first += n
        if sort_keys:  # fields: text, end, id, text, nbytes, text, start
            fields = ([p[0] for p in pieces], ends, index, [p[1] for p in pieces], nbytes, [p[2] for p in pieces],
                      starts)
        else:  # fields: id, text, nbytes, start, end, text
            fields = (index, [p[0] for p in pieces], nbytes, starts, ends, [p[1] for p in pieces])
        out.append(_rows_text(row, fields))
    return [text for text in out if text]


def _rows_text(row: str, fields) -> str:
    """",".join(row % values for values in zip(*fields)) in one formatting call: a template per row costs a call,
    a tuple and a join entry per row, the most of a row's time."""
    n = len(fields[0])
    return ",".join((row,) * n) % tuple(chain.from_iterable(zip(*fields))) if n else ""


def _escaped(text: str) -> str:
    """`text` as a literal part of a %-template."""
    return text.replace("%", "%%")


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


def _chunk_columns(cols):
    """The columns of a tensix.tracelog column store, a chunk of rows at a time (each column sliced out of the
    chunk at once instead of a row at a time)."""
    w, last = cols.width, len(cols.chunks) - 1
    for c, chunk in enumerate(cols.chunks):
        end = cols.at if c == last else len(chunk) // w * w
        if end:
            yield tuple(chunk[k:end:w] for k in range(w))
