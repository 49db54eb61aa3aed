"""L1-resident tensors on the device: the host writes their pages into the cores' shards and reads them back from
there; a kernel reads a page from a shard as a NoC read of that core's L1, timed as any other (docs/timing.md)."""

import numpy as np
import pytest

import tensix.host_images
from tensix import Mesh, MeshConfig
from tensix.errors import DramError
from tensix.program import Program
from tensix.trace_json import trace_json

TORUS = MeshConfig(width=4, height=4)  # all Tensix; core (x, y) is NoC (x, y)


def _read_page(ctx, *, tensor: str, page: int) -> None:
    ctx.noc_async_read_page(tensor, page, ctx.get_l1_buffer("data"))
    ctx.noc_async_read_barrier()


def _copy_page(ctx, *, tensor: str, out: str) -> None:
    """Read page 0 of `tensor` and write it as page 0 of `out`."""
    buf = ctx.get_l1_buffer("data")
    ctx.noc_async_read_page(tensor, 0, buf)
    ctx.noc_async_read_barrier()
    ctx.noc_async_write_page(out, 0, buf)
    ctx.noc_async_write_barrier()


def _reader_program(holder: tuple[int, int]) -> Program:
    """Core (0, 0) reads the one fp32 page of input 'x', which `holder` keeps in its L1."""
    p = Program(name="l1_read")
    p.dram_buffer("x", (32, 32), "fp32", "input", memory="l1")
    p.shard(holder, "x", [0])
    p.l1_buffer((0, 0), "data", 4096)
    p.kernel((0, 0), "reader", _read_page, {"tensor": "x", "page": 0}, noc=1)
    return p


def test_a_local_read_of_an_l1_page_costs_a_loopback_noc_read():
    # read issue 19; the request from the core's NIU back into it: 2 x 5 + 0 hops + 1 = 11; the response time
    # 50; the data (1 header + 4096 / 32 = 129 flits) through no link: 5 + 129 + 5 => 19 + 11 + 50 + 139 = 219
    x = np.ones((32, 32), np.float32)
    run = Mesh(TORUS).run(_reader_program((0, 0)), {"x": x})
    assert run.cycles == 219
    assert sum(b.bytes_read + b.bytes_written for b in run.stats.dram) == 0


def test_a_read_of_another_cores_l1_page_costs_a_core_to_core_read():
    # as tests/tensix/test_timing_terms.py's one_from_one: the request goes round on NoC 1 (3 + 3 hops, 65),
    # the far end answers after 50, the data leaves at 134 and crosses 2 hops: 134 + 5 + 18 + 129 + 5
    run = Mesh(TORUS).run(_reader_program((1, 1)), {"x": np.ones((32, 32), np.float32)})
    assert run.cycles == 134 + 5 + 18 + 129 + 5


def _l1_copy(role: str) -> Program:
    """Core (0, 0) copies the one bf16 page of `x` (an input or param that core (1, 0) keeps in its L1) to output
    `y`, kept in its own L1."""
    p = Program(name="l1_copy")
    p.dram_buffer("x", (32, 32), "bf16", role, memory="l1")
    p.dram_buffer("y", (32, 32), "bf16", "output", memory="l1")
    p.shard((1, 0), "x", [0])
    p.shard((0, 0), "y", [0])
    p.l1_buffer((0, 0), "data", 2048)
    p.kernel((0, 0), "reader", _copy_page, {"tensor": "x", "out": "y"})
    return p


_EXACT = (np.arange(1024, dtype=np.float32) % 256).reshape(32, 32) / 8  # 8 significant bits: exact in bf16


def test_the_host_writes_and_reads_l1_tensors_through_the_shards():
    x = _EXACT
    run = Mesh(TORUS).run(Program.from_json(_l1_copy("input").to_json(), allow_kernels=[__name__]), {"x": x})
    np.testing.assert_array_equal(run.outputs["y"], x)
    assert sum(b.bytes_read + b.bytes_written for b in run.stats.dram) == 0
    shard = [b for b in run.stats.cores[0].buffers if b.kind == "tensor"]
    assert [b.name for b in shard] == ["y"]  # named for the SRAM map


def test_an_l1_tensor_with_a_page_no_shard_holds_is_refused():
    p = Program(name="l1_gap")
    p.dram_buffer("x", (64, 32), "fp32", "input", memory="l1")
    p.shard((0, 0), "x", [0])
    p.l1_buffer((0, 0), "data", 4096)
    p.kernel((0, 0), "reader", _read_page, {"tensor": "x", "page": 0})
    with pytest.raises(DramError, match=r"L1 tensor 'x' \[64, 32\]: its shards hold 1 of its 2 pages"):
        Mesh(TORUS).run(p, {"x": np.zeros((64, 32), np.float32)})


def test_an_unchanged_l1_param_is_not_encoded_again(monkeypatch):
    # a Mesh keeps an L1 param's image as a DRAM one's (a decode step's L1 weights are not tilized per token)
    encoded = []
    real = tensix.host_images.host_pages
    monkeypatch.setattr(tensix.host_images, "host_pages", lambda buf, a: encoded.append(buf.name) or real(buf, a))
    mesh = Mesh(TORUS)
    first = mesh.run(_l1_copy("param"), {"x": _EXACT})
    np.testing.assert_array_equal(first.outputs["y"], _EXACT)
    assert encoded == ["x"]
    second = mesh.run(_l1_copy("param"), {"x": _EXACT.copy()})  # the same values in another array
    assert encoded == ["x"]
    assert (second.cycles, trace_json(second.trace)) == (first.cycles, trace_json(first.trace))
    np.testing.assert_array_equal(second.outputs["y"], _EXACT)
    changed = mesh.run(_l1_copy("param"), {"x": -_EXACT})
    assert encoded == ["x", "x"]
    np.testing.assert_array_equal(changed.outputs["y"], -_EXACT)
    fresh = Mesh(TORUS).run(_l1_copy("param"), {"x": -_EXACT})
    assert (changed.cycles, trace_json(changed.trace)) == (fresh.cycles, trace_json(fresh.trace))
