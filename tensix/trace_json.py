"""trace.json's text, written directly: the same bytes as json.dumps(trace.to_dict()) (trace version 2: op table,
op indexes) in a third of the time; with `sort_keys`, those of json.dumps(..., sort_keys=True) (the canonical
text a run's record hashes).

A model's trace holds tens of thousands of spans and transfers; building a dict per row and encoding them took
a second of a GPT-2 block's `tensix run`. Rows become text through templates, with each distinct string and
link list encoded once.
"""

from __future__ import annotations

import json

from tensix.trace import NO_OP, TRACE_VERSION

# positional templates, keys in to_dict's order and in sorted order (the op index, when there is one, is {x})
_SPAN = ('{{"core":[{0},{1}],"role":{2},"name":{3},"start":{4},"end":{5},"count":{6}{x}}}',
         '{{"core":[{0},{1}],"count":{6},"end":{5},"name":{3}{x},"role":{2},"start":{4}}}')
_TRANSFER = ('{{"id":{0},"noc":{1},"kind":{2},"issuer":[{3},{4}],"role":{5},"src":[{6},{7}],"dst":{8},"rect":{9},'
             '"nbytes":{10},"start":{11},"end":{12},"links":{13}{x}}}',
             '{{"dst":{8},"end":{12},"id":{0},"issuer":[{3},{4}],"kind":{2},"links":{13},"nbytes":{10},"noc":{1}{x},'
             '"rect":{9},"role":{5},"src":[{6},{7}],"start":{11}}}')
_TOP = ('{{"version":{0},"title":{1},"clock_hz":{2},"ops":[{3}],"spans":[{4}],"transfers":[{5}]}}',
        '{{"clock_hz":{2},"ops":[{3}],"spans":[{4}],"title":{1},"transfers":[{5}],"version":{0}}}')


def trace_json(trace, sort_keys: bool = False) -> str:
    """The compact JSON of `trace.to_dict()` (separators "," and ":"; keys sorted with `sort_keys`), without
    building the dicts."""
    encoded: dict = {}

    def enc(value) -> str:
        text = encoded.get(value)
        if text is None:
            text = encoded[value] = json.dumps(value, separators=(",", ":"))
        return text

    span, transfer, top = _SPAN[sort_keys].format, _TRANSFER[sort_keys].format, _TOP[sort_keys]
    spans = [span(core[0], core[1], enc(role), enc(name), start, end, count, x=f',"op":{op}' if op != NO_OP else "")
             for core, role, name, start, end, count, op in trace._span_rows]
    transfers = [
        transfer(i, noc, enc(kind), issuer[0], issuer[1], enc(role), src[0], src[1],
                 enc(tuple(dst)) if dst else "null", enc(tuple(rect)) if rect else "null", nbytes, start, end,
                 enc(links), x=f',"op":{op}' if op != NO_OP else "")
        for i, (noc, kind, issuer, role, src, dst, rect, nbytes, start, end, links, op) in enumerate(
            trace._transfer_rows)]
    ops = ",".join(f'{{"id":{enc(o.id)},"name":{enc(o.name)},"src":{enc(o.src)}}}' for o in trace.ops)
    return top.format(TRACE_VERSION, enc(trace.title), json.dumps(trace.clock_hz), ops, ",".join(spans),
                      ",".join(transfers))
