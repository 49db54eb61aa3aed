"""Shared formatting for the visualizers: units (bytes, cycles, time, FLOP/s) and colour-map lookups.

Input: plain numbers; output: short human strings and hex colours used by every picture and table.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # the tools never open windows; pictures are files

from matplotlib import colormaps  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

Coord = tuple[int, int]

_BYTE_UNITS = ("KiB", "MiB", "GiB", "TiB")


def fmt_bytes(nbytes: float) -> str:
    """Bytes as `512 B`, `4.0 KiB`, `1.5 MiB` (binary units, one decimal)."""
    if abs(nbytes) < 1024:
        return f"{nbytes:.0f} B"
    value = float(nbytes)
    for unit in _BYTE_UNITS:
        value /= 1024
        if abs(value) < 1024 or unit == _BYTE_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def fmt_bytes_short(nbytes: float) -> str:
    """Bytes with at most three digits: `704 KiB`, `44 KiB`, `3.0 MiB`, `512 B` (for cramped labels)."""
    text = fmt_bytes(nbytes)
    value, unit = text.split(" ")
    return f"{float(value):.0f} {unit}" if unit != "B" and abs(float(value)) >= 10 else text


def fmt_signed_bytes(nbytes: float) -> str:
    """A byte delta with its sign: `+4.0 KiB`, `-512 B`, `0 B`."""
    sign = "+" if nbytes > 0 else "-" if nbytes < 0 else ""
    return sign + fmt_bytes(abs(nbytes))


def fmt_int(n: float) -> str:
    """An integer with thousands separators: `1,234,567`."""
    return f"{n:,.0f}"


def fmt_pct(fraction: float, digits: int = 1) -> str:
    """A fraction 0..1 as a percentage: `12.5%`."""
    return f"{100 * fraction:.{digits}f}%"


def fmt_share(fraction: float) -> str:
    """A fraction as a percentage with the digits it needs: `66%`, `2.8%`, `<0.1%`, `0%`."""
    pct = 100 * fraction
    if pct == 0:
        return "0%"
    if abs(pct) < 0.1:
        return "<0.1%"
    return f"{pct:.1f}%" if abs(pct) < 10 else f"{pct:.0f}%"


def fmt_seconds(seconds: float) -> str:
    """A duration with a readable unit: `850 ns`, `12.3 µs`, `4.56 ms`, `1.20 s`."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_rate(per_second: float, unit: str = "FLOP/s") -> str:
    """A rate with an SI prefix: `1.23 TFLOP/s`."""
    for scale, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(per_second) >= scale:
            return f"{per_second / scale:.3g} {prefix}{unit}"
    return f"{per_second:.3g} {unit}"


def fmt_coord(xy: Coord) -> str:
    """A grid coordinate as `(x,y)`."""
    return f"({xy[0]},{xy[1]})"


def coord_list(coords: list[Coord], shown: int = 3) -> str:
    """`(0,0)`, `(0,0), (1,0)`, or `(0,0), (1,0), … (7,7)` for long lists."""
    text = [fmt_coord(c) for c in coords]
    return ", ".join(text) if len(text) <= shown else ", ".join(text[:shown - 1]) + ", … " + text[-1]


def cmap_hex(name: str, t: float) -> str:
    """The colour at position t (clipped to 0..1) of a matplotlib colour map, as `#rrggbb`."""
    return to_hex(colormaps[name](min(1.0, max(0.0, t))))


def text_color_on(hex_color: str) -> str:
    """Black or white, whichever reads better on the given background colour."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "white"
