"""L1 and DRAM read as zero wherever nothing wrote them, although Sram clears only what a run reaches, Dram
skips the buffers the host writes whole, and a Mesh recycles both memories from run to run: with garbage under
every memory, or the last run's bytes, every way of reading still sees zeros, and the run is the one it is on
zeros; a memory a kernel kept a view of is not recycled."""

import json

import numpy as np
import pytest

import tensix.memory
from tensix import Mesh, MeshConfig, Program, TileKind

CFG = MeshConfig(width=3, height=2, tiles={(0, y): TileKind.DRAM for y in range(2)})  # compute grid 2x2
CORES = [(x, y) for y in range(2) for x in range(2)]
TILE = 4096
# far past the allocations, and far apart: clearing one (in 64 KiB steps) must not clear the next
VIEW, REMOTE, SEM, PAGE, MCAST_SRC, MCAST_DST = (512 * 1024 + i * 128 * 1024 for i in range(6))


def k_read_everywhere(ctx):
    got = ctx.get_l1_buffer("got")
    assert not ctx.l1(got, TILE).any(), "an allocated buffer"
    assert not ctx.l1(VIEW, 64).any(), "ctx.l1 past the allocations"
    ctx.noc_semaphore_wait(SEM, 0)  # a semaphore word nobody declared: 0, so no wait
    ctx.noc_async_read(ctx.get_noc_addr(1, 0, got), got, TILE)  # inside its allocations first, then past them
    ctx.noc_async_read(ctx.get_noc_addr(1, 0, REMOTE), got, TILE)  # another core's L1, over the NoC
    ctx.noc_async_read_barrier()
    ctx.noc_async_write_page("OUT", 0, got)
    ctx.noc_async_write_page("OUT", 1, PAGE)  # this core's L1 past the allocations, to DRAM
    ctx.noc_async_write_multicast(MCAST_SRC, ctx.get_noc_multicast_addr(0, 1, 1, 1, MCAST_DST), TILE, num_dests=2)
    ctx.noc_async_write_barrier()
    ctx.noc_semaphore_set(ctx.get_semaphore(0), 1)
    ctx.noc_semaphore_set_multicast(ctx.get_semaphore(0), ctx.get_noc_multicast_addr(0, 1, 1, 1,
                                                                                      ctx.get_semaphore(0)))


def k_dump(ctx, *, page):
    ctx.noc_semaphore_wait(ctx.get_semaphore(0), 1)
    ctx.noc_async_write_page("OUT", page, MCAST_DST)
    ctx.noc_async_write_barrier()


def _program() -> Program:
    p = Program(name="zeros")
    p.dram_buffer("OUT", (4 * 32, 32), "fp32", "output")
    p.l1_buffer(CORES, "got", TILE)
    p.semaphore(CORES, 0)
    p.kernel((0, 0), "writer", k_read_everywhere)
    p.kernel([(0, 1), (1, 1)], "writer", k_dump, lambda c: {"page": 2 + c[0]})
    return p


def _run(monkeypatch, fill: int, skip: bool):
    monkeypatch.setattr(tensix.memory, "uncleared", lambda n: np.full(n, fill, dtype=np.uint8))
    return Mesh(CFG, zero_skip=skip).run(_program())


@pytest.mark.parametrize("skip", [False, True])
def test_every_path_into_l1_reads_zeros_where_nothing_was_written(monkeypatch, skip):
    garbage, zeros = _run(monkeypatch, 0xAB, skip), _run(monkeypatch, 0, skip)
    assert not garbage.outputs["OUT"].any()
    assert garbage.stats == zeros.stats
    assert json.dumps(garbage.trace.to_dict()) == json.dumps(zeros.trace.to_dict())


def k_scribble(ctx):
    """Nonzero bytes everywhere the reading kernel looks, for the next run on the same Mesh."""
    for addr in (VIEW, SEM, PAGE, MCAST_SRC, MCAST_DST):
        ctx.l1(addr, TILE)[:] = 0xCD
    ctx.l1(ctx.get_l1_buffer("got"), TILE)[:] = 0xCD
    ctx.noc_async_write(ctx.get_l1_buffer("got"), ctx.get_noc_addr(1, 0, REMOTE), TILE)
    ctx.noc_async_write_barrier()


def test_a_mesh_recycles_its_l1s_and_the_next_run_still_reads_zeros(monkeypatch):
    mesh = Mesh(CFG)
    first = _run(monkeypatch, 0, False)
    scribble = Program(name="scribble")
    scribble.l1_buffer(CORES, "got", TILE)
    scribble.kernel([(0, 0), (0, 1), (1, 1)], "writer", k_scribble)
    mesh.run(scribble)
    recycled = _l1s(mesh)  # (ids: holding the memories would keep them from recycling)
    assert len(recycled) == 4
    again = mesh.run(_program())
    assert _l1s(mesh) == recycled  # this run ran on the scribbled memories
    assert not again.outputs["OUT"].any()
    assert json.dumps(again.trace.to_dict()) == json.dumps(first.trace.to_dict())


def test_a_memory_a_kernel_kept_a_view_of_is_not_recycled():
    kept = []

    def k_keep(ctx):
        view = ctx.l1(0, 64)
        view[:] = 5
        kept.append(view)

    keep = Program(name="keep")
    keep.kernel((0, 0), "writer", k_keep)
    mesh = Mesh(CFG)
    mesh.run(keep)
    mesh.run(_program())
    assert (kept[0] == 5).all()  # the run after did not clear or reuse it


def _l1s(mesh: Mesh) -> set[int]:
    return {id(m) for m in mesh._memory.held() if m.size == CFG.l1_bytes}


IN = np.arange(3 * 32 * 32, dtype=np.float32).reshape(3 * 32, 32)  # 3 pages over the 2 banks: one holds 1


def k_read_dram(ctx):
    """Scratch nobody wrote, over the NoC straight from its bank, out to page 0 of OUT; the input to pages 1-3;
    the slot past the input's last page in the bank holding one page fewer (inside the allocation) to page 5."""
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_read(ctx.dram_page_addr("MID", 1), got, TILE)
    ctx.noc_async_read_barrier()
    ctx.noc_async_write_page("OUT", 0, got)
    x, y, addr = ctx.dram_page_addr("IN", 1)
    ctx.noc_async_read((x, y, addr + TILE), got, TILE)
    ctx.noc_async_read_barrier()
    ctx.noc_async_write_page("OUT", 5, got)
    ctx.noc_async_write_barrier()
    for page in range(3):
        ctx.noc_async_read_page("IN", page, got)
        ctx.noc_async_read_barrier()
        ctx.noc_async_write_page("OUT", 1 + page, got)
        ctx.noc_async_write_barrier()
    ctx.noc_async_write_barrier()


def _dram_program() -> Program:
    p = Program(name="dram_zeros")
    p.dram_buffer("IN", IN.shape, "fp32", "input")
    p.dram_buffer("MID", (2 * 32, 32), "fp32", "scratch")
    p.dram_buffer("OUT", (6 * 32, 32), "fp32", "output")  # page 4: nobody writes it
    p.l1_buffer((0, 0), "got", TILE)
    p.kernel((0, 0), "writer", k_read_dram)
    return p


def _expected_out() -> np.ndarray:
    out = np.zeros((6 * 32, 32), np.float32)
    out[32:4 * 32] = IN
    return out


def test_dram_reads_zeros_where_nothing_was_written_and_the_host_input_where_it_was(monkeypatch):
    monkeypatch.setattr(tensix.memory, "uncleared", lambda n: np.full(n, 0xAB, dtype=np.uint8))
    result = Mesh(CFG).run(_dram_program(), {"IN": IN})
    np.testing.assert_array_equal(result.outputs["OUT"], _expected_out())


def k_scribble_dram(ctx):
    got = ctx.get_l1_buffer("got")
    ctx.l1(got, TILE)[:] = 0xCD
    for name, pages in (("MID", 2), ("OUT", 6)):
        for page in range(pages):
            ctx.noc_async_write_page(name, page, got)
    ctx.noc_async_write_barrier()


def test_a_mesh_recycles_its_dram_banks_and_the_next_run_still_reads_zeros():
    mesh = Mesh(CFG)
    scribble = _dram_program()
    scribble.kernels.clear()
    scribble.kernel((0, 0), "writer", k_scribble_dram)
    assert (mesh.run(scribble, {"IN": IN}).outputs["OUT"].view(np.uint8) == 0xCD).all()
    banks = {id(m) for m in mesh._memory.held() if m.size != CFG.l1_bytes}
    assert len(banks) == len(CFG.dram_banks)
    result = mesh.run(_dram_program(), {"IN": IN})
    assert {id(m) for m in mesh._memory.held() if m.size != CFG.l1_bytes} == banks  # the scribbled banks
    np.testing.assert_array_equal(result.outputs["OUT"], _expected_out())
