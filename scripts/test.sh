#!/usr/bin/env bash
# One command: install what the tests need, then run linters, type checks and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check src tests scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
