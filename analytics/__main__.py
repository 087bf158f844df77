"""`python -m analytics COMMAND`: the same program as the `ibm-video-analytics` script."""

import sys

from analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
