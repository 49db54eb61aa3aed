"""Mesh traffic map: the full NoC grid as a graphviz picture with every link drawn, coloured by traffic.

Input: `Stats` from a run directory; output: `traffic_noc0.dot`, `traffic_noc1.dot`, `traffic_all.dot` and,
when graphviz's `dot` program is installed, the SVG and PNG drawn from them with `neato -n` (fixed positions).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .runfiles import DIR_STEPS, NOC_DIRS, Coord, Device, Link, Stats
from .units import cmap_hex, fmt_bytes, fmt_coord, fmt_int, fmt_pct, text_color_on

LinkKey = tuple[int, int, int, str]  # (noc, x, y, dir) of a link's source tile
SCALE_X, SCALE_Y = 150.0, 120.0  # points between tile centres
TILE_W, TILE_H = 1.35, 0.95  # inches
PORTS = {"E": ("ne", "nw"), "W": ("sw", "se"), "S": ("se", "ne"), "N": ("nw", "sw")}  # (tail, head) compass ports
LINK_CMAP, CORE_CMAP = "YlOrRd", "Greens"
IDLE_COLOR = "#c8c8c8"
KIND_FILL = {"tensix": "#ffffff", "harvested": "#dddddd", "dram": "#f5d585", "eth": "#a9d4f0", "pcie": "#d5bdea",
             "arc": "#f0b8b8", "other": "#f2f2f2"}
KIND_NAME = {"tensix": "Tensix", "harvested": "harvested", "dram": "DRAM", "eth": "Ethernet", "pcie": "PCIe",
             "arc": "ARC", "other": "other"}
INSTALL_HINT = ("graphviz's `dot` program is not installed, so only the .dot sources were written. Install it "
                "(`apt-get install graphviz`, or `brew install graphviz`, or `conda install graphviz`) and rerun, or "
                "draw one by hand: `neato -n -Tsvg traffic_all.dot -o traffic_all.svg`.")


@dataclass(frozen=True, slots=True)
class EdgeStyle:
    """How one link is drawn: colour, line width, label (empty for none) and hover text."""

    color: str
    penwidth: float
    label: str
    tooltip: str


@dataclass(frozen=True, slots=True)
class NodeStyle:
    """How one tile is drawn."""

    label: str
    fill: str
    tooltip: str
    dashed: bool = False


def graphviz_available() -> bool:
    """True when graphviz's `dot` program is on PATH (the tools then also draw SVG and PNG)."""
    return shutil.which("dot") is not None


def quote(text: str) -> str:
    """A DOT string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attrs(**attrs: object) -> str:
    """DOT attribute list; values that start with `<` are HTML-like labels and are not quoted."""
    parts = []
    for key, value in attrs.items():
        text = str(value)
        parts.append(f"{key}={text}" if text.startswith("<") else f"{key}={quote(text)}")
    return "[" + ", ".join(parts) + "]"


def grid_pos(device: Device, x: float, y: float) -> tuple[float, float]:
    """Graphviz point position of grid coordinate (x, y); graphviz y grows upward, the grid's downward."""
    return round(x * SCALE_X, 1), round((device.height - 1 - y) * SCALE_Y, 1)


def node_id(xy: Coord) -> str:
    return f"t{xy[0]}_{xy[1]}"


def link_target(device: Device, x: int, y: int, d: str) -> tuple[Coord, bool]:
    """The tile a link reaches and whether it is a torus wraparound link."""
    dx, dy = DIR_STEPS[d]
    nx, ny = x + dx, y + dy
    return (nx % device.width, ny % device.height), not (0 <= nx < device.width and 0 <= ny < device.height)


def all_links(device: Device, nocs: Iterable[int]) -> list[LinkKey]:
    """Every link of the given NoCs: one per tile and direction the NoC moves in."""
    return [(n, x, y, d) for n in nocs for y in range(device.height) for x in range(device.width)
            for d in NOC_DIRS.get(n, ())]


def _stub_pos(device: Device, x: int, y: int, d: str) -> tuple[float, float]:
    """Where a wraparound stub ends: just outside the grid, level with the link's port."""
    px, py = grid_pos(device, x, y)
    dx, dy = DIR_STEPS[d]
    half_w, half_h = TILE_W * 36, TILE_H * 36
    side = {"E": (0, half_h), "W": (0, -half_h), "S": (half_w, 0), "N": (-half_w, 0)}[d]
    reach = 0.42 * (SCALE_X if dx else SCALE_Y) + (half_w if dx else half_h)
    return round(px + dx * reach + side[0], 1), round(py - dy * reach + side[1], 1)


def _edge_lines(device: Device, key: LinkKey, style: EdgeStyle | None) -> list[str]:
    noc, x, y, d = key
    (tx, ty), wraps = link_target(device, x, y, d)
    tail, head = PORTS[d]
    if style is None:
        style = EdgeStyle(IDLE_COLOR, 0.6, "", f"NoC {noc} link {fmt_coord((x, y))}->{fmt_coord((tx, ty))}: idle")
    attrs: dict[str, object] = {"color": style.color, "penwidth": style.penwidth, "tooltip": style.tooltip,
                                "arrowsize": 0.5 if style.color == IDLE_COLOR else 0.8}
    if style.label:
        attrs["label"] = ('<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>'
                          f"{html_escape(style.label)}</td></tr></table>>")
    lines = []
    dst = node_id((tx, ty))
    if wraps:
        dst = f"wrap{noc}_{x}_{y}_{d}"
        sx, sy = _stub_pos(device, x, y, d)
        stub = _attrs(shape="plaintext", label=f"to {fmt_coord((tx, ty))}", pos=f"{sx},{sy}!", fontsize=9,
                      fontcolor="#555555", width=0.3, height=0.2, margin=0)
        lines.append(f"  {dst} {stub};")
        attrs = {**attrs, "headclip": "true"}
    else:
        attrs["headport"] = head
    lines.append(f"  {node_id((x, y))} -> {dst} {_attrs(tailport=tail, **attrs)};")
    return lines


def _node_line(device: Device, xy: Coord, style: NodeStyle) -> str:
    px, py = grid_pos(device, *xy)
    look = "filled,rounded,dashed" if style.dashed else "filled,rounded"
    attrs = _attrs(pos=f"{px},{py}!", label=style.label, fillcolor=style.fill, style=look,
                   fontcolor=text_color_on(style.fill), tooltip=style.tooltip)
    return f"  {node_id(xy)} {attrs};"


def mesh_dot(device: Device, *, title: str, nocs: Iterable[int], edges: dict[LinkKey, EdgeStyle],
             nodes: dict[Coord, NodeStyle], legend: str) -> str:
    """DOT text of the whole NoC grid: a node per tile at its grid position, every link of `nocs`.

    Links missing from `edges` are drawn thin and grey (idle); `legend` is an HTML-like table placed right of
    the grid.
    """
    graph = _attrs(label=title, labelloc="t", fontsize=20, fontname="Helvetica", bgcolor="white", splines="line",
                   outputorder="edgesfirst", pad=0.4)
    node = _attrs(shape="box", fixedsize="true", width=TILE_W, height=TILE_H, fontsize=10, fontname="Helvetica",
                  penwidth=0.8)
    edge = _attrs(fontsize=9, fontname="Helvetica")
    lines = ["digraph mesh {", f"  graph {graph};", f"  node {node};", f"  edge {edge};"]
    lines += [_node_line(device, xy, style) for xy, style in sorted(nodes.items(), key=lambda kv: kv[0][::-1])]
    for key in all_links(device, nocs):
        lines += _edge_lines(device, key, edges.get(key))
    lx, ly = grid_pos(device, device.width + 0.9, 0)
    lines.append(f"  legend {_attrs(shape='plaintext', fixedsize='false', label=legend, pos=f'{lx},{ly}!')};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def tile_nodes(stats: Stats, busy: dict[Coord, float] | None = None) -> dict[Coord, NodeStyle]:
    """One style per tile: compute cores shaded by busy fraction, other tiles coloured by kind."""
    dev = stats.device
    cores = {c.noc: c for c in stats.cores}
    banks = {b.noc: b for b in stats.dram}
    core_at, kinds = dev.core_at(), dev.kinds()
    busy = busy if busy is not None else {c.noc: c.busy_fraction for c in stats.cores}
    nodes = {}
    for y in range(dev.height):
        for x in range(dev.width):
            kind = kinds.get((x, y), "other") if (x, y) not in core_at else "tensix"
            nodes[(x, y)] = _tile_style((x, y), kind, core_at.get((x, y)), cores.get((x, y)), banks.get((x, y)), busy)
    return nodes


def _tile_style(xy, kind, core, core_stats, bank, busy) -> NodeStyle:
    head = fmt_coord(xy)
    if core is not None:
        frac = busy.get(xy, 0.0)
        fill = cmap_hex(CORE_CMAP, 0.08 + 0.8 * frac) if core_stats else KIND_FILL["tensix"]
        roles = ", ".join(f"{r} {fmt_int(c)}" for r, c in core_stats.busy_cycles) if core_stats else "no stats"
        return NodeStyle(f"{head}\ncore {fmt_coord(core)}\n{fmt_pct(frac, 0)} busy", fill,
                         f"core {fmt_coord(core)} at NoC {head}: busy {fmt_pct(frac)}; busy cycles: {roles}")
    if bank is not None:
        label = f"{head}\nDRAM bank {bank.bank}\nR {fmt_bytes(bank.bytes_read)}\nW {fmt_bytes(bank.bytes_written)}"
        tip = f"DRAM bank {bank.bank} at NoC {head}: read {bank.bytes_read} B, written {bank.bytes_written} B"
        return NodeStyle(label, KIND_FILL["dram"], tip)
    name = KIND_NAME[kind] + (" (idle)" if kind == "tensix" else "")
    return NodeStyle(f"{head}\n{name}", KIND_FILL[kind], f"{name} tile at NoC {head}", dashed=kind == "harvested")


def link_value(link: Link, metric: str, total_cycles: int) -> float:
    """The number a link is coloured by: its bytes, or its utilization (busy cycles / run cycles)."""
    if metric == "bytes":
        return float(link.nbytes)
    if metric == "utilization":
        return link.busy_cycles / max(1, total_cycles)
    raise ValueError(f"unknown metric {metric!r}; expected 'bytes' or 'utilization'")


def link_label(link: Link, metric: str, total_cycles: int) -> str:
    util = fmt_pct(link.busy_cycles / max(1, total_cycles))
    return f"{fmt_bytes(link.nbytes)} ({util})" if metric == "bytes" else f"{util} ({fmt_bytes(link.nbytes)})"


def traffic_edges(stats: Stats, nocs: Iterable[int], *, metric: str = "bytes", top: int = 10,
                  vmax: float | None = None) -> dict[LinkKey, EdgeStyle]:
    """Edge styles of the links that carried traffic; the `top` hottest get a label with their figures."""
    links = [ln for ln in stats.links if ln.noc in set(nocs)]
    values = {ln: link_value(ln, metric, stats.total_cycles) for ln in links}
    vmax = vmax or max(values.values(), default=1.0) or 1.0
    hot = set(sorted(links, key=lambda ln: -values[ln])[:top])
    edges = {}
    for ln in links:
        t = values[ln] / vmax
        label = link_label(ln, metric, stats.total_cycles) if ln in hot else ""
        tip = (f"NoC {ln.noc} link {fmt_coord(ln.src)}->{fmt_coord(ln.dst)} ({ln.dir}): {ln.nbytes} bytes, "
               f"{ln.busy_cycles} busy cycles = {fmt_pct(ln.busy_cycles / max(1, stats.total_cycles))} of the run")
        edges[(ln.noc, ln.src[0], ln.src[1], ln.dir)] = EdgeStyle(cmap_hex(LINK_CMAP, 0.2 + 0.8 * t),
                                                                  round(1.0 + 7.0 * t, 2), label, tip)
    return edges


def legend_table(rows: list[tuple[str, str]], notes: list[str]) -> str:
    """HTML-like legend: (colour, text) rows then plain notes."""
    cells = ['<tr><td colspan="2"><b>Legend</b></td></tr>']
    cells += [f'<tr><td bgcolor="{c}" width="28"> </td><td align="left">{html_escape(t)}</td></tr>' for c, t in rows]
    cells += [f'<tr><td colspan="2" align="left">{html_escape(n)}</td></tr>' for n in notes]
    return '<<table border="1" cellborder="0" cellspacing="3" bgcolor="white">' + "".join(cells) + "</table>>"


def scale_rows(cmap: str, vmax: float, fmt, lo: float, hi: float, what: str) -> list[tuple[str, str]]:
    """Five colour swatches of a scale from 0 to vmax."""
    return [(cmap_hex(cmap, lo + (hi - lo) * f), f"{what} {fmt(f * vmax)}") for f in (0.0, 0.25, 0.5, 0.75, 1.0)]


def traffic_legend(vmax: float, metric: str, top: int) -> str:
    fmt = fmt_bytes if metric == "bytes" else fmt_pct
    what = "link bytes" if metric == "bytes" else "link busy"
    rows = [(KIND_FILL[k], f"{KIND_NAME[k]} tile") for k in ("dram", "eth", "pcie", "arc", "harvested", "other")]
    rows += scale_rows(CORE_CMAP, 1.0, fmt_pct, 0.08, 0.88, "core busy")
    rows += scale_rows(LINK_CMAP, vmax, fmt, 0.2, 1.0, what) + [(IDLE_COLOR, "idle link (no traffic)")]
    notes = ["NoC 0 sends east (right) then south (down);", "NoC 1 sends north (up) then west (left).",
             "Arrows leaving the border are torus wraparound", "links; the label names the tile they reach.",
             f"The {top} busiest links are labelled: bytes (busy %).",
             "busy % = link busy cycles / run cycles."]
    return legend_table(rows, notes)


def traffic_dot(stats: Stats, nocs: Iterable[int], *, metric: str = "bytes", top: int = 10) -> str:
    """DOT text of one traffic map (one NoC, or several drawn together)."""
    nocs = tuple(nocs)
    vmax = max((link_value(ln, metric, stats.total_cycles) for ln in stats.links), default=1.0) or 1.0
    which = f"NoC {nocs[0]}" if len(nocs) == 1 else "NoC " + " + ".join(map(str, nocs))
    moved = sum(stats.noc_bytes[n] for n in nocs if n < len(stats.noc_bytes))
    title = (f"{which} traffic on {stats.device.name} ({stats.device.width}x{stats.device.height} NoC grid): "
             f"{fmt_bytes(moved)} carried over links in {fmt_int(stats.total_cycles)} cycles\n"
             f"arrow colour and width = {'bytes carried' if metric == 'bytes' else 'busy fraction'} per link; "
             "core shade = busy fraction")
    return mesh_dot(stats.device, title=title, nocs=nocs, edges=traffic_edges(stats, nocs, metric=metric, top=top,
                                                                              vmax=vmax),
                    nodes=tile_nodes(stats), legend=traffic_legend(vmax, metric, top))


def render_dot(dot_path: Path, formats: Iterable[str] = ("svg", "png")) -> list[Path]:
    """Draw a .dot file with `neato -n` (positions as given) into files of the same name; returns them."""
    out = []
    for fmt in formats:
        target = dot_path.with_suffix(f".{fmt}")
        cmd = [shutil.which("dot") or "dot", "-Kneato", "-n", f"-T{fmt}", str(dot_path), "-o", str(target)]
        if fmt == "png":
            cmd.insert(1, "-Gdpi=80")
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        out.append(target)
    return out


def write_dots(sources: dict[str, str], out_dir: Path, *, render: bool = True) -> list[Path]:
    """Write each DOT source as `out_dir/NAME.dot` and, if asked and possible, its SVG and PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sources.items():
        path = out_dir / f"{name}.dot"
        path.write_text(text)
        written.append(path)
    if render and graphviz_available():
        written += [p for dot in list(written) for p in render_dot(dot)]
    elif render:
        print(INSTALL_HINT, file=sys.stderr)
    return written


def traffic_sources(stats: Stats, *, metric: str = "bytes", top: int = 10) -> dict[str, str]:
    """DOT text per picture: one per NoC (`traffic_noc0`, ...) and all NoCs together (`traffic_all`)."""
    sources = {f"traffic_noc{n}": traffic_dot(stats, (n,), metric=metric, top=top) for n in stats.nocs}
    sources["traffic_all"] = traffic_dot(stats, stats.nocs, metric=metric, top=top)
    return sources


def write_traffic_maps(stats: Stats, out_dir: Path, *, metric: str = "bytes", top: int = 10,
                       render: bool = True) -> list[Path]:
    """Write the traffic maps into `out_dir`; returns the files written (.dot, and .svg/.png with graphviz)."""
    return write_dots(traffic_sources(stats, metric=metric, top=top), out_dir, render=render)
