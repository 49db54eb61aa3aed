"""The per-op figures on a tiny hand-made run whose critical path, bytes and link loads are worked out by hand."""

from __future__ import annotations

import pytest
from viz_runs import SMALL_KINDS, device, span_dicts, transfer_dicts, write_run

from tensix.tools.report_ops import critical_cycles, link_ops, loaders_text, op_costs, op_rows
from tensix.tools.runfiles import load_run
from tensix.tools.summary import summary_text
from tensix.tools.traffic_map import traffic_dot
from tensix.trace import NO_OP

W1, W2 = "matmul %w1", "matmul %w2"  # ops 0 and 1 of the op table (viz_runs.OPS)
A, B = (0, 0), (1, 0)  # two cores of the 4x4 mesh, at NoC (1, 0) and (2, 0)

# Op w1 on core A: the reader reads 4096 B from DRAM (0, 0) and waits for it, the compute waits for the tiles, the
# writer waits for the result and tells core B by a semaphore; op w2 on core B waits for that, reads 2048 B, computes.
SPANS = [
    (A, "reader", "noc_async_read", 0, 20, 1, W1),
    (A, "reader", "wait:noc_async_read_barrier", 20, 100, 1, W1),
    (A, "reader", "cb_push_back", 100, 105, 1, W1),
    (A, "compute", "wait:cb_wait_front", 0, 110, 1, None),
    (A, "compute", "matmul_tiles", 110, 200, 4, W1),
    (A, "writer", "wait:cb_wait_front", 0, 200, 1, None),
    (A, "writer", "noc_async_write", 200, 210, 1, W1),
    (A, "writer", "noc_semaphore_inc", 210, 215, 1, W1),
    (B, "reader", "wait:noc_semaphore_wait", 0, 230, 1, W2),
    (B, "reader", "noc_async_read", 230, 260, 1, W2),
    (B, "compute", "wait:cb_wait_front", 0, 260, 1, None),
    (B, "compute", "matmul_tiles", 260, 400, 8, W2),
]
TRANSFERS = [  # NoC 1 goes north then west: DRAM (0, 0) -> (1, 0) is 3 hops round the torus, -> (2, 0) is 2
    (0, 1, "read", A, "reader", (0, 0), (1, 0), None, 4096, 10, 100, W1),
    (1, 0, "sem", A, "writer", (1, 0), (2, 0), None, 4, 210, 230, W1),
    (2, 1, "read", B, "reader", (0, 0), (2, 0), None, 2048, 230, 258, W2),
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    cores = [((cx, cy), (cx + 1, cy)) for cy in range(4) for cx in range(3)]
    dev = device("test_4x4", 4, 4, SMALL_KINDS, cores)
    path = write_run(tmp_path_factory.mktemp("tiny"), dev, transfer_dicts(TRANSFERS, 4, 4), span_dicts(SPANS),
                     flops=0, total_cycles=410, title="tiny.tdf")
    return load_run(path)


def test_critical_path_by_hand(tiny):
    # Back from B's compute (ends 400; 400-410 after it: no op): its matmul 260-400 (w2, 140); its wait was ended
    # by B's reader finishing at 260 (a CB handshake), whose read 230-260 (w2, 30) came after its semaphore wait,
    # ended by A's semaphore transfer 210-230 (w1, 20); A's writer wrote 200-210 (w1, 10) after waiting for A's
    # compute: matmul 110-200 (w1, 90), which waited for A's reader's push at 105 (105-110 charged to the wait: no
    # op), push 100-105 (w1, 5), then its barrier for its own read ending at 100 (w1, 20-100: 80), read 0-20 (20).
    assert critical_cycles(tiny) == {NO_OP: 10 + 5, 1: 140 + 30, 0: 20 + 10 + 90 + 5 + 80 + 20}
    assert sum(critical_cycles(tiny).values()) == tiny.stats.total_cycles


def test_an_idle_packer_hands_the_critical_path_to_its_compute_kernel(tmp_path):
    """A compute kernel's packer (TRISC2) packs tile 1 at 10-20 and tile 2 at 100-130, ending the run; between them
    it sat idle while the compute kernel's matmul ran 0-100. Back from 130: no op 130-140, the pack 100-130 (w1,
    30), then the idle packer's gap goes to the compute kernel at 100: its matmul 0-100 (w1, 100). Charged outside
    any op instead, the gap and the first pack's lead-in would hide 90 of the run's 140 cycles."""
    spans = [(A, "compute", "matmul_tiles", 0, 100, 4, W1), (A, "packer", "pack_tile", 10, 20, 1, W1),
             (A, "packer", "pack_tile", 100, 130, 1, W1)]
    cores = [((cx, cy), (cx + 1, cy)) for cy in range(4) for cx in range(3)]
    dev = device("test_4x4", 4, 4, SMALL_KINDS, cores)
    run = load_run(write_run(tmp_path, dev, [], span_dicts(spans), flops=0, total_cycles=140, title="p.tdf"))
    assert critical_cycles(run) == {NO_OP: 10, 0: 30 + 100}


def test_bytes_per_op_by_hand(tiny):
    costs = {c.op.label: c for c in op_costs(tiny) if c.op}
    assert costs[W1].noc_bytes == (4 * 1, 4096 * 3) and costs[W1].dram_bytes == 4096
    assert costs[W2].noc_bytes == (0, 2048 * 2) and costs[W2].dram_bytes == 2048
    assert costs[W1].op.where == "03_mlp.tdf:7" and costs[W2].op.where == "03_mlp.tdf:8"
    assert op_rows(tiny)[0] == ("matmul %w1", "03_mlp.tdf:7", "225 (54.9%)", "4", "12,288", "4,096")
    assert op_rows(tiny)[-1][:3] == ("run total", "\u2014", "410 of 410")


def test_a_hot_link_lists_the_ops_that_loaded_it(tiny):
    # NoC 1's link west out of DRAM (0, 0) carried both reads: 4096 B for w1 and 2048 B for w2
    assert link_ops(tiny.trace)[(1, 0, 0, "W")] == {0: 4096, 1: 2048}
    text = "matmul %w1 (03_mlp.tdf:7) 67%, matmul %w2 (03_mlp.tdf:8) 33%"
    assert loaders_text(tiny.trace, link_ops(tiny.trace)[(1, 0, 0, "W")]) == text
    assert f"loaded by {text}" in traffic_dot(tiny.stats, (1,), trace=tiny.trace)
    summary = summary_text(tiny.stats, run=tiny)
    assert summary.startswith("Run of tiny.tdf on test_4x4")
    assert text in summary


def test_op_table_totals_equal_the_runs_on_the_small_run(small):
    costs = op_costs(small)
    assert sum(c.critical_cycles for c in costs) == small.stats.total_cycles
    assert sum(c.dram_bytes for c in costs) == sum(t.nbytes for t in small.trace.transfers if t.src == (0, 0))
    assert [c.op.label if c.op else None for c in costs] == [W1, W2, None]
