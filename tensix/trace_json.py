# cython: boundscheck=False, wraparound=False, cdivision=True
"""trace.json's text, written directly: the same bytes as json.dumps(trace.to_dict()) (trace version 2: op table,
op indexes) in a third of the time; with `sort_keys`, those of json.dumps(..., sort_keys=True) (the canonical
text a run's record hashes).

A model's trace holds tens of thousands of spans and transfers; building a dict per row and encoding them took
a second of a GPT-2 block's `tensix run`. Rows are read straight from the run's logs (tensix/tracelog.py: int
columns, each transfer's route fields shared by its shape, which is encoded once), with each distinct string and
link list encoded once. Compiled (the directives above: its typed loops index only within the sizes they computed),
rows are written byte by byte into one buffer (_write_rows); as plain Python, through %-templates.
"""

from __future__ import annotations

import json
import re
import types
from array import array
from itertools import chain, groupby
from typing import NamedTuple

from tensix.trace import NO_OP, TRACE_VERSION

# one row's text from its parts: spans (core x, y, role, name, start, end, count, op field; sorted: core x, y, count,
# end, name, op field, role, start), transfers (id, the shape's text before nbytes, nbytes, start, end, the shape's
# text after end; sorted: the shape's text, end, id, shape, nbytes, shape, start). %s prints ints as str() does, as
# the dicts' json.dumps did.
_SPAN = ('{"core":[%s,%s],"role":%s,"name":%s,"start":%s,"end":%s,"count":%s%s}',
         '{"core":[%s,%s],"count":%s,"end":%s,"name":%s%s,"role":%s,"start":%s}')
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
    enc, pool = _Encoded(), _Pool()
    ops = ",".join(f'{{"id":{enc[o.id]},"name":{enc[o.name]},"src":{enc[o.src]}}}' for o in trace.ops)
    top = _TOP[sort_keys].format(TRACE_VERSION, enc[trace.title], json.dumps(trace.clock_hz), ops, "\0", "\0")
    head, middle, tail = top.split("\0")  # the rows' blocks joined into the text in one copy, not three
    return "".join([head, *_joined(_spans(trace, enc, pool, sort_keys)), middle,
                    *_joined(_transfers(trace, enc, pool, sort_keys)), tail])


def _joined(blocks: list[str]) -> list[str]:
    """The blocks with a "," between each two: ",".join(blocks) as pieces of one larger join."""
    return [piece for block in blocks for piece in (",", block)][1:]


def _op(op: int) -> str:
    return f',"op":{op}' if op != NO_OP else ""


def _spans(trace, enc: _Encoded, pool: _Pool, sort_keys: bool) -> list[str]:
    """The spans' text (one block of rows), in the trace's order: read straight from each kernel's span log where
    the trace still holds them (the rows not built), else from its rows."""
    kernels = trace._kernels
    if kernels is None or not all(hasattr(spans, "_cols") for _, _, spans in kernels):
        kernels = [(core, role, [row[2:] for row in rows])  # consecutive rows of one kernel: one block
                   for (core, role), rows in groupby(trace._span_rows, key=lambda row: (row[0], row[1]))]
    xs, ys, roles, names, starts, ends, counts, ops = (array("q") for _ in range(8))
    role_ids, name_ids = _Table(), _Table()  # each distinct role's and name's text: its index in the table
    for core, role, spans in kernels:
        first, tables = len(names), {}  # a kernel's chunks share its name table: mapped once, not per chunk
        for table, ids, *cols in _span_columns(spans):
            at = tables.get(id(table))
            if at is None:
                at = tables[id(table)] = array("q", [name_ids[enc[name]] for name in table])
            names.extend(_mapped(ids, at))
            for col, values in zip((starts, ends, counts, ops), cols, strict=True):
                col.extend(values)
        n = len(names) - first  # the kernel's rows: its core and role filled in at once
        xs.extend(array("q", [core[0]]) * n)
        ys.extend(array("q", [core[1]]) * n)
        roles.extend(array("q", [role_ids[enc[role]]]) * n)
    top = max(ops, default=NO_OP)
    op_texts = _Lookup([_op(op) for op in range(top + 1)] + [_op(NO_OP)], ops)  # NO_OP (-1): the last one
    role_texts, name_texts = _Lookup(list(role_ids), roles), _Lookup(list(name_ids), names)
    fields = ((xs, ys, counts, ends, name_texts, op_texts, role_texts, starts) if sort_keys else
              (xs, ys, role_texts, name_texts, starts, ends, counts, op_texts))
    return [_rows_text(_SPAN[sort_keys], fields, pool)]


def _mapped(ids, at: array) -> array:
    """at[i] for each i of ids (name ids of a kernel's table -> of the trace's), an int64 array: compiled, one typed
    loop (_map_ids) without an int object per span."""
    ids = ids if isinstance(ids, array) and ids.typecode == "q" else array("q", ids)
    out = array("q", bytes(8 * len(ids)))
    _map_ids(out, ids, at, len(ids))
    return out


def _map_ids(out, ids, at, n: int) -> int:
    for i in range(n):
        out[i] = at[ids[i]]
    return n


class _Table(dict):
    """Distinct texts in the order first looked up: `table[text]` is its index, list(table) the texts."""

    def __missing__(self, text: str) -> int:
        index = self[text] = len(self)
        return index


def _span_columns(spans):
    """(names, name ids, starts, ends, counts, ops) of a kernel's spans, a block of rows at a time (each row's name
    is names[its id]): per chunk of its log (tensix.tracelog.SpanLog), the span still open when the run ended, or a
    list of rows."""
    if not hasattr(spans, "_cols"):
        if spans:
            names, starts, ends, counts, ops = zip(*spans)
            table = list(dict.fromkeys(names))
            at = {name: i for i, name in enumerate(table)}
            yield table, [at[name] for name in names], starts, ends, counts, ops
        return
    for cols in _chunk_columns(spans._cols):
        yield (spans.names, *cols)
    if spans.name is not None:
        yield [spans.name], (0,), (spans.start,), (spans.end,), (spans.count,), (spans.op,)


def _transfers(trace, enc: _Encoded, pool: _Pool, sort_keys: bool) -> list[str]:
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
    parts = _shape_texts(shapes, enc, sort_keys)
    row = _TRANSFER[sort_keys] % (("%s",) * 7 if sort_keys else ("%s",) * 6)
    out, first = [], 0
    texts = [_Lookup([p[k] for p in parts], ()) for k in range(3 if sort_keys else 2)]  # the shapes' pieces
    for ids, nbytes, starts, ends in blocks:
        n = len(ids)
        index = range(first, first + n)
        first += n
        pieces = [_Lookup(text.table, ids) for text in texts]
        if sort_keys:  # fields: text, end, id, text, nbytes, text, start
            fields = (pieces[0], ends, index, pieces[1], nbytes, pieces[2], starts)
        else:  # fields: id, text, nbytes, start, end, text
            fields = (index, pieces[0], nbytes, starts, ends, pieces[1])
        out.append(_rows_text(row, fields, pool))
    return [text for text in out if text]


class _Lookup(NamedTuple):
    """A column of text fields: row i's is table[ids[i]] (a few distinct texts, each encoded once)."""

    table: list[str]
    ids: object  # a sequence of ints


def _rows_text(row: str, fields, pool: _Pool) -> str:
    """",".join(row % values for values in zip(*fields)) (fields: columns of ints, or _Lookups of texts).
    Compiled, the rows are written into one buffer (_write_rows: no object per value); as plain Python, in one
    formatting call: a template per row costs a call, a tuple and a join entry per row, the most of a row's time."""
    n = len(fields[0].ids if isinstance(fields[0], _Lookup) else fields[0])
    if not n:
        return ""
    if _TYPED:
        return _typed_rows(row, fields, n, pool)
    values = [[f.table[i] for i in f.ids] if isinstance(f, _Lookup) else f for f in fields]
    return ",".join((row,) * n) % tuple(chain.from_iterable(zip(*values)))


def _typed_rows(row: str, fields, n: int, pool: _Pool) -> str:
    """_rows_text by _write_rows: the ints and the texts' ids in one int64 column store, the texts in the pool."""
    cols = array("q", bytes(8 * n * len(fields)))
    base, sizes = array("q"), array("q")
    for f, field in enumerate(fields):
        lookup = isinstance(field, _Lookup)
        cols[f * n:(f + 1) * n] = array("q", field.ids if lookup else field)
        base.append(pool.add(field.table) if lookup else -1)
        sizes.append(len(field.table) if lookup else 0)
    lits = pool.add(pool.pieces(row))
    buf = bytearray(_rows_nbytes(pool.offsets, lits, len(fields), base, sizes, cols, n))
    at = _write_rows(buf, pool.data, pool.offsets, lits, len(fields), base, sizes, cols, n)
    del buf[at:]  # (in place: no copy of the rows, as buf[:at] would make)
    return buf.decode()


class _Pool:
    """The UTF-8 texts typed rows are written from (a template's literal pieces, tables of field texts), each table
    added once: text t is data[offsets[t]:offsets[t + 1]]."""

    def __init__(self):
        self.data = bytearray()
        self.offsets = array("q", [0])
        self._tables: dict[int, tuple[list[str], int]] = {}  # id(table) -> (the table, its first text's index)
        self._pieces: dict[str, list[str]] = {}

    def add(self, table: list[str]) -> int:
        """The index of the table's first text, adding it if new."""
        known = self._tables.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        first = len(self.offsets) - 1
        for text in table:
            self.data += text.encode()
            self.offsets.append(len(self.data))
        self._tables[id(table)] = (table, first)
        return first

    def pieces(self, row: str) -> list[str]:
        """The literal text of a %-template around its %s fields (%% read as %); one list per template."""
        lits = self._pieces.get(row)
        if lits is None:
            lits, piece = [], []
            for token in re.findall(r"%%|%s|[^%]+|%", row):
                if token == "%s":
                    lits.append("".join(piece))
                    piece = []
                else:
                    piece.append("%" if token == "%%" else token)
            lits = self._pieces[row] = [*lits, "".join(piece)]
        return lits


def _shape_texts(shapes: list, enc: _Encoded, sort_keys: bool) -> list[tuple[str, ...]]:
    """_shape_text of each shape. Most links tuples are shared by several shapes (the fabric's routes): each object
    is looked up once, by identity (the shapes keep them all alive), not hashed hop by hop for every shape."""
    links: dict[int, str] = {}
    hops: dict[tuple, str] = {}  # each hop's text (a plain dict: no __missing__ call per hop, as enc would make)
    out = []
    for shape in shapes:
        text = links.get(id(shape[7]))
        if text is None:
            parts = []
            for hop in shape[7]:
                t = hops.get(hop)
                if t is None:
                    t = hops[hop] = enc[hop]
                parts.append(t)
            text = links[id(shape[7])] = f'[{",".join(parts)}]'  # = enc[links], the tuple not hashed whole
        out.append(_shape_text(shape, enc, sort_keys, text))
    return out


def _shape_text(shape: tuple, enc: _Encoded, sort_keys: bool, links: str) -> tuple[str, ...]:
    """The text of a transfer's fields that its shape fixes, in the pieces between the per-transfer fields (`links`:
    its links' text)."""
    noc, kind, issuer, role, src, dst, rect, _, op = shape
    dst = enc[tuple(dst)] if dst else "null"
    rect = enc[tuple(rect)] if rect else "null"
    issuer, src = enc[tuple(issuer)], enc[tuple(src)]  # "[x,y]", each core's text made once
    if sort_keys:
        return (f'{{"dst":{dst},"end":', f',"issuer":{issuer},"kind":{enc[kind]},"links":{links},"nbytes":',
                f',"noc":{noc}{_op(op)},"rect":{rect},"role":{enc[role]},"src":{src},"start":')
    return (f',"noc":{noc},"kind":{enc[kind]},"issuer":{issuer},"role":{enc[role]},"src":{src},"dst":{dst},'
            f'"rect":{rect},"nbytes":', f',"links":{links}{_op(op)}}}')


def _rows_nbytes(offsets, lits: int, k: int, base, sizes, cols, n: int) -> int:
    """At least the bytes _write_rows writes: the rows' literal pieces, their texts, 20 per int, the commas."""
    total = n * (offsets[lits + k + 1] - offsets[lits] + 1)
    for f in range(k):
        if base[f] < 0:
            total += 20 * n
            continue
        for i in range(n):
            v = cols[f * n + i]
            t = base[f] + (v + sizes[f] if v < 0 else v)
            total += offsets[t + 1] - offsets[t]
    return total


def _write_rows(buf, pool, offsets, lits: int, k: int, base, sizes, cols, n: int) -> int:
    """Write `n` rows into `buf`, separated by ",": the pool's text lits, field 0, text lits+1, ..., field k-1, text
    lits+k. Field f of row i is the int cols[f*n+i] where base[f] < 0, else the pool's text base[f] + cols[f*n+i]
    (an id below 0 counts from the end of its table of sizes[f] texts). Text t is pool[offsets[t]:offsets[t+1]].
    Returns the bytes written. (Compiled it is typed, with no call per field: plain Python formats rows by
    template, _rows_text.)"""
    at = 0
    for i in range(n):
        if i:
            buf[at] = 44  # ","
            at += 1
        for f in range(k + 1):
            for j in range(offsets[lits + f], offsets[lits + f + 1]):  # the literal piece before field f
                buf[at] = pool[j]
                at += 1
            if f == k:
                break
            v = cols[f * n + i]
            if base[f] >= 0:  # a text of the pool
                t = base[f] + (v + sizes[f] if v < 0 else v)
                for j in range(offsets[t], offsets[t + 1]):
                    buf[at] = pool[j]
                    at += 1
                continue
            if v < 0:
                buf[at] = 45  # "-"
                at += 1
                v = -v
            end, rest = at + 1, v // 10  # its decimal digits, written from the last
            while rest:
                end += 1
                rest //= 10
            at = end
            while True:
                at -= 1
                buf[at] = 48 + v % 10
                v //= 10
                if not v:
                    break
            at = end
    return at


_TYPED = not isinstance(_write_rows, types.FunctionType)  # compiled (tensix/compiled.py): rows by _write_rows


def _chunk_columns(cols):
    """The columns of a tensix.tracelog column store, a chunk of rows at a time (each column sliced out of the
    chunk at once instead of a row at a time)."""
    w, last = cols.width, len(cols.chunks) - 1
    for c, chunk in enumerate(cols.chunks):
        end = cols.at if c == last else len(chunk) // w * w
        if end:
            yield tuple(chunk[k:end:w] for k in range(w))
