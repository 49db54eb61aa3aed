"""SRAM map and zero-skip view: tables name every buffer / op; pictures are written with their text."""

from __future__ import annotations

from dataclasses import replace

from tensix.tools.sram_map import layout_groups, peak_use, sram_table, sram_uses, write_sram_map
from tensix.tools.zero_skip import op_totals, write_zero_skip, zero_skip_rows, zero_skip_table


def test_sram_table_lists_buffers_by_address(small):
    text = sram_table(small.stats)
    assert ("core (0,0) at NoC (1,0): 5 buffers, 18.0 KiB allocated; high-water 24.0 KiB = 1.6% of 1464 KiB"
            in text)
    assert "  0x00004000  0x00006000     8.0 KiB  L1 buffer        partial" in text
    assert "  0x00006000  0x00006010        16 B  semaphore        done_sem" in text
    assert text.index("core (2,0)") < text.index("core (0,1)")  # cores in (y, x) order


def test_sram_peak_is_the_highest_high_water_mark(small):
    use = peak_use(small.stats)
    assert use.core.sram_high_water == 24592 and use.core.core == (0, 0)


def test_sram_pictures_keep_buffer_names_as_text(small, tmp_path):
    files = write_sram_map(small.stats, tmp_path)
    assert [p.name for p in files] == ["sram.svg", "sram.png", "sram.txt"]
    svg = (tmp_path / "sram.svg").read_text()
    assert all(name in svg for name in ("in0", "in1", "partial", "done_sem", "high-water"))
    assert "4 cores: (0,0), (0,1), … (0,3)" in svg  # cores with identical layouts share a bar
    assert (tmp_path / "sram.png").stat().st_size > 1000


def test_zero_skip_totals_per_op(small):
    down, up = op_totals(small.stats.zero_skip)
    assert (down.op, down.cores, down.macs_skipped, down.macs_total, down.noc_bytes_skipped) == (
        "down_proj", 2, 1400, 2000, 7168)
    assert up.macs_skipped == 0


def test_zero_skip_rows_per_core_then_total(small):
    rows = zero_skip_rows(small.stats)
    assert rows[0] == ("down_proj", "(0,0)", "900", "1,000", "90.0%", "90%", "6.0 KiB", "2.0 KiB", "120")
    assert rows[2] == ("down_proj", "total", "1,400", "2,000", "70.0%", "", "7.0 KiB", "2.0 KiB", "160")
    assert "up_proj" in zero_skip_table(small.stats)


def test_zero_skip_files_only_when_the_run_skipped(small, tmp_path):
    assert [p.name for p in write_zero_skip(small.stats, tmp_path)] == ["zero_skip.txt", "zero_skip.png"]
    assert write_zero_skip(replace(small.stats, zero_skip=None), tmp_path / "none") == []


def test_identical_layouts_are_grouped(small, wormhole):
    assert [label for label, _ in layout_groups(sram_uses(small.stats))] == [
        "4 cores: (0,0), (0,1), … (0,3)", "4 cores: (1,0), (1,1), … (1,3)", "4 cores: (2,0), (2,1), … (2,3)"]
    assert layout_groups(sram_uses(small.stats))[1][1].allocated == 4096 + 6144 + 2048 + 8192 + 16
    assert len(layout_groups(sram_uses(wormhole.stats))) == 3
