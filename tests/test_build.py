"""The whole build: the PDFs render alongside the other stages, and the site gets them when done."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from zhinan import site
from zhinan.build import BuildOptions, build
from zhinan.cli import main
from zhinan.content.validate import load_content
from zhinan.pipeline.progress import Progress
from zhinan.site import downloads as site_downloads

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md


def _files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_offers_the_pdfs_rendered_alongside(minimal_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = build(BuildOptions(root=minimal_tree, out=out, jobs=2, progress=Progress(quiet=True)))
    assert set(results) >= {"pdf", "sheets", "data", "site"}
    assert results["site"]["waited_seconds"] >= 0
    content = load_content(minimal_tree)
    downloads = site.find_downloads(content, out)
    # Every file the build writes is offered, and the site holds its real bytes, not the
    # placeholder MkDocs wrote while the PDF was still being rendered.
    assert sorted(downloads) == sorted(key for key, *_ in site_downloads._download_plan(content))
    for d in downloads.values():
        assert (out / "site" / d.src).read_bytes() == d.path.read_bytes(), d.src
        assert d.path.stat().st_size > (1000 if d.path.suffix == ".pdf" else 0)
    # The size and page count beside each link are those of the file: for the PDFs rendered beside
    # the site, the page counts the PDF stage reported (site.PageCounts), not read again.
    shown: dict[str, str] = {}
    for page in (out / "site").rglob("*.html"):
        for m in re.finditer(r'data-zn-file="([^"]+)">（([^<]*)）<', page.read_text(encoding="utf-8")):
            shown[html.unescape(m.group(1))] = m.group(2)
    pdfs = [d for d in downloads.values() if d.path.suffix == ".pdf"]
    assert pdfs and all(d.src in shown for d in pdfs)
    for d in pdfs:
        with pikepdf.open(d.path) as doc:
            assert shown[d.src] == site.download_facts(d.path, None) and shown[d.src].endswith(f"，{len(doc.pages)} 页")


# The PDF stage's failure interrupts the stages running in the main thread (SIGUSR1, as Ctrl+C would,
# see zhinan.build). Landing between `open()` and the `with` that would close it (shutil.copyfile,
# as the sheets stage copies a workbook it keeps), it leaves a file that is closed by its finalizer
# as the frame unwinds: a ResourceWarning, turned into an error by the suite's filter (seen once, in
# a run of the whole suite). The build removes the folder the file was in; there is nothing to report.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_failed_pdf_stage_keeps_the_previous_site(minimal_tree: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    args = ["build", "--root", str(minimal_tree), "--out", str(out), "-j", "2", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _files(out / "site")
    # A change the site would show, then a PDF stage that fails (no Chinese font) while the site
    # is being built beside it: the new site must not replace the old one.
    chapter = minimal_tree / "guides" / "01-intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n新增的一段说明。\n", encoding="utf-8")
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "fonts-noto-cjk" in result.output
    assert _files(out / "site") == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".site")] == []  # no half-built folder left


class Terminal(io.StringIO):
    """What the build writes to a terminal: Progress redraws a status line only on a tty."""

    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_shows_the_stages_running_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    term = Terminal()
    progress = Progress(stream=term)
    progress.step("pdf", 1, 3, "a.pdf")
    progress.step("site", 0, 10, "生成网页")
    assert term.getvalue().rsplit("\r\033[K", 1)[-1] == "[pdf] 1/3 a.pdf  [site] 0/10 生成网页"
    progress.step("site", 10, 10, "网站")
    progress.info("[site] 完成")
    progress.step("pdf", 3, 3, "guide.pdf")
    # What stays on the screen once the status line is gone: one line per finished stage.
    screen = [part.rsplit("\r\033[K", 1)[-1] for part in term.getvalue().split("\n")]
    assert screen == ["[site] 10/10 网站", "[site] 完成", "[pdf] 3/3 guide.pdf", ""]


def test_progress_in_ci_is_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    term = Terminal()
    progress = Progress(stream=term)
    progress.step("pdf", 1, 2, "a.pdf")
    progress.step("site", 0, 1, "生成网页")
    progress.step("pdf", 2, 2, "b.pdf")
    assert term.getvalue() == "[pdf] 1/2 a.pdf\n[site] 0/1 生成网页\n[pdf] 2/2 b.pdf\n"


def test_sectors_rendered_in_forked_processes_equal_one_process(tmp_path: Path) -> None:
    """`zhinan build --only site -j 2` renders the sectors in forked processes (no PDF stage beside
    it): the site, the self-check pages' workbooks and the caches equal those of `-j 1`."""
    root = Path(__file__).parent / "fixtures" / "edition"  # a frozen copy of the content: several sectors
    outs = {}
    for jobs in (1, 2):
        outs[jobs] = tmp_path / f"j{jobs}"
        build(BuildOptions(root=root, out=outs[jobs], only=("site",), jobs=jobs, progress=Progress(quiet=True)))
    one, two = _files(outs[1] / "site"), _files(outs[2] / "site")
    assert len(load_content(root).sectors) >= 2 and one == two
    for name in ("site-sectors.json", "self-check.json"):
        assert (outs[1] / ".current/.cache" / name).read_bytes() == (outs[2] / ".current/.cache" / name).read_bytes(), name
