"""tensix run's reference check (lang/driver.py run_compiled) runs beside the emulator with one BLAS thread."""

from threadpoolctl import threadpool_info

from tensix.lang import driver
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, params_of, run_compiled

SOURCE = "input x: fp32[64, 64]\nparam w: fp32[64, 64] = random(seed=2)\noutput y = x @ w\n"


def test_the_reference_runs_with_one_blas_thread_and_the_setting_is_restored(monkeypatch):
    """BLAS worker threads would compete with the emulator beside the reference."""

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    assert before  # numpy's wheels carry OpenBLAS
    seen = []
    real = driver.evaluate

    def watching(*args, **kwargs):
        seen.append(blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(driver, "evaluate", watching)
    compiled = compile_source(SOURCE, "mm.tdf")
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0), params_of(compiled), stored=False)
    assert seen == [[1] * len(before)] and blas_threads() == before
    assert result.stats.reference and sorted(expected) == ["y"]
