"""docs/device.md states the DRAM bank rate the model charges beside the specification's, and they match the presets."""

import re
from pathlib import Path

import pytest

from tensix.presets import resolve

DOC = (Path(__file__).parents[1] / "docs" / "device.md").read_text()


@pytest.mark.parametrize(("preset", "spec"), [("wormhole_n150", "spec 24 B/cycle each (288 GB/s)"),
                                              ("blackhole_p150", "spec 64 GB/s each (512 GB/s)")])
def test_the_device_table_states_the_spec_and_the_modelled_bank_rate(preset, spec):
    cfg = resolve(preset)
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{preset}`"))
    assert spec in row
    modelled = re.search(r"modelled at the fitted ([\d.]+) B/cycle", row)
    assert modelled and float(modelled.group(1)) == cfg.dram_bank_bytes_per_cycle
    streaming = re.search(r"at ([\d.]+) B/cycle \(", row)  # the rate of large accesses, where the preset has one
    assert (float(streaming.group(1)) if streaming else 0.0) == cfg.dram_stream_bytes_per_cycle
    total = re.search(r"B/cycle \((?:[\d.]+ GB/s each, )?(\d+) GB/s\)", row)
    assert total and int(total.group(1)) == round(cfg.dram_bytes_per_s / 1e9)
