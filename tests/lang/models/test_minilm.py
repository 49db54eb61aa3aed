"""all-MiniLM-L6-v2 on the emulated device against an independent numpy BERT forward of the same checkpoint."""

import numpy as np
import pytest

from tensix.cli import main
from tensix.lang.models import embed as E
from tensix.lang.models.packages import locate
from tensix.lang.models.reference import minilm_embed
from tensix.lang.models.weights import cache_dir, read_safetensors

SENTENCES = ["The cat sits on the mat.", "Paris is the capital of France, a country in western Europe."]


@pytest.fixture(scope="module")
def checkpoint():
    return read_safetensors(locate(E.MODEL)["model/model.safetensors"])


@pytest.fixture(scope="module")
def expected(checkpoint):
    tokens = E.tokenize(SENTENCES)
    return tokens, minilm_embed(checkpoint, E.config(), tokens)


def test_tokenize_adds_cls_and_sep():
    (ids,) = E.tokenize(["hello world"])
    assert ids[0] == 101 and ids[-1] == 102 and len(ids) == 4  # [CLS] hello world [SEP]


def test_pack_lays_sentences_end_to_end_and_keeps_attention_inside_each():
    inputs = E.pack([[101, 7, 102], [101, 102]])
    assert inputs["ids"].tolist() == [101, 7, 102, 101, 102]  # no padding rows: the compiler pads to tiles
    assert inputs["positions"].tolist() == [0, 1, 2, 0, 1]
    seen = inputs["bias"] == 0
    assert seen.shape == (5, 5) and seen[:3, :3].all() and seen[3:5, 3:5].all()
    assert not seen[:3, 3:].any() and not seen[3:5, :3].any()
    np.testing.assert_array_equal(inputs["pool"][0, :3], np.float32([1 / 3] * 3))
    np.testing.assert_array_equal(inputs["pool"][1, 3:5], [0.5, 0.5])
    assert inputs["pool"].sum() == pytest.approx(2.0)


def test_weights_are_transposed_once_and_cached(checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path))  # a cache of its own: other installs' files are not this one's
    w = E.weights()
    np.testing.assert_array_equal(w["layers.2.attn.wq"], checkpoint["encoder.layer.2.attention.self.query.weight"].T)
    np.testing.assert_array_equal(w["layers.5.w2"], checkpoint["encoder.layer.5.output.dense.weight"].T)
    assert w["layers.0.w1"].shape == (384, 1536) and w["layers.0.w1"].flags["C_CONTIGUOUS"]
    (cached,) = cache_dir().glob("all-minilm-l6-v2-*.npz")
    again = E.weights()  # read back from the cache file
    np.testing.assert_array_equal(again["layers.2.attn.wq"], w["layers.2.attn.wq"])
    assert set(again) == set(w)


@pytest.mark.slow
def test_fp32_embeddings_match_the_numpy_forward(expected):
    tokens, ref = expected
    emb = E.embed(SENTENCES, dtype="fp32")
    assert emb.tokens == tokens and emb.vectors.shape == (2, 384)
    assert np.max(np.abs(emb.vectors - ref)) <= 1e-5
    assert emb.result.cycles > 0


@pytest.mark.slow
def test_embed_command_bf16_writes_rows_within_cosine(expected, tmp_path, capsys):
    tokens, ref = expected
    out = tmp_path / "emb.npy"
    assert main(["embed", *SENTENCES, "--dtype", "bf16", "--out", str(out), "--run-dir", str(tmp_path / "run"),
                 "--no-viz"]) == 0
    text = capsys.readouterr().out
    assert f"{len(tokens[0]):4} tokens  {SENTENCES[0]}" in text and "cycles" in text and "SRAM peak" in text
    vectors = np.load(out)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    cosine = (vectors * ref).sum(1) / np.linalg.norm(vectors, axis=1) / np.linalg.norm(ref, axis=1)
    assert (cosine >= 0.9999).all(), cosine
    assert (tmp_path / "run" / "stats.json").is_file() and (tmp_path / "run" / "trace.json").is_file()
