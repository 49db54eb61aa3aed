"""`tensix embed`: sentences -> tokens (Hugging Face `tokenizers`) -> minilm.tdf on the emulated mesh with the
model's real weights -> one unit-length embedding row per sentence.

Sentences are packed end to end into N token rows, N their total token count (the compiler pads to tiles
internally): no per-sentence padding, and an additive attention bias keeps each sentence to its own tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.errors import TensixError
from tensix.lang.compiler import Compiled
from tensix.lang.driver import run_compiled
from tensix.lang.models.packages import locate
from tensix.lang.models.program import compile_model
from tensix.lang.models.weights import cached, minilm_weights
from tensix.mesh import Mesh, RunResult
from tensix.zeroskip import ZeroSkip

__all__ = ["Embedding", "embed", "tokenizer", "tokenize", "pack", "config", "weights", "compile_encoder"]

MODEL = "all-minilm-l6-v2"
MASKED = -1e9  # added to a score a query must not see; exp() of it is exactly 0 in fp32 and bf16


@dataclass
class Embedding:
    """The result of one `embed` call: the embeddings (float32 [B, hidden]), the token ids, and the run."""

    vectors: np.ndarray
    tokens: list[list[int]]
    result: RunResult
    compiled: Compiled
    dense: np.ndarray | None = None  # with a zero threshold: the embeddings of the same plan run dense


def config(model: str = MODEL) -> dict:
    return json.loads(locate(model)["model/config.json"].read_text())


def weights(model: str = MODEL) -> dict[str, np.ndarray]:
    """minilm.tdf's params from the model package (converted once, then read from the cache)."""
    source = locate(model)["model/model.safetensors"]
    layers = config(model)["num_hidden_layers"]
    return cached(model, source, lambda path: minilm_weights(path, layers))


def tokenizer(model: str = MODEL):
    """The model's tokenizer (Hugging Face `tokenizers`): [CLS] and [SEP] added, no padding, truncated to the
    model's position table."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(locate(model)["model/tokenizer.json"]))
    tok.no_padding()
    tok.enable_truncation(max_length=config(model)["max_position_embeddings"])
    return tok


def tokenize(sentences: list[str], model: str = MODEL) -> list[list[int]]:
    """Token ids per sentence, with [CLS] and [SEP], truncated to the model's position table."""
    if not sentences:
        raise TensixError("embed needs at least one sentence")
    return [enc.ids for enc in tokenizer(model).encode_batch(sentences)]


def pack(tokens: list[list[int]]) -> dict[str, np.ndarray]:
    """minilm.tdf's inputs for these sentences, laid end to end in N = their total token count rows."""
    n = sum(len(t) for t in tokens)
    owner = np.full(n, -1)
    ids, positions = np.zeros(n, np.int32), np.zeros(n, np.int32)
    pool = np.zeros((len(tokens), n), np.float32)
    start = 0
    for b, t in enumerate(tokens):
        rows = slice(start, start + len(t))
        ids[rows], positions[rows], owner[rows] = t, np.arange(len(t)), b
        pool[b, rows] = 1.0 / len(t)
        start += len(t)
    same = owner[:, None] == owner[None, :]
    bias = np.where(same, 0.0, MASKED).astype(np.float32)
    return {"ids": ids, "positions": positions, "types": np.zeros(n, np.int32), "bias": bias, "pool": pool}


def compile_encoder(rows: int, sentences: int, dtype: str = "fp32", device: str | None = None,
                    model: str = MODEL) -> Compiled:
    """minilm.tdf compiled for `rows` token rows and `sentences` sentences, with the model's config."""
    cfg = config(model)
    consts = {"N": rows, "B": sentences, "V": cfg["vocab_size"], "P": cfg["max_position_embeddings"],
              "T": cfg["type_vocab_size"], "D": cfg["hidden_size"], "H": cfg["num_attention_heads"],
              "F": cfg["intermediate_size"], "L": cfg["num_hidden_layers"], "EPS": cfg["layer_norm_eps"]}
    return compile_model("minilm.tdf", consts, dtype, device)


def embed(sentences: list[str], *, model: str = MODEL, dtype: str = "fp32", device: str | None = None,
          mesh: Mesh | None = None, zero_threshold: float = 0.0) -> Embedding:
    """Embed sentences on the emulated device; `result.stats.reference` compares to the graph's numpy spec.
    `zero_threshold` > 0: skip |x| < threshold as zero, and run the same plan dense too (`Embedding.dense`)."""
    if model != MODEL:
        raise TensixError(f"embed runs '{MODEL}', not '{model}'")
    tokens = tokenize(list(sentences), model)
    inputs = pack(tokens)
    compiled = compile_encoder(len(inputs["ids"]), len(tokens), dtype, device, model)
    if zero_threshold <= 0:
        result, _ = run_compiled(compiled, inputs, weights(model), mesh)
        return Embedding(result.outputs["embeddings"], tokens, result, compiled)
    skipping = Mesh(compiled.device, zero_skip=ZeroSkip(threshold=zero_threshold))
    result, _ = run_compiled(compiled, inputs, weights(model), skipping)
    dense, _ = run_compiled(compiled, inputs, weights(model), Mesh(compiled.device), check=False)
    return Embedding(result.outputs["embeddings"], tokens, result, compiled, dense.outputs["embeddings"])


def save(emb: Embedding, out: str | Path) -> Path:
    """Write the embeddings as a float32 [B, hidden] `.npy`."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, emb.vectors.astype(np.float32))
    return path
