"""The two NoCs: dimension-ordered torus routes (routing.py) and link occupancy with contention (fabric.py)."""

from tensix.noc.fabric import Fabric
from tensix.noc.routing import DIRS, link_name, multicast_links, route

__all__ = ["DIRS", "Fabric", "link_name", "multicast_links", "route"]
