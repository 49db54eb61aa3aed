"""Mesh traffic map: the full NoC grid as a graphviz picture with every link drawn, coloured by traffic.

Input: `Stats` from a run directory; output: `traffic_noc0.dot`, `traffic_noc1.dot`, `traffic_all.dot` and,
when graphviz's `dot` program is installed, the SVG and PNG drawn from them with `neato -n` (fixed positions).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tensix.jsondoc import Coord
from tensix.noc.routing import DIRS, STEP
from tensix.stats import DeviceInfo, Link, Stats
from tensix.trace import Trace

from .report_ops import link_ops, loaders_text
from .units import cmap_hex, fmt_bytes, fmt_bytes_short, fmt_coord, fmt_int, fmt_pct, fmt_share, text_color_on

LinkKey = tuple[int, int, int, str]  # (noc, x, y, dir) of a link's source tile
# Sizes in points. The report scales the drawing to the page width (about 0.5x for a 10-column grid), so the fonts
# are large relative to the tiles: 16 pt tile text still reads at about 11 px on the page.
SCALE_X, SCALE_Y = 165.0, 132.0  # between tile centres
TILE_W, TILE_H = 1.7, 1.2  # inches
TILE_FONT, LABEL_FONT, STUB_FONT, TITLE_FONT, LEGEND_FONT = 16, 14, 13, 26, 15
STUB_REACH = 0.3  # how far a wraparound stub reaches beyond the tile's edge, as a share of the tile spacing
PORTS = {"E": ("ne", "nw"), "W": ("sw", "se"), "S": ("se", "ne"), "N": ("nw", "sw")}  # (tail, head) compass ports
LINK_CMAP, CORE_CMAP = "YlOrRd", "Greens"
LINK_LO = 0.35  # the palest colour a link that carried anything gets: clearly orange, never near-white
IDLE_COLOR = "#cccccc"
KIND_FILL = {"tensix": "#ffffff", "harvested": "#dddddd", "dram": "#f5d585", "eth": "#a9d4f0", "pcie": "#d5bdea",
             "arc": "#f0b8b8", "other": "#f2f2f2"}
KIND_NAME = {"tensix": "Tensix", "harvested": "harvested", "dram": "DRAM", "eth": "Ethernet", "pcie": "PCIe",
             "arc": "ARC", "other": "other"}
TILE_ORDER = ("dram", "eth", "pcie", "arc", "harvested", "other")  # legend order
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


def grid_pos(device: DeviceInfo, x: float, y: float) -> tuple[float, float]:
    """Graphviz point position of grid coordinate (x, y); graphviz y grows upward, the grid's downward."""
    return round(x * SCALE_X, 1), round((device.height - 1 - y) * SCALE_Y, 1)


def node_id(xy: Coord) -> str:
    return f"t{xy[0]}_{xy[1]}"


def link_target(device: DeviceInfo, x: int, y: int, d: str) -> tuple[Coord, bool]:
    """The tile a link reaches and whether it is a torus wraparound link."""
    dx, dy = STEP[d]
    nx, ny = x + dx, y + dy
    return (nx % device.width, ny % device.height), not (0 <= nx < device.width and 0 <= ny < device.height)


def all_links(device: DeviceInfo, nocs: Iterable[int]) -> list[LinkKey]:
    """Every link of the given NoCs: one per tile and direction the NoC moves in."""
    return [(n, x, y, d) for n in nocs for y in range(device.height) for x in range(device.width)
            for d in DIRS.get(n, ())]


def _stub_pos(device: DeviceInfo, x: int, y: int, d: str) -> tuple[float, float]:
    """Where a wraparound stub ends: just outside the grid, level with the link's port."""
    px, py = grid_pos(device, x, y)
    dx, dy = STEP[d]
    half_w, half_h = TILE_W * 36, TILE_H * 36
    side = {"E": (0, half_h), "W": (0, -half_h), "S": (half_w, 0), "N": (-half_w, 0)}[d]
    reach = STUB_REACH * (SCALE_X if dx else SCALE_Y) + (half_w if dx else half_h)
    return round(px + dx * reach + side[0], 1), round(py - dy * reach + side[1], 1)


def _edge_lines(device: DeviceInfo, key: LinkKey, style: EdgeStyle | None) -> list[str]:
    noc, x, y, d = key
    (tx, ty), wraps = link_target(device, x, y, d)
    tail, head = PORTS[d]
    if style is None:
        style = EdgeStyle(IDLE_COLOR, 0.8, "", f"NoC {noc} link {fmt_coord((x, y))}->{fmt_coord((tx, ty))}: idle")
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
        stub = _attrs(shape="plaintext", label=f"to {fmt_coord((tx, ty))}", pos=f"{sx},{sy}!", fontsize=STUB_FONT,
                      fontcolor="#555555", fixedsize="false", width=0.1, height=0.1, margin=0.02)
        lines.append(f"  {dst} {stub};")
        attrs = {**attrs, "headclip": "true"}
    else:
        attrs["headport"] = head
    lines.append(f"  {node_id((x, y))} -> {dst} {_attrs(tailport=tail, **attrs)};")
    return lines


def _node_line(device: DeviceInfo, xy: Coord, style: NodeStyle) -> str:
    px, py = grid_pos(device, *xy)
    look = "filled,rounded,dashed" if style.dashed else "filled,rounded"
    attrs = _attrs(pos=f"{px},{py}!", label=style.label, fillcolor=style.fill, style=look,
                   fontcolor=text_color_on(style.fill), tooltip=style.tooltip)
    return f"  {node_id(xy)} {attrs};"


def mesh_dot(device: DeviceInfo, *, title: str, nocs: Iterable[int], edges: dict[LinkKey, EdgeStyle],
             nodes: dict[Coord, NodeStyle], legend: Legend) -> str:
    """DOT text of the whole NoC grid: a node per tile at its grid position, every link of `nocs`.

    Links missing from `edges` are drawn thin and grey (idle); the legend is placed below the grid.
    """
    graph = _attrs(label=title, labelloc="t", fontsize=TITLE_FONT, fontname="Helvetica", bgcolor="white",
                   splines="line", outputorder="edgesfirst", pad=0.3)
    node = _attrs(shape="box", fixedsize="true", width=TILE_W, height=TILE_H, fontsize=TILE_FONT,
                  fontname="Helvetica", penwidth=1.0)
    edge = _attrs(fontsize=LABEL_FONT, fontname="Helvetica")
    lines = ["digraph mesh {", f"  graph {graph};", f"  node {node};", f"  edge {edge};"]
    lines += [_node_line(device, xy, style) for xy, style in sorted(nodes.items(), key=lambda kv: kv[0][::-1])]
    for key in all_links(device, nocs):
        lines += _edge_lines(device, key, edges.get(key))
    where = _legend_pos(device, legend)
    lines.append(f"  legend {_attrs(shape='plaintext', fixedsize='false', label=legend.html(), pos=where)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _legend_pos(device: DeviceInfo, legend: Legend) -> str:
    """Centred below the grid, its top clear of the wraparound stubs under the last row."""
    x, _ = grid_pos(device, (device.width - 1) / 2, 0)
    below = STUB_REACH * SCALE_Y + TILE_H * 36 + 2.5 * STUB_FONT
    return f"{x},{round(-(below + legend.height() / 2), 1)}!"


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
    head = f"NoC {fmt_coord(xy)}"
    if core is not None:
        frac = busy.get(xy, 0.0)
        fill = cmap_hex(CORE_CMAP, 0.08 + 0.8 * frac) if core_stats else KIND_FILL["tensix"]
        roles = ", ".join(f"{r} {fmt_int(c)}" for r, c in core_stats.busy_cycles) if core_stats else "no stats"
        return NodeStyle(f"{head}\ncore {fmt_coord(core)}\n{fmt_share(frac)} busy", fill,
                         f"core {fmt_coord(core)} at {head}: busy {fmt_pct(frac)}; busy cycles: {roles}")
    if bank is not None:
        label = (f"{head}\nDRAM bank {bank.bank}\nread {fmt_bytes_short(bank.bytes_read)}\n"
                 f"written {fmt_bytes_short(bank.bytes_written)}")
        tip = (f"DRAM bank {bank.bank} at {head}: read {fmt_int(bank.bytes_read)} bytes, written "
               f"{fmt_int(bank.bytes_written)} bytes")
        return NodeStyle(label, KIND_FILL["dram"], tip)
    name = KIND_NAME[kind] + (" (idle)" if kind == "tensix" else "")
    return NodeStyle(f"{head}\n{name}", KIND_FILL[kind], f"{name} tile at {head}", dashed=kind == "harvested")


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


def link_shade(t: float) -> tuple[str, float]:
    """Colour and line width of a link that carried a share t (0..1] of the busiest link's value.

    The square root spreads the many lightly used links over the scale, so they do not all look the same.
    """
    f = math.sqrt(max(0.0, min(1.0, t)))
    return cmap_hex(LINK_CMAP, LINK_LO + (1 - LINK_LO) * f), round(1.8 + 7.0 * f, 2)


def traffic_edges(stats: Stats, nocs: Iterable[int], *, metric: str = "bytes", top: int = 10,
                  vmax: float | None = None, trace: Trace | None = None) -> dict[LinkKey, EdgeStyle]:
    """Edge styles of the links that carried traffic; the `top` hottest get a label with their figures. With the
    `trace`, each link's tooltip names the ops (and source lines) that loaded it."""
    loads = link_ops(trace) if trace is not None else {}
    links = [ln for ln in stats.links if ln.noc in set(nocs) and (ln.nbytes or ln.busy_cycles)]
    values = {ln: link_value(ln, metric, stats.total_cycles) for ln in links}
    vmax = vmax or max(values.values(), default=1.0) or 1.0
    hot = set(sorted(links, key=lambda ln: -values[ln])[:top])
    edges = {}
    for ln in links:
        label = link_label(ln, metric, stats.total_cycles) if ln in hot else ""
        tip = (f"NoC {ln.noc} link {fmt_coord(ln.src)}->{fmt_coord(ln.dst)} ({ln.dir}): {fmt_int(ln.nbytes)} bytes, "
               f"{fmt_int(ln.busy_cycles)} busy cycles = {fmt_pct(ln.busy_cycles / max(1, stats.total_cycles))} of "
               "the run")
        if loads.get((ln.noc, *ln.src, ln.dir)):
            tip += f"; loaded by {loaders_text(trace, loads[(ln.noc, *ln.src, ln.dir)])}"
        edges[(ln.noc, ln.src[0], ln.src[1], ln.dir)] = EdgeStyle(*link_shade(values[ln] / vmax), label, tip)
    return edges


@dataclass(frozen=True, slots=True)
class Legend:
    """A legend drawn as columns side by side: each a title and (colour, text) rows; then notes in a last column."""

    columns: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    notes: tuple[str, ...] = ()

    def height(self) -> float:
        """Points the legend needs, for placing it below the grid."""
        rows = max([len(rows) + 1 for _, rows in self.columns] + [len(self.notes) + 1])
        return rows * (LEGEND_FONT + 8) + 16

    def html(self) -> str:
        cells = [_legend_column(title, rows) for title, rows in self.columns]
        if self.notes:
            lines = "".join(f'<tr><td align="left">{html_escape(n)}</td></tr>' for n in self.notes)
            cells.append(f'<table border="0" cellspacing="2"><tr><td align="left"><b>How to read it</b></td></tr>'
                         f"{lines}</table>")
        row = "".join(f'<td valign="top">{c}</td>' for c in cells)
        return (f'<<font point-size="{LEGEND_FONT}"><table border="1" color="#999999" cellborder="0" '
                f'cellspacing="8" bgcolor="white"><tr>{row}</tr></table></font>>')


def _legend_column(title: str, rows: tuple[tuple[str, str], ...]) -> str:
    body = "".join(f'<tr><td bgcolor="{c}" width="34" border="1" color="#888888"> </td>'
                   f'<td align="left">{html_escape(t)}</td></tr>' for c, t in rows)
    return (f'<table border="0" cellspacing="3"><tr><td colspan="2" align="left"><b>{html_escape(title)}</b></td>'
            f"</tr>{body}</table>")


def link_scale_rows(vmax: float, metric: str) -> tuple[tuple[str, str], ...]:
    """Swatches of the link colours, labelled with the value each stands for; idle links last."""
    fmt = fmt_bytes if metric == "bytes" else fmt_pct
    rows = [(link_shade(1e-9)[0], f"a little (> {fmt(0)})")]
    rows += [(link_shade(f)[0], f"{fmt(f * vmax)}") for f in (0.1, 0.3, 0.6, 1.0)]
    return (*rows, (IDLE_COLOR, f"idle: no traffic ({fmt(0)})"))


def traffic_legend(stats: Stats, vmax: float, metric: str, top: int) -> Legend:
    kinds = {"dram", *stats.device.kinds().values()} - {"tensix"}
    tiles = [(KIND_FILL[k], f"{KIND_NAME[k]} tile") for k in TILE_ORDER if k in kinds]
    cores = [(cmap_hex(CORE_CMAP, 0.08 + 0.8 * f), f"core busy {fmt_share(f)}") for f in (0.0, 0.25, 0.5, 1.0)]
    what = "Link bytes (colour, width)" if metric == "bytes" else "Link busy (colour, width)"
    notes = ("NoC 0 sends east (right) then south (down);", "NoC 1 sends north (up) then west (left).",
             "An arrow leaving the border wraps around the torus;", "its label names the tile it reaches.",
             f"The {top} busiest links are labelled: {'bytes (busy %)' if metric == 'bytes' else 'busy % (bytes)'}.",
             "busy % = link busy cycles / run cycles.",
             "A tile shows its NoC position, then what it is:", "core (x,y) is the core's logical coordinate.")
    return Legend((("Tiles", tuple(tiles)), ("Cores", tuple(cores)), (what, link_scale_rows(vmax, metric))), notes)


def traffic_dot(stats: Stats, nocs: Iterable[int], *, metric: str = "bytes", top: int = 10,
                trace: Trace | None = None) -> str:
    """DOT text of one traffic map (one NoC, or several drawn together)."""
    nocs = tuple(nocs)
    vmax = max((link_value(ln, metric, stats.total_cycles) for ln in stats.links), default=1.0) or 1.0
    which = f"NoC {nocs[0]}" if len(nocs) == 1 else "NoC " + " + ".join(map(str, nocs))
    moved = sum(stats.noc_bytes[n] for n in nocs if n < len(stats.noc_bytes))
    title = (f"{which} traffic on {stats.device.name} ({stats.device.width}x{stats.device.height} NoC grid): "
             f"{fmt_bytes(moved)} carried over links in {fmt_int(stats.total_cycles)} cycles\n"
             f"arrow colour and width = {'bytes carried' if metric == 'bytes' else 'busy fraction'} per link; "
             "core shade = busy fraction")
    edges = traffic_edges(stats, nocs, metric=metric, top=top, vmax=vmax, trace=trace)
    return mesh_dot(stats.device, title=title, nocs=nocs, edges=edges, nodes=tile_nodes(stats),
                    legend=traffic_legend(stats, vmax, metric, top))


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


def traffic_sources(stats: Stats, *, metric: str = "bytes", top: int = 10,
                    trace: Trace | None = None) -> dict[str, str]:
    """DOT text per picture: one per NoC (`traffic_noc0`, ...) and all NoCs together (`traffic_all`)."""
    sources = {f"traffic_noc{n}": traffic_dot(stats, (n,), metric=metric, top=top, trace=trace) for n in stats.nocs}
    sources["traffic_all"] = traffic_dot(stats, stats.nocs, metric=metric, top=top, trace=trace)
    return sources


def write_traffic_maps(stats: Stats, out_dir: Path, *, metric: str = "bytes", top: int = 10,
                       render: bool = True, trace: Trace | None = None) -> list[Path]:
    """Write the traffic maps into `out_dir`; returns the files written (.dot, and .svg/.png with graphviz). With
    the run's `trace`, link tooltips name the ops that loaded them."""
    return write_dots(traffic_sources(stats, metric=metric, top=top, trace=trace), out_dir, render=render)
