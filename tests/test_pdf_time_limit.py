"""A time bound per PDF (issue 35): a document that takes longer than `ZHINAN_PDF_TIME_LIMIT`
seconds (default 600) to lay out is stopped in its worker (or, with -j 1, in the build), and the
build ends with a Chinese error naming the file; the published edition stays as it was.

The slow document is made by a `sitecustomize` on PYTHONPATH that makes laying out sleep, in the
worker processes (and the build itself with -j 1): a real build, a real worker, a real signal."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parent.parent / "src"
INJECT = '''
import os
if os.environ.get("ZHINAN_TEST_SLOW_PDF"):
    import zhinan.pdf.render as _render
    _real = _render.render_html

    def _slow(job):
        import time
        time.sleep(float(os.environ["ZHINAN_TEST_SLOW_PDF"]))
        return _real(job)

    _render.render_html = _slow
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_slow_document_is_stopped_and_named(minimal_tree: Path, tmp_path: Path, jobs: str) -> None:
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(INJECT, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": f"{inject}{os.pathsep}{SRC}",
           "ZHINAN_TEST_SLOW_PDF": "60", "ZHINAN_PDF_TIME_LIMIT": "3"}
    out = tmp_path / "out"
    started = time.monotonic()
    result = subprocess.run([str(BIN / "zhinan"), "build", "--root", str(minimal_tree), "--out", str(out),
                             "--only", "pdf", "-j", jobs, "-q"], capture_output=True, text=True, env=env,
                            check=False, timeout=55, start_new_session=True)
    took = time.monotonic() - started
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 1 and took < 30, (took, result.stderr)
    assert last.startswith("错误：") and "3 秒" in last and any(f"{name}.pdf" in last for name in ("demo", "demo-form")), \
        result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "pdf").exists()
