"""tensix.models: real models with their real weights from Python, what `tensix models`, `tensix embed` and
`tensix generate` give on the command line:

    from tensix.models import load, embed, generate
    embed(["first sentence", "second sentence"]).vectors        # float32 [2, 384], unit rows
    generate("The capital of France is", max_new_tokens=8).text
    load("smollm2-135m").weights                                 # the .tdf program's params, converted once

The models are `.tdf` programs the compiler runs (tensix.lang.models.api does the work); like tensix.cli, this
module is a composition root that imports them when a name is first used, so `import tensix` never loads the
compiler.
"""

# re-exported from tensix.lang.models.api on first use (__getattr__)
_NAMES = ("MODELS", "Embedding", "Generation", "Model", "Step", "embed", "generate", "load", "pull", "stream")
__all__ = list(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        from tensix.lang.models import api

        return getattr(api, name)
    raise AttributeError(f"module 'tensix.models' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(_NAMES)
