"""`python -m tensix` is the `tensix` command."""

import sys

from tensix.cli import main

sys.exit(main())
