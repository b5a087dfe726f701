"""`python -m srcad rules` lists every registered primal and its rules; `rules-md` writes
them as Markdown (docs/rules.md); `coverage-md` probes the NumPy/SciPy surface
(docs/coverage.md)."""

from __future__ import annotations

import sys

from srcad.rules import coverage
from srcad.surface import table


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "rules"
    if command == "rules":
        print(coverage.text_table())
        return 0
    if command == "rules-md":
        sys.stdout.write(coverage.markdown())
        return 0
    if command == "coverage-md":
        sys.stdout.write(table.generate())
        return 0
    print("usage: python -m srcad [rules | rules-md | coverage-md]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
