"""``python -m homeml``: the same as the ``homeml`` command."""

import sys

from homeml.cli import main

sys.exit(main())
