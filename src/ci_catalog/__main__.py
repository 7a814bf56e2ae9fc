import sys

from ci_catalog.cli import main

sys.exit(main())
