"""`python -m dmp` runs the dmp command."""

import sys

from dmp.cli import main

sys.exit(main())
