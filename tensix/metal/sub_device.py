"""Sub-devices (tt::tt_metal::SubDevice): disjoint groups of a device's cores that programs are confined to. The
emulator runs programs one after another, so a loaded manager only checks that each program stays inside one
sub-device, as tt-metal requires."""

from __future__ import annotations

import enum

from tensix.errors import ProgramError
from tensix.metal.coords import CoreRangeSet, cores_of


class HalProgrammableCoreType(enum.IntEnum):
    TENSIX = 0
    ACTIVE_ETH = 1
    IDLE_ETH = 2


class DispatchCoreType(enum.IntEnum):
    WORKER = 0
    ETH = 1


class SubDevice:
    """SubDevice(std::array{tensix cores, ethernet cores}): a list of CoreRangeSets by core type."""

    def __init__(self, cores):
        sets = list(cores)
        if not sets:
            raise ProgramError("SubDevice needs its Tensix cores: SubDevice([CoreRangeSet(...)])")
        self._cores = [s if isinstance(s, CoreRangeSet) else CoreRangeSet(s) for s in sets]

    def cores(self, core_type: HalProgrammableCoreType = HalProgrammableCoreType.TENSIX) -> CoreRangeSet:
        i = int(core_type)
        return self._cores[i] if i < len(self._cores) else CoreRangeSet([])

    def has_core_type(self, core_type: HalProgrammableCoreType) -> bool:
        return bool(cores_of(self.cores(core_type)))


class SubDeviceManager:
    def __init__(self, mesh, sub_devices: list[SubDevice], local_l1_size: int):
        if not all(isinstance(s, SubDevice) for s in sub_devices):
            raise ProgramError("create_sub_device_manager takes a list of SubDevice")
        seen: dict[tuple[int, int], int] = {}
        for i, s in enumerate(sub_devices):
            for c in cores_of(s.cores()):
                mesh.cfg.noc_xy(c)  # a typed error for a core off the grid
                if c in seen:
                    raise ProgramError(f"core {c} is in sub-device {seen[c]} and sub-device {i}; they must not overlap")
                seen[c] = i
        self.sub_devices, self.local_l1_size, self._owner = sub_devices, local_l1_size, seen

    def check(self, program) -> None:
        """A program runs inside one sub-device."""
        owners = {self._owner.get(c) for c in program.core_list()}
        if None in owners or len(owners) > 1:
            outside = [c for c in program.core_list() if c not in self._owner]
            inside = sorted(o for o in owners if o is not None)
            raise ProgramError(f"a program on cores {program.core_list()} spans sub-devices {inside}"
                               + (f" and cores {outside} outside every sub-device" if outside else "")
                               + "; with a sub-device manager loaded each program runs inside one sub-device")
