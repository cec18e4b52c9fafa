"""The site as its readers use it: 重大隐患 coverage, permalinks, the checklist filter in the URL,
phone navigation, downloads and open data, dates, the 404 page, breadcrumbs, accessibility.

Expected values come from the content (or from the rule the issue states), never from the code
under test.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from conftest import Visit, until
from test_site import page_file, text_of
from zhinan import site
from zhinan.content.model import Content, SectorContent
from zhinan.content.validate import collect

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

# ---- 重大隐患 coverage ------------------------------------------------------------------------

DEMO = "sectors/demo/sector.yml"
CRITERIA = """basis:
  - title: 化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）
    code: 安监总管三〔2017〕121号
major_criteria:
  title: {title}
  code: {code}
  coverage: {coverage}
"""


def problems_with(root: Path, **fields: str) -> list[str]:
    values = {"title": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
              "code": "安监总管三〔2017〕121号", "coverage": "全部录入", **fields}
    sector = root / DEMO
    sector.write_text(sector.read_text(encoding="utf-8") + CRITERIA.format(**values), encoding="utf-8")
    return [p.text() for p in collect(root)[1]]


def test_major_criteria_as_cited_are_accepted(minimal_tree: Path) -> None:
    assert problems_with(minimal_tree) == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "某某判定标准"}, "不在本行业“主要依据”（basis）中"),
    ({"code": "安监总管三〔2017〕122号"}, "与主要依据中的“安监总管三〔2017〕121号”不同"),
    ({"coverage": "未录入"}, "检查清单已有 1 项重大隐患"),
    ({"coverage": "已录入"}, "应为"),
])
def test_major_criteria_are_checked(minimal_tree: Path, fields: dict[str, str], message: str) -> None:
    found = problems_with(minimal_tree, **fields)
    assert len(found) == 1 and message in found[0], found
    assert found[0].startswith(f"{DEMO}:"), found


def test_coverage_without_major_hazards_is_refused(minimal_tree: Path) -> None:
    checklist = minimal_tree / "sectors" / "demo" / "checklist.yml"
    checklist.write_text(checklist.read_text(encoding="utf-8").replace("level: 重大", "level: 一般"), encoding="utf-8")
    found = problems_with(minimal_tree, coverage="部分录入")
    assert len(found) == 1 and "检查清单没有重大隐患" in found[0], found


def test_no_sector_reads_as_having_no_major_hazards(built: Path, edition_content: Content) -> None:
    pages = {src: text_of(page_file(built, src)) for src in ("index.md", "hazards.md")}
    for sc in edition_content.sectors:
        sector_page = text_of(page_file(built, site.sector_src(sc)))
        majors = sum(1 for it in sc.items for h in it.hazards if h.level == "重大")
        mc = sc.sector.major_criteria
        for where, text in (*pages.items(), (sc.id, sector_page)):
            assert "重大隐患 0 项" not in text, where
            if mc is not None and mc.coverage == "未录入":
                wanted = f"本行业重大事故隐患以《{mc.title}》" + (f"（{mc.code}）" if mc.code else "") + "为准，条文尚未录入本指南"
                assert wanted in text, (where, sc.id)
            elif majors:
                assert f"重大隐患 {majors} 项" in text, (where, sc.id)


def test_repository_cites_criteria_it_does_not_yet_enter(edition_content: Content) -> None:
    """The two sectors the review found showing 0 项 cite their criteria and say they are not entered."""
    codes = {sc.sector.major_criteria.code for sc in edition_content.sectors
             if sc.sector.major_criteria and sc.sector.major_criteria.coverage == "未录入"}
    assert {"应急管理部令第10号", "建质规〔2022〕2号"} <= codes


# ---- Permalinks and the checklist filter (in Chromium, over http and from disk) --------------


def majors_sector(content: Content) -> SectorContent:
    return next(sc for sc in content.sectors if any(h.level == "重大" for it in sc.items for h in it.hazards))


def shown_ids(page: Any) -> list[str]:
    ids: list[str] = page.locator("#zn-checklist tbody tr").evaluate_all(
        "rs => rs.filter(r => getComputedStyle(r).display !== 'none').map(r => r.id)")
    return ids


def test_links_to_a_checklist_row_land_on_it(visit: Visit, edition_content: Content) -> None:
    sc = edition_content.sectors[0]
    item = sc.items[len(sc.items) // 2]  # far enough down the page to need scrolling
    page = visit.open(site.sector_src(sc, "checklist"))
    page.goto(page.url + f"#{item.id.lower()}")
    until(page, """id => { const r = document.querySelector(`#zn-checklist tr#${id}`);
      const y = r && r.getBoundingClientRect().top; return !!r && r.matches(':target') && y >= 0 && y < innerHeight / 2; }""",
          item.id.lower())
    row = page.locator(f"#zn-checklist tr#{item.id.lower()}")
    assert row.evaluate("r => r.matches(':target')")
    box = row.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"] / 2, box
    link = row.locator("a.zn-link")
    assert link.is_visible() and link.get_attribute("href") == f"#{item.id.lower()}"
    sector = visit.open(site.sector_src(sc))
    heading = sector.locator(f"h3#{item.id.lower()} a.headerlink")
    assert heading.is_visible() and heading.evaluate("a => getComputedStyle(a).opacity") == "1"
    assert visit.errors == []


def test_checklist_filter_lives_in_the_url(visit: Visit, edition_content: Content) -> None:
    sc = majors_sector(edition_content)
    majors = [it.id.lower() for it in sc.items if any(h.level == "重大" for h in it.hazards)]
    page = visit.open(site.sector_src(sc, "checklist"))
    page.select_option("#zn-level", "重大")
    assert shown_ids(page) == majors
    assert "level=" in page.url
    filtered_url = page.url

    page.locator(f"#zn-checklist tr#{majors[0]} a.zn-id").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().strip() == sc.sector.name
    page.go_back()
    page.wait_for_load_state("load")
    until(page, "url => location.href === url && document.querySelector('#zn-level').value === '重大'", filtered_url)
    assert page.url == filtered_url
    assert page.locator("#zn-level").input_value() == "重大"
    assert shown_ids(page) == majors

    page.reload()
    page.wait_for_load_state("load")
    assert page.locator("#zn-level").input_value() == "重大"
    assert shown_ids(page) == majors

    page.emulate_media(media="print")
    assert shown_ids(page) == majors
    note = page.locator(".zn-filter-note")
    assert note.is_visible() and "已筛选" in note.inner_text() and f"{len(majors)} / {len(sc.items)}" in note.inner_text()
    page.emulate_media(media="screen")

    page.select_option("#zn-level", "")
    assert "level=" not in page.url
    assert len(shown_ids(page)) == len(sc.items)
    assert not page.locator(".zn-filter-note").is_visible()
    assert visit.errors == []


def test_checklist_page_links_the_form_and_the_workbook(tmp_path: Path, minimal_tree: Path) -> None:
    from conftest import build_site

    out = tmp_path / "out"
    sc = collect(minimal_tree)[0].sectors[0]  # type: ignore[union-attr]
    (out / "pdf").mkdir(parents=True)
    (out / "pdf" / f"{sc.id}-form.pdf").write_bytes(b"%PDF-1.4 form")
    (out / "sheets").mkdir()
    (out / "sheets" / f"{sc.id}.xlsx").write_bytes(b"PK workbook")
    build_site(minimal_tree, out)
    html = page_file(out / "site", site.sector_src(sc, "checklist")).read_text(encoding="utf-8")
    for name in (f"{sc.id}-form.pdf", f"{sc.id}.xlsx"):
        offered = site.find_downloads(collect(minimal_tree)[0], out)  # type: ignore[arg-type]
        src = next(d.src for d in offered.values() if d.path.name == name)
        assert urllib.parse.quote(src.split("/")[-1]) in html, name


# ---- Phone navigation -----------------------------------------------------------------------


def test_long_pages_have_their_contents_on_a_phone(browser: Any, server: str, edition_content: Content) -> None:
    sc = max(edition_content.sectors, key=lambda s: len(s.items))
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(server + site.url_of(site.sector_src(sc)))
    toc = phone.locator("details.zn-phone-toc")
    assert toc.is_visible()
    toc.locator("summary").click()
    links = toc.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert [f"#{it.id.lower()}" for it in sc.items if f"#{it.id.lower()}" not in links] == []
    last = sc.items[-1].id.lower()
    toc.locator(f"a[href='#{last}']").click()
    until(phone, """id => { const y = document.querySelector(`h3#${id}`).getBoundingClientRect().top;
      return y >= 0 && y < 844 && !document.querySelector('details.zn-phone-toc').open; }""", last)
    box = phone.locator(f"h3#{last}").bounding_box()
    assert box is not None and 0 <= box["y"] < 844, box
    assert not toc.evaluate("d => d.open")
    phone.close()

    desktop = browser.new_page(viewport={"width": 1366, "height": 900})
    desktop.goto(server + site.url_of(site.sector_src(sc)))
    assert not desktop.locator("details.zn-phone-toc").is_visible()
    assert desktop.locator("nav.md-nav--secondary").is_visible()
    desktop.close()


# ---- Downloads and open data ----------------------------------------------------------------


def test_downloads_show_size_and_pages_and_carry_the_edition(minimal_tree: Path, tmp_path: Path) -> None:
    from pypdf import PdfWriter

    from conftest import build_site
    from test_site import parse

    content = collect(minimal_tree)[0]
    assert content is not None
    sc, edition = content.sectors[0], content.guide.edition
    out = tmp_path / "out"
    (out / "pdf").mkdir(parents=True)
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    with (out / "pdf" / f"{sc.id}.pdf").open("wb") as f:
        writer.write(f)
    (out / "data").mkdir()
    (out / "data" / "guide.json").write_text("{}" + " " * 2500, encoding="utf-8")
    build_site(minimal_tree, out)
    site_dir = out / "site"
    pdf_kb = max(1, round((out / "pdf" / f"{sc.id}.pdf").stat().st_size / 1000))
    sector_text = text_of(page_file(site_dir, site.sector_src(sc)))
    assert f"行业指南（PDF）（{pdf_kb} KB，3 页）" in sector_text
    data_text = text_of(page_file(site_dir, "data.md"))
    assert f"指南数据（{edition}）.json（3 KB）" in data_text
    assert "尚未声明本数据的使用许可" in data_text
    refs = [urllib.parse.unquote(r) for r in parse(page_file(site_dir, "data.md")).refs if "downloads/" in r]
    assert refs and all(f"（{edition}）" in r for r in refs)
    assert sorted(p.name for p in (site_dir / "downloads").iterdir()) == sorted(
        [f"{sc.sector.name}-{content.guide.title}（{edition}）.pdf", f"指南数据（{edition}）.json"])


def test_open_data_page_lists_the_csv_columns(built: Path) -> None:
    from zhinan import sheets

    text = text_of(page_file(built, "data.md"))
    assert [c.title for c in sheets.checklist_columns() if c.title not in text] == []


# ---- Dates, 404, every page type at both widths ---------------------------------------------


def test_pages_show_when_their_content_last_changed(built: Path, edition_content: Content) -> None:
    """The date is read back from git here, one file at a time, not by the code under test."""
    import datetime
    import subprocess

    from conftest import EDITION

    def last_change(*paths: str) -> str:
        out = [subprocess.run(["git", "-C", str(EDITION), "log", "-1", "--format=%cs", "--", p], capture_output=True,
                              text=True, check=True).stdout.strip() for p in paths]
        day = max((datetime.date.fromisoformat(d) for d in out if d), default=edition_content.guide.date)
        return f"更新日期：{day.year}年{day.month}月{day.day}日"

    sc = next(s for s in edition_content.sectors if s.enterprises)
    ent = sc.enterprises[0]
    folder = f"sectors/{sc.id}"
    ents = [f"{folder}/enterprises/{e.id}.yml" for e in sc.enterprises]
    assert last_change(f"{folder}/sector.yml", f"{folder}/checklist.yml", *ents) in text_of(page_file(built, site.sector_src(sc)))
    assert last_change(f"{folder}/checklist.yml") in text_of(page_file(built, site.sector_src(sc, "checklist")))
    assert last_change(f"{folder}/enterprises/{ent.id}.yml") in text_of(page_file(built, site.enterprise_src(sc, ent)))


def test_edition_is_not_older_than_what_it_cites(edition_content: Content) -> None:
    """GB 45673-2025 is in force from 2025-11-01 (shared/reference/README.md)."""
    import datetime

    cited = {b.code for sc in edition_content.sectors for b in sc.sector.basis}
    if "GB 45673-2025" in cited:
        assert edition_content.guide.date >= datetime.date(2025, 11, 1)
        assert int(edition_content.guide.edition[:4]) >= 2025


def test_changes_page_is_always_there(minimal_tree: Path) -> None:
    content = collect(minimal_tree)[0]
    assert content is not None and content.changes is None
    pages = site.render_pages(content, {})
    assert "本版修订说明" in pages["changes.md"]


class _SubFolder:
    """A server that holds the site under /sub/ and answers a missing address with its 404 page,
    as a web server configured for a site in a sub-folder does."""

    def __init__(self, built: Path) -> None:
        import functools
        import http.server
        import threading

        root = built

        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                path = path.split("?", 1)[0].split("#", 1)[0]
                if not path.startswith("/sub/"):
                    return str(root / "__nowhere__")
                return str(root / urllib.parse.unquote(path[len("/sub/"):]))

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                if code != 404:
                    super().send_error(code, message, explain)
                    return
                body = (root / "404.html").read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(built)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/sub/"


@pytest.fixture(scope="module")
def sub_folder(built: Path) -> Any:
    s = _SubFolder(built)
    yield s.base
    s.httpd.shutdown()
    s.httpd.server_close()


def test_404_page_leads_home_and_to_search(browser: Any, sub_folder: str, built: Path, edition_content: Content) -> None:
    page = browser.new_page()
    for missing in (sub_folder + "no-such-page/", sub_folder + "sectors/x/y/z/missing.html", built.as_uri() + "/404.html"):
        page.goto(missing)
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text().strip() == "页面不存在", missing
        assert page.evaluate("() => getComputedStyle(document.body).fontFamily") != "", missing
        page.click("text=返回首页")
        page.wait_for_load_state("load")
        assert page.locator("h1").first.inner_text().strip() == edition_content.guide.title, (missing, page.url)
        page.goto(missing)
        page.fill("#zn-q", "WHP-001")
        page.press("#zn-q", "Enter")
        page.wait_for_load_state("load")
        box = page.locator("input[data-md-component='search-query']")
        box.wait_for(state="visible")
        assert box.input_value() == "WHP-001", missing
    page.close()


def page_types(content: Content) -> list[str]:
    sc = next(s for s in content.sectors if s.enterprises)
    return ["index.md", f"guide/{content.chapters[0].name}", site.sector_src(sc), site.sector_src(sc, "checklist"),
            site.enterprise_src(sc, sc.enterprises[0]), "enterprises.md", "hazards.md", "elements.md", "data.md",
            "changes.md", "reference.md"]


@pytest.mark.slow
@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_nothing_serious_on_any_page_type(browser: Any, server: str, sub_folder: str,
                                                    edition_content: Content, width: int) -> None:
    from test_site import AXE

    shots = os.environ.get("ZHINAN_SCREENSHOTS")
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)  # axe is an inline script
    found = {}
    urls = {src: server + site.url_of(src) for src in page_types(edition_content)}
    urls["404"] = sub_folder + "sectors/no-such-sector/"
    for name, url in urls.items():
        page.goto(url)
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        found[name] = [f"{x['id']}: {x['help']} ({len(x['nodes'])})" for x in result["violations"]
                       if x["impact"] in ("serious", "critical")]
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{width}-{name.replace('/', '_')}.png"))
    page.close()
    assert found == {name: [] for name in found}
