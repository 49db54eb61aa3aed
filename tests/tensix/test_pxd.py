"""The compiled core's `.pxd` files stay in step with their `.py` source: every attribute a class assigns is declared.

A compiled `cdef class` has only the attributes its .pxd declares; one assigned in the .py but missing there works as
plain Python and fails (AttributeError) only in the compiled build, so this checks both files as text.
"""

from __future__ import annotations

import ast
import re

import pytest

from tensix.compiled import COMPILED, source_path

PXD_MODULES = [m for m in COMPILED if source_path(m).with_suffix(".pxd").exists()]
CLASS = re.compile(r"^cdef class (\w+)(?:\((\w+)\))?:")
FIELD = re.compile(r"^    cdef (?:public |readonly )?(.+)$")


def pxd_classes(text: str) -> dict[str, tuple[str | None, set[str]]]:
    """class name -> (base class, attribute names) from a .pxd: `cdef [public] TYPE a, b` lines in a class block."""
    classes, current = {}, None
    for line in text.splitlines():
        if m := CLASS.match(line):
            current = classes[m[1]] = (m[2], set())
        elif current is not None and (m := FIELD.match(line)) and "(" not in m[1]:
            first, *rest = (part.strip() for part in m[1].split(","))
            current[1].update([first.split()[-1], *rest])
        elif line and not line.startswith(" "):
            current = None
    return classes


def assigned(cls: ast.ClassDef) -> set[str]:
    """Every `self.NAME` a method of cls assigns (plain, augmented, annotated or tuple targets)."""
    names = set()
    for node in ast.walk(cls):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            names |= _self_attrs(target)
    return names


def _self_attrs(target: ast.expr) -> set[str]:
    """`self.a` -> {a}; tuples and lists of targets unpacked; `self.f(x)[:] = ...` assigns no attribute."""
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return {target.attr}
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_self_attrs(t) for t in target.elts))
    if isinstance(target, ast.Starred):
        return _self_attrs(target.value)
    return set()


def declared(name: str, classes: dict) -> set[str]:
    """The class's own declarations and those of its bases in the same or another compiled module."""
    base, names = classes[name]
    return names | (declared(base, classes) if base in classes else set())


def all_pxd_classes() -> dict:
    classes = {}
    for module in PXD_MODULES:
        classes |= pxd_classes(source_path(module).with_suffix(".pxd").read_text())
    return classes


@pytest.mark.parametrize("module", PXD_MODULES)
def test_each_pxd_declares_every_attribute_its_py_assigns(module):
    classes = all_pxd_classes()
    tree = ast.parse(source_path(module).read_text())
    own = pxd_classes(source_path(module).with_suffix(".pxd").read_text())
    classes_here = [c.name for c in tree.body if isinstance(c, ast.ClassDef)]
    assert own or not classes_here, f"{module}.pxd declares no cdef class"  # (a .pxd may type functions alone)
    missing = {c.name: sorted(assigned(c) - declared(c.name, classes))
               for c in tree.body if isinstance(c, ast.ClassDef) and c.name in own}
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_parsers_see_what_they_should():
    text = ("cdef class Engine:\n    cdef public long long now, max_cycles\n    cdef public dict due\n"
            "    cpdef at(self, long long t, fn)\n    cdef object _queue(self, long long t)\n"
            "cdef class Sub(Engine):\n    cdef unsigned char[::1] view\n")
    classes = pxd_classes(text)
    assert classes == {"Engine": (None, {"now", "max_cycles", "due"}), "Sub": ("Engine", {"view"})}
    assert declared("Sub", classes) == {"now", "max_cycles", "due", "view"}
    cls = ast.parse("class A:\n def f(self):\n  self.a = 1\n  self.b += 2\n  self.c, (self.d, x) = 1, (2, 3)\n"
                    "  other.e = 4\n  self.f(1)[:] = 5\n  self.g[0] = 6\n").body[0]
    assert assigned(cls) == {"a", "b", "c", "d"}
