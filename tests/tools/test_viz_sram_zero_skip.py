"""SRAM map and zero-skip view: tables name every buffer / op; pictures are written with their text."""

from __future__ import annotations

from dataclasses import replace

from tensix.stats import DenseRun
from tensix.tools.sram_map import layout_groups, peak_use, sram_table, sram_uses, write_sram_map
from tensix.tools.summary import quantities
from tensix.tools.zero_skip import op_totals, write_zero_skip, zero_skip_rows, zero_skip_summary, zero_skip_table


def test_sram_table_lists_buffers_by_address(small):
    text = sram_table(small.stats)
    assert ("4 cores with this layout: (0,0), (0,1), … (0,3) at NoC (1,0), (1,1), … (1,3): 5 buffers, 18.0 KiB "
            "allocated; high-water 24.0 KiB = 1.6% of 1464 KiB" in text)
    assert text.count("cores with this layout") == 3  # one block per layout, not one per core
    assert "  0x00004000  0x00006000     8.0 KiB  L1 buffer        partial" in text
    assert "  0x00006000  0x00006010        16 B  semaphore        done_sem" in text
    assert text.index(": (0,0), (0,1)") < text.index(": (1,0), (1,1)")  # layouts in the order their cores come


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
    down, up = op_totals(small.stats.zero_skip.ops)
    assert (down.op, down.cores, down.macs_skipped, down.macs_total, down.noc_bytes_skipped) == (
        "down_proj", 2, 1400, 2000, 7168)
    assert up.macs_skipped == 0


def test_zero_skip_rows_per_core_then_total(small):
    rows = zero_skip_rows(small.stats)
    assert rows[0] == ("down_proj", "(0,0)", "900", "1,000", "90.0%", "90%", "6.0 KiB", "2.0 KiB", "150", "30", "120")
    assert rows[2] == ("down_proj", "total", "1,400", "2,000", "70.0%", "", "7.0 KiB", "2.0 KiB", "210", "50", "160")
    assert "up_proj" in zero_skip_table(small.stats)


def test_zero_skip_files_only_when_the_run_skipped(small, tmp_path):
    assert [p.name for p in write_zero_skip(small.stats, tmp_path)] == ["zero_skip.txt", "zero_skip.png"]
    assert write_zero_skip(replace(small.stats, zero_skip=None), tmp_path / "none") == []


def test_identical_layouts_are_grouped(small, wormhole):
    assert [label for label, _ in layout_groups(sram_uses(small.stats))] == [
        "4 cores: (0,0), (0,1), … (0,3)", "4 cores: (1,0), (1,1), … (1,3)", "4 cores: (2,0), (2,1), … (2,3)"]
    assert layout_groups(sram_uses(small.stats))[1][1].allocated == 4096 + 6144 + 2048 + 8192 + 16
    assert len(layout_groups(sram_uses(wormhole.stats))) == 3


def test_identical_zero_skip_rows_collapse(small):
    ops = tuple(replace(small.stats.zero_skip.ops[0], core=(x, 0)) for x in range(3))
    rows = zero_skip_rows(with_ops(small.stats, ops))
    assert rows[0][:3] == ("down_proj", "each of 3 cores: (0,0), (1,0), (2,0)", "900")
    assert rows[1][:3] == ("down_proj", "total", "2,700") and len(rows) == 2


def with_ops(stats, ops, **changes):
    return replace(stats, zero_skip=replace(stats.zero_skip, ops=ops, **changes))


def test_zero_skip_summary_says_what_was_saved(small):
    assert zero_skip_summary(small.stats) == (
        "Zero skipping was on: only exact zeros were skipped, so the outputs are identical to a dense run. No dense "
        "run was made, so the end-to-end saving is unknown (rerun with `tensix run --compare-dense` to run the same "
        "plan with skipping off); the per-core sum below only estimates it. It skipped 35.0% of the "
        "multiply-accumulates (1,400 of 4,000) and did not send 7.0 KiB over the NoC or read 2.0 KiB from DRAM. "
        "Per core, it saved 160 core cycles net after paying 50 for the zero checks (summed over 2 cores, about 80 "
        "per core; cores work in parallel and wait for each other, so this is not the run's saving).")
    threshold = replace(small.stats, zero_skip=replace(small.stats.zero_skip, threshold=0.01))
    assert "flushed to zero" in zero_skip_summary(threshold)


def test_zero_skip_summary_leads_with_the_end_to_end_saving(small):
    # the small run: 600 cycles; NoC 0 carried 2,048 + 2,048 + 4 B, NoC 1 4,096 + 8,192 B (viz_runs.SMALL_TRANSFERS)
    dense = DenseRun(cycles=800, noc_bytes=16388 + 4096, dram_bytes=small.stats.dram_bytes + 2048)
    stats = replace(small.stats, zero_skip=replace(small.stats.zero_skip, dense=dense))
    assert stats.zero_skip.saved(stats) == DenseRun(200, 4096, 2048)
    assert zero_skip_summary(stats).split(". ")[1:3] == [
        "End to end, the run took 600 cycles against 800 for the same plan with skipping off: 200 cycles (25.0%) "
        "faster, with 4.0 KiB fewer NoC bytes x hops and 2.0 KiB fewer DRAM bytes", "It skipped 35.0% of the "
        "multiply-accumulates (1,400 of 4,000) and did not send 7.0 KiB over the NoC or read 2.0 KiB from DRAM"]


def test_zero_skip_picture_draws_net_losses(small, tmp_path):
    lost = tuple(replace(z, cycles_avoided=0, cycles_overhead=500) for z in small.stats.zero_skip.ops)
    files = write_zero_skip(with_ops(small.stats, lost), tmp_path)
    assert files[1].read_bytes()[:4] == b"\x89PNG"
    assert zero_skip_summary(with_ops(small.stats, lost)).endswith(
        "Per core, it cost 1,500 core cycles net (summed over 2 cores, about 750 per core): the zero checks took "
        "longer than the work they skipped on those cores.")


def test_the_summary_names_the_zero_skip_saving_end_to_end_or_as_an_estimate(small):
    rows = {q.name: (q.text(), q.note) for q in quantities(small.stats)}
    assert rows["zero skipping saved"] == ("160 cycles", "an estimate: core cycles saved net, summed over cores "
                                                         "(tensix run --compare-dense measures it)")
    dense = DenseRun(cycles=800, noc_bytes=0, dram_bytes=0)
    stats = replace(small.stats, zero_skip=replace(small.stats.zero_skip, dense=dense))
    rows = {q.name: (q.text(), q.note) for q in quantities(stats)}
    assert rows["zero skipping saved"] == ("200 cycles", "end to end: 800 cycles for the same plan with skipping off")
    assert "zero skipping saved" not in {q.name for q in quantities(replace(small.stats, zero_skip=None))}


def test_a_program_with_nothing_to_skip_says_so_in_the_cli_line_and_the_summary_alike(small):
    stats = replace(small.stats, zero_skip=replace(small.stats.zero_skip, ops=()))
    rows = {q.name: (q.text(), q.note) for q in quantities(stats)}
    assert rows["zero skipping saved"] == ("0 cycles", "nothing to skip: no op of this program looks for zeros")
    assert stats.zero_skip.saving_text(stats) == ("nothing to skip: no op of this program looks for zeros (matmuls "
                                                  "do, on their activations)")
