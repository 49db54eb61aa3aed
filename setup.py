"""Builds the run-time core (tensix/compiled.py names the modules) as C extensions with Cython, from their
plain-Python source and the .pxd type declarations beside each; a failed build leaves them plain Python."""

import ast
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup


def compiled_modules() -> list[str]:
    """COMPILED from tensix/compiled.py, read without importing tensix (its dependencies are not installed yet)."""
    tree = ast.parse(Path("tensix/compiled.py").read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "COMPILED")
    return list(ast.literal_eval(node.value))


extensions = [Extension(m, [m.replace(".", "/") + ".py"], optional=True) for m in compiled_modules()]
# annotation_typing off: only the .pxd files give C types (a `nbytes: int` hint must still accept numpy ints)
setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": 3, "annotation_typing": False},
                            quiet=True))
