"""tensix.models, the model commands as a Python API: names resolve lazily to tensix.lang.models.api, `load`
gives a program's params and the tokenizer, `embed` and `generate` give the numpy forward's results."""

import subprocess
import sys

import numpy as np
import pytest

import tensix.models as models
from tensix.errors import TensixError
from tensix.lang.check import check_source
from tensix.lang.models import api
from tensix.lang.models import embed as E
from tensix.lang.models import generate as G
from tensix.lang.models.packages import locate
from tensix.lang.models.program import set_consts
from tensix.lang.models.reference import Llama, minilm_embed
from tensix.lang.models.weights import read_gguf, read_safetensors


def test_every_name_is_the_apis_and_importing_tensix_loads_no_compiler():
    assert sorted(models.__all__) == sorted(api.__all__) == dir(models)
    assert all(getattr(models, n) is getattr(api, n) for n in models.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        models.nope  # noqa: B018
    code = "import sys, tensix, tensix.models; print('tensix.lang' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def _params(model: api.Model, consts: dict) -> set[str]:
    """The params the program's caller supplies (not those it makes itself, `= full(...)`)."""
    graph = check_source(set_consts(model.program.read_text(), consts, str(model.program)), str(model.program))
    return {p.name for p in graph.params if p.source is None}


def test_load_minilm_gives_the_programs_params_and_bert_token_ids():
    m = models.load("all-minilm-l6-v2")
    consts = {"N": 4, "B": 1, "L": m.config["num_hidden_layers"]}
    assert set(m.weights) == _params(m, consts)
    assert m.weights["layers.0.attn.wq"].shape == (384, 384)
    assert m.tokenize("hello world") == [101, 7592, 2088, 102]  # [CLS] hello world [SEP] in BERT's vocabulary


@pytest.mark.slow  # reads the 540 MB of converted weights
def test_load_smollm_gives_the_decode_programs_params():
    m = models.load("smollm2-135m")
    assert set(m.weights) == _params(m, {"L": int(m.config["llama.block_count"])})
    assert m.weights["head"].shape == (576, 49152) and not any(k.startswith("tokenizer.") for k in m.config)
    assert m.tokenizer.decode(m.tokenize("The capital of France")) == "The capital of France"


def test_unknown_model_and_bad_requests_are_typed_errors():
    with pytest.raises(TensixError, match="unknown model 'smollm2'.*did you mean 'smollm2-135m'"):
        models.load("smollm2")
    with pytest.raises(TensixError, match="generate runs 'smollm2-135m', not 'all-minilm-l6-v2'"):
        models.stream("hi", model="all-minilm-l6-v2")
    with pytest.raises(TensixError, match="--max-new-tokens must be at least 1, got 0"):
        models.generate("hi", max_new_tokens=0)


def test_generation_fields_and_json_line_from_its_steps():
    steps = (G.Step(0, 7, "a", 100, 1e-7, 0.5), G.Step(1, 8, "ab", 40, 4e-8, 0.2), G.Step(2, 9, "abc", 41, 4e-8, 0.2))
    g = models.Generation([1, 2], steps)
    assert g.as_dict() == {"prompt_tokens": [1, 2], "tokens": [7, 8, 9], "text": "abc", "prefill_cycles": 100,
                           "decode_cycles": [40, 41]}


@pytest.mark.slow
def test_embed_and_generate_match_the_numpy_forwards():
    sentence = "The cat sits on the mat."
    emb = models.embed([sentence])
    checkpoint = read_safetensors(locate(E.MODEL)["model/model.safetensors"])
    want = minilm_embed(checkpoint, E.config(), emb.tokens)
    assert np.abs(emb.vectors - want).max() <= 1e-5 and emb.result.cycles > 0
    g = models.generate("The capital of France is", max_new_tokens=2)
    tensors, meta = read_gguf(locate(G.MODEL)[G.GGUF])
    assert g.tokens == Llama(tensors, meta).greedy(g.prompt_tokens, 2)
    assert len(g.decode_cycles) == 1 and g.text == G.tokenizer(G.metadata()).decode(g.tokens)
