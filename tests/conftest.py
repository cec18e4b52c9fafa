"""Shared fixtures: content trees, and what many test modules only read — the frozen edition's
content and site, built once per test session, an HTTP server over it and one Chromium.

A test that changes what it is given takes a copy (`minimal_tree`, `edition_tree`) or builds
into its own folder; the session-wide fixtures are read-only by agreement, and a test that
writes into them would be a bug in that test.

Markers: `slow` marks tests that build whole editions, start servers or kill builds (run
`pytest -m "not slow"` for the quick subset, see CONTRIBUTING).
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zhinan.build import BuildOptions, build
from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.pipeline.progress import Progress
from zhinan.site import url_of

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EDITION = FIXTURES / "edition"
"""A frozen copy of the repository's content: tests read it, never the live sectors/ and guides/."""
CHROMIUM = "/usr/bin/chromium-headless-shell"
"""Debian's build of Chromium's headless shell: the same Blink and V8 as its `chromium`, without
the browser's own window and toolbar, which the full browser draws even when headless. What
Playwright itself runs headless. Measured on 2 cores (2026-12-07): test_selfcheck.py alone took
65 CPU-seconds with `chromium`, 42 with the shell; the suite 430 and 315."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

REQUIRED_TOOLS = {
    CHROMIUM: "Chromium 的无界面版本（apt-get install chromium-headless-shell）",
    "soffice": "LibreOffice（apt-get install libreoffice-calc-nogui）",
    "pdftotext": "poppler（apt-get install poppler-utils）",
    "pdffonts": "poppler（apt-get install poppler-utils）",
    "pdftoppm": "poppler（apt-get install poppler-utils）",
    "fc-list": "fontconfig（apt-get install fontconfig）",
}


def missing_tools() -> list[str]:
    """What the tests need installed and is not: each as what to install. Never a reason to skip."""
    missing = sorted({hint for tool, hint in REQUIRED_TOOLS.items()
                      if not (Path(tool).is_file() if tool.startswith("/") else shutil.which(tool))})
    if shutil.which("fc-list"):
        faces = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
        if "Noto Sans CJK SC" not in faces or "Noto Serif CJK SC" not in faces:
            missing.append("思源/Noto CJK SC 字体（apt-get install fonts-noto-cjk）")
    return missing


def pytest_sessionstart(session: pytest.Session) -> None:
    """A missing install fails the run with what to install (see scripts/setup.sh), instead of
    letting tests that need it skip or fail obscurely."""
    missing = missing_tools()
    if missing:
        raise pytest.UsageError("测试需要的程序或字体没有安装：" + "；".join(missing) + "。请运行 scripts/setup.sh 或安装它们。")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules that have slow tests first, then the rest, each module's tests in their order.

    With `--dist loadscope --no-loadscope-reorder` (scripts/test.sh) the test processes take whole
    modules in this order, so the longest ones (a bench run, the killed builds) start at once and
    the short ones fill whichever process is free at the end. The default reorder (most tests
    first) started the bench's module, 8 tests and a minute, after half the run: one process
    then ran alone at the end."""
    slow = {getattr(item, "module", None) for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: getattr(item, "module", None) not in slow)


_LO_PROFILE: list[Path] = []


def lo_profile() -> str:
    """One LibreOffice user profile for the session, as the -env:UserInstallation URI: LibreOffice
    spends seconds creating a fresh profile on each start, and the tests start it several times."""
    if not _LO_PROFILE:
        _LO_PROFILE.append(Path(tempfile.mkdtemp(prefix="zhinan-test-lo-")))
    return _LO_PROFILE[0].as_uri()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for folder in _LO_PROFILE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def minimal_tree(tmp_path: Path) -> Path:
    """A fresh, writable copy of the smallest valid content tree."""
    dest = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", dest)
    return dest


@pytest.fixture
def edition_tree(tmp_path: Path) -> Path:
    """A fresh, writable copy of the frozen edition."""
    dest = tmp_path / "edition"
    shutil.copytree(EDITION, dest)
    return dest


def build_site(root: Path, out: Path) -> dict[str, Any]:
    result: dict[str, Any] = build(BuildOptions(root=root, out=out, only=("site",), progress=Progress(quiet=True)))
    return result


@pytest.fixture(scope="session")
def edition_content() -> Content:
    return load_content(EDITION)


@pytest.fixture(scope="session")
def edition_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The frozen edition's website, built once in the whole run for every module that only reads
    it: the first test process to ask builds it while holding a lock, the others wait for the lock
    and read the same folder (its build report kept beside it as JSON)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # this run's folder, which its test processes' folders are in
    out, report = shared / "edition-build", shared / "edition-build.json"
    with (shared / "edition-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not report.exists():
            report.write_text(json.dumps(build_site(EDITION, out)), encoding="utf-8")
    return out / "site", json.loads(report.read_text(encoding="utf-8"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def built(edition_site: tuple[Path, dict[str, Any]]) -> Path:
    """The frozen edition's built site folder (read-only)."""
    return edition_site[0]


@pytest.fixture(scope="session")
def server(built: Path) -> Iterator[str]:
    """The frozen edition's site over HTTP on the loopback."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_session: Any) -> Iterator[Any]:
    """One headless Chromium for the whole session; each test opens its own pages or contexts."""
    chromium = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def until(page: Any, condition: str, arg: Any = None, timeout: float = 5000) -> bool:
    """Wait (up to `timeout` ms) for a condition in the page instead of for a fixed time; whether it
    came. The assertions that follow then say what is wrong if it never did."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        return False
    return True


class Visit:
    """A browser tab that records console errors and every request it makes."""

    def __init__(self, browser: Any, base: str, bypass_csp: bool = False) -> None:
        self.base = base
        self.page = browser.new_page(bypass_csp=bypass_csp)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, src: str) -> Any:
        url = self.base + url_of(src)
        self.page.goto(url + ("index.html" if self.base.startswith("file:") else ""))
        self.page.wait_for_load_state("load")
        return self.page

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base)]


@pytest.fixture(params=["http", "file"])
def visit(request: pytest.FixtureRequest, browser: Any, built: Path) -> Iterator[Visit]:
    base = request.getfixturevalue("server") if request.param == "http" else built.as_uri() + "/"
    v = Visit(browser, base)
    yield v
    v.page.close()
