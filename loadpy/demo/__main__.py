"""`python -m loadpy.demo`: serve the demo target."""

import sys

from loadpy.demo.server import main

sys.exit(main())
