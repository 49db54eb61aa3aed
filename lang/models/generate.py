"""`tensix generate`: a prompt -> tokens (the GGUF's own BPE vocabulary through Hugging Face `tokenizers`) ->
smollm_step.tdf on the emulated mesh -> text.

All runs share one Mesh, which keeps the weights and each layer's key/value cache (the program's `state`) in
device DRAM: the first run (prefill) feeds the prompt and fills the cache at positions 0..n-1, then each decode
step feeds one token at its position and attends over the cached prefix. The host sends a token and reads one
row of logits per step; it never moves the cache.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from tensix.errors import TensixError
from tensix.host_images import frozen
from tensix.lang.compiler import Compiled
from tensix.lang.driver import device_feed
from tensix.lang.models.packages import locate
from tensix.lang.models.program import compile_model
from tensix.lang.models.threshold import macs_by_layer
from tensix.lang.models.weights import cached, smollm_weights
from tensix.lang.pages import TILE
from tensix.lang.params import materialize
from tensix.mesh import Mesh
from tensix.zeroskip import ZeroSkip

__all__ = ["Generation", "Step", "check_request", "generate", "tokenizer", "weights", "Sampler"]

MODEL = "smollm2-135m"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True, slots=True)
class Step:
    """One new token: its id, the text so far, the device cycles and seconds of its run, the emulator's seconds."""

    index: int
    token: int
    text: str
    cycles: int
    device_s: float
    emulator_s: float
    agrees: bool | None = None  # with a zero threshold: whether the dense run's most likely token is the same
    layer_macs: dict | None = None  # with a zero threshold: layer -> (MACs skipped, MACs) of this run


@dataclass(frozen=True, slots=True)
class Generation:
    """A whole generation: the prompt's token ids and one Step per new token (the first is the prefill's)."""

    prompt_tokens: list[int]
    steps: tuple[Step, ...]

    @property
    def tokens(self) -> list[int]:
        return [s.token for s in self.steps]

    @property
    def text(self) -> str:
        return self.steps[-1].text if self.steps else ""

    @property
    def prefill_cycles(self) -> int:
        return self.steps[0].cycles

    @property
    def decode_cycles(self) -> list[int]:
        return [s.cycles for s in self.steps[1:]]

    def as_dict(self) -> dict:
        """`tensix generate --json`'s line."""
        return {"prompt_tokens": self.prompt_tokens, "tokens": self.tokens, "text": self.text,
                "prefill_cycles": self.prefill_cycles, "decode_cycles": self.decode_cycles}


def check_request(model: str, max_new_tokens: int) -> None:
    """A typed error for a model generate does not run or fewer than one new token."""
    if model != MODEL:
        raise TensixError(f"generate runs '{MODEL}', not '{model}'")
    if max_new_tokens < 1:
        raise TensixError(f"--max-new-tokens must be at least 1, got {max_new_tokens}")


def _source():
    return locate(MODEL)[GGUF]


def weights() -> dict[str, np.ndarray]:
    """smollm.tdf's params from the GGUF (de-quantized and re-laid once, then read from the cache)."""
    return cached(MODEL, _source(), smollm_weights)


def metadata() -> dict:
    """The GGUF's metadata fields (config and tokenizer), without de-quantizing its tensors."""
    import gguf

    reader = gguf.GGUFReader(str(_source()))
    keep = ("llama.", "tokenizer.ggml.")
    return {k: f.contents() for k, f in reader.fields.items() if k.startswith(keep) and k != "tokenizer.chat_template"}


def tokenizer(fields: dict):
    """The GGUF's byte-level BPE (vocabulary and merges) as a Hugging Face tokenizer; digits split one by one
    before the GPT-2 byte-level split, as llama.cpp's `smollm` pre-tokenizer does."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokens = fields["tokenizer.ggml.tokens"]
    merges = [tuple(m.split(" ", 1)) for m in fields["tokenizer.ggml.merges"]]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    control = [t for t, kind in zip(tokens, fields["tokenizer.ggml.token_type"], strict=True) if kind == 3]
    tok.add_special_tokens([AddedToken(t, special=True) for t in control])
    return tok


def consts(fields: dict, rows: int) -> dict[str, object]:
    return {"S": rows, "V": len(fields["tokenizer.ggml.tokens"]), "D": int(fields["llama.embedding_length"]),
            "H": int(fields["llama.attention.head_count"]), "KV": int(fields["llama.attention.head_count_kv"]),
            "F": int(fields["llama.feed_forward_length"]), "L": int(fields["llama.block_count"]),
            "THETA": float(fields["llama.rope.freq_base"]),
            "EPS": float(fields["llama.attention.layer_norm_rms_epsilon"])}


class Sampler:
    """Greedy (temperature 0: the most likely token, lowest id on a tie) or seeded top-k sampling."""

    def __init__(self, temperature: float = 0.0, top_k: int = 0, seed: int = 0):
        if temperature < 0 or top_k < 0:
            raise TensixError(f"temperature and top-k must be >= 0, got {temperature} and {top_k}")
        self.temperature, self.top_k, self.rng = temperature, top_k, np.random.default_rng(seed)

    def __call__(self, logits: np.ndarray) -> int:
        if self.temperature == 0:
            return int(np.argmax(logits))
        scaled = logits.astype(np.float64) / self.temperature
        keep = np.argsort(-scaled, kind="stable")[: self.top_k or len(scaled)]
        p = np.exp(scaled[keep] - scaled[keep].max())
        return int(keep[self.rng.choice(len(keep), p=p / p.sum())])


class Decoder:
    """smollm_step.tdf compiled per row count (the prompt's length for the prefill, 1 for every decode step), run
    on one Mesh that holds the weights and the key/value cache of `capacity` positions. `trace=False`: the runs
    record no spans or transfers (their outputs, cycles and stats are the same), for callers that never look."""

    def __init__(self, fields: dict, dtype: str, device: str | None, capacity: int, zero_skip: ZeroSkip | None = None,
                 programs: dict | None = None, trace: bool = True):
        self.fields, self.dtype, self.device = fields, dtype, device
        self.capacity = -(-capacity // TILE) * TILE  # whole tiles: no padding rows to zero in each layer's k
        self.weights = weights()
        self.programs: dict[int, tuple[Compiled, dict]] = {} if programs is None else programs  # may be shared
        self.mesh: Mesh | None = None
        self.zero_skip = zero_skip
        self.length = 0  # positions the cache holds
        self.trace = trace

    def _program(self, rows: int) -> tuple[Compiled, dict]:
        if rows not in self.programs:
            compiled = compile_model("smollm_step.tdf", consts(self.fields, rows) | {"SMAX": self.capacity},
                                     self.dtype, self.device, cache=True)
            tables = compiled.constants  # the rotary tables, frozen so that a Mesh knows them unchanged from run
            done: dict[int, tuple] = {}  # to run without comparing them; every layer's are the same two arrays:
            for name, value in tables.items():  # frozen once each (the originals kept alive: ids stay theirs)
                if id(value) not in done:
                    done[id(value)] = value, frozen(value)
                tables[name] = done[id(value)][1]
            self.programs[rows] = compiled, materialize(compiled.graph, self.weights)
        self.mesh = self.mesh or Mesh(self.programs[rows][0].device, zero_skip=self.zero_skip, trace=self.trace)
        return self.programs[rows]

    def logits(self, tokens: list[int]):
        """Feed `tokens` after those fed before: the next token's logits, and the run's result."""
        n = len(tokens)
        if self.length + n > self.capacity:
            raise TensixError(f"the key/value cache holds {self.capacity} positions; {self.length} are used and "
                              f"{n} more were fed")
        compiled, params = self._program(n)
        result = self.mesh.run(compiled.program, device_feed(compiled, feed(tokens, self.length, self.capacity),
                                                             params))
        self.length += n
        return result.outputs["logits"][0], result


def feed(tokens: list[int], start: int, capacity: int) -> dict[str, np.ndarray]:
    """smollm_step.tdf's inputs for `tokens` at positions start.. (one row per token)."""
    n = len(tokens)
    ids = np.asarray(tokens, np.int32)
    pos = np.arange(start, start + n, dtype=np.int32)
    at = np.zeros((capacity, n), np.float32)
    at[pos, np.arange(n)] = 1.0
    keep = (np.arange(capacity)[None, :] <= pos[:, None]).astype(np.float32)
    return {"ids": ids, "pos": pos, "at": at, "keep": keep}


def generate(prompt: str, *, max_new_tokens: int = 16, dtype: str = "fp32", device: str | None = None,
             sampler: Callable[[np.ndarray], int] | None = None, zero_threshold: float = 0.0
             ) -> tuple[list[int], Iterator[Step]]:
    """The prompt's tokens, and an iterator that runs the device once per new token (the first run is the
    prefill, each later one a decode step over the cached prefix). `zero_threshold` > 0: skip |x| < threshold as
    zero, and feed the same tokens to a dense run of the same programs on a second Mesh, so each Step says whether
    the two agree on the most likely token."""
    fields = metadata()
    tok = tokenizer(fields)
    prompt_tokens = tok.encode(prompt).ids
    if not prompt_tokens:
        raise TensixError("generate needs a prompt of at least one token")
    capacity = len(prompt_tokens) + max_new_tokens
    skip = ZeroSkip(threshold=zero_threshold) if zero_threshold > 0 else None
    decoder = Decoder(fields, dtype, device, capacity, skip, trace=False)  # a Step keeps no trace: none recorded
    dense = Decoder(fields, dtype, device, capacity, programs=decoder.programs, trace=False) if skip else None
    choose = sampler or Sampler()

    def steps() -> Iterator[Step]:
        tokens = list(prompt_tokens)
        for i in range(max_new_tokens):
            start = time.perf_counter()
            fed = tokens if i == 0 else tokens[-1:]
            logits, result = decoder.logits(fed)
            agrees = None if dense is None else int(np.argmax(dense.logits(fed)[0])) == int(np.argmax(logits))
            tokens.append(choose(logits))
            text = tok.decode(tokens[len(prompt_tokens):])
            macs = None if dense is None else macs_by_layer(result.stats, decoder.programs[len(fed)][0].lowered)
            yield Step(i, tokens[-1], text, result.cycles, result.seconds, time.perf_counter() - start, agrees, macs)

    return prompt_tokens, steps()
