"""``python -m searchdesk``: the same as the ``searchdesk`` command."""

import sys

from .cli import main

sys.exit(main())
