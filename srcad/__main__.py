"""`python -m srcad rules` lists every registered primal and its rules."""

from __future__ import annotations

import sys

from srcad.rules import coverage


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "rules"
    if command == "rules":
        print(coverage.text_table())
        return 0
    if command == "coverage-md":
        sys.stdout.write(coverage.markdown())
        return 0
    print("usage: python -m srcad [rules | coverage-md]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
