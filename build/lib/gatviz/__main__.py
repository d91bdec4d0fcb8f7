import sys

from gatviz.cli import main

sys.exit(main())
