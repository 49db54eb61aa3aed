"""The `tensix` command: devices, run, check, compile, viz, bench.

This is the composition root: the one module of `tensix` that may import `tensix.lang` and `tensix.tools`
(lazily, inside the subcommand that needs them); everything else follows tools -> lang -> tensix.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tensix.errors import TensixError


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
    s.add_argument("--seed", type=int, default=0, help="seed for random inputs and parameters")
    s.add_argument("--out", default=None, help="run directory (default: runs/<program name>)")
    s.add_argument("--no-viz", action="store_true", help="skip the pictures")
    s.add_argument("--skip-zeros", dest="skip_zeros", action="store_true", default=True,
                   help="skip work on exact-zero activations (default; outputs identical to dense)")
    s.add_argument("--no-skip-zeros", dest="skip_zeros", action="store_false", help="run dense")
    s.add_argument("--zero-threshold", type=float, default=0.0, metavar="EPS",
                   help="also treat |x| < EPS as zero; the error against a dense run goes in stats.json")
    s.set_defaults(handler=_run)

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
    s.set_defaults(handler=_compile)

    s = sub.add_parser("viz", help="draw the pictures and report of a run directory")
    s.add_argument("run_dir")
    s.add_argument("--against", default=None, help="a second run directory to diff against")
    s.add_argument("--out", default=None, help="where to write (default: RUN_DIR/viz)")
    s.set_defaults(handler=_viz)

    s = sub.add_parser("bench", help="run the benchmarks (one JSON line each with --json)")
    s.add_argument("--json", action="store_true", help="print one JSON object per benchmark")
    s.add_argument("--only", default=None, help="run only this benchmark")
    s.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported")
    s.set_defaults(handler=_bench)
    m = s.add_subparsers(dest="bench_kind").add_parser(
        "matmul", help="predict one compiled matmul's device time (tools/bench_matmul.py)")
    for dim in ("m", "k", "n"):
        m.add_argument(f"--{dim}", type=int, required=True)
    m.add_argument("--dtype", default="bf16", choices=("bf16", "bfp8_b", "bfp4_b", "fp32"))
    m.add_argument("--fidelity", default="hifi4", choices=("lofi", "hifi2", "hifi3", "hifi4"))
    m.add_argument("--device", default="wormhole_n150")
    m.add_argument("--grid", default=None, metavar="WxH", help="cores used (default: the whole compute grid)")
    m.add_argument("--in0", default="dram", choices=("l1", "dram"))
    m.add_argument("--out", default="dram", choices=("l1", "dram"))
    m.add_argument("--json", action="store_true", help="one JSON line")
    m.set_defaults(handler=_bench_matmul)
    return p


def _devices(args) -> int:
    from tensix.presets import DEFAULT_DEVICE, PRESETS

    for name, make in PRESETS.items():
        print(make().summary() + ("   (default)" if name == DEFAULT_DEVICE else ""))
    return 0


def _run(args) -> int:
    from tensix.lang.driver import run_default, run_file

    if args.file is None:
        result, out = run_default(device=args.device, out=args.out, seed=args.seed)
    else:
        result, out = run_file(args.file, device=args.device, inputs=args.inputs, seed=args.seed, out=args.out,
                               skip_zeros=args.skip_zeros, zero_threshold=args.zero_threshold)
    print(result.summary())
    print(f"wrote {out}/outputs.npz, stats.json, trace.json")
    if not args.no_viz:
        from tensix.tools.viz import render_all

        written = render_all(out)
        print(f"wrote {len(written)} pictures and the report in {out}/viz (open {out}/viz/report.html)")
    return 0


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

        text = compile_schedule(args.file, args.device)
    else:
        compiled = compile_file(args.file, device=args.device)
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


def _bench_matmul(args) -> int:
    from tensix.tools.bench_matmul import bench_matmul, print_bench

    print_bench(bench_matmul(args.m, args.k, args.n, dtype=args.dtype, fidelity=args.fidelity, device=args.device,
                             grid=args.grid, in0=args.in0, out=args.out), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
