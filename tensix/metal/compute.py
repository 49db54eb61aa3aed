"""The Metalium compute kernel context: tt-metal's compute API (init and configuration calls, acquire_dst,
matmul_tiles with transpose, SFPU inits), on top of tensix's ComputeKernel.

Init calls set the unpack/math state they set on hardware; a tile op whose init was not called is reported
(TENSIX_METAL_INIT_CHECK=warn, the default; `error` raises KernelError; `off`). ComputeConfig is honoured:
fp32_dest_acc_en gives DST 32-bit values and half the tiles, without it DST values are bf16 when packed;
math_approx_mode selects the approximate exp.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from tensix import kernels as K
from tensix.compute_api import ComputeKernel
from tensix.errors import KernelError
from tensix.metal.context import MetalContext
from tensix.metal.eltwise_more import MoreComputeOps
from tensix.metal.enums import EltwiseBinaryType
from tensix.metal.llk_sfpu import LlkSfpuCalls
from tensix.metal.sfpu import exp_approx, round_bf16


class MetalInitWarning(UserWarning):
    """A compute op ran without the init call that configures the hardware for it."""


class MetalCompute(LlkSfpuCalls, MoreComputeOps, MetalContext, ComputeKernel):
    """Context of a compute kernel (TRISC0/1/2)."""

    def metal_setup(self, kernel, mdev) -> None:
        MetalContext.metal_setup(self, kernel, mdev)
        cfg = kernel.config
        self.fp32_dest_acc_en, self.math_approx_mode = bool(cfg.fp32_dest_acc_en), bool(cfg.math_approx_mode)
        # DST: 16 tiles of 16-bit values with full sync, 8 with half sync; half as many of 32-bit values
        cap = (16 if cfg.dst_full_sync_en else 8) // (2 if self.fp32_dest_acc_en else 1)
        cap = min(cap, len(self._dst_tiles))
        self._dst_tiles, self._fresh = self._dst_tiles[:cap], self._fresh[:cap]
        self._hw, self._math, self._sfpu, self._warned = False, None, set(), set()
        self._check = os.environ.get("TENSIX_METAL_INIT_CHECK", "warn")

    def _need(self, op: str, state: str | None, init: str) -> None:
        if self._check == "off":
            return
        missing = None
        if not self._hw:
            missing = "a hardware init (compute_kernel_hw_startup, binary_op_init_common, mm_init or init_sfpu)"
        elif state is not None and self._math != state and state not in self._sfpu:
            missing = init
        if missing is None or op in self._warned:
            return
        self._warned.add(op)
        msg = (f"{self.where()}: {op} runs without {missing}; on hardware the unpacker/math would still be set "
               f"for {self._math or 'nothing'}")
        if self._check == "error":
            raise KernelError(msg)
        warnings.warn(msg, MetalInitWarning, stacklevel=3)

    # --- init and configuration calls ------------------------------------------------------------------------
    def compute_kernel_hw_startup(self, icb0=None, icb1=None, ocb=None) -> None:
        self._hw = True

    def binary_op_init_common(self, icb0=None, icb1=None, ocb=None) -> None:
        self._hw = True

    def unary_op_init_common(self, icb=None, ocb=None) -> None:
        self._hw, self._math = True, "copy"

    init_sfpu = unary_op_init_common

    def add_tiles_init(self, icb0=None, icb1=None, acc_to_dest: bool = False) -> None:
        self._math = "add"

    def sub_tiles_init(self, icb0=None, icb1=None, acc_to_dest: bool = False) -> None:
        self._math = "sub"

    def mul_tiles_init(self, icb0=None, icb1=None) -> None:
        self._math = "mul"

    add_init, sub_init, mul_init = add_tiles_init, sub_tiles_init, mul_tiles_init  # the newer names

    def binary_tiles_init(self, icb0=None, icb1=None, acc_to_dest: bool = False, *, full_init: bool = False,
                          eltwise_binary_type="ELWADD") -> None:
        """binary_tiles_init<full_init, type>(icb0, icb1): the type as EltwiseBinaryType or its name
        ("EltwiseBinaryType::ELWADD", as a define gives it)."""
        name = str(getattr(eltwise_binary_type, "name", eltwise_binary_type)).split("::")[-1].split(".")[-1]
        if name not in EltwiseBinaryType.__members__:
            raise KernelError(f"{self.where()}: binary_tiles_init type {eltwise_binary_type!r} is not one of "
                              f"{', '.join(EltwiseBinaryType.__members__)}")
        self._hw = self._hw or full_init
        self._math = EltwiseBinaryType[name].value

    def mm_init(self, in0_cb=None, in1_cb=None, out_cb=None, transpose: int = 0) -> None:
        self._hw, self._math = True, "matmul"

    def mm_init_short(self, in0_cb=None, in1_cb=None, transpose: int = 0) -> None:
        self._math = "matmul"

    def mm_block_init(self, in0_cb=None, in1_cb=None, out_cb=None, transpose: int = 0, ct_dim: int = 1,
                      rt_dim: int = 1, kt_dim: int = 1) -> None:
        self._hw, self._math = True, "matmul"

    def copy_tile_init(self, cb=None) -> None:
        self._math = "copy"

    def copy_tile_to_dst_init_short(self, cb=None, transpose: int = 0) -> None:
        self._math = "copy"

    def copy_tile_to_dst_init_short_with_dt(self, old_cb=None, new_cb=None, transpose: int = 0) -> None:
        self._math = "copy"

    def transpose_wh_init(self, icb=None, ocb=None) -> None:
        self._hw, self._math = True, "transpose"

    def reconfig_data_format(self, *cbs) -> None:
        """Unpacker source formats follow the CBs read (each CB's own format); nothing to change."""

    reconfig_data_format_srca = reconfig_data_format_srcb = pack_reconfig_data_format = reconfig_data_format

    def _sfpu_init(self, op: str) -> None:
        self._sfpu.add(op)

    def exp_tile_init(self, approx: bool | None = None, fast_and_approx: bool | None = None) -> None:
        self._sfpu_init("exp")

    def relu_tile_init(self) -> None:
        self._sfpu_init("relu")

    def gelu_tile_init(self, approx: bool | None = None) -> None:
        self._sfpu_init("gelu")

    def silu_tile_init(self) -> None:
        self._sfpu_init("silu")

    def recip_tile_init(self) -> None:
        self._sfpu_init("recip")

    def sqrt_tile_init(self) -> None:
        self._sfpu_init("sqrt")

    def rsqrt_tile_init(self, approx: bool | None = None) -> None:
        self._sfpu_init("rsqrt")

    def sigmoid_tile_init(self) -> None:
        self._sfpu_init("sigmoid")

    def tanh_tile_init(self) -> None:
        self._sfpu_init("tanh")

    def square_tile_init(self) -> None:
        self._sfpu_init("square")

    def negative_tile_init(self) -> None:
        self._sfpu_init("neg")

    # --- DST ----------------------------------------------------------------------------------------------
    def acquire_dst(self) -> None:
        self.tile_regs_acquire()

    def release_dst(self) -> None:
        self.tile_regs_release()

    # --- tile ops, checked against their init ------------------------------------------------------------
    def matmul_tiles(self, cb_a, cb_b, ia, ib, idst, transpose: bool = False) -> None:
        """DST[idst] += A tile ia @ B tile ib (B transposed first when `transpose`)."""
        self._need("matmul_tiles", "matmul", "mm_init or mm_init_short")
        if not transpose:
            ComputeKernel.matmul_tiles(self, int(cb_a), int(cb_b), int(ia), int(ib), int(idst))
            return
        d = self._d(int(idst))
        K.matmul_acc(self._tile(int(cb_a), int(ia)), np.ascontiguousarray(self._tile(int(cb_b), int(ib)).T), d)
        self.flops += 65536
        self.advance("matmul_tiles", self._matmul_cycles)

    def add_tiles(self, cb_a, cb_b, ia, ib, idst) -> None:
        self._need("add_tiles", "add", "add_tiles_init")
        ComputeKernel.add_tiles(self, cb_a, cb_b, ia, ib, idst)

    def sub_tiles(self, cb_a, cb_b, ia, ib, idst) -> None:
        self._need("sub_tiles", "sub", "sub_tiles_init")
        ComputeKernel.sub_tiles(self, cb_a, cb_b, ia, ib, idst)

    def mul_tiles(self, cb_a, cb_b, ia, ib, idst) -> None:
        self._need("mul_tiles", "mul", "mul_tiles_init")
        ComputeKernel.mul_tiles(self, cb_a, cb_b, ia, ib, idst)

    def copy_tile(self, cb, i, idst) -> None:
        self._need("copy_tile", "copy", "copy_tile_init or copy_tile_to_dst_init_short")
        ComputeKernel.copy_tile(self, cb, i, idst)

    def transpose_wh_tile(self, cb, i, idst) -> None:
        self._need("transpose_wh_tile", "transpose", "transpose_wh_init")
        ComputeKernel.transpose_tile(self, cb, i, idst)

    def _unary(self, op: str, idst: int) -> None:
        self._need(f"{op}_tile", op, f"{op}_tile_init")
        ComputeKernel.unary_tile(self, op, int(idst))

    def exp_tile(self, idst: int, approx: bool | None = None, fast_and_approx: bool | None = None) -> None:
        """exp; the approximate SFPU path when math_approx_mode (or `approx`) is set."""
        if not (self.math_approx_mode if approx is None else approx):
            self._unary("exp", idst)
            return
        self._need("exp_tile", "exp", "exp_tile_init")
        d = self._d(int(idst))
        exp_approx(d)
        self.advance("exp_tile", self.timing.sfpu("exp"))

    def relu_tile(self, idst: int) -> None:
        self._unary("relu", idst)

    def gelu_tile(self, idst: int, approx: bool | None = None) -> None:
        self._unary("gelu", idst)

    def silu_tile(self, idst: int) -> None:
        self._unary("silu", idst)

    def recip_tile(self, idst: int) -> None:
        self._unary("recip", idst)

    def sqrt_tile(self, idst: int) -> None:
        self._unary("sqrt", idst)

    def rsqrt_tile(self, idst: int, approx: bool | None = None) -> None:
        self._unary("rsqrt", idst)

    def sigmoid_tile(self, idst: int) -> None:
        self._unary("sigmoid", idst)

    def tanh_tile(self, idst: int) -> None:
        self._unary("tanh", idst)

    def square_tile(self, idst: int) -> None:
        self._unary("square", idst)

    def negative_tile(self, idst: int) -> None:
        self._unary("neg", idst)

    def pack_tile(self, idst, cb_id, output_tile_index=None) -> None:
        """Pack DST[idst]; without fp32_dest_acc_en DST holds bf16, so the value packed is bf16."""
        if not self.fp32_dest_acc_en and self.cb(int(cb_id)).fmt != "bf16":  # a bf16 pack rounds the same
            round_bf16(self._d(int(idst)))
        ComputeKernel.pack_tile(self, int(idst), int(cb_id), output_tile_index)
