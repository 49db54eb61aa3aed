"""Compute calls of tt-metal's eltwise APIs beyond compute.py's: FPU ops that reuse DST as an operand
(`binary_dest_reuse_tiles`), binary SFPU ops between DST tiles (`add_binary_tile`, ...), `log_tile` and
`copy_init`."""

from __future__ import annotations

import enum

import numpy as np

from tensix.errors import KernelError


class EltwiseBinaryType(enum.IntEnum):
    ELWMUL = 0
    ELWDIV = 1
    ELWADD = 2
    ELWSUB = 3


ELWMUL, ELWDIV, ELWADD, ELWSUB = (EltwiseBinaryType[n] for n in ("ELWMUL", "ELWDIV", "ELWADD", "ELWSUB"))


class EltwiseBinaryReuseDestType(enum.IntEnum):
    NONE = 0
    DEST_TO_SRCA = 1
    DEST_TO_SRCB = 2


_FPU = {ELWADD: np.add, ELWSUB: np.subtract, ELWMUL: np.multiply}
_OP_NAME = {ELWADD: "add", ELWSUB: "sub", ELWMUL: "mul"}


class MoreComputeOps:
    """Mixin of MetalCompute."""

    _reuse = None

    def binary_dest_reuse_tiles_init(self, icb0, eltwise_binary_type=ELWADD,
                                     binary_reuse_dest=EltwiseBinaryReuseDestType.NONE) -> None:
        """`binary_dest_reuse_tiles_init<type, reuse>(cb)`: the next binary_dest_reuse_tiles use DST as one
        operand (DEST_TO_SRCA: DST op cb; DEST_TO_SRCB: cb op DST)."""
        self._reuse = (EltwiseBinaryType(eltwise_binary_type), EltwiseBinaryReuseDestType(binary_reuse_dest))

    def binary_dest_reuse_tiles(self, in_cb_id, in_tile_index, dst_tile_index, eltwise_binary_type=None,
                                binary_reuse_dest=None) -> None:
        """DST[dst] = DST[dst] op tile (DEST_TO_SRCA) or tile op DST[dst] (DEST_TO_SRCB), on the FPU."""
        if self._reuse is None:
            self._need("binary_dest_reuse_tiles", "binary_dest_reuse", "binary_dest_reuse_tiles_init")
            self._reuse = (ELWADD, EltwiseBinaryReuseDestType.DEST_TO_SRCA)
        op, reuse = self._reuse
        op = EltwiseBinaryType(eltwise_binary_type) if eltwise_binary_type is not None else op
        reuse = EltwiseBinaryReuseDestType(binary_reuse_dest) if binary_reuse_dest is not None else reuse
        if op not in _FPU or reuse == EltwiseBinaryReuseDestType.NONE:
            raise KernelError(f"{self.where()}: binary_dest_reuse_tiles with {op.name} and {reuse.name} is not "
                              f"provided (ELWADD/ELWSUB/ELWMUL with DEST_TO_SRCA or DEST_TO_SRCB)")
        tile = self._tile(int(in_cb_id), int(in_tile_index))
        d = self._d(int(dst_tile_index))
        pair = (d, tile) if reuse == EltwiseBinaryReuseDestType.DEST_TO_SRCA else (tile, d)
        _FPU[op](*pair, out=d)
        self.advance(f"{_OP_NAME[op]}_dest_reuse",
                     self.timing.eltwise(_OP_NAME[op], self.fidelity, self.cb(int(in_cb_id)).fmt, 1))

    def copy_init(self, cbid=None) -> None:
        """copy_init(cb): the newer name of copy_tile_init."""
        self.copy_tile_init(cbid)

    # --- binary SFPU ops between DST tiles ------------------------------------------------------------------
    def add_binary_tile_init(self) -> None:
        self._sfpu_init("add_binary")

    def sub_binary_tile_init(self) -> None:
        self._sfpu_init("sub_binary")

    def mul_binary_tile_init(self) -> None:
        self._sfpu_init("mul_binary")

    def _binary_sfpu(self, op: str, idst0: int, idst1: int, odst: int) -> None:
        self._need(f"{op}_binary_tile", f"{op}_binary", f"{op}_binary_tile_init")
        self.binary_dst_tiles(op, int(idst0), int(idst1), int(odst))

    def add_binary_tile(self, idst0, idst1, odst) -> None:
        self._binary_sfpu("add", idst0, idst1, odst)

    def sub_binary_tile(self, idst0, idst1, odst) -> None:
        self._binary_sfpu("sub", idst0, idst1, odst)

    def mul_binary_tile(self, idst0, idst1, odst) -> None:
        self._binary_sfpu("mul", idst0, idst1, odst)

    def log_tile_init(self) -> None:
        self._sfpu_init("log")

    def log_tile(self, idst) -> None:
        """Natural log of DST[idst] (-inf at 0, nan below, as IEEE)."""
        self._need("log_tile", "log", "log_tile_init")
        d = self._d(int(idst))
        with np.errstate(divide="ignore", invalid="ignore"):
            np.log(d, out=d)
        self.advance("log_tile", self.timing.sfpu("log"))


__all__ = ["ELWADD", "ELWDIV", "ELWMUL", "ELWSUB", "EltwiseBinaryReuseDestType", "EltwiseBinaryType",
           "MoreComputeOps"]
