#!/usr/bin/env bash
# One command: install what the tests need, then run linters, type checks and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export NO_MKDOCS_2_WARNING=1
# The tests start some hundred Python processes (builds, the CLI, the bench); where the environment
# forbids bytecode files (many containers set PYTHONDONTWRITEBYTECODE), each compiled zhinan's
# sources again: 3-5 % of test_integrity's CPU.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/ruff check src tests scripts
.venv/bin/mypy
# Two test processes, a module to each at a time (module fixtures are built once), the modules in
# the order tests/conftest.py gives them (slow ones first); more with ZHINAN_TEST_WORKERS=N, one
# (plain pytest) with ZHINAN_TEST_WORKERS=0.
exec .venv/bin/python -m pytest -n "${ZHINAN_TEST_WORKERS:-2}" --dist loadscope --no-loadscope-reorder "$@"
