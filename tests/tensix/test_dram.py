"""DRAM banks: pages interleaved across banks, host writes and reads, growth as buffers are added."""

import numpy as np
import pytest

from tensix.dram import FEW_PAGES, Dram
from tensix.errors import DramError
from tensix.host_layout import host_array, host_pages
from tensix.presets import preset

CFG = preset("wormhole_n150")  # 12 banks


def test_buffers_keep_their_bytes_while_later_buffers_grow_the_banks():
    dram = Dram(CFG)
    rng = np.random.default_rng(0)
    first = rng.standard_normal((64, 96)).astype(np.float32)
    a = dram.allocate("a", first.shape, "fp32")
    dram.write_pages(a, host_pages(a, first))
    later = {}
    for i in range(20):  # each allocation grows every bank
        shape = (32 * (i + 1), 64)
        buf = dram.allocate(f"b{i}", shape, "bf16", "rows" if i % 2 else "tiles")
        later[buf.name] = rng.standard_normal(shape).astype(np.float32)
        dram.write_pages(buf, host_pages(buf, later[buf.name]))
    np.testing.assert_array_equal(host_array(a, dram.read_pages(a)), first)
    for name, values in later.items():
        buf = dram.buffer(name)
        expected = values.astype(np.float32)
        got = host_array(buf, dram.read_pages(buf))
        np.testing.assert_allclose(got, expected, rtol=2 ** -8)  # bf16
    top = dram.buffers["b19"].base + -(-dram.buffers["b19"].npages // 12) * dram.buffers["b19"].page_nbytes
    assert all(bank.size == top <= bank.data.size for bank in dram.banks)


def test_page_p_lives_in_bank_p_mod_banks_one_page_after_another():
    dram = Dram(CFG)
    buf = dram.allocate("x", (32, 32 * 30), "bf16")  # 30 tiles: pages 0..29
    x0, y0, addr0 = dram.page_addr(buf, 0)
    assert (x0, y0) == CFG.dram_banks[0]
    assert dram.page_addr(buf, 13) == (*CFG.dram_banks[1], addr0 + 2048)
    assert dram.page_addr(buf, 29) == (*CFG.dram_banks[5], addr0 + 2 * 2048)
    with pytest.raises(DramError, match="DRAM buffer 'x' has 30 pages; page 30 does not exist"):
        dram.page_addr(buf, 30)


def test_an_access_past_the_allocated_bytes_of_a_bank_names_the_bank():
    dram = Dram(CFG)
    dram.allocate("x", (32, 32), "fp32")  # one 4096 B page per bank at most
    bank = dram.banks[3]
    with pytest.raises(DramError, match=r"DRAM bank 3 at NoC \(0, 6\): read touches \[0x0, 0x2000\) outside its "
                                        r"4096 allocated bytes"):
        bank.check(0, 8192, "read")


def test_page_addrs_are_the_page_addrs_of_each_page_and_name_a_missing_page():
    dram = Dram(preset("wormhole_n150"))
    dram.allocate("a", (40, 64), "bf16")
    buf = dram.allocate("w", (100, 768), "bf16", "rows")
    pages = np.array([0, 5, 11, 12, 13, 99, 3])
    assert dram.page_addrs(buf, pages) == [dram.page_addr(buf, int(p)) for p in pages]
    assert dram.page_addrs(buf, np.array([], dtype=np.int64)) == []
    with pytest.raises(DramError, match=r"'w' has 100 pages; page 100 does not exist"):
        dram.page_addrs(buf, np.array([3, 100]))


@pytest.mark.parametrize("count", [1, FEW_PAGES, FEW_PAGES + 1, 700])
def test_page_addrs_of_few_and_of_many_pages_are_bank_p_mod_banks_at_slot_p_div_banks(count):
    """A few pages are worked out as Python integers, many with numpy: both give page p in bank p % 12 at slot
    p // 12, and name the first page that does not exist."""
    dram = Dram(CFG)
    dram.allocate("a", (40, 64), "bf16")
    buf = dram.allocate("w", (3072, 768), "bf16", "rows")
    pages = np.random.default_rng(count).integers(0, 3072, count)
    expected = [(*CFG.dram_banks[p % 12], buf.base + p // 12 * buf.page_nbytes) for p in pages.tolist()]
    got = dram.page_addrs(buf, pages)
    assert got == expected and all(type(v) is int for addr in got for v in addr)
    pages[-1] = 3072
    pages[count // 2] = -1  # before it (of one page: in its place)
    with pytest.raises(DramError, match=r"'w' has 3072 pages; page -1 does not exist"):
        dram.page_addrs(buf, pages)


def test_a_sharded_buffer_holds_a_band_of_tile_columns_in_each_bank_row_by_row():
    dram = Dram(CFG)
    bands = (3, 2) + (1,) * 9 + (0,)  # 14 tile columns: bank 0 columns 0-2, bank 1 3-4, banks 2-10 one each
    buf = dram.allocate("w", (64, 32 * 14), "bf16", "sharded", True, bands)
    base = buf.base
    # page (r, c) = r * 14 + c: bank 0 holds (0, 0) (0, 1) (0, 2) (1, 0) ... at slots 0, 1, 2, 3 ...
    assert dram.page_addr(buf, 0) == (*CFG.dram_banks[0], base)
    assert dram.page_addr(buf, 2) == (*CFG.dram_banks[0], base + 2 * 2048)
    assert dram.page_addr(buf, 14) == (*CFG.dram_banks[0], base + 3 * 2048)  # row 1, column 0
    assert dram.page_addr(buf, 14 + 4) == (*CFG.dram_banks[1], base + 3 * 2048)  # row 1, column 4: slot 2 + 1
    assert dram.page_addr(buf, 13) == (*CFG.dram_banks[10], base)
    assert dram.page_addrs(buf, np.array([14, 18])) == [dram.page_addr(buf, 14), dram.page_addr(buf, 18)]
    values = np.random.default_rng(0).standard_normal((64, 32 * 14)).astype(np.float32)
    dram.write_pages(buf, host_pages(buf, values))
    np.testing.assert_array_equal(host_array(buf, dram.read_pages(buf)), host_array(buf, host_pages(buf, values)))
    # the host wrote each bank's band at its slots: bank 1's slot 2 is page (1, 3)
    bank1 = dram.banks[1].data[base + 2 * 2048:base + 3 * 2048]
    np.testing.assert_array_equal(bank1, host_pages(buf, values)[14 + 3])
    after = dram.allocate("x", (32, 32), "bf16")
    assert after.base == base + 2 * 3 * 2048  # the fullest band: 2 rows of 3 columns


def test_sharded_bands_must_cover_the_columns_once_per_bank():
    with pytest.raises(DramError) as e:
        Dram(CFG).allocate("w", (32, 32 * 4), "bf16", "sharded", bank_cols=(2, 2))
    assert str(e.value) == ("DRAM buffer 'w': a sharded layout gives each of the 12 banks of 'wormhole_n150' a band "
                            "of tile columns, together its 4; got bank_cols=[2, 2]")


def test_a_buffer_laid_over_another_takes_its_space_zeroed_when_first_touched_and_the_old_one_is_gone():
    dram = Dram(CFG)
    a = dram.allocate("a", (32, 32 * 12), "fp32")  # one page in each bank: [0, 4096)
    b = dram.allocate("b", (32, 32 * 12), "fp32", base=0)  # over a: pending until a kernel touches it
    c = dram.allocate("c", (32, 32), "fp32")  # after the highest buffer
    assert (a.base, b.base, c.base, dram.allocated_nbytes) == (0, 0, 4096, 8192)
    dram.write_pages(a, host_pages(a, np.ones((32, 32 * 12), np.float32)))
    assert dram.page_addr(a, 5) == (*CFG.dram_banks[5], 0)  # a still holds its space
    assert dram.page_addr(b, 5) == (*CFG.dram_banks[5], 0)  # b's first touch: b takes it, zeroed
    np.testing.assert_array_equal(host_array(b, dram.read_pages(b)), np.zeros((32, 32 * 12), np.float32))
    with pytest.raises(DramError) as info:
        dram.page_addr(a, 0)
    assert str(info.value) == ("DRAM buffer 'a' is used after 'b' took its bank space [0x0, 0x1000); 'b' may be "
                               "written only after every kernel reading or writing 'a' is done (a semaphore chain "
                               "must order them)")


def test_a_buffer_over_one_still_waiting_for_its_space_waits_too_and_takes_it_in_allocation_order():
    dram = Dram(CFG)
    wide = (32, 32 * 24)  # two pages in each bank
    dram.allocate("a", (32, 32 * 12), "fp32")  # [0, 4096)
    b = dram.allocate("b", wide, "fp32", base=0)  # [0, 8192): over a, pending
    c = dram.allocate("c", (32, 32 * 12), "fp32", base=4096)  # [4096, 8192): over b only, pending as well
    dram.page_addr(b, 0)  # b takes [0, 8192): a loses it
    dram.page_addr(c, 0)  # c takes [4096, 8192): b loses it
    with pytest.raises(DramError, match="DRAM buffer 'b' is used after 'c' took its bank space"):
        dram.page_addr(b, 0)
    with pytest.raises(DramError, match="DRAM buffer 'a' is used after 'b' took its bank space"):
        dram.page_addr(dram.buffer("a"), 0)


def test_buffers_of_one_sharded_shape_share_its_read_only_map_and_address_alike():
    bands = (3, 2) + (1,) * 9 + (0,)
    one, two = Dram(CFG), Dram(CFG)  # two runs' DRAM, a buffer of the same shape on each
    a = one.allocate("w", (64, 32 * 14), "bf16", "sharded", True, bands)
    b = two.allocate("v", (64, 32 * 14), "bf16", "sharded", True, bands)
    assert a.where is b.where and a.held is b.held  # made once
    assert [two.page_addr(b, p) for p in range(28)] == [one.page_addr(a, p) for p in range(28)]
    with pytest.raises(ValueError):
        a.held[0][0] = 5  # no buffer can change another's map


def test_a_buffer_laid_over_the_100th_of_many_finds_it():
    dram = Dram(CFG)
    for i in range(100):  # one page in each bank each: buffer i at [4096 i, 4096 (i + 1))
        dram.allocate(f"t{i}", (32, 32 * 12), "fp32")
    late = dram.allocate("late", (32, 32 * 12), "fp32", base=99 * 4096)
    assert dram.extents.overlapping("late", late.base, late.base + 4096, before=True) == ["t99"]
    dram.page_addr(late, 0)  # takes t99's space
    with pytest.raises(DramError, match="DRAM buffer 't99' is used after 'late' took its bank space"):
        dram.page_addr(dram.buffer("t99"), 0)
    assert dram.page_addr(dram.buffer("t98"), 0) == (*CFG.dram_banks[0], 98 * 4096)
