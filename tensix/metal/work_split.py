"""tt-metal's split_work_to_cores (work_split.hpp): spread `units` over a grid, two groups of cores when they do
not divide evenly (the first group takes one unit more), cores taken column by column unless row_wise."""

from __future__ import annotations

from tensix.metal.coords import CoreCoord, CoreRange, CoreRangeSet


def num_cores_to_corerangeset(num_cores: int, grid, row_wise: bool = False) -> CoreRangeSet:
    """The first num_cores cores of `grid`, as whole rows (row_wise) or columns plus a partial last one."""
    gx, gy = (grid.x, grid.y) if isinstance(grid, CoreCoord) else grid
    line = gx if row_wise else gy
    full, rest = divmod(num_cores, line)
    ranges = []
    if full:
        ranges.append(CoreRange((0, 0), (gx - 1, full - 1)) if row_wise else CoreRange((0, 0), (full - 1, gy - 1)))
    if rest:
        ranges.append(CoreRange((0, full), (rest - 1, full)) if row_wise else CoreRange((full, 0), (full, rest - 1)))
    return CoreRangeSet(ranges)


def _lines(rs: CoreRangeSet, row_wise: bool) -> list[CoreRange]:
    """A range set as single rows (row_wise) or single columns, in order."""
    out = []
    for r in rs.ranges():
        s, e = r.start_coord, r.end_coord
        if row_wise:
            out += [CoreRange((s.x, y), (e.x, y)) for y in range(s.y, e.y + 1)]
        else:
            out += [CoreRange((x, s.y), (x, e.y)) for x in range(s.x, e.x + 1)]
    return out


def split_work_to_cores(grid, units: int, row_wise: bool = False):
    """(num_cores, all_cores, core_group_1, core_group_2, units_per_core_group_1, units_per_core_group_2)."""
    gx, gy = (grid.x, grid.y) if isinstance(grid, CoreCoord) else grid
    if units == 0:
        return 0, CoreRangeSet(), CoreRangeSet(), CoreRangeSet(), 0, 0
    num_cores = min(units, gx * gy)
    all_cores = num_cores_to_corerangeset(num_cores, (gx, gy), row_wise)
    per_core, more = divmod(units, num_cores)
    if not more:
        return num_cores, all_cores, all_cores, CoreRangeSet(), per_core, 0
    cores = [c for line in _lines(all_cores, row_wise) for c in line]
    group_1 = CoreRangeSet([CoreRange(c) for c in cores[:more]])
    group_2 = CoreRangeSet([CoreRange(c) for c in cores[more:]])
    return num_cores, all_cores, group_1, group_2, per_core + 1, per_core
