"""trace.json's text, written directly: the same bytes as json.dumps(trace.to_dict()) (trace version 2: op table,
op indexes) in a third of the time.

A model's trace holds tens of thousands of spans and transfers; building a dict per row and encoding them took
a second of a GPT-2 block's `tensix run`. Rows become text through templates, with each distinct string and
link list encoded once.
"""

from __future__ import annotations

import json

from tensix.trace import NO_OP, TRACE_VERSION


def trace_json(trace) -> str:
    """The compact JSON of `trace.to_dict()` (separators "," and ":"), without building the dicts."""
    encoded: dict = {}

    def enc(value) -> str:
        text = encoded.get(value)
        if text is None:
            text = encoded[value] = json.dumps(value, separators=(",", ":"))
        return text

    spans = []
    for core, role, name, start, end, count, op in trace._span_rows:
        extra = f',"op":{op}' if op != NO_OP else ""
        spans.append(f'{{"core":[{core[0]},{core[1]}],"role":{enc(role)},"name":{enc(name)},"start":{start},'
                     f'"end":{end},"count":{count}{extra}}}')
    transfers = []
    for i, (noc, kind, issuer, role, src, dst, rect, nbytes, start, end, links, op) in enumerate(
            trace._transfer_rows):
        extra = f',"op":{op}' if op != NO_OP else ""
        transfers.append(
            f'{{"id":{i},"noc":{noc},"kind":{enc(kind)},"issuer":[{issuer[0]},{issuer[1]}],"role":{enc(role)},'
            f'"src":[{src[0]},{src[1]}],"dst":{enc(tuple(dst)) if dst else "null"},'
            f'"rect":{enc(tuple(rect)) if rect else "null"},"nbytes":{nbytes},"start":{start},"end":{end},'
            f'"links":{enc(links)}{extra}}}')
    ops = ",".join(f'{{"id":{enc(o.id)},"name":{enc(o.name)},"src":{enc(o.src)}}}' for o in trace.ops)
    return (f'{{"version":{TRACE_VERSION},"title":{enc(trace.title)},"clock_hz":{json.dumps(trace.clock_hz)},'
            f'"ops":[{ops}],"spans":[{",".join(spans)}],"transfers":[{",".join(transfers)}]}}')
