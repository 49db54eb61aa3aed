"""Compiler passes over `ir.Graph`, each a module named by its verb exporting one function of that name.

In pipeline order: shapes (then tile, fuse, place, alloc, route, emit as they arrive).
"""
