"""`python -m tensix.tools RUN_DIR [--against DIR] [--out DIR] [--no-dot]`: draw every view of a saved run."""

import sys

from .viz import main

sys.exit(main())
