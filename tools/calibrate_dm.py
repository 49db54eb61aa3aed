"""Fit the NoC and DRAM timing parameters of a preset to the published micro-measurements (tools/dm_data.py).

Each parameter comes from the regime of the measurements where it alone sets the time, in this order:
1. `noc_write_issue_cycles` / `noc_read_issue_cycles`: the slope of latency against transaction count for the
   smallest transactions (one to one / one from one, 16 to 256 transactions): issue-bound.
2. `noc_write_bytes_per_cycle` / `noc_read_bytes_per_cycle`: the slope for 64 KiB transactions (link- or
   NIU-bound): packet bytes over the cycles per packet less its header cycle.
3. `noc_response_cycles`: one smallest write and one smallest read simulated with it at 0; the mean residual.
4. `dram_bank_bytes_per_cycle`: the count slopes of DRAM reads and writes of 4 KiB and more (bank-bound), as
   bytes per cycle, fitted in log space (their geometric mean: the least-squares fit of relative error).
5. `dram_partial_write_cycles` / `dram_write_burst_bytes`: the per-transaction slope of the smallest DRAM
   writes when it exceeds the write issue cost (a read-modify-write), else none.
6. `dram_latency_cycles`: one smallest DRAM read and write simulated with it at 0; the mean residual.
7. `noc_mcast_packet_cycles`: the slope of 64 KiB linked multicasts (no reservations) per packet, less a
   write packet's NIU time.
8. `noc_mcast_setup_cycles` + `noc_mcast_dest_cycles` x destinations: the per-transaction slope of the
   smallest unlinked multicasts less the packet's NIU time; two rectangles give both (Wormhole), one gives the
   per-destination term with the setup taken from Wormhole (Blackhole).
Only these micro-measurements are used: never a whole matmul or model. `python -m tensix.tools.calibrate_dm`
prints the fitted values; presets.py holds them.
"""

from __future__ import annotations

from math import ceil, exp, log

from tensix.dram import Dram
from tensix.mesh import Mesh
from tensix.presets import preset
from tensix.tools.bench_dm import predict
from tensix.tools.dm_data import MEASURED, SIZES, measured

STREAM_GAIN = 1.25  # a size whose bank rate is this much above the smallest fitted size's streams (not noise)


def _slope(device: str, experiment: str, size: int, side: int = 0) -> float:
    """Cycles per extra transaction between 16 and 256 transactions."""
    return (measured(device, experiment, side, size, 256) - measured(device, experiment, side, size, 16)) / 240


def _residual(cfg, device: str, experiments: tuple[str, ...], burst: int = 0, **zeroed) -> int:
    """Mean of measured minus simulated latency of one smallest transaction and one smallest of at least `burst`
    bytes, with `zeroed` parameters at 0."""
    mesh = Mesh(cfg.with_(**zeroed))
    sizes = {SIZES[device][0], min(s for s in SIZES[device] if s >= burst)}
    res = [measured(device, e, 0, s, 1) - predict(mesh, e, 0, s, 1) for e in experiments for s in sizes]
    return round(sum(res) / len(res))


def _geomean(xs: list[float]) -> float:
    return round(exp(sum(log(x) for x in xs) / len(xs)), 2)


def _dram_rates(device: str) -> dict:
    """Bank rates from the DRAM count slopes of 4 KiB and more: one rate, or (where a size moves at least
    STREAM_GAIN x the smallest's rate) a rate below the stream size and a stream rate from it on, per direction."""
    rates = {e: {s: s * 240 / (measured(device, e, 0, s, 256) - measured(device, e, 0, s, 16))
                 for s in SIZES[device] if s >= 4096} for e in ("dram_read", "dram_write")}
    stream = {e: min((s for s, r in by.items() if r >= STREAM_GAIN * by[4096]), default=0) for e, by in rates.items()}
    below = [r for e, by in rates.items() for s, r in by.items() if not stream[e] or s < stream[e]]
    p = {"dram_bank_bytes_per_cycle": _geomean(below), "dram_read_stream_bytes": stream["dram_read"],
         "dram_write_stream_bytes": stream["dram_write"], "dram_stream_bytes_per_cycle": 0.0}
    above = [r for e, by in rates.items() for s, r in by.items() if stream[e] and s >= stream[e]]
    if above:
        p["dram_stream_bytes_per_cycle"] = _geomean(above)
    return p


def _write_buffer(cfg, device: str) -> int:
    """Bytes a bank's controller acknowledges before writing them: what one largest DRAM write, simulated
    without a buffer, takes longer than measured, at the bank's rate for it (none if it does not), in KiB."""
    big = SIZES[device][-1]
    mesh = Mesh(cfg.with_(dram_write_buffer_bytes=0))
    early = predict(mesh, "dram_write", 0, big, 1) - measured(device, "dram_write", 0, big, 1)
    return max(0, round(early * Dram(cfg, hold_data=False).rate(big, True) / 1024)) * 1024


def fit(device: str, mcast_setup: int | None = None) -> dict:
    """The fitted parameters of one device."""
    cfg = preset(device)
    small, big = SIZES[device][0], SIZES[device][-1]
    packets = ceil(big / cfg.max_packet_bytes)
    p: dict = {}
    p["noc_write_issue_cycles"] = round(_slope(device, "one_to_one", small))
    p["noc_read_issue_cycles"] = round(_slope(device, "one_from_one", small))
    for kind, experiment in (("write", "one_to_one"), ("read", "one_from_one")):
        per_packet = _slope(device, experiment, big) / packets
        p[f"noc_{kind}_bytes_per_cycle"] = round(min(big, cfg.max_packet_bytes) / (per_packet - 1), 2)
    cfg = cfg.with_(**p)
    p["noc_response_cycles"] = _residual(cfg, device, ("one_to_one", "one_from_one"), noc_response_cycles=0)
    p.update(_dram_rates(device))
    write_small = _slope(device, "dram_write", small)
    if write_small > 1.5 * p["noc_write_issue_cycles"]:
        p["dram_partial_write_cycles"] = round(write_small)
        p["dram_write_burst_bytes"] = min(s for s in SIZES[device] if _slope(device, "dram_write", s) < write_small / 2)
    else:
        p["dram_partial_write_cycles"], p["dram_write_burst_bytes"] = 0, small
    cfg = cfg.with_(**p)
    p["dram_latency_cycles"] = _residual(cfg, device, ("dram_read",), dram_latency_cycles=0)
    p["dram_write_latency_cycles"] = _residual(cfg, device, ("dram_write",), p["dram_write_burst_bytes"],
                                               dram_write_latency_cycles=0)  # and a whole burst: no read-modify-write
    p["dram_write_buffer_bytes"] = _write_buffer(cfg.with_(**p), device)
    write_packet = 1 + ceil(min(big, cfg.max_packet_bytes) / p["noc_write_bytes_per_cycle"])
    p["noc_mcast_packet_cycles"] = round(_slope(device, "mcast_linked", big, 5) / packets - write_packet)
    niu = 1 + ceil(small / p["noc_write_bytes_per_cycle"]) + p["noc_mcast_packet_cycles"]
    sides = sorted(side for (d, e, side) in MEASURED if d == device and e == "mcast")
    per_dest = {side * side - 1: _slope(device, "mcast", small, side) - niu for side in sides}
    if len(per_dest) >= 2:
        (n0, t0), (n1, t1) = sorted(per_dest.items())[:2]
        p["noc_mcast_dest_cycles"] = round((t1 - t0) / (n1 - n0), 2)
        p["noc_mcast_setup_cycles"] = round(t0 - p["noc_mcast_dest_cycles"] * n0)
    else:
        (n, tn), = per_dest.items()
        p["noc_mcast_setup_cycles"] = mcast_setup
        p["noc_mcast_dest_cycles"] = round((tn - mcast_setup) / n, 2)
    return p


def main() -> None:
    wh = fit("wormhole_n150")
    print("wormhole_n150", wh)
    print("blackhole_p150", fit("blackhole_p150", wh["noc_mcast_setup_cycles"]))


if __name__ == "__main__":
    main()
