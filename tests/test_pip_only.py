"""What a clerk on Windows or macOS runs with pip alone (issue 29): `zhinan check`, `serve`,
`import-sheet` and `images --fix` never load WeasyPrint, whose Pango/HarfBuzz libraries are the
Debian packages (on Windows: a GTK install) that only the PDF stage needs. Each command runs here
in a Python where importing weasyprint fails, as it does on a machine without those libraries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from sheetkit import SMALL, build_stages, copy_content

BLOCKER = '''
import sys
class _NoPango:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("weasyprint", "cairocffi", "cairosvg"):
            raise ImportError(f"{name}: cannot load library 'libpango-1.0-0' (pip-only machine)")
        return None
sys.meta_path.insert(0, _NoPango())
'''


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    paths = [str(site), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), "NO_MKDOCS_2_WARNING": "1"}


def zhinan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", *args], capture_output=True, text=True, env=env, timeout=600)


def test_the_blocker_blocks(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-c", "import weasyprint"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "libpango" in done.stderr


def test_check_images_and_import_sheet_without_weasyprint(env: dict[str, str], tmp_path: Path) -> None:
    root = copy_content(SMALL, tmp_path / "content")
    build_stages(root, tmp_path / "build", "sheets")  # the workbook a department downloads from the site
    book = tmp_path / "build" / "sheets" / "paint.xlsx"
    done = zhinan(env, "check", "--root", str(root))
    assert done.returncode == 0, done.stderr
    done = zhinan(env, "import-sheet", str(book), "--sector", "paint", "--root", str(root))
    assert done.returncode == 0, done.stderr
    images = root / "sectors/paint/images"
    images.mkdir(exist_ok=True)
    shapes = Image.effect_noise((2600 // 16, 1950 // 16), 80).resize((2600, 1950), Image.Resampling.BICUBIC)
    photo = Image.blend(shapes, Image.effect_noise((2600, 1950), 12), 0.35).convert("RGB")  # photo-like pixels
    photo.save(images / "现场照片.jpg", quality=95)
    ent = root / "sectors/paint/enterprises/sample-paint.yml"
    text = ent.read_text(encoding="utf-8")
    assert "images:" not in text
    ent.write_text(text.rstrip("\n") + "\n    images:\n      - src: images/现场照片.jpg\n        caption: 现场照片\n",
                   encoding="utf-8")
    done = zhinan(env, "images", "--fix", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert zhinan(env, "check", "--root", str(root)).returncode == 0


def test_serve_without_weasyprint(env: dict[str, str], minimal_tree: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = minimal_tree.parent / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "zhinan", "serve", "--root", str(minimal_tree), "-a", f"127.0.0.1:{port}"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while "预览地址" not in log.read_text(encoding="utf-8") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, log.read_text(encoding="utf-8")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200 and "示例行业" in page.read().decode("utf-8")
        assert "libpango" not in log.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
