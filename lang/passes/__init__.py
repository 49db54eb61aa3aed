"""Compiler passes over `ir.Graph`, each a module named by its verb exporting one function of that name.

In pipeline order: shapes (run by `check`, before compiling), then decompose, fuse, place, tile, alloc, route and
emit (lang/compiler.py runs them; emit turns the last graph into the Program).
"""
