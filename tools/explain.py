"""Plain words for the report: the glossary, what each timeline op and wait means, what each buffer name holds.

Input: names as they appear in a run (op and span names, buffer names, `Stats` for device figures); output: short
sentences for a reader who has never seen the project.
"""

from __future__ import annotations

import re

from tensix.stats import Stats

from .programfile import ProgramInfo
from .units import fmt_bytes

WAIT_PREFIX = "wait:"

WAIT_WORDS = {
    "cb_wait_front": "waiting for tiles to arrive in a circular buffer: the kernel that fills it (e.g. the reader) "
                     "is behind",
    "cb_reserve_back": "waiting for free space in a circular buffer: the kernel that empties it is behind",
    "noc_async_read_barrier": "waiting for the kernel's NoC reads (e.g. from DRAM) to arrive",
    "noc_async_write_barrier": "waiting for the kernel's NoC writes to be delivered",
    "noc_semaphore_wait": "waiting for another core to signal a semaphore",
}

WAIT_SHORT = {"cb_wait_front": "tiles not in the CB yet", "cb_reserve_back": "no free space in the CB",
              "noc_async_read_barrier": "NoC reads in flight", "noc_async_write_barrier": "NoC writes in flight",
              "noc_semaphore_wait": "signal from another core"}

OP_WORDS = {
    "noc_issue": "a data-movement kernel handing a read or write command to the NoC; the data then moves in the "
                 "background (see the wait entries)",
    "matmul_tiles": "the matrix engine multiplying a pair of 32x32 tiles and adding the product to a result tile",
    "pack_tile": "copying a finished result tile from the math registers into a circular buffer",
    "copy_tile": "copying a tile from a circular buffer into the math registers",
    "transpose_tile": "transposing a 32x32 tile",
    "zero_check": "zero skipping: testing whether a tile (or each 16x16 face of it) is all zeros, so its work can "
                  "be skipped",
    "zero_flush": "zero skipping with a threshold: setting values below the threshold to zero while packing",
    "compact": "zero skipping: gathering the non-zero rows before a sparse matmul",
    "scale_tile": "multiplying every element of a tile by a constant",
    "add_scalar_tile": "adding a constant to every element of a tile",
    "topk_tile": "finding the largest values of a tile (top-k)",
}

ELTWISE = {"add": "addition", "sub": "subtraction", "mul": "multiplication", "row": "rows", "col": "columns",
           "rows": "rows", "cols": "columns"}

BUFFER_WORDS = {
    "mm_a": "matmul input A (activations)", "mm_b": "matmul input B (weights)", "mm_bias": "matmul bias",
    "mm_out": "matmul result", "el_a": "element-wise op input A", "el_b": "element-wise op input B",
    "el_out": "element-wise op result", "in": "input operand", "out": "result tiles waiting to be written out",
}
NAMED_BUFFERS = {
    "ids": "token ids", "ctrl": "control words between the kernels (e.g. which rows are non-zero)",
    "rows_stage": "L1 staging area for whole rows of a tensor", "partial": "partial results",
    "semaphores": "semaphore words: other cores add to them to signal this core",
}
DTYPE_WORDS = {"bf16": "bfloat16 (16-bit floats)", "fp32": "32-bit floats",
               "bfp8_b": "block floats: 8-bit mantissas, one exponent per 16 values",
               "bfp4_b": "block floats: 4-bit mantissas, one exponent per 16 values"}
ORDINALS = ("first", "second", "third", "fourth")


def wait_base(name: str) -> str:
    """`wait:cb_wait_front(2)` -> `cb_wait_front`: the call a stall span waited in, without its arguments."""
    return name.removeprefix(WAIT_PREFIX).split("(")[0].split(" ")[0]


def op_meaning(name: str) -> str:
    """What a timeline span name means (an op the kernel ran, or a `wait:` stall); empty when unknown."""
    if name.startswith(WAIT_PREFIX):
        return WAIT_WORDS.get(wait_base(name), "waiting (stalled, not working)")
    base = name.split(" x")[0]
    if base in OP_WORDS:
        return OP_WORDS[base]
    patterns = [(r"(\w+)_bcast_(\w+)", "element-wise {0} with one operand repeated along {1}"),
                (r"reduce_(\w+)_(\w+)", "reducing a tile with {0} along {1}"),
                (r"(add|sub|mul)_tiles", "element-wise {0} of two tiles"),
                (r"(\w+)_tile", "the vector unit applying {0} to every element of a tile"),
                (r"(\w+)_dst", "the vector unit applying {0} to the math registers")]
    for pattern, text in patterns:
        found = re.fullmatch(pattern, base)
        if found:
            return text.format(*(ELTWISE.get(g, g) for g in found.groups()))
    return ""


def buffer_meaning(name: str, kind: str, program: ProgramInfo | None = None) -> str:
    """What an SRAM buffer holds, from its name (program conventions) and, when known, its CB declaration."""
    cb = program.cb(name) if program else None
    declared = f"CB {cb.cb_id}: {cb.num_pages} pages of {cb.dtype} tiles" if cb else ""
    return "; ".join(part for part in (_name_meaning(name, kind), declared) if part)


def _name_meaning(name: str, kind: str) -> str:
    if name in NAMED_BUFFERS:
        return NAMED_BUFFERS[name]
    found = re.fullmatch(r"(mm_a|mm_bias|mm_b|mm_out|el_a|el_b|el_out)_(\w+)", name)
    if found:
        slot, dtype = found.groups()
        return f"{BUFFER_WORDS[slot]} tiles in {dtype}"
    found = re.fullmatch(r"in(\d)", name)
    if found:
        n = int(found.group(1))
        which = ORDINALS[n] if n < len(ORDINALS) else f"#{n}"
        return f"tiles of the {which} input operand" + (" (A of a matmul)" if n == 0 else " (B)" if n == 1 else "")
    if name in ("out", "out0"):
        return BUFFER_WORDS["out"]
    found = re.fullmatch(r"cb(\d+)", name)
    if found:
        return f"circular buffer {found.group(1)} (the program gave it no name)"
    return {"cb": "a circular buffer", "l1": "an L1 buffer", "semaphore": "a semaphore"}.get(kind, "")


def glossary(stats: Stats) -> list[tuple[str, str]]:
    """(term, meaning) for the words the report uses; link width and tile size from this run's device."""
    width = stats.device.link_bytes_per_cycle
    return [
        ("Tensix core", "a compute tile: small RISC-V processors, a matrix engine and its own SRAM (L1). Three "
         "kernels run on it: reader (brings data in), compute (does the math), writer (sends results out)."),
        ("core (x,y)", "a core's logical coordinate in the grid of compute cores the program uses: core (0,0) is "
         "the first compute core. Programs and the timeline name cores this way."),
        ("NoC position (x,y)", "where a tile physically sits on the chip's NoC grid, which also holds DRAM, "
         "Ethernet and other tiles; (0,0) is the top left. Maps and heatmaps are drawn by NoC position, so core "
         "(0,0) may sit at NoC (1,1)."),
        ("NoC", "network-on-chip. There are two independent ones, each a 2-D torus (the last column links back to "
         "the first, the last row to the first). NoC 0 moves data east then south, NoC 1 north then west. By "
         "default reader kernels use NoC 1 and the other kernels NoC 0."),
        ("link", f"the one-way connection from a tile to its neighbour on one NoC; on this device it moves "
         f"{width} bytes per cycle. Link bytes count every hop, so a transfer crossing 5 links counts 5 times."),
        ("utilization / busy", "cycles a link or core was working divided by the cycles of the whole run."),
        ("stall / wait", "time a kernel could not go on because it waited for data, space or another core; "
         "the timeline draws waits as thin pale bars and work as full-height bars."),
        ("tile (data)", "a 32x32 block of a matrix, the unit the kernels move and multiply "
         f"({fmt_bytes(2048)} in bf16). Not to be confused with a tile of the NoC grid."),
        ("DRAM bank", "off-chip memory reached through a DRAM tile on the NoC grid; the program's input and "
         "output tensors live there."),
        ("SRAM / L1", "a core's local memory; buffers are placed at addresses in it. High-water = most bytes ever "
         "in use at once."),
        ("circular buffer (CB)", "a queue of tile-sized pages in L1 through which the reader, compute and writer "
         "kernels hand tiles on."),
        ("transfer / multicast", "one NoC read or write; a multicast sends the same data to a rectangle of cores."),
        ("bf16, bfp8_b", "number formats: " + "; ".join(f"{k} = {v}" for k, v in DTYPE_WORDS.items()) + "."),
        ("cycle", "one tick of the device clock; times are cycles converted at the clock rate."),
    ]
