"""The real-model benchmarks, short (2 sentences; 4 new tokens): their lines carry the figures `tensix bench`
reports, and the device's results agree with the numpy forward measured beside them."""

import numpy as np
import pytest
from tensix.lang.models import generate as smollm
from tensix.tools.bench import BENCHMARKS
from tensix.tools.bench_models import bench_minilm_embed, bench_smollm2_decode, decode_read_bytes


def test_both_are_registered():
    assert BENCHMARKS["minilm_embed"] is bench_minilm_embed and BENCHMARKS["smollm2_decode"] is bench_smollm2_decode


def test_decode_reads_every_weight_once_and_one_embedding_row():
    w = {"embed": np.zeros((10, 4)), "head": np.zeros((4, 10)), "layers.0.wq": np.zeros((4, 4)), "norm": np.zeros(4)}
    assert decode_read_bytes(w, "bf16") == 2 * (40 + 16 + 4 + 4)
    assert decode_read_bytes(w, "fp32") == 4 * (40 + 16 + 4 + 4)


@pytest.mark.slow
def test_minilm_embed_two_sentences():
    (row,) = bench_minilm_embed(1, sentences=2)
    assert row["sentences"] == 2 and row["cycles"] > 0 and row["emulator_s"] > 0 and row["baseline_s"] > 0
    assert row["ratio"] == pytest.approx(row["emulator_s"] / row["baseline_s"])
    assert row["min_cosine"] >= 0.9999


@pytest.mark.slow
def test_smollm2_decode_four_tokens():
    (row,) = bench_smollm2_decode(1, new_tokens=4)
    assert row["tokens_match"], row["tokens"]
    assert len(row["tokens"]) == 4 and row["cycles"] > 0 and row["emulator_s"] > 0
    # wormhole_n150: 12 banks x 22.09 B/cycle at 1 GHz
    bound_s = decode_read_bytes(smollm.weights(), "bf16") / (12 * 22.09e9)
    assert row["roofline_fraction"] == pytest.approx(bound_s / (row["cycles"] / 1e9))
    assert 0 < row["roofline_fraction"] < 1
