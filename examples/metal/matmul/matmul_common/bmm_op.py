"""Host helpers the matmul examples share (tt-metal's matmul_common/bmm_op.hpp): the golden matmul, PCC, and
the per-core block and subblock sizes of the large-block matmuls."""

import numpy as np

SUBBLOCK_HW_CHOICES = ((4, 2), (2, 4), (8, 1), (1, 8), (7, 1), (1, 7), (3, 2), (2, 3), (6, 1), (1, 6),
                       (5, 1), (1, 5), (2, 2), (4, 1), (1, 4), (3, 1), (1, 3), (2, 1), (1, 2), (1, 1))


def golden_matmul(a, b, m: int, n: int, k: int) -> np.ndarray:
    """C = A @ B in float32 from bf16 values, rounded to bf16 (as the host reference does)."""
    from ml_dtypes import bfloat16
    c = np.asarray(a, np.float32).reshape(m, k) @ np.asarray(b, np.float32).reshape(k, n)
    return c.astype(bfloat16).reshape(-1)


def get_prime_factors(n: int) -> list[int]:
    i, out = 2, []
    while i * i <= n:
        if n % i:
            i += 1
        else:
            n //= i
            out.append(i)
    if n > 1:
        out.append(n)
    return out


def get_possible_products(factors: list[int]) -> list[int]:
    if not factors:
        return [1]
    products: list[int] = []
    for fac in factors:
        new = [] if fac in products else [fac]
        new += [fac * p for p in products if fac * p not in products]
        products += new
    return sorted(products)


def get_maximum_block_dim(block_dim: int, in0_block_w: int) -> int:
    other = (400 - 2 * in0_block_w * block_dim) // (2 * in0_block_w + block_dim)
    return max(other, 0)


def _subblock(mpc: int, npc: int):
    for h, w in SUBBLOCK_HW_CHOICES:
        if mpc % h == 0 and npc % w == 0:
            return mpc, npc, h, w
    return None


def get_large_matmul_params(mt: int, nt: int, num_cores_y: int, num_cores_x: int, in0_block_w: int):
    """(per_core_M, per_core_N, out_subblock_h, out_subblock_w), or zeros when no split fits the grid."""
    nt_fac, mt_fac = get_prime_factors(nt), get_prime_factors(mt)
    npc_min = int(np.prod([f for f in nt_fac if f > num_cores_x], dtype=np.int64))
    mpc_min = int(np.prod([f for f in mt_fac if f > num_cores_y], dtype=np.int64))
    nt_fac = [f for f in nt_fac if f <= num_cores_x]
    mt_fac = [f for f in mt_fac if f <= num_cores_y]
    if npc_min > get_maximum_block_dim(mpc_min, in0_block_w):
        return 0, 0, 0, 0
    mpc, npc = mpc_min, npc_min
    if mpc_min > 1:
        npc_max = get_maximum_block_dim(mpc_min, in0_block_w)
        for ele in get_possible_products(nt_fac):
            if ele * npc_min > npc_max:
                break
            npc = ele * npc_min
        if mt // mpc > num_cores_y or nt // npc > num_cores_x:
            return 0, 0, 0, 0
        return _subblock(mpc, npc) or (0, 0, 0, 0)
    if npc_min > 1:
        mpc_max = get_maximum_block_dim(npc_min, in0_block_w)
        for ele in get_possible_products(mt_fac):
            if ele * mpc_min > mpc_max:
                break
            mpc = ele * mpc_min
        if mt // mpc > num_cores_y or nt // npc > num_cores_x:
            return 0, 0, 0, 0
        return _subblock(mpc, npc) or (0, 0, 0, 0)
    mpc_choices = get_possible_products(mt_fac)
    for npc in get_possible_products(nt_fac):
        mpc_max = get_maximum_block_dim(npc, in0_block_w)
        for ele in mpc_choices:
            if ele <= mpc_max:
                mpc = ele
        if mt // mpc > num_cores_y or nt // npc > num_cores_x:
            continue
        found = _subblock(mpc, npc)
        if found:
            return found
    return 0, 0, 0, 0


def get_core_range(num_blocks_rows: int, num_blocks_cols: int, max_num_rows: int, max_num_cols: int):
    """(columns, rows) of cores for the blocks, or (0, 0) when they do not fit."""
    if not (num_blocks_rows == 1 and num_blocks_cols == 1) and num_blocks_rows <= max_num_rows \
            and num_blocks_cols <= max_num_cols:
        return num_blocks_cols, num_blocks_rows
    return 0, 0


def block_matmul_setup(program, all_cores, mt: int, nt: int, kt: int, b: int, per_core_m: int, per_core_n: int,
                       out_subblock_h: int, out_subblock_w: int, in0_block_w: int, single_tile_size: int,
                       cb_data_format) -> list[int]:
    """The circular buffers of the block matmuls (in0, in1 double-buffered; out c_16 sharing its memory with the
    partials' c_24) on all_cores, and the compute kernel's compile-time args."""
    from tensix.metal import CBIndex, CircularBufferConfig, CreateCircularBuffer

    in0_cb_size = per_core_m * in0_block_w * 2 * single_tile_size
    in1_cb_size = per_core_n * in0_block_w * 2 * single_tile_size
    out_cb_size = per_core_m * per_core_n * single_tile_size
    CreateCircularBuffer(program, all_cores, CircularBufferConfig(in0_cb_size, {CBIndex.c_0: cb_data_format})
                         .set_page_size(CBIndex.c_0, single_tile_size))
    CreateCircularBuffer(program, all_cores, CircularBufferConfig(in1_cb_size, {CBIndex.c_1: cb_data_format})
                         .set_page_size(CBIndex.c_1, single_tile_size))
    output_cb_index, interm0_cb_index = CBIndex.c_16, 24
    CreateCircularBuffer(program, all_cores, CircularBufferConfig(
        out_cb_size, {output_cb_index: cb_data_format, interm0_cb_index: cb_data_format})
        .set_page_size(output_cb_index, single_tile_size).set_page_size(interm0_cb_index, single_tile_size))

    in0_num_subblocks = per_core_m // out_subblock_h
    in1_num_subblocks = per_core_n // out_subblock_w
    return [in0_block_w, in0_num_subblocks, out_subblock_h * in0_block_w * in0_num_subblocks,
            out_subblock_h * in0_block_w, in1_num_subblocks, out_subblock_w * in0_block_w * in1_num_subblocks,
            out_subblock_w * in1_num_subblocks, kt // in0_block_w, out_subblock_h, out_subblock_w,
            out_subblock_h * out_subblock_w, b]


def writer_args(out_addr: int, core_idx_x: int, core_idx_y: int, per_core_m: int, per_core_n: int, mt: int,
                nt: int, out_subblock_h: int, out_subblock_w: int, b: int) -> list[int]:
    """Runtime args of writer_bmm_tile_layout for the core computing block (core_idx_y, core_idx_x)."""
    return [out_addr, core_idx_x * per_core_n + core_idx_y * per_core_m * nt, 1, nt, out_subblock_w,
            out_subblock_h * nt, out_subblock_w, out_subblock_h, out_subblock_w * out_subblock_h,
            per_core_n // out_subblock_w, per_core_m // out_subblock_h, mt * nt, b]


def random_inputs(m: int, n: int, k: int, seed: int):
    """bf16 A (m x k) and B (k x n) uniform in [-0.5, 0.5), their golden product, and both tilized."""
    from ml_dtypes import bfloat16

    from tensix.metal import tilize_nfaces
    rng = np.random.default_rng(seed)
    a = rng.uniform(-0.5, 0.5, m * k).astype(bfloat16)
    b = rng.uniform(-0.5, 0.5, k * n).astype(bfloat16)
    return tilize_nfaces(a, m, k), tilize_nfaces(b, k, n), golden_matmul(a, b, m, n, k)
