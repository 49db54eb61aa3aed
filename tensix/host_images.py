"""HostImages: the device images of the host arrays a Mesh writes, kept from run to run.

Encoding weights for the device (tilize, bf16 rounding, the live-face bits zero skipping reads) costs more
than many a run of a decode-sized program. A Mesh keeps the values it last wrote from each host array and the
pages of each buffer holding them (a weight may sit in two layouts), and reuses those pages when the next run
writes the same values: compared bit for bit, once per run (an array changed in place is new; -0.0 is not
0.0), so a reused image is always the one encoding would give. The price is memory: a copy of each array's
values beside its pages. Each image carries a token (a new object per encoding) that DRAM keeps beside the
bank ranges holding it, so a bank still holding the image from the last run is not written again.

A `frozen` array (memory nothing can write: a bytes object's, read-only all the way) cannot change in place, so
it is its own kept copy, and the next run writing the very same array reuses its images without comparing a byte
(GPT-2's and W2's megabytes a run); materialized params are frozen (tensix.lang.params).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from tensix.dram import DramBuffer
from tensix.formats import live_faces_pages
from tensix.host_layout import host_pages

_CHUNK = 1 << 16  # words compared at once: the comparison's mask stays small


class PageStore(Protocol):
    """Where encoded pages may be kept between processes (`tensix run`'s on-disk cache, lang/param_cache.py)."""

    def pages(self, buf: DramBuffer, a: np.ndarray, make: Callable[[], np.ndarray]) -> np.ndarray:
        """host_pages(buf, a), kept or made by make() (then kept if it can be)."""


class HostImages:
    """The values last written from each host array, and the pages (and live faces) of each buffer holding them.

    `keep=False` (a Mesh run once, as `tensix run`'s): encode only, keeping no copy of the values or the pages
    for a next run that never comes (the copy cost as much as the encoding). `store`: where the pages may
    already be kept (or are kept once made)."""

    def __init__(self, keep: bool = True, store: PageStore | None = None):
        self.keep = keep
        self.store = store
        self._values: dict[str, np.ndarray] = {}  # host array name -> the values last written from it
        self._pages: dict[tuple, tuple[np.ndarray, np.ndarray | None, object]] = {}  # (name, buffer) -> image

    def encode(self, name: str, bufs: list[DramBuffer], a: np.ndarray
               ) -> list[tuple[np.ndarray, np.ndarray | None, object]]:
        """Host array `name` with values `a` (float32) as each buffer of `bufs` holds it: its pages in the
        buffer's layout and format, their live faces (None for a rows layout), and the image's token."""
        a = np.ascontiguousarray(a, dtype=np.float32)
        if not self.keep:
            return [_image(buf, a, self.store) for buf in bufs]
        kept, frozen_a = self._values.get(name), _frozen_root(a) is not None
        if kept is None or not (same_frozen(kept, a) or _same_bits(kept, a)):
            self._values[name] = a if frozen_a else a.copy()
            self._pages = {k: v for k, v in self._pages.items() if k[0] != name}
        elif frozen_a:  # the same values: the newest frozen array names them (a decode step after a prefill's)
            self._values[name] = a
        out = []
        for buf in bufs:
            key = (name, buf.name, buf.shape, buf.fmt, buf.layout, buf.bank_cols)
            image = self._pages.get(key)
            if image is None:
                image = self._pages[key] = _image(buf, a, self.store)
            out.append(image)
        return out

    def retain(self, names: set[str]) -> None:
        """Forget the host arrays not in `names` (those the last run did not write): the memory held stays
        that of one run's arrays however many programs a Mesh runs."""
        self._values = {k: v for k, v in self._values.items() if k in names}
        self._pages = {k: v for k, v in self._pages.items() if k[0] in names}


def _image(buf: DramBuffer, a: np.ndarray, store: PageStore | None = None
           ) -> tuple[np.ndarray, np.ndarray | None, object]:
    """Pages of `a` in buf's layout and format (from `store` if it keeps them), their live faces (None for a rows
    layout), a new token."""
    pages = host_pages(buf, a) if store is None else store.pages(buf, a, lambda: host_pages(buf, a))
    pages.flags.writeable = False  # shared with later runs: nothing may write through it
    faces = live_faces_pages(pages, buf.fmt) if buf.layout != "rows" else None
    return pages, faces, object()


def frozen(a: np.ndarray) -> np.ndarray:
    """A copy of `a` that nothing can write (its memory is a bytes object's; numpy refuses to make it writeable): a
    Mesh given the same frozen array run after run knows it unchanged without comparing its values. A frozen `a`
    is returned as it is."""
    if _frozen_root(a) is not None and a.flags.c_contiguous:
        return a
    a = np.ascontiguousarray(a)
    return np.frombuffer(a.tobytes(), dtype=a.dtype).reshape(a.shape)


def _frozen_root(a: np.ndarray) -> bytes | None:
    """The bytes object holding `a`'s values when no array between them is writeable (none can become so), else
    None."""
    base = a
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return None
        base = base.base
    return base if isinstance(base, bytes) else None


def same_frozen(kept: np.ndarray, a: np.ndarray) -> bool:
    """Whether `a` views the very values of the frozen `kept`: the same bytes object (kept alive by `kept`, so
    never another one at its address), at the same place, in the same shape and strides."""
    root = _frozen_root(a)
    return (root is not None and root is _frozen_root(kept) and a.dtype == kept.dtype and a.shape == kept.shape
            and a.strides == kept.strides
            and a.__array_interface__["data"][0] == kept.__array_interface__["data"][0])


def _same_bits(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether two float32 arrays hold the same bits, compared as 8-byte words where they divide (half the
    comparisons) a chunk at a time into one reused mask: the comparison touches each byte once and stops at the
    first difference."""
    if x.shape != y.shape:
        return False
    word = np.uint64 if x.nbytes % 8 == 0 else np.uint32
    xs, ys = x.reshape(-1).view(word), y.reshape(-1).view(word)
    differ = np.empty(min(_CHUNK, xs.size), dtype=bool)
    for i in range(0, xs.size, _CHUNK):
        n = min(_CHUNK, xs.size - i)
        if np.not_equal(xs[i:i + n], ys[i:i + n], out=differ[:n]).any():
            return False
    return True
