#!/usr/bin/env bash
# One command: install what is needed, then build the whole guide into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/zhinan build "$@"
