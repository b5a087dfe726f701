"""`python -m srcad`: see srcad/cli.py (`python -m srcad --help`)."""

from __future__ import annotations

import sys

from srcad.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
