"""Whenever tests run, the compiler verifies its IR after every pass and the schedule it emits (lang/compiler.py)."""

import os

os.environ.setdefault("TENSIX_DEBUG", "1")
