"""Compiler passes over `ir.Graph`, each a module named by its verb exporting one function of that name.

In pipeline order (lang/compiler.py): decompose, fuse, place, tile, route, alloc, emit. tile builds each core's
typed steps (tensix/schedule/contract.py), route adds their semaphores, alloc lays out every core's L1, emit
returns the Schedule. shapes is the type check the lowering runs before them.
"""
