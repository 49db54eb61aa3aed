"""DRAM banks: pages interleaved across banks, host writes and reads, growth as buffers are added."""

import numpy as np
import pytest

from tensix.dram import Dram, host_array, host_pages
from tensix.errors import DramError
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
