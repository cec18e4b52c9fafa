"""What the outputs mean, not only that they exist: 重大 vs 一般 on every site page type and in
the PDF, the 目录 numbers against the page each heading is really set on, and the cache keys
against every input of every output.

Expected values come from the YAML (read here with PyYAML, not through zhinan's model) or from
the rendered files themselves (the folio printed at the foot of a page), never from the code
under test. These tests are fast on purpose: scripts/mutants.py runs them for many mutants.
"""

from __future__ import annotations

import html
import importlib.metadata
import re
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import yaml

from conftest import FIXTURES
from zhinan import site
from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.pdf import jobs, render, stage
from zhinan.pipeline import hashcache, transaction

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

EDITION = Path(__file__).resolve().parent / "fixtures" / "edition"  # the frozen copy, not the live content
MAJOR, MINOR = "重大", "一般"


def yaml_major_criteria(root: Path) -> dict[str, dict[str, Any] | None]:
    """sector id -> its `major_criteria` mapping (title, code, coverage), straight from sector.yml."""
    out = {}
    for folder in sorted((root / "sectors").iterdir()):
        data = yaml.safe_load((folder / "sector.yml").read_text(encoding="utf-8"))
        out[folder.name] = data.get("major_criteria")
    return out


def yaml_hazards(root: Path) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """sector id -> [(item id, [(level, text), ...]), ...], straight from checklist.yml."""
    out = {}
    for folder in sorted((root / "sectors").iterdir()):
        data = yaml.safe_load((folder / "checklist.yml").read_text(encoding="utf-8"))
        out[folder.name] = [(it["id"], [(h["level"], h["text"].strip()) for h in it.get("hazards") or []])
                            for it in data["items"]]
    return out


@pytest.fixture(scope="module")
def repo_pages() -> tuple[dict[str, str], dict[str, list[tuple[str, list[tuple[str, str]]]]]]:
    content = load_content(EDITION)
    pages = {src: html.unescape(text) for src, text in site.render_pages(content, {}).items()}
    return pages, yaml_hazards(EDITION)


# ---- the site -----------------------------------------------------------------------------------

def test_yaml_has_both_levels() -> None:
    levels = [lv for items in yaml_hazards(EDITION).values() for _, hs in items for lv, _ in hs]
    assert levels.count(MAJOR) >= 20 and levels.count(MINOR) >= 20


def test_item_sections_label_each_hazard_with_its_own_level(repo_pages: Any) -> None:
    pages, expected = repo_pages
    for sector, items in expected.items():
        page = pages[f"sectors/{sector}/index.md"]
        heads = re.findall(r'^### <span class="zn-nobr">(\S+)</span> .*? \{#([a-z0-9-]+)\}\n(.*?)(?=^#{2,3} |\Z)',
                           page, re.M | re.S)
        assert [h[0] for h in heads] == [i for i, _ in items], sector  # every item, in order, nothing else
        assert all(anchor == i.lower() for i, anchor, _ in heads), sector
        sections = {i: body for i, _, body in heads}
        for item_id, hazards in items:
            lines = [ln for ln in sections[item_id].splitlines() if ln.startswith("- <")]
            got = []
            for ln in lines:
                m = re.fullmatch(r'- (?:<strong class="zn-major">重大隐患</strong>|<span class="zn-minor">一般隐患</span>) (.*)', ln)
                assert m, ln
                got.append((MAJOR if "zn-major" in ln else MINOR, m.group(1).strip()))
            assert got == hazards, (sector, item_id)


def test_checklist_rows_label_each_hazard_and_carry_its_levels_for_the_filter(repo_pages: Any) -> None:
    pages, expected = repo_pages
    for sector, items in expected.items():
        page = pages[f"sectors/{sector}/checklist.md"]
        rows = re.findall(r'<tr id="([a-z0-9-]+)" data-aspect="[^"]*" data-levels="([^"]*)"><td data-label="编号">'
                          r'<a class="zn-id" href="[^"#]*#([a-z0-9-]+)">(\S+?)</a>.*?</tr>', page)
        assert [(r[0], r[2], r[3]) for r in rows] == [(i.lower(), i.lower(), i) for i, _ in items], sector
        cells = re.findall(r'<td data-label="典型隐患">(.*?)</td>', page)
        for (_, levels, _, _), cell, (item_id, hazards) in zip(rows, cells, items, strict=True):
            got = [(MAJOR if tag.startswith("<strong") else MINOR, text.strip()) for tag, text in re.findall(
                r'<p>(<strong class="zn-major">重大</strong>|<span class="zn-minor">一般</span>) (.*?)</p>', cell)]
            assert got == hazards, (sector, item_id)
            assert set(levels.split()) == {lv for lv, _ in hazards}, (sector, item_id)


def test_hazards_index_lists_exactly_the_major_hazards_of_each_sector(repo_pages: Any) -> None:
    pages, expected = repo_pages
    page = pages["hazards.md"]
    sections = re.findall(r"^## [^\n]*?(?:（(\d+) 项）)? \{#([a-z0-9-]+)\}\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    assert sorted(s[1] for s in sections) == sorted(expected)
    assert any(count for count, _, _ in sections)
    for count, sector, body in sections:
        rows = re.findall(r'^\| (.*?) \| \[<span class="zn-nobr">(\S+)</span> .*?\]\(sectors/' + sector
                          + r"/index\.md#(\S+)\) \|$", body, re.M)
        want = [(text, item_id) for item_id, hs in expected[sector] for lv, text in hs if lv == MAJOR]
        assert [(t.strip(), i) for t, i, _ in rows] == want, sector
        assert all(anchor == i.lower() for _, i, anchor in rows)
        # A sector with no 重大 hazard in its checklist shows no count at all (not "0 项").
        assert (int(count) if count else 0) == len(want) and (count != "") == bool(want), sector


def test_sector_page_counts_the_major_hazards(repo_pages: Any) -> None:
    """The count where the sector's 重大 criteria are entered in its checklist (全部/部分录入); where
    they are not (未录入), or the sector has none, no count (a "0 项" would read as "none"), and
    where there are criteria the line names them."""
    pages, expected = repo_pages
    criteria = yaml_major_criteria(EDITION)
    coverages = {(mc or {}).get("coverage") for mc in criteria.values()}
    assert {"未录入", None} <= coverages and coverages & {"全部录入", "部分录入"}  # every case is exercised
    for sector, items in expected.items():
        majors = sum(lv == MAJOR for _, hs in items for lv, _ in hs)
        (meta,) = [ln for ln in pages[f"sectors/{sector}/index.md"].splitlines() if ln.startswith("主管部门：")]
        counts = re.findall(r"重大隐患 (\d+) 项", meta)
        mc = criteria[sector]
        if mc is not None:
            assert f"《{mc['title']}》" in meta, sector
            if mc.get("code"):
                assert mc["code"] in meta, sector
        if mc is not None and mc["coverage"] == "未录入":
            assert majors == 0, sector  # the YAML agrees: nothing entered
            assert counts == [], (sector, meta)
            assert "尚未录入" in meta, (sector, meta)
        elif mc is not None:
            assert counts == [str(majors)], (sector, meta)
        else:
            assert counts == ([str(majors)] if majors else []), (sector, meta)


# ---- the PDF ------------------------------------------------------------------------------------

RED = (0.718, 0.11, 0.11)


def _is_red(colour: Any) -> bool:
    return isinstance(colour, (tuple, list)) and len(colour) == 3 and all(abs(a - b) < 0.02 for a, b in zip(colour, RED, strict=True))


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The gas-demo volume: its item RQ-002 has a 一般 hazard whose text says 重大隐患 (a trap)."""
    root = FIXTURES / "pdf"
    content = load_content(root)
    (sc,) = [s for s in content.sectors if s.id == "gas-demo"]
    rendered = render.render(jobs.volume_job(content, sc, root, tmp_path_factory.mktemp("pdf"), False))
    return rendered.path, "gas-demo"


def test_pdf_sets_the_major_style_only_on_major_hazards(volume: tuple[Path, str]) -> None:
    path, sector = volume
    hazards = [h for _, hs in yaml_hazards(FIXTURES / "pdf")[sector] for h in hs]
    assert {lv for lv, _ in hazards} == {MAJOR, MINOR}
    with pdfplumber.open(path) as doc:
        lines = [(page, line["chars"]) for page in doc.pages
                 for line in page.extract_text_lines(return_chars=True)]
        for level, text in hazards:
            head = text[:14]
            found = []
            for page, chars in lines:
                s = "".join(c["text"] for c in chars)
                at = s.find(head)
                if at < 0:
                    continue
                tag, body = chars[at - 2:at], chars[at:at + len(head)]
                found.append(level)
                assert "".join(c["text"] for c in tag) == level, text
                bold = {("Bold" in c["fontname"]) for c in body}
                assert bold == {level == MAJOR}, (text, bold)
                white_tag = all(c["non_stroking_color"] in ((1, 1, 1), (1,), [1, 1, 1]) for c in tag)
                assert white_tag == (level == MAJOR), (text, [c["non_stroking_color"] for c in tag])
                x, y = (tag[0]["x0"] + tag[-1]["x1"]) / 2, (tag[0]["top"] + tag[0]["bottom"]) / 2
                red_behind = any(_is_red(r.get("non_stroking_color")) and r["x0"] <= x <= r["x1"]
                                 and r["top"] <= y <= r["bottom"] for r in page.rects)
                assert red_behind == (level == MAJOR), text
            assert found == [level], text


def test_pdf_toc_numbers_are_the_folios_of_the_pages_the_headings_are_set_on(volume: tuple[Path, str]) -> None:
    path, _ = volume
    with pdfplumber.open(path) as doc:
        pages = [page.extract_text_lines(return_chars=True) for page in doc.pages]
    # A folio is the page's number in the book: "— 5 —", or in a 分册 "— 3-5 —" (its number first).
    folios: dict[int, str] = {}
    for number, lines in enumerate(pages, 1):
        for line in lines:
            m = re.fullmatch(r"— ((?:\d+-)?\d+) —", line["text"].strip())
            if m:
                folios[number] = m.group(1)
    (toc_page,) = [n for n, lines in enumerate(pages, 1) if any(ln["text"].replace(" ", "") == "目录" for ln in lines)]
    entries = [m.groups() for ln in pages[toc_page - 1]
               if (m := re.fullmatch(r"(\S.*?)\s*\.{3,}\s*((?:\d+-)?\d+)", ln["text"].strip()))]
    assert len(entries) >= 6, entries
    body_size = 10.5
    for title, number in entries:
        # Where the heading is set as a heading: a line of large characters reading exactly the title.
        where = [n for n, lines in enumerate(pages, 1) if n != toc_page for ln in lines
                 if min(c["size"] for c in ln["chars"]) > body_size and ln["text"].replace(" ", "") == title.replace(" ", "")]
        assert where, title
        assert folios.get(where[0]) == number, (title, where[0], folios.get(where[0]), number)
    assert len({n for _, n in entries}) >= 3  # the entries do not all point at one page


def test_form_stars_exactly_the_items_with_a_major_hazard(tmp_path: Path) -> None:
    root = FIXTURES / "pdf"
    content = load_content(root)
    (sc,) = [s for s in content.sectors if s.id == "gas-demo"]
    rendered = render.render(jobs.form_job(content, sc, root, tmp_path, False))
    with pdfplumber.open(rendered.path) as doc:
        text = "".join((page.extract_text() or "") for page in doc.pages).replace(" ", "")
    items = yaml_hazards(root)["gas-demo"]
    major = {i for i, hs in items if any(lv == MAJOR for lv, _ in hs)}
    assert major and len(major) < len(items)
    assert {i for i, _ in items if f"★{i}" in text} == major
    assert all(i in text for i, _ in items)


# ---- the build ----------------------------------------------------------------------------------

def test_build_only_writes_the_stages_asked_for(minimal_tree: Path, tmp_path: Path) -> None:
    from zhinan.build import BuildOptions, build
    from zhinan.pipeline.progress import Progress

    out = tmp_path / "out"
    result = build(BuildOptions(root=minimal_tree, out=out, only=("data",), jobs=1, progress=Progress(quiet=True)))
    # The build folder's own bookkeeping (README: 一次构建就是一次发布) aside, only the data link is published,
    assert sorted(p.name for p in out.iterdir() if p.name not in (".builds", ".current", ".lock")) == ["data"]
    assert (out / "data").is_symlink()
    # and the published generation holds only the data folder (and its cache).
    assert sorted(p.name for p in (out / ".current").iterdir() if p.name != ".cache") == ["data"]
    assert set(result) == {"validate_seconds", "data"}
    assert (out / "data" / "guide.json").is_file()


# ---- the cache keys -----------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "pdf", root)
    return root


def _keys(root: Path) -> dict[str, str]:
    """The key of every output of every stage that keeps a cache, for the content under `root`."""
    content = load_content(root)
    out = root.parent / "out"
    keys = {}
    for sc in content.sectors:
        keys[f"pdf/{sc.id}"] = stage.job_key(jobs.volume_job(content, sc, root, out, False), root)
        keys[f"form/{sc.id}"] = stage.job_key(jobs.form_job(content, sc, root, out, False), root)
    keys.update(_sheet_keys(root, content))
    src = site.source(content, root, out)
    keys["site"] = site.source_key(src, site.config_file(root))
    return keys


def _sheet_keys(root: Path, content: Content) -> dict[str, str]:
    from zhinan.build import BuildOptions, build
    from zhinan.pipeline.progress import Progress

    out = root.parent / "sheets-out"
    build(BuildOptions(root=root, out=out, only=("sheets",), jobs=1, progress=Progress(quiet=True)))
    # The cache lives in the published generation (build/.current/.cache/), read as the build reads it.
    published = transaction.Transaction(out, ()).published_generation()
    assert published is not None
    stored = hashcache.Cache(published, "sheets").entries
    keys = {f"sheets/{name}": entry["key"] for name, entry in stored.items() if name.endswith((".xlsx", ".csv"))
            and not name.startswith(("隐患", "整改"))}
    # Found where the keys are: every sector's workbook and CSV, and all.csv (else a missed key "never changes").
    sectors = [p.name for p in (root / "sectors").iterdir()]
    assert {"sheets/all.csv"} | {f"sheets/{s}.{ext}" for s in sectors for ext in ("xlsx", "csv")} <= set(keys)
    return keys


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before if before[k] != after.get(k)}


def test_an_edited_checklist_item_changes_the_key_of_every_output_that_shows_it(tree: Path) -> None:
    before = _keys(tree)
    _edit(tree / "sectors/gas-demo/checklist.yml", "第3项：是否建立", "第3项：是否认真建立")
    changed = _changed(before, _keys(tree))
    assert {"pdf/gas-demo", "form/gas-demo", "sheets/gas-demo.xlsx", "sheets/gas-demo.csv", "sheets/all.csv",
            "site"} <= changed
    assert not {"pdf/chem-demo", "form/chem-demo", "sheets/chem-demo.xlsx"} & changed


def test_an_edited_hazard_level_changes_the_pdf_workbook_and_site_keys(tree: Path) -> None:
    before = _keys(tree)
    text = (tree / "sectors/gas-demo/checklist.yml").read_text(encoding="utf-8")
    at = text.index("level: 一般")
    (tree / "sectors/gas-demo/checklist.yml").write_text(text[:at] + "level: 重大" + text[at + 9:], encoding="utf-8")
    changed = _changed(before, _keys(tree))
    assert {"pdf/gas-demo", "form/gas-demo", "sheets/gas-demo.xlsx", "site"} <= changed


def test_edited_image_bytes_change_the_pdf_and_site_keys(tree: Path) -> None:
    before = _keys(tree)
    image = tree / "sectors/chem-demo/images/risk-map.svg"
    _edit(image, "</svg>", "<!-- redrawn --></svg>")
    changed = _changed(before, _keys(tree))
    assert {"pdf/chem-demo", "site"} <= changed
    assert "pdf/gas-demo" not in changed


def test_a_new_edition_changes_every_output_that_prints_it(tree: Path) -> None:
    before = _keys(tree)
    _edit(tree / "guides/guide.yml", "2021年版", "2022年版")
    changed = _changed(before, _keys(tree))
    assert {"pdf/gas-demo", "pdf/chem-demo", "form/gas-demo", "sheets/gas-demo.xlsx", "site"} <= changed


def test_an_edited_template_or_a_new_renderer_version_changes_every_key(tree: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = _keys(tree)
    own = hashcache.PACKAGE
    package = tmp_path / "package"
    shutil.copytree(hashcache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    _edit(package / "templates/pdf/print.css", "}", "} ")
    monkeypatch.setattr(hashcache, "PACKAGE", package)
    hashcache.code_fingerprint.cache_clear()
    try:
        assert _changed(before, _keys(tree)) == set(before)
    finally:
        hashcache.code_fingerprint.cache_clear()
    real = importlib.metadata.version
    monkeypatch.setattr(hashcache, "PACKAGE", own)
    hashcache.code_fingerprint.cache_clear()
    plain = hashcache.code_fingerprint()
    try:
        for renderer in hashcache.RENDERERS:
            monkeypatch.setattr(importlib.metadata, "version",
                                lambda name, r=renderer: real(name) + (".post1" if name == r else ""))
            hashcache.code_fingerprint.cache_clear()
            assert hashcache.code_fingerprint() != plain, renderer
        assert "weasyprint" in hashcache.RENDERERS and "openpyxl" in hashcache.RENDERERS and "mkdocs-material" in hashcache.RENDERERS
        monkeypatch.setattr(importlib.metadata, "version",
                            lambda name: real(name) + (".post1" if name == "weasyprint" else ""))
        hashcache.code_fingerprint.cache_clear()
        assert _changed(before, _keys(tree)) == set(before)
    finally:
        monkeypatch.setattr(importlib.metadata, "version", real)
        hashcache.code_fingerprint.cache_clear()
