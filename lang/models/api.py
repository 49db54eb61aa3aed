"""The Python face of the model commands (`tensix.models` re-exports it): load a model's program, config,
weights and tokenizer; embed sentences; generate text. Each gives what `tensix models`, `tensix embed` and
`tensix generate` give on the command line, as values instead of printed lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.lang.models import embed as minilm
from tensix.lang.models import generate as smollm
from tensix.lang.models.embed import Embedding
from tensix.lang.models.generate import Generation, Sampler, Step
from tensix.lang.models.packages import MODELS, model, pull
from tensix.lang.models.program import model_file

__all__ = ["MODELS", "Embedding", "Generation", "Model", "Step", "embed", "generate", "load", "pull", "stream"]

PROGRAMS = {minilm.MODEL: "minilm.tdf", smollm.MODEL: "smollm_step.tdf"}


@dataclass(frozen=True)
class Model:
    """A model ready to run: its `.tdf` program (copy it to change the graph), its config (the consts the program
    is compiled with come from it), its weights under the program's param names (converted once, cached on
    disk) and its tokenizer (a Hugging Face `tokenizers.Tokenizer`)."""

    name: str
    program: Path
    config: dict
    weights: dict[str, np.ndarray]
    tokenizer: object

    def tokenize(self, text: str) -> list[int]:
        """The token ids of `text` (MiniLM's with [CLS] and [SEP])."""
        return self.tokenizer.encode(text).ids


def load(name: str) -> Model:
    """The installed model `name` (see MODELS; a missing package is a ModelMissingError with the install
    command)."""
    model(name)
    if name == minilm.MODEL:
        return Model(name, model_file(PROGRAMS[name]), minilm.config(name), minilm.weights(name),
                     minilm.tokenizer(name))
    fields = smollm.metadata()
    config = {k: v for k, v in fields.items() if not k.startswith("tokenizer.")}
    return Model(name, model_file(PROGRAMS[name]), config, smollm.weights(), smollm.tokenizer(fields))


def embed(sentences: list[str], *, model: str = minilm.MODEL, dtype: str = "fp32", device: str | None = None,
          zero_threshold: float = 0.0) -> Embedding:
    """Unit-length embeddings of `sentences` (`.vectors`, float32 [B, hidden]), their token ids and the run
    (`.result`: cycles, stats, trace; `.result.save(dir)` writes the run directory), as `tensix embed`."""
    return minilm.embed(list(sentences), model=model, dtype=dtype, device=device, zero_threshold=zero_threshold)


def stream(prompt: str, *, model: str = smollm.MODEL, max_new_tokens: int = 16, dtype: str = "fp32",
           device: str | None = None, temperature: float = 0.0, top_k: int = 0, seed: int = 0,
           zero_threshold: float = 0.0) -> tuple[list[int], Iterator[Step]]:
    """The prompt's token ids, and an iterator running the device once per new token (the prefill, then one
    decode step each over the key/value cache kept on the device), as `tensix generate` prints them."""
    smollm.check_request(model, max_new_tokens)
    return smollm.generate(prompt, max_new_tokens=max_new_tokens, dtype=dtype, device=device,
                           sampler=Sampler(temperature, top_k, seed), zero_threshold=zero_threshold)


def generate(prompt: str, **options) -> Generation:
    """Every new token at once: `stream`'s steps gathered (`.tokens`, `.text`, `.prefill_cycles`,
    `.decode_cycles`; `.as_dict()` is `tensix generate --json`'s line). Options as `stream`'s."""
    prompt_tokens, steps = stream(prompt, **options)
    return Generation(prompt_tokens, tuple(steps))
