"""A step kind lives in its dataclass, the pass that emits it and the stage code that runs it: nothing else lists
kinds. Every kind of the contract has all its kernel parts; a kind defined in this file alone (dataclass and
parts, no edit anywhere else) decodes, renders, parses, verifies and runs like the built-in ones."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from tensix import Mesh
from tensix.errors import TensixError
from tensix.ops import STEPLESS, Op
from tensix.presets import resolve
from tensix.program import BufferSpec
from tensix.programs.stages.build import build_program
from tensix.programs.stages.dispatch import CB_NEEDS, HANDLERS, ROLES, handles, needs_cbs
from tensix.programs.stages.layout import EL_A, cb_in, cb_out, core_schedules
from tensix.schedule.contract import STEPS, DramBuffer, Schedule, Step, UnaryPage
from tensix.schedule.plain import decode, to_plain
from tensix.schedule.text import parse, render
from tensix.schedule.verify import verify_schedule

RNG = np.random.default_rng(7)


def test_every_step_kind_is_named_by_the_vocabulary_and_has_every_kernel_part():
    # the language's primitives and the schedule's steps: one list of names, but for view (a free reshape: no step)
    assert set(STEPS) == set(Op) - set(STEPLESS) and STEPLESS == (Op.VIEW,)
    for name, kind in STEPS.items():
        assert kind.op == name
        for role in ROLES:
            assert kind in HANDLERS[role], f"step kind '{name}' has no {role} part"


@pytest.fixture
def axpb():
    """A new step kind, out = alpha * a + beta page by page, defined and run from here alone."""

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Axpb(Step):
        op: ClassVar[str] = "axpb"
        a: str
        alpha: float
        beta: float
        pages: tuple[UnaryPage, ...]

        def reads(self, core):
            return {self.a: {pa for _, pa in self.pages}}

        def streamed(self):
            return [self.a]

    @needs_cbs(Axpb)
    def cbs(s, formats, unit):  # its input double-buffered, four output pages (the writer may lag)
        return {cb_in(EL_A, formats[s.a]): (formats[s.a], 2 * unit), cb_out(formats[s.out]): (formats[s.out], 4)}

    @handles("reader", Axpb)
    def read(ctx, s, u):
        cb = cb_in(EL_A, ctx.buffer(s.a).fmt)
        for _, pa in s.pages:
            ctx.cb_reserve_back(cb, u.el)
            ctx.noc_async_read_page(s.a, pa, ctx.get_write_ptr(cb), s.noc)
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb, u.el)

    @handles("compute", Axpb)
    def compute(ctx, s, u):
        cb, out = cb_in(EL_A, ctx.buffer(s.a).fmt), cb_out(ctx.buffer(s.out).fmt)
        for _ in s.pages:
            ctx.cb_wait_front(cb, u.el)
            ctx.tile_regs_acquire()
            ctx.copy_tile(cb, 0, 0)
            ctx.cb_pop_front(cb, u.el)
            ctx.scale_tile(0, s.alpha)
            ctx.add_scalar_tile(0, s.beta)
            ctx.cb_reserve_back(out, u.el)
            ctx.pack_tile(0, out)
            ctx.cb_push_back(out, u.el)
            ctx.tile_regs_release()

    @handles("writer", Axpb)
    def write(ctx, s, u):
        out = cb_out(ctx.buffer(s.out).fmt)
        for page, _ in s.pages:
            ctx.cb_wait_front(out, u.el)
            ctx.noc_async_write_page(s.out, page, ctx.get_read_ptr(out), s.noc)
            ctx.noc_async_write_barrier()
            ctx.cb_pop_front(out, u.el)

    yield Axpb
    del STEPS["axpb"], CB_NEEDS[Axpb]
    for role in ROLES:
        del HANDLERS[role][Axpb]


def test_a_step_kind_defined_in_one_file_runs_from_its_plain_and_text_forms(axpb):
    x = RNG.standard_normal((64, 64), dtype=np.float32)
    bufs = [BufferSpec("x", (64, 64), "fp32", "input"), BufferSpec("y", (64, 64), "fp32", "output")]
    step = {"op": "axpb", "a": "x", "out": "y", "alpha": 2.0, "beta": 0.5, "label": "axpb %0"}
    steps = {(0, 0): [{**step, "pages": [[0, 0], [1, 1]]}], (1, 0): [{**step, "pages": [[2, 2], [3, 3]]}]}
    result = Mesh().run(build_program("t", bufs, steps), {"x": x})
    np.testing.assert_array_equal(result.outputs["y"], x * np.float32(2.0) + np.float32(0.5))
    typed = decode(Step, steps[(0, 0)][0])
    assert type(typed) is axpb and to_plain(typed) == steps[(0, 0)][0]


def test_a_step_kind_defined_in_one_file_round_trips_as_text_and_verifies(axpb):
    cfg = resolve(None)
    step = axpb(a="x", out="y", alpha=-1.0, beta=3.0, pages=(UnaryPage(0, 1), UnaryPage(1, 0)), label="axpb %0")
    count, cores = core_schedules({(0, 0): [step]}, {"x": "bf16", "y": "bf16"}, cfg.l1_alignment)
    dram = (DramBuffer("x", (32, 64), "bf16", "input"), DramBuffer("y", (32, 64), "bf16", "output"))
    schedule = Schedule("t", cfg.name, "", count, dram, tuple(cores))
    assert [(cb.id, cb.fmt, cb.pages) for cb in cores[0].cbs] == [(cb_in(EL_A, "bf16"), "bf16", 2),
                                                                   (cb_out("bf16"), "bf16", 4)]
    text = render(schedule)
    assert '  axpb out="y" label="axpb %0" a="x" alpha=-1.0 beta=3.0 pages=[(0, 1), (1, 0)]' in text.splitlines()
    again = parse(text, "t.sched")
    assert again == schedule and render(again) == text
    verify_schedule(again, cfg, text)


def test_a_step_without_a_registered_part_is_an_error_that_says_where_to_add_it(axpb):
    del HANDLERS["writer"][axpb]
    bufs = [BufferSpec("x", (32, 32), "fp32", "input"), BufferSpec("y", (32, 32), "fp32", "output")]
    p = build_program("t", bufs, {(0, 0): [{"op": "axpb", "a": "x", "out": "y", "alpha": 1.0, "beta": 0.0,
                                            "pages": [[0, 0]]}]})
    with pytest.raises(TensixError, match=r"no writer part for step kind 'axpb' \(Axpb\): register one with "
                                          r"@handles\('writer', Axpb\)"):
        Mesh().run(p, {"x": np.zeros((32, 32), np.float32)})
    HANDLERS["writer"][axpb] = HANDLERS["reader"][axpb]  # so the fixture's teardown finds one to remove
