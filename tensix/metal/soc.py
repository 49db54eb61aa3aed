"""The chip map behind tt-metal's SoC descriptor and cluster queries (tt::tt_metal::MetalContext::instance()
.get_cluster().get_soc_desc(id)), read off the device's preset: which NoC-0 tile is Tensix, DRAM, Ethernet, PCIe,
ARC or router-only, harvested rows, DRAM channels and views, Ethernet channels, and the device queries around them
(arch, logical and DRAM grid sizes, each DRAM bank's nearest worker).

Orders are the preset's: DRAM tiles as the preset lists them, in channels of 3 (Wormhole, Blackhole) or 1
(Grayskull); Ethernet channels in the preset's order; the harvesting mask has bit i for the i-th Tensix row
(NoC-0 rows holding Tensix tiles, top down). Translated coordinates are NoC-0 ones for non-Tensix tiles.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass
from types import SimpleNamespace

from tensix.config import TileKind
from tensix.errors import ProgramError
from tensix.metal.coords import CoreCoord


class ARCH(enum.Enum):
    GRAYSKULL = "grayskull"
    WORMHOLE_B0 = "wormhole_b0"
    BLACKHOLE = "blackhole"
    QUASAR = "quasar"
    Invalid = "invalid"


def arch_of(preset_name: str) -> ARCH:
    for prefix, arch in (("wormhole", ARCH.WORMHOLE_B0), ("blackhole", ARCH.BLACKHOLE), ("grayskull", ARCH.GRAYSKULL)):
        if preset_name.startswith(prefix):
            return arch
    return ARCH.Invalid


class CoreType(enum.Enum):
    ARC = "ARC"
    DRAM = "DRAM"
    ACTIVE_ETH = "ACTIVE_ETH"
    IDLE_ETH = "IDLE_ETH"
    PCIE = "PCIE"
    TENSIX = "TENSIX"
    ROUTER_ONLY = "ROUTER_ONLY"
    HARVESTED = "HARVESTED"
    ETH = "ETH"
    WORKER = "WORKER"
    SECURITY = "SECURITY"
    L2CPU = "L2CPU"
    COUNT = "COUNT"


class CoordSystem(enum.Enum):
    LOGICAL = "LOGICAL"
    NOC0 = "NOC0"
    VIRTUAL = "VIRTUAL"
    TRANSLATED = "TRANSLATED"
    NOC1 = "NOC1"


def to_str(value) -> str:
    """tt::to_str of a CoreType (its name)."""
    return value.value if isinstance(value, enum.Enum) else str(value)


@dataclass(frozen=True, slots=True)
class UmdCoreCoord:
    """tt::umd::CoreCoord(x, y, core_type, coord_system)."""

    x: int
    y: int
    core_type: CoreType = CoreType.TENSIX
    coord_system: CoordSystem = CoordSystem.NOC0


umd = SimpleNamespace(CoreCoord=UmdCoreCoord)

_KIND = {CoreType.DRAM: TileKind.DRAM, CoreType.ETH: TileKind.ETH, CoreType.PCIE: TileKind.PCIE,
         CoreType.ARC: TileKind.ARC, CoreType.ROUTER_ONLY: TileKind.OTHER, CoreType.TENSIX: TileKind.TENSIX}


class SocDescriptor:
    """metal_SocDescriptor of one device's preset."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.grid_size = CoreCoord(cfg.width, cfg.height)
        dram = [pos for pos, kind in cfg.tiles.items() if kind is TileKind.DRAM]
        per = 3 if len(dram) % 3 == 0 else 1
        self._dram = [dram[i:i + per] for i in range(0, len(dram), per)]
        self._eth = [pos for pos, kind in cfg.tiles.items() if kind is TileKind.ETH]

    def _noc(self, positions, core_type: CoreType, coord_system: CoordSystem) -> list[UmdCoreCoord]:
        if coord_system not in (CoordSystem.NOC0, CoordSystem.TRANSLATED) or coord_system is CoordSystem.TRANSLATED \
                and core_type is CoreType.TENSIX:
            raise ProgramError(f"{core_type.name} cores in {coord_system.name} coordinates: only NOC0 (and "
                               f"TRANSLATED for non-Tensix cores) are modelled")
        return [UmdCoreCoord(x, y, core_type, coord_system) for x, y in positions]

    def get_cores(self, core_type: CoreType, coord_system: CoordSystem = CoordSystem.NOC0) -> list[UmdCoreCoord]:
        kind = _KIND.get(core_type)
        if kind is None:
            return []
        cells = [(x, y) for y in range(self.cfg.height) for x in range(self.cfg.width) if self.cfg.kind((x, y)) is kind]
        return self._noc(cells, core_type, coord_system)

    def get_harvested_cores(self, core_type: CoreType, coord_system: CoordSystem = CoordSystem.NOC0):
        if core_type is not CoreType.TENSIX:
            return []
        cells = [(x, y) for y in range(self.cfg.height) for x in range(self.cfg.width)
                 if self.cfg.kind((x, y)) is TileKind.HARVESTED]
        return self._noc(cells, core_type, coord_system)

    def get_dram_cores(self) -> list[list[UmdCoreCoord]]:
        return [self._noc(ch, CoreType.DRAM, CoordSystem.NOC0) for ch in self._dram]

    def get_num_dram_channels(self) -> int:
        return len(self._dram)

    def get_num_dram_views(self) -> int:
        return len(self.cfg.dram_banks)

    def get_num_eth_channels(self) -> int:
        return len(self._eth)

    def get_eth_core_for_channel(self, channel: int, coord_system: CoordSystem = CoordSystem.NOC0) -> UmdCoreCoord:
        if not 0 <= channel < len(self._eth):
            raise ProgramError(f"Ethernet channel {channel} outside 0..{len(self._eth) - 1}")
        return self._noc([self._eth[channel]], CoreType.ETH, coord_system)[0]

    def get_preferred_worker_core_for_dram_view(self, view: int, noc: int = 0) -> CoreCoord:
        """The DRAM tile a bank (view) is reached at (its endpoint in the preset), translated coordinates."""
        if not 0 <= view < len(self.cfg.dram_banks):
            raise ProgramError(f"DRAM view {view} outside 0..{len(self.cfg.dram_banks) - 1}")
        return CoreCoord(*self.cfg.dram_banks[view])

    def translate_coord_to(self, coord: UmdCoreCoord, coord_system: CoordSystem) -> UmdCoreCoord:
        if coord.core_type is CoreType.TENSIX and coord.coord_system is not coord_system:
            raise ProgramError("Tensix translated coordinates are not modelled; use NOC0")
        return UmdCoreCoord(coord.x, coord.y, coord.core_type, coord_system)

    def get_physical_tensix_core_from_logical(self, logical) -> CoreCoord:
        return CoreCoord(*self.cfg.noc_xy(tuple(logical)))

    def harvesting_mask(self) -> int:
        rows = [y for y in range(self.cfg.height)
                if any(self.cfg.kind((x, y)) in (TileKind.TENSIX, TileKind.HARVESTED) for x in range(self.cfg.width))]
        harvested = {y for (x, y), kind in self.cfg.tiles.items() if kind is TileKind.HARVESTED}
        return sum(1 << i for i, y in enumerate(rows) if y in harvested)


def optimal_dram_bank_workers(cfg, noc: int) -> list[CoreCoord]:
    """For each DRAM bank, the logical worker fewest NoC hops from it on `noc` (NoC 0 goes +x then +y around the
    torus, NoC 1 the other way); each worker once, banks in order, ties to the first core row by row."""
    w, h = cfg.width, cfg.height
    free = list(cfg.logical_cores())
    out = []
    for bx, by in cfg.dram_banks:
        def hops(core, bx=bx, by=by):
            x, y = cfg.noc_xy(core)
            if noc == 0:
                return (x - bx) % w + (y - by) % h
            return (bx - x) % w + (by - y) % h
        best = min(free, key=hops)
        free.remove(best)
        out.append(CoreCoord(*best))
    return out


_DEVICES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def register(device) -> None:
    """Remember an open device by id, for the cluster queries."""
    _DEVICES[device.device_id] = device


class Cluster:
    """tt::Cluster as the examples query it: per-device SoC descriptors and harvesting masks."""

    def _device(self, device_id: int):
        dev = _DEVICES.get(device_id)
        if dev is None or dev.closed:
            raise ProgramError(f"no open device {device_id}; open it (CreateDevice / MeshDevice) first")
        return dev

    def get_soc_desc(self, device_id: int) -> SocDescriptor:
        return SocDescriptor(self._device(device_id).cfg)

    def get_harvesting_mask(self, device_id: int) -> int:
        return self.get_soc_desc(device_id).harvesting_mask()

    def number_of_devices(self) -> int:
        return sum(1 for d in _DEVICES.values() if not d.closed)


class MetalContext:
    """tt::tt_metal::MetalContext::instance(): the process-wide context (here: the cluster of open devices)."""

    _instance: MetalContext | None = None

    @classmethod
    def instance(cls) -> MetalContext:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def get_cluster(self) -> Cluster:
        return Cluster()


__all__ = ["ARCH", "CoordSystem", "CoreType", "MetalContext", "to_str", "umd"]
