"""`python -m devstack` is `sbctl`."""

import sys

from devstack.cli import main

sys.exit(main())
