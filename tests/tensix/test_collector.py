"""The cyclic collector is off inside paused() and back to its old state after, even when the block raises."""

import gc

import pytest

from tensix import TensixError
from tensix.collector import paused
from tensix.lang.compiler import compile_source


def test_paused_restores_the_collector_after_the_block_and_after_an_error():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_compile_that_fails_turns_the_collector_back_on():
    with pytest.raises(TensixError):
        compile_source("input x: bf16[32, 32]\noutput y = x @ nope\n", "bad.tdf")
    assert gc.isenabled()


def test_a_finished_run_frees_its_device_and_kernels_without_the_collector():
    from tensix import Mesh
    from tensix.programs.exchange import exchange_program

    def alive() -> int:
        return sum(type(o).__name__ in ("Device", "DataflowKernel", "ComputeKernel") for o in gc.get_objects())

    gc.collect()
    before = alive()
    with paused():
        result = Mesh().run(exchange_program((4, 4), tiles=2, rounds=1))
        assert alive() == before  # no reference cycle keeps the 32 kernels or the device (and its L1s) alive
    assert result.trace.spans and result.stats.cores  # what the run left behind is still there


def test_what_outlives_the_block_is_old_so_young_collections_skip_it():
    with paused():
        kept = [[i] for i in range(1000)]
    young = {id(o) for o in gc.get_objects(generation=0)} | {id(o) for o in gc.get_objects(generation=1)}
    assert not any(id(o) in young for o in kept)
    assert {id(o) for o in kept} <= {id(o) for o in gc.get_objects(generation=2)}


def test_objects_the_program_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused():
            pass
        assert gc.get_freeze_count() == frozen > 0
    finally:
        gc.unfreeze()
