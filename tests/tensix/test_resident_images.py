"""A host image stays in DRAM from run to run of a Mesh, as weights stay on a device between calls: the next
run writing the same image leaves the bank ranges holding it alone, unless something wrote over them since
(a kernel, a clear, another image), and then it writes them again."""

import numpy as np

from tensix import Mesh, MeshConfig, Program, TileKind

CFG = MeshConfig(width=3, height=2, tiles={(0, y): TileKind.DRAM for y in range(2)})
TILE = 4096
IN = np.arange(3 * 32 * 32, dtype=np.float32).reshape(3 * 32, 32)  # 3 pages over the 2 banks


def k_copy(ctx):
    got = ctx.get_l1_buffer("got")
    for page in range(3):
        ctx.noc_async_read_page("IN", page, got)
        ctx.noc_async_read_barrier()
        ctx.noc_async_write_page("OUT", page, got)
        ctx.noc_async_write_barrier()


def _copy() -> Program:
    p = Program(name="copy")
    p.dram_buffer("IN", IN.shape, "fp32", "input")  # first: at the bottom of each bank
    p.dram_buffer("OUT", IN.shape, "fp32", "output")
    p.l1_buffer((0, 0), "got", TILE)
    p.kernel((0, 0), "writer", k_copy)
    return p


def k_copy_then_overwrite(ctx):
    k_copy(ctx)
    got = ctx.get_l1_buffer("got")
    ctx.l1(got, TILE)[:] = 0xCD
    for page in range(3):  # over its own input, in DRAM
        ctx.noc_async_write_page("IN", page, got)
    ctx.noc_async_write_barrier()


def k_read_back(ctx):
    got = ctx.get_l1_buffer("got")
    for page in range(4):  # scratch: a raw read, as nothing writes it
        ctx.noc_async_read(ctx.dram_page_addr("X", page), got, TILE)
        ctx.noc_async_read_barrier()
        ctx.noc_async_write_page("OUT", page, got)
        ctx.noc_async_write_barrier()


def _scratch_over_in() -> Program:
    """X, a scratch buffer (zeros: the host does not write it) where IN lay; IN, still written, after it."""
    p = Program(name="over")
    p.dram_buffer("X", (4 * 32, 32), "fp32", "scratch")
    p.dram_buffer("IN", IN.shape, "fp32", "input")
    p.dram_buffer("OUT", (4 * 32, 32), "fp32", "output")
    p.l1_buffer((0, 0), "got", TILE)
    p.kernel((0, 0), "writer", k_read_back)
    return p


def _banks(mesh: Mesh) -> list[np.ndarray]:
    return [m for m in mesh._memory.held() if m.size != CFG.l1_bytes]


def test_the_same_image_is_not_written_again():
    mesh = Mesh(CFG)
    np.testing.assert_array_equal(mesh.run(_copy(), {"IN": IN}).outputs["OUT"], IN)
    for bank in _banks(mesh):  # behind the device's back: nothing tells the pool, as no write would
        bank[:TILE] = 0xEE
    corrupted = mesh.run(_copy(), {"IN": IN}).outputs["OUT"]
    assert (corrupted.view(np.uint8)[:32] == 0xEE).all()  # page 0 came from the bank untouched by the host


def test_a_kernel_write_over_the_image_makes_the_next_run_write_it_again():
    mesh, program = Mesh(CFG), _copy()
    program.kernels.clear()
    program.kernel((0, 0), "writer", k_copy_then_overwrite)
    for _ in range(2):
        np.testing.assert_array_equal(mesh.run(program, {"IN": IN}).outputs["OUT"], IN)


def test_a_cleared_buffer_over_the_image_makes_the_next_run_write_it_again():
    mesh = Mesh(CFG)
    mesh.run(_copy(), {"IN": IN})
    assert not mesh.run(_scratch_over_in(), {"IN": IN}).outputs["OUT"].any()
    np.testing.assert_array_equal(mesh.run(_copy(), {"IN": IN}).outputs["OUT"], IN)


def test_another_image_in_the_range_makes_the_next_run_write_it_again():
    mesh = Mesh(CFG)
    mesh.run(_copy(), {"IN": IN})
    mesh.run(_copy(), {"IN": IN + 1})
    np.testing.assert_array_equal(mesh.run(_copy(), {"IN": IN}).outputs["OUT"], IN)


def _copy_big(rows: int) -> Program:
    """_copy with IN and OUT of `rows` rows: together past 1 MiB per bank, so a bank's memory grows in its run."""
    p = Program(name="copy_big")
    p.dram_buffer("IN", (rows, 32), "fp32", "input")
    p.dram_buffer("OUT", (rows, 32), "fp32", "output")
    p.l1_buffer((0, 0), "got", TILE)
    p.kernel((0, 0), "writer", k_copy)
    return p


def test_the_next_run_reserves_the_last_runs_dram_and_leaves_the_image_where_it_is():
    big = np.arange(512 * 32 * 32, dtype=np.float32).reshape(-1, 32)  # 2 MiB: IN and OUT 1 MiB each per bank
    mesh = Mesh(CFG)
    np.testing.assert_array_equal(mesh.run(_copy_big(len(big)), {"IN": big}).outputs["OUT"][:96], big[:96])
    largest = max(m.size for m in _banks(mesh))
    assert largest == 2 << 20  # each bank grew past 1 MiB
    for bank in _banks(mesh):
        if bank.size == largest:
            bank[:TILE] = 0xEE  # behind the device's back, as above
    out = mesh.run(_copy_big(len(big)), {"IN": big}).outputs["OUT"]
    # page 0 came from the very memory the last run left (not grown into again, which would copy the smaller one's
    # bytes over it and write the image again); the rest is the image
    assert (out.view(np.uint8)[:32] == 0xEE).all()
    np.testing.assert_array_equal(out[32:96], big[32:96])
    small = Mesh(CFG)  # and a smaller program after a larger one still reads what its host wrote
    small.run(_copy_big(len(big)), {"IN": big})
    np.testing.assert_array_equal(small.run(_copy(), {"IN": IN}).outputs["OUT"], IN)
