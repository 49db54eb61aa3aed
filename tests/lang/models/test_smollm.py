"""SmolLM2-135M: GGUF loading, the tokenizer, sampling, and greedy generation on the emulated device against an
independent llama.cpp-style numpy forward of the same GGUF tensors."""

import json

import numpy as np
import pytest

from tensix.cli import main
from tensix.lang.models import generate as G
from tensix.lang.models.packages import locate
from tensix.lang.models.reference import Llama
from tensix.lang.models.weights import read_gguf, unpermute_rope
from tensix.lang.reference import KERNELS

PROMPT = "The capital of France is"


@pytest.fixture(scope="module")
def fields():
    return G.metadata()


def _llama_cpp_permute(w, heads):
    """How llama.cpp's converter reorders q/k rows (convert_hf_to_gguf.py `permute`)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def test_unpermute_undoes_the_converters_permutation():
    w = np.random.default_rng(0).standard_normal((3 * 64, 40)).astype(np.float32)
    np.testing.assert_array_equal(unpermute_rope(_llama_cpp_permute(w, 3), 3), w)


def test_half_split_rope_on_unpermuted_rows_is_interleaved_rope_on_stored_rows():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((5, 16)), rng.standard_normal((2 * 8, 16))
    stored = _llama_cpp_permute(w, 2)
    rope = KERNELS["rope"]
    def heads(v):
        return v.reshape(5, 2, 8).transpose(1, 0, 2)
    half = rope([heads(x @ unpermute_rope(stored, 2).T)], {"theta": 100.0, "interleaved": False}, None)
    inter = rope([heads(x @ stored.T)], {"theta": 100.0, "interleaved": True}, None)
    # the same rotation, each head's features in llama.cpp's order on one side and Hugging Face's on the other
    np.testing.assert_allclose(half, unpermute_rope(inter.transpose(1, 0, 2).reshape(5, 16).T, 2).T
                               .reshape(5, 2, 8).transpose(1, 0, 2), atol=1e-12)


def test_tokenizer_round_trips_and_splits_digits(fields):
    tok = G.tokenizer(fields)
    ids = tok.encode("In 2024, Paris had 2.1 million people.").ids
    assert tok.decode(ids) == "In 2024, Paris had 2.1 million people."
    assert [tok.id_to_token(i) for i in tok.encode("2024").ids] == ["2", "0", "2", "4"]
    assert tok.encode("<|im_start|>user").ids[0] == 1  # a control token stays one token


def test_sampler_greedy_top1_and_seeded():
    logits = np.array([0.1, 3.0, 2.9, -1.0])
    assert G.Sampler()(logits) == 1
    assert G.Sampler(temperature=1.0, top_k=1, seed=5)(logits) == 1
    draws = [G.Sampler(temperature=1.0, top_k=2, seed=7)(logits) for _ in range(3)]
    assert len(set(draws)) == 1 and draws[0] in (1, 2)
    picks = {G.Sampler(temperature=1.0, top_k=2, seed=s)(logits) for s in range(20)}
    assert picks == {1, 2}


@pytest.mark.slow
def test_generate_json_fp32_greedy_tokens_match_the_numpy_reference(fields, capsys):
    """Prefill fills the device's key/value cache, then three decode steps each feed one token."""
    assert main(["generate", PROMPT, "--max-new-tokens", "4", "--dtype", "fp32", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    tensors, meta = read_gguf(locate(G.MODEL)[G.GGUF])
    tok = G.tokenizer(fields)
    assert line["prompt_tokens"] == tok.encode(PROMPT).ids
    assert line["tokens"] == Llama(tensors, meta).greedy(line["prompt_tokens"], 4)
    assert line["text"] == tok.decode(line["tokens"])
    assert line["prefill_cycles"] > 0 and len(line["decode_cycles"]) == 3


def test_feed_places_rows_at_their_positions_and_masks_later_ones():
    f = G.feed([11, 12], start=5, capacity=32)
    assert f["ids"].tolist() == [11, 12] and f["pos"].tolist() == [5, 6]
    assert np.argwhere(f["at"]).tolist() == [[5, 0], [6, 1]]
    np.testing.assert_array_equal(f["keep"][1], (np.arange(32) <= 6).astype(np.float32))
    assert f["keep"].shape == (2, 32) and "last" not in f


@pytest.mark.slow
def test_a_decoder_without_a_trace_gives_the_same_logits_and_cycles(fields):
    """generate's decoders keep no trace (a Step holds none): a 2-layer model's prefill and decode step give the
    same logits, cycles and stats with the trace off as on, and record no spans or transfers."""
    two = fields | {"llama.block_count": 2}
    ids = G.tokenizer(fields).encode(PROMPT).ids
    on = G.Decoder(two, "bf16", None, len(ids) + 1)
    on.weights = {k: v for k, v in on.weights.items() if not k.startswith("layers.") or k.split(".")[1] in ("0", "1")}
    off = G.Decoder(two, "bf16", None, len(ids) + 1, programs=on.programs, trace=False)
    off.weights = on.weights
    for fed in (ids, [ids[-1]]):
        (want, ran), (got, bare) = on.logits(fed), off.logits(fed)
        np.testing.assert_array_equal(got, want)
        assert bare.cycles == ran.cycles and bare.stats.json_text() == ran.stats.json_text()
        assert ran.trace.recorded and ran.stats.transfers > 0
        assert not bare.trace.recorded and not bare.trace.spans and not bare.trace.transfers
