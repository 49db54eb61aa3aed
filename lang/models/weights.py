"""Model weights in the names and layouts the model `.tdf` files declare, made once and cached on disk.

A checkpoint stores weights as its framework laid them out (Hugging Face linears as [out, in], GGUF q/k
rows permuted for interleaved RoPE, an output head tied to the embedding). The layout changes happen here,
once, and the result is cached as an `.npz` keyed by the source file's content (its size and SHA-256), so a run
only reads ready arrays and the device never moves a weight to fix its layout; a reinstalled package with the same
file reuses the cache, and a new key removes the model's older cache files.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tensix.errors import TensixError
from tensix.lang.cache import cache_root

__all__ = ["cache_dir", "cached", "minilm_weights", "read_gguf", "read_safetensors", "smollm_weights", "unpermute_rope"]

LAYOUT_VERSION = 1  # bump when a conversion below changes, so stale caches are rebuilt


def cache_dir() -> Path:
    """`$TENSIX_CACHE/models`, default `~/.cache/tensix/models`."""
    return cache_root() / "models"


def content_key(source: Path) -> str:
    """The source file's size and the first 16 hex digits of its SHA-256: the same bytes give the same key
    wherever and whenever the file was installed."""
    with source.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return f"{source.stat().st_size}-{digest[:16]}"


def cached(name: str, source: Path, convert: Callable[[Path], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """`convert(source)`, read from the cache when a file with the source's content was converted before."""
    path = cache_dir() / f"{name}-v{LAYOUT_VERSION}-{content_key(source)}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    weights = convert(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **weights)
    os.replace(tmp, path)  # atomic: a concurrent reader sees the whole file or none
    for stale in path.parent.glob(f"{name}-v*.npz"):  # older layouts or sources of this model: never read again
        if stale != path and ".tmp." not in stale.name:
            stale.unlink(missing_ok=True)
    return weights


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a `.safetensors` file as a numpy array."""
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except Exception as e:  # the safetensors reader raises its own types for a truncated or foreign file
        raise TensixError(f"cannot read weights '{path}': {e}") from None


def _linear(w: np.ndarray) -> np.ndarray:
    """A Hugging Face linear weight [out, in] as the [in, out] matrix `x @ w` takes."""
    return np.ascontiguousarray(w.T, dtype=np.float32)


def minilm_weights(source: Path, layers: int) -> dict[str, np.ndarray]:
    """A BERT checkpoint's tensors under the param names of minilm.tdf, linears transposed."""
    hf = read_safetensors(source)
    out = {
        "embed.words": hf["embeddings.word_embeddings.weight"],
        "embed.positions": hf["embeddings.position_embeddings.weight"],
        "embed.types": hf["embeddings.token_type_embeddings.weight"],
        "embed.ln.g": hf["embeddings.LayerNorm.weight"],
        "embed.ln.b": hf["embeddings.LayerNorm.bias"],
    }
    for i in range(layers):
        p, h = f"layers.{i}.", f"encoder.layer.{i}."
        for q, name in (("q", "query"), ("k", "key"), ("v", "value")):
            out[f"{p}attn.w{q}"] = _linear(hf[f"{h}attention.self.{name}.weight"])
            out[f"{p}attn.b{q}"] = hf[f"{h}attention.self.{name}.bias"]
        out[f"{p}attn.wo"] = _linear(hf[f"{h}attention.output.dense.weight"])
        out[f"{p}attn.bo"] = hf[f"{h}attention.output.dense.bias"]
        out[f"{p}ln1.g"] = hf[f"{h}attention.output.LayerNorm.weight"]
        out[f"{p}ln1.b"] = hf[f"{h}attention.output.LayerNorm.bias"]
        out[f"{p}w1"] = _linear(hf[f"{h}intermediate.dense.weight"])
        out[f"{p}b1"] = hf[f"{h}intermediate.dense.bias"]
        out[f"{p}w2"] = _linear(hf[f"{h}output.dense.weight"])
        out[f"{p}b2"] = hf[f"{h}output.dense.bias"]
        out[f"{p}ln2.g"] = hf[f"{h}output.LayerNorm.weight"]
        out[f"{p}ln2.b"] = hf[f"{h}output.LayerNorm.bias"]
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def read_gguf(path: Path) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """A GGUF file's tensors, de-quantized to float32 by the `gguf` package, and its metadata fields."""
    import gguf
    from gguf.quants import dequantize

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as e:  # the reader raises ValueError and others for a truncated or foreign file
        raise TensixError(f"cannot read weights '{path}': {e}") from None
    tensors = {t.name: np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32) for t in reader.tensors}
    fields = {}
    for name, field in reader.fields.items():
        try:
            fields[name] = field.contents()
        except Exception:  # a field type this gguf version cannot decode: not one the models read
            continue
    return tensors, fields


def unpermute_rope(w: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's q/k row permutation ([out, in] rows of each head reordered so that RoPE rotates adjacent
    pairs): back to the Hugging Face order, whose RoPE rotates pairs (i, i + d/2)."""
    out, inp = w.shape
    return w.reshape(heads, out // heads // 2, 2, inp).swapaxes(1, 2).reshape(out, inp)


def smollm_weights(source: Path) -> dict[str, np.ndarray]:
    """A llama GGUF's tensors under smollm.tdf's names: linears as [in, out], q/k rows back in half-split RoPE
    order, the output head the tied embedding transposed."""
    g, fields = read_gguf(source)
    heads, kv_heads = int(fields["llama.attention.head_count"]), int(fields["llama.attention.head_count_kv"])
    out = {"embed": g["token_embd.weight"], "head": _linear(g.get("output.weight", g["token_embd.weight"])),
           "norm": g["output_norm.weight"]}
    for i in range(int(fields["llama.block_count"])):
        p, b = f"layers.{i}.", f"blk.{i}."
        out[f"{p}ln1"] = g[f"{b}attn_norm.weight"]
        out[f"{p}ln2"] = g[f"{b}ffn_norm.weight"]
        out[f"{p}attn.wq"] = _linear(unpermute_rope(g[f"{b}attn_q.weight"], heads))
        out[f"{p}attn.wk"] = _linear(unpermute_rope(g[f"{b}attn_k.weight"], kv_heads))
        out[f"{p}attn.wv"] = _linear(g[f"{b}attn_v.weight"])
        out[f"{p}attn.wo"] = _linear(g[f"{b}attn_output.weight"])
        out[f"{p}mlp.wg"] = _linear(g[f"{b}ffn_gate.weight"])
        out[f"{p}mlp.wu"] = _linear(g[f"{b}ffn_up.weight"])
        out[f"{p}mlp.wd"] = _linear(g[f"{b}ffn_down.weight"])
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}
