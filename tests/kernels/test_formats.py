"""Tile formats: byte layouts against hand-computed bytes, bf16 bit-exact against ml_dtypes, block-float
error bounds, tilize/untilize round trips. Each pack/unpack kernel runs as jit, py_func and ref."""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tensix import formats
from tensix.errors import ConfigError
from tensix.kernels import jit, ops, ref

IMPLS = ["jit", "py_func", "ref"]
NBYTES = {"fp32": 4096, "bf16": 2048, "bfp8_b": 1088, "bfp4_b": 576}
BFP = {"bfp8_b": ("pack_bfp8", "unpack_bfp8", 7), "bfp4_b": ("pack_bfp4", "unpack_bfp4", 3)}


def kernel(impl: str, name: str):
    if impl == "ref":
        return getattr(ref, name)
    f = getattr(jit, name)
    return f.py_func if impl == "py_func" else f


def faces(tile: np.ndarray) -> np.ndarray:
    """Face-major order written out by hand: top-left, top-right, bottom-left, bottom-right faces."""
    return np.concatenate([tile[:16, :16], tile[:16, 16:], tile[16:, :16], tile[16:, 16:]]).ravel()


def random_tile(rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal((32, 32)) * scale).astype(np.float32)


def pack(impl: str, name: str, tile: np.ndarray, nbytes: int) -> np.ndarray:
    out = np.full(nbytes, 0xAB, np.uint8)  # garbage: every byte must be written
    kernel(impl, name)(np.ascontiguousarray(tile, np.float32), out)
    return out


def unpack(impl: str, name: str, src: np.ndarray) -> np.ndarray:
    out = np.full((32, 32), np.nan, np.float32)
    kernel(impl, name)(src, out)
    return out


# --- sizes and names -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_tile_nbytes(fmt):
    assert formats.tile_nbytes(fmt) == NBYTES[fmt]


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("bfp8", "unknown data format 'bfp8' (did you mean 'bfp8_b'?); known formats: fp32, bf16, bfp8_b, bfp4_b"),
        ("int8", "unknown data format 'int8'; known formats: fp32, bf16, bfp8_b, bfp4_b"),
    ],
)
def test_unknown_format(fmt, message):
    with pytest.raises(ConfigError) as info:
        formats.tile_nbytes(fmt)
    assert str(info.value) == message
    with pytest.raises(ConfigError):
        formats.tilize(np.zeros((2, 2)), fmt)


def test_format_codes_follow_formats():
    assert list(ops.FORMAT) == list(formats.FORMATS)


# --- fp32 and bf16 -------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", IMPLS)
def test_fp32_layout_and_round_trip(impl):
    tile = random_tile(np.random.default_rng(1))
    packed = pack(impl, "pack_fp32", tile, 4096)
    assert packed.tobytes() == faces(tile).astype("<f4").tobytes()
    assert np.array_equal(unpack(impl, "unpack_fp32", packed), tile)


def special_bits() -> np.ndarray:
    """Random fp32 bit patterns (NaNs, infs, denormals, both signs) plus rounding ties."""
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2**32, 1024, dtype=np.uint64).astype(np.uint32)
    bits[:64] = rng.integers(0, 2**23, 64) | 0x8000  # denormals, half of them ties
    bits[64:128] = (rng.integers(0, 2**16, 64) << 16) | 0x8000  # ties to even, both parities
    bits[128:136] = [0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F7FFFFF, 0x80000000, 0, 0x7F800001]
    return bits


@pytest.mark.parametrize("impl", IMPLS)
def test_bf16_pack_bit_exact_vs_ml_dtypes(impl):
    tile = special_bits().view(np.float32).reshape(32, 32)
    packed = pack(impl, "pack_bf16", tile, 2048)
    with np.errstate(invalid="ignore"):
        expected = faces(tile).astype(ml_dtypes.bfloat16).view(np.uint16)
    assert np.array_equal(packed.view(np.uint16), expected)


@pytest.mark.parametrize("impl", IMPLS)
def test_bf16_unpack_is_exact(impl):
    bits = np.random.default_rng(3).integers(0, 2**16, 1024, dtype=np.uint32).astype(np.uint16)
    out = unpack(impl, "unpack_bf16", bits.view(np.uint8))
    expected = bits.view(ml_dtypes.bfloat16).astype(np.float32)
    assert np.array_equal(faces(out).view(np.uint32), expected.view(np.uint32))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("offset", [0, 2, 6])
def test_bf16_pages_unpack_from_any_even_byte_offset(impl, offset):
    """unpack_pages of bf16 pages sliced out of a byte buffer at an offset that is not a multiple of 8 (the jit kernel
    reads a page as 64-bit words): the bits of unpack_bf16 page by page, every bit pattern (NaNs too)."""
    mem = np.random.default_rng(4).integers(0, 256, offset + 5 * 2048, dtype=np.uint8)
    pages = mem[offset:].reshape(5, 2048)
    out = np.full((5, 32, 32), np.nan, np.float32)
    kernel(impl, "unpack_pages")(pages, ops.BF16, out)
    for page, got in zip(pages, out, strict=True):
        expected = page.view(np.uint16).view(ml_dtypes.bfloat16).astype(np.float32)
        assert np.array_equal(faces(got).view(np.uint32), expected.view(np.uint32))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, (32, 32), elements=st.floats(width=32, allow_nan=False)))
def test_bf16_quantize_matches_ml_dtypes(tile):
    assert np.array_equal(formats.quantize(tile, "bf16"), tile.astype(ml_dtypes.bfloat16).astype(np.float32))


# --- block float ---------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", IMPLS)
def test_bfp8_bytes_hand_computed(impl):
    tile = np.zeros((32, 32), np.float32)
    tile[0, 0], tile[0, 1] = 1.0, -0.5  # face 0, row 0: shared exponent 127
    tile[16, 17] = 3.0  # face 3, row 0 (exponent row 48), column 1: shared exponent 128
    packed = pack(impl, "pack_bfp8", tile, 1088)
    expected = np.zeros(1088, np.uint8)
    expected[0], expected[48] = 127, 128
    expected[64 + 0] = 64  # 1.0 = 64 * 2^(127-133)
    expected[64 + 1] = 0x80 | 32  # -0.5
    expected[64 + 3 * 256 + 1] = 96  # 3.0 = 96 * 2^(128-133)
    assert np.array_equal(packed, expected)
    assert np.array_equal(unpack(impl, "unpack_bfp8", packed), tile)


@pytest.mark.parametrize("impl", IMPLS)
def test_bfp4_bytes_hand_computed(impl):
    tile = np.zeros((32, 32), np.float32)
    tile[0, 0], tile[0, 1], tile[0, 2] = 1.0, -0.5, 0.25  # shared exponent 127, step 2^-2
    tile[31, 31] = -1.5  # face 3, row 15 (exponent row 63), column 15: the high nibble of the last byte
    packed = pack(impl, "pack_bfp4", tile, 576)
    expected = np.zeros(576, np.uint8)
    expected[0], expected[63] = 127, 127
    expected[64 + 0] = 4 | (0b1010 << 4)  # 1.0 -> 4 (low nibble); -0.5 -> sign 1, 2 (high nibble)
    expected[64 + 1] = 1  # 0.25 -> 1, then 0
    expected[575] = 0b1110 << 4  # -1.5 -> sign 1, 6
    assert np.array_equal(packed, expected)
    assert np.array_equal(unpack(impl, "unpack_bfp4", packed), tile)


@pytest.mark.parametrize("fmt", BFP)
@pytest.mark.parametrize("impl", IMPLS)
def test_bfp_representable_values_round_trip(impl, fmt):
    pack_name, unpack_name, mbits = BFP[fmt]
    rng = np.random.default_rng(4)
    top = (1 << mbits) - 1
    exps = rng.integers(90, 160, 64)
    mags = rng.integers(0, top + 1, (64, 16))
    mags[:, 0] = rng.integers(1 << (mbits - 1), top + 1, 64)  # the row maximum fixes the exponent
    signs = rng.choice([-1.0, 1.0], (64, 16))
    values = (signs * np.ldexp(mags.astype(np.float64), exps[:, None] - 127 - (mbits - 1))).astype(np.float32)
    tile = values.reshape(2, 2, 16, 16).transpose(0, 2, 1, 3).reshape(32, 32)
    assert np.array_equal(faces(tile).reshape(64, 16), values)
    packed = pack(impl, pack_name, tile, NBYTES[fmt])
    assert np.array_equal(packed[:64], exps)
    assert np.array_equal(unpack(impl, unpack_name, packed), tile)


def quantize_tile(impl: str, fmt: str, tile: np.ndarray) -> np.ndarray:
    pack_name, unpack_name, _ = BFP[fmt]
    return unpack(impl, unpack_name, pack(impl, pack_name, tile, NBYTES[fmt]))


@pytest.mark.parametrize("fmt", BFP)
@pytest.mark.parametrize("impl", IMPLS)
def test_bfp_error_bound(impl, fmt):
    mbits = BFP[fmt][2]
    rng = np.random.default_rng(5)
    tile = random_tile(rng) * np.exp2(rng.integers(-30, 30, (32, 1))).astype(np.float32)
    tile[3, 5:9] = 0.0
    q = faces(quantize_tile(impl, fmt, tile)).reshape(64, 16)
    x = faces(tile).reshape(64, 16)
    _, e = np.frexp(np.abs(x).max(axis=1, keepdims=True))  # max|x| in [2^(e-1), 2^e)
    step = np.exp2(e - 1 - (mbits - 1))  # weight of one magnitude step
    err = np.abs(q - x)
    assert np.all(err <= step)
    # Rounding to nearest: at most half a step except where the largest magnitude saturates.
    step = np.broadcast_to(step, q.shape)
    unsaturated = np.abs(q) < (2**mbits - 1) * step
    assert np.all(err[unsaturated] <= step[unsaturated] / 2)
    assert np.array_equal(np.sign(q[q != 0]), np.sign(x[q != 0]))
    assert np.all(q[x == 0] == 0)


@pytest.mark.parametrize(
    ("fmt", "row", "expected"),
    [
        # step 2^-6: ties round away from zero; 1.999 saturates at 127 steps.
        ("bfp8_b", [1.0, 1 / 128, -1 / 128, 3 / 128, 1.999, 1 / 1024], [1.0, 1 / 64, -1 / 64, 2 / 64, 127 / 64, 0]),
        # step 2^-2
        ("bfp4_b", [1.0, 0.125, -0.125, 0.375, 1.999, 0.1], [1.0, 0.25, -0.25, 0.5, 1.75, 0]),
    ],
)
@pytest.mark.parametrize("impl", IMPLS)
def test_bfp_rounding_rule(impl, fmt, row, expected):
    tile = np.zeros((32, 32), np.float32)
    tile[5, 16 : 16 + len(row)] = row
    q = quantize_tile(impl, fmt, tile)
    assert q[5, 16 : 16 + len(row)].tolist() == expected
    assert np.count_nonzero(q) == np.count_nonzero(expected)


@pytest.mark.parametrize("fmt", BFP)
@pytest.mark.parametrize("impl", IMPLS)
def test_bfp_zeros_denormals_and_infinities(impl, fmt):
    pack_name = BFP[fmt][0]
    assert not pack(impl, pack_name, np.zeros((32, 32), np.float32), NBYTES[fmt]).any()
    tile = np.zeros((32, 32), np.float32)
    tile[0, :4] = [1e-40, -1e-42, 0.0, 1e-39]  # a row of fp32 denormals flushes to zero
    tile[1, :3] = [np.inf, 1.0, 0.0]
    tile[2, :2] = [-np.inf, -2.0]
    q = quantize_tile(impl, fmt, tile)
    assert not q[0].any()
    assert q[1, 0] == np.inf and q[2, 0] == -np.inf
    assert q[1, 1] == 0 and q[2, 1] == 0  # 2^-127 relative to an infinite row maximum


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_all_impls_agree_on_random_tiles(fmt):
    names = {"fp32": ("pack_fp32", "unpack_fp32"), "bf16": ("pack_bf16", "unpack_bf16")}
    pack_name, unpack_name = names.get(fmt, BFP.get(fmt, ("", ""))[:2])
    tile = random_tile(np.random.default_rng(6), scale=100.0)
    packed = [pack(impl, pack_name, tile, NBYTES[fmt]) for impl in IMPLS]
    assert all(np.array_equal(packed[0], p) for p in packed[1:])
    unpacked = [unpack(impl, unpack_name, packed[0]) for impl in IMPLS]
    assert all(np.array_equal(unpacked[0], u) for u in unpacked[1:])


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_pack_tile_into_unaligned_sram_view(fmt):
    sram = np.zeros(8192, np.uint8)
    offset = 3  # not a multiple of any element size
    view = sram[offset : offset + NBYTES[fmt]]
    tile = random_tile(np.random.default_rng(7))
    formats.pack_tile(tile, fmt, view)
    assert not sram[:offset].any() and not sram[offset + NBYTES[fmt] :].any()
    expected = np.empty(NBYTES[fmt], np.uint8)
    ref_pack = {"fp32": ref.pack_fp32, "bf16": ref.pack_bf16, "bfp8_b": ref.pack_bfp8, "bfp4_b": ref.pack_bfp4}
    ref_pack[fmt](tile, expected)
    assert np.array_equal(view, expected)
    out = formats.unpack_tile(view, fmt, np.empty((32, 32), np.float32))
    assert np.array_equal(out, formats.quantize(tile, fmt))


def test_pack_tile_checks_shapes():
    with pytest.raises(ValueError, match=r"out must be a uint8 array of shape \(2048,\), got uint8 \(1088,\)"):
        formats.pack_tile(np.zeros((32, 32)), "bf16", np.zeros(1088, np.uint8))
    with pytest.raises(ValueError, match=r"tile must be a float32 array of shape \(32, 32\), got float32 \(16, 32\)"):
        formats.pack_tile(np.zeros((16, 32)), "bf16", np.zeros(2048, np.uint8))


# --- tilize / untilize / quantize ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_tilize_round_trip_with_padding(fmt):
    a = (np.random.default_rng(8).standard_normal((50, 70)) * 10).astype(np.float32)
    pages = formats.tilize(a, fmt)
    assert pages.shape == (2 * 3, NBYTES[fmt]) and pages.dtype == np.uint8
    back = formats.untilize(pages, a.shape, fmt)
    assert back.shape == a.shape and back.dtype == np.float32
    assert np.array_equal(back, formats.quantize(a, fmt))
    if fmt == "fp32":
        assert np.array_equal(back, a)
    padded = formats.untilize(pages, (64, 96), fmt)
    assert not padded[50:].any() and not padded[:, 70:].any()
    # Tile by tile through pack_tile gives the same pages.
    full = np.zeros((64, 96), np.float32)
    full[:50, :70] = a
    for p in range(6):
        r, c = divmod(p, 3)
        tile_bytes = formats.pack_tile(full[32 * r : 32 * r + 32, 32 * c : 32 * c + 32], fmt, np.empty_like(pages[p]))
        assert np.array_equal(pages[p], tile_bytes)


def test_tilize_page_order_hand_computed():
    a = np.arange(64 * 96, dtype=np.float32).reshape(64, 96)
    pages = formats.tilize(a, "fp32")
    assert pages.shape == (6, 4096)
    # Page 4 is tile (row 1, column 1); its first values are face 0 row 0, then face 0 row 1.
    first = pages[4].view(np.float32)
    assert first[:16].tolist() == [32 * 96 + 32 + j for j in range(16)]
    assert first[16] == 33 * 96 + 32
    assert first[256] == 32 * 96 + 48  # face 1 starts at column 16 of the tile
    assert first[512] == 48 * 96 + 32  # face 2 starts at row 16
    for p in range(6):
        r, c = divmod(p, 3)
        assert np.array_equal(pages[p].view(np.float32), faces(a[32 * r : 32 * r + 32, 32 * c : 32 * c + 32]))


@pytest.mark.parametrize("fmt", formats.FORMATS)
@pytest.mark.parametrize("impl", IMPLS)
def test_tilize_pages_kernels(impl, fmt):
    a = (np.random.default_rng(9).standard_normal((64, 96)) * 3).astype(np.float32)
    pages = np.empty((6, NBYTES[fmt]), np.uint8)
    kernel(impl, "tilize_pages")(a, ops.FORMAT[fmt], pages)
    assert np.array_equal(pages, formats.tilize(a, fmt))
    out = np.empty_like(a)
    kernel(impl, "untilize_pages")(pages, ops.FORMAT[fmt], out)
    assert np.array_equal(out, formats.untilize(pages, a.shape, fmt))


@pytest.mark.parametrize("fmt", formats.FORMATS)
@pytest.mark.parametrize("impl", IMPLS)
def test_pack_pages_packs_each_tile_as_its_one_tile_packer(impl, fmt):
    tiles = (np.random.default_rng(12).standard_normal((3, 32, 32)) * 5).astype(np.float32)
    tiles[1] = 0.0  # a zero tile among them
    pages = np.full((3, NBYTES[fmt]), 0xAB, np.uint8)  # garbage: every byte must be written
    kernel(impl, "pack_pages")(tiles, ops.FORMAT[fmt], pages)
    one = {"fp32": "pack_fp32", "bf16": "pack_bf16", "bfp8_b": "pack_bfp8", "bfp4_b": "pack_bfp4"}[fmt]
    for p in range(3):  # the one-tile packers are checked against hand-computed bytes above
        assert np.array_equal(pages[p], pack("ref", one, tiles[p], NBYTES[fmt]))


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_unpack_tiles_matches_unpack_tile_page_by_page(fmt):
    a = (np.random.default_rng(10).standard_normal((32, 160)) * 4).astype(np.float32)
    pages = formats.tilize(a, fmt)
    tiles = formats.unpack_tiles(pages, fmt)
    assert tiles.shape == (5, 32, 32) and tiles.dtype == np.float32
    for p in range(5):
        assert np.array_equal(tiles[p], formats.unpack_tile(pages[p], fmt, np.empty((32, 32), np.float32)))
    with pytest.raises(ValueError, match=r"pages must be uint8 of shape \(n, 2048\) for bf16"):
        formats.unpack_tiles(np.zeros((2, 2047), np.uint8), "bf16")


def test_untilize_checks_size():
    with pytest.raises(ValueError) as info:
        formats.untilize(np.zeros((5, 1088), np.uint8), (50, 70), "bfp8_b")
    assert str(info.value) == "shape (50, 70) in bfp8_b needs 6 pages of 1088 bytes, got 5440 bytes"


def test_quantize_shapes():
    rng = np.random.default_rng(10)
    stack = rng.standard_normal((3, 40, 20)).astype(np.float32)
    q = formats.quantize(stack, "bfp8_b")
    assert q.shape == stack.shape
    for i in range(3):
        assert np.array_equal(q[i], formats.untilize(formats.tilize(stack[i], "bfp8_b"), (40, 20), "bfp8_b"))
    row = stack[0, 0]
    assert np.array_equal(formats.quantize(row, "bfp4_b"), formats.quantize(row[None], "bfp4_b")[0])
    assert not np.array_equal(formats.quantize(row, "bfp4_b"), row)
    fp32 = formats.quantize(stack, "fp32")
    assert np.array_equal(fp32, stack) and fp32 is not stack


@pytest.mark.parametrize("fmt", ["fp32", "bf16", "bfp8_b", "bfp4_b"])
def test_is_zero_page_sees_negative_zeros_and_nothing_else(fmt):
    page = np.zeros(formats.tile_nbytes(fmt), np.uint8)
    tile = np.full((32, 32), -0.0, np.float32)
    formats.pack_tile(tile, fmt, page)
    assert formats.is_zero_page(page, fmt)
    tile[7, 9] = 0.5
    formats.pack_tile(tile, fmt, page)
    assert not formats.is_zero_page(page, fmt)


@pytest.mark.parametrize("fmt", ["fp32", "bf16", "bfp8_b", "bfp4_b"])
@pytest.mark.parametrize("impl", IMPLS)
def test_live_faces_of_many_pages_match_the_faces_holding_nonzeros(impl, fmt):
    rng = np.random.default_rng(7)
    tiles = rng.standard_normal((16, 32, 32)).astype(np.float32)
    expected = []
    for t, tile in enumerate(tiles):  # tile t keeps the faces of the bits of t (face f: rows 16*(f//2), cols 16*(f%2))
        for f in range(4):
            if not t >> f & 1:
                tile[16 * (f // 2):16 * (f // 2) + 16, 16 * (f % 2):16 * (f % 2) + 16] = -0.0 if f % 2 else 0.0
        expected.append(t)
    pages = formats.tilize(tiles.reshape(16 * 32, 32), fmt)
    out = np.empty(16, np.uint8)
    kernel(impl, "live_faces_pages")(pages, ops.FORMAT[fmt], out)
    assert out.tolist() == expected
    assert formats.live_faces_pages(pages, fmt).tolist() == expected
    assert [formats.live_faces(p, fmt) for p in pages] == expected


def test_bf16_bits_of_row_data_round_exactly_as_a_packed_tile():
    rng = np.random.default_rng(3)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-40, -1e-42, 3.4e38, 1.0 + 2**-8,
                        1.0 + 3 * 2**-8, np.float32(np.uint32(0x7F812345).view(np.float32))], np.float32)
    values = np.concatenate([special, rng.standard_normal(1024 - special.size).astype(np.float32) * 1e3])
    tile = values.reshape(32, 32)
    page = np.empty(2048, np.uint8)
    jit.pack_bf16(tile, page)  # face-major: compare value by value through the tile layout
    faces = tile.reshape(2, 16, 2, 16).transpose(0, 2, 1, 3).reshape(-1)
    np.testing.assert_array_equal(formats.bf16_bits(faces), page.view(np.uint16))


@pytest.mark.parametrize("fmt", ["fp32", "bf16"])
@pytest.mark.parametrize("impl", IMPLS)
def test_pack_acc_pages_adds_each_tile_into_its_page(impl, fmt):
    """The packer's L1 accumulation against numpy: fp32 pages hold the exact float32 sum; bf16 pages the sum
    rounded to bf16 (ml_dtypes, round to nearest even)."""
    rng = np.random.default_rng(13)
    held = (rng.standard_normal((3, 32, 32)) * 7).astype(np.float32)
    tiles = (rng.standard_normal((3, 32, 32)) * 3).astype(np.float32)
    pages = np.stack([formats.tilize(h, fmt)[0] for h in held])
    before = np.stack([formats.unpack_tiles(p[None], fmt)[0] for p in pages])  # what the pages hold (bf16: rounded)
    kernel(impl, "pack_acc_pages")(tiles, ops.FORMAT[fmt], pages)
    got = np.stack([formats.unpack_tiles(p[None], fmt)[0] for p in pages])
    want = before + tiles  # float32 + float32
    if fmt == "bf16":
        want = want.astype(ml_dtypes.bfloat16).astype(np.float32)
    assert np.array_equal(got, want)
