"""Real-model benchmarks: `minilm_embed` (sentence embeddings with all-MiniLM-L6-v2) and `smollm2_decode`
(SmolLM2-135M greedy tokens). Each runs the model's `.tdf` on the emulator with its real weights and checks
the result against the independent numpy forward in tensix.lang.models.reference, measured in the same run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from tensix.formats import tile_nbytes
from tensix.lang.driver import device_feed
from tensix.lang.models import embed as minilm
from tensix.lang.models import generate as smollm
from tensix.lang.models.packages import locate
from tensix.lang.models.reference import Llama, minilm_embed
from tensix.lang.models.weights import read_gguf, read_safetensors
from tensix.lang.params import materialize
from tensix.mesh import Mesh
from tensix.presets import resolve

SENTENCES = ("The cat sits on the mat.", "A quick brown fox jumps over the lazy dog.",
             "Paris is the capital of France, a country in western Europe.")
PROMPT = "The capital of France is"


def _median_s(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def bench_minilm_embed(repeat: int, sentences: int = 3, dtype: str = "bf16") -> Iterator[dict]:
    """Embed `sentences` sentences on the emulator (compiled once, run `repeat` times on one Mesh) against the
    numpy forward of the checkpoint; cosine of each embedding to the numpy one."""
    texts = list(SENTENCES[:sentences])
    tokens = minilm.tokenize(texts)
    inputs = minilm.pack(tokens)
    compiled = minilm.compile_encoder(len(inputs["ids"]), len(tokens), dtype)
    feed = device_feed(compiled, inputs, materialize(compiled.graph, minilm.weights()))
    mesh = Mesh(compiled.device)
    mesh.run(compiled.program, feed)  # warm-up: weights encoded once, as for every later call
    emu_s, result = _median_s(lambda: mesh.run(compiled.program, feed), repeat)
    checkpoint = read_safetensors(locate(minilm.MODEL)["model/model.safetensors"])
    base_s, ref = _median_s(lambda: minilm_embed(checkpoint, minilm.config(), tokens, np.float32), repeat)
    got = result.outputs["embeddings"]
    cosine = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    yield {"name": "minilm_embed", "sentences": len(texts), "tokens": sum(map(len, tokens)), "dtype": dtype,
           "cycles": result.cycles, "simulated_us": result.seconds * 1e6, "emulator_s": emu_s, "baseline_s": base_s,
           "ratio": emu_s / base_s, "min_cosine": float(cosine.min())}


def decode_read_bytes(weights: dict[str, np.ndarray], dtype: str) -> int:
    """Bytes one decode token must read from DRAM: every weight once, except the embedding, of which it needs
    one row (the output head, the tied embedding transposed, is read whole)."""
    values = sum(v.size for k, v in weights.items() if k != "embed") + weights["embed"].shape[1]
    return values * tile_nbytes(dtype) // 1024


def bench_smollm2_decode(repeat: int, new_tokens: int = 8, dtype: str = "bf16") -> Iterator[dict]:
    """Greedy tokens after the README prompt on one Mesh; per token after the first: cycles, emulator seconds and
    `roofline_fraction` (the DRAM-bandwidth time of the bytes a decode token must read / the predicted time).
    `repeat` is not used: every token is one measurement. `tokens_match`: the same tokens as the numpy forward."""
    prompt, steps = smollm.generate(PROMPT, max_new_tokens=new_tokens, dtype=dtype)
    done = list(steps)
    decode = done[1:] or done
    cfg = resolve(None)  # the default device, which generate ran on
    bound_s = decode_read_bytes(smollm.weights(), dtype) / cfg.dram_bytes_per_s
    tensors, fields = read_gguf(locate(smollm.MODEL)[smollm.GGUF])
    t = time.perf_counter()
    want = Llama(tensors, fields, np.float32).greedy(prompt, new_tokens)
    base_s = (time.perf_counter() - t) / new_tokens
    cycles = float(np.median([s.cycles for s in decode]))
    emu_s = float(np.median([s.emulator_s for s in decode]))
    yield {"name": "smollm2_decode", "dtype": dtype, "new_tokens": new_tokens, "prefill_cycles": done[0].cycles,
           "cycles": cycles, "simulated_ms": cycles / cfg.clock_hz * 1e3,
           "roofline_fraction": bound_s / (cycles / cfg.clock_hz), "emulator_s": emu_s, "baseline_s": base_s,
           "ratio": emu_s / base_s, "tokens": [s.token for s in done], "tokens_match": [s.token for s in done] == want,
           "text": done[-1].text}
