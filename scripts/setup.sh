#!/usr/bin/env bash
# Installs everything zhinan needs on a Debian/Ubuntu machine with Python >= 3.11.
#   bash scripts/setup.sh          — what building the guide needs
#   bash scripts/setup.sh --test   — and what the tests need (Chromium, LibreOffice, axe-core…)
# Idempotent: a second run installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Debian packages: a CJK font family (宋体/黑体 styles), HarfBuzz subsetting (5x faster PDFs),
# Pango for WeasyPrint; for tests also Chromium (the browser for the bench's network figures, its
# headless shell for the tests), poppler (pdffonts/pdftotext), LibreOffice Calc.
debs=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig)
if [ "$want_test" = 1 ]; then
  debs+=(chromium chromium-headless-shell poppler-utils libreoffice-calc-nogui)
  command -v node >/dev/null || debs+=(nodejs)
  command -v npm >/dev/null || debs+=(npm)
fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "安装 Debian 软件包：${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python packages in a project-local virtual environment.
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.zhinan-installed
extras=""
[ "$want_test" = 1 ] && extras="[test]"
if [ ! -f "$stamp$extras" ] || [ pyproject.toml -nt "$stamp$extras" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp$extras"
fi

# npm packages for the browser tests (axe-core), pinned in package.json / package-lock.json.
if [ "$want_test" = 1 ] && [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund --silent
fi
