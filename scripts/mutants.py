"""Mutation table: small, named, deliberate defects, each of which some test must catch.

    python scripts/mutants.py [--json] [--only NAME ...] [--list] [--jobs N]

Each mutant replaces one exact piece of text in one file of a temporary copy of the repository
(the text must occur exactly once, so a mutant never silently stops applying when the code
moves), runs only the tests named for it, and counts as *killed* when they fail. Before any
mutant runs, the union of the selected tests runs once on the unmutated copy and must pass:
otherwise a "kill" would only repeat a failure that was already there.

A mutant whose text no longer occurs is an error, not a pass: update or remove it (with a note
in `REMOVED`). Exit status: 0 when every mutant is killed, 1 otherwise.

The copy gets `PYTHONDONTWRITEBYTECODE=1` and no `__pycache__`: a mutated module of the same size
written within the same second as its original would otherwise be read from a stale .pyc.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PER_MUTANT_TIMEOUT = 300
BASELINE_TIMEOUT = 3600
"""The unmutated run holds every test any mutant names (over 200, the PDF builds among them): it is
bounded separately, not by one mutant's limit."""


@dataclass(frozen=True)
class Mutant:
    name: str
    """What the defect does, as a reader of the outputs would notice it."""
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    """pytest node ids or files that must catch it."""


def m(name: str, path: str, old: str, new: str, *tests: str) -> Mutant:
    return Mutant(name, path, old, new, tests)


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if not src.is_file() or "__pycache__" in rel:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    for shared in ("node_modules", ".venv"):
        if (REPO / shared).exists():
            (dest / shared).symlink_to((REPO / shared).resolve())


def _pytest(copy: Path, tests: tuple[str, ...], timeout: float = PER_MUTANT_TIMEOUT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "PYTHONDONTWRITEBYTECODE": "1",
           "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    try:
        return subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(cmd, 124, str(exc.stdout or ""), "timeout")


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _try(copy: Path, mu: Mutant) -> dict[str, object]:
    """Put one mutant into the copy, run its tests, take it out again."""
    t0 = time.monotonic()
    target = copy / mu.path
    original = target.read_text(encoding="utf-8")
    count = original.count(mu.old)
    if count != 1:
        return {"name": mu.name, "path": mu.path, "status": "stale",
                "detail": f"要替换的文本出现 {count} 次（应为 1 次）", "seconds": 0.0}
    target.write_text(original.replace(mu.old, mu.new), encoding="utf-8")
    try:
        res = _pytest(copy, mu.tests)
    finally:
        target.write_text(original, encoding="utf-8")
    # pytest exit 1 = tests failed (killed); 0 = survived; anything else is a broken run.
    status = {0: "survived", 1: "killed"}.get(res.returncode, "error")
    return {"name": mu.name, "path": mu.path, "status": status, "tests": list(mu.tests),
            "detail": _last_line(res.stdout + res.stderr), "seconds": round(time.monotonic() - t0, 1)}


def run(mutants: tuple[Mutant, ...], jobs: int = 1) -> dict[str, object]:
    """With `jobs` > 1, that many copies of the repository each take the next mutant in turn. Each
    run is still one mutant in one copy; what runs beside it is another copy's tests (processes are
    told apart by their own temporary folders). Load can only make a test fail, that is count a
    mutant as killed that was not: the table's result can never turn into a pass by it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zhinan-mutants-") as tmp:
        copies = [Path(tmp) / str(n) for n in range(max(1, jobs))]
        for copy in copies:
            copy.mkdir()
            _copy_repo(copy)
        selected = tuple(dict.fromkeys(t for mu in mutants for t in mu.tests))
        base = _pytest(copies[0], selected, BASELINE_TIMEOUT)
        if base.returncode != 0:
            return {"error": "未变异的副本上所选测试未通过：" + _last_line(base.stdout + base.stderr),
                    "mutants": [], "seconds": round(time.monotonic() - started, 1)}
        free: queue.SimpleQueue[Path] = queue.SimpleQueue()
        for copy in copies:
            free.put(copy)

        def one(mu: Mutant) -> dict[str, object]:
            copy = free.get()
            try:
                return _try(copy, mu)
            finally:
                free.put(copy)

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            rows = list(pool.map(one, mutants))
    return {"mutants": rows, "killed": sum(r["status"] == "killed" for r in rows), "total": len(rows),
            "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--only", nargs="*", default=None, help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="mutants run side by side, each in its own copy")
    args = parser.parse_args()
    mutants, removed = MUTANTS, REMOVED
    if args.only:
        unknown = set(args.only) - {mu.name for mu in mutants}
        if unknown:
            parser.error(f"没有这些变异：{', '.join(sorted(unknown))}")
        mutants = tuple(mu for mu in mutants if mu.name in args.only)
    if args.list:
        for mu in mutants:
            print(f"{mu.name}\t{mu.path}\t{' '.join(mu.tests)}")
        return 0
    report = run(mutants, args.jobs)
    report["removed"] = removed
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for row in report["mutants"]:  # type: ignore[attr-defined]
            print(f"{row['status']:9} {row['seconds']:6.1f}s  {row['name']}  ({row['path']})")
        print(report.get("error") or f"{report['killed']}/{report['total']} killed in {report['seconds']} s")
    ok = not report.get("error") and report["killed"] == report["total"]
    return 0 if ok else 1


# ---- The table ---------------------------------------------------------------------------------

MEANING = "tests/test_meaning.py::"
"""The fast meaning checks (tests/test_meaning.py): most mutants are caught there in seconds."""
VALIDATE = "tests/test_validate.py::test_rule"

MUTANTS: tuple[Mutant, ...] = (
    # -- load / validate / slips / images ------------------------------------------------------
    m("load: files over 2 MiB read anyway", "src/zhinan/content/parse.py",
      "if size > MAX_FILE_BYTES:", "if size > MAX_FILE_BYTES * 4:", f"{VALIDATE}[file too large]"),
    m("validate: a duplicated field silently keeps the last value", "src/zhinan/content/validate.py",
      "        if name in keys:\n", "        if name in keys and name == 'id':\n", f"{VALIDATE}[duplicate key]"),
    m("validate: YAML anchors and aliases accepted", "src/zhinan/content/validate.py",
      "            if id(node) in seen:\n", "            if id(node) in reported:\n", f"{VALIDATE}[anchors and aliases]"),
    m("rules: a real name ending in （示例） without sample: true accepted", "src/zhinan/content/rules.py",
      "    elif not ent.sample and named_sample:", "    elif False:",
      "tests/test_content_rules.py::test_sample_name_without_sample_true"),
    m("rules: did-you-mean suggests a neighbouring id for a deleted item", "src/zhinan/content/rules.py",
      "_edits1(value, c, digits_replaced=not normalise)", "_edits1(value, c)",
      "tests/test_content_rules.py::test_a_deleted_item_is_not_mistaken_for_a_neighbour",
      "tests/test_content_rules.py::test_one_digit_away_is_another_item_not_a_typo"),
    m("slips: an em dash as a list marker left to the parser", "src/zhinan/content/slips.py",
      '_DASHES = "－—–‐‑‒―−"', '_DASHES = "－"', "tests/test_department_slips.py::test_em_dash_on_a_later_item"),
    m("check: every error annotated, past GitHub's ten", "src/zhinan/content/problems.py",
      "ANNOTATION_LIMIT = 10\n", "ANNOTATION_LIMIT = 100\n",
      "tests/test_pr_output.py::test_twelve_errors_give_ten_annotations_and_a_summary"),
    m("pdf: a tall figure at full width, cut at the page's foot", "src/zhinan/templates/pdf/print.css",
      "max-height: 120mm; object-fit: contain;", "",
      "tests/test_images_print.py::test_tall_and_wide_images_print_whole_inside_the_text_block"),
    m("sanitize: javascript: allowed as a link scheme", "src/zhinan/content/sanitize.py",
      'frozenset({"http", "https", "mailto"})', 'frozenset({"http", "https", "mailto", "javascript"})',
      f"{VALIDATE}[javascript link]", "tests/test_security.py::test_check_reports_every_payload_where_it_is"),
    m("pdf: the URL fetcher lets network addresses through", "src/zhinan/pdf/render.py",
      '            if scheme != "file":\n', '            if scheme not in ("file", "http"):\n',
      "tests/test_security.py::test_pdf_fetcher_serves_only_the_root"),
    m("pdf: guide.pdf keeps a copy of each font face per bound part", "src/zhinan/pdf/fonts.py",
      "        if len(fonts) < 2:\n", "        if fonts:\n",
      "tests/test_pdf.py::test_guide_embeds_each_face_once"),
    m("pdf: the merged font of guide.pdf lacks a glyph", "src/zhinan/pdf/fonts.py",
      "hb_face_get_glyph_count(face)]  # not", "hb_face_get_glyph_count(face)][:-1]  # not",
      "tests/test_pdf.py::test_bound_pages_keep_the_parts_text_widths_and_glyphs"),
    m("pdf: every job measures every id of the city again (minutes before the first volume)", "src/zhinan/pdf/jobs.py",
      "    _widths_of = (content, widths)\n", "",
      "tests/test_pdf_jobs_measured_once.py"),
    m("build: a PDF failure is said as the error the interrupted stage turned it into", "src/zhinan/build.py",
      "any(isinstance(e, _PdfStageFailed) for e in causes(exc))", "isinstance(exc, _PdfStageFailed)",
      "tests/test_interrupted_stage.py::test_the_pdf_failure_is_said_when_the_interrupted_stage_converts_the_interruption"),
    m("pdf: the PDF/A guide.pdf is bound without the front's XMP and output intent", "src/zhinan/pdf/bind.py",
      '("/OutputIntents", "/Metadata") if pdfa else ()', "()",
      "tests/test_pdf.py::test_pdfa_guide_is_bound_with_its_xmp_and_one_copy_of_each_face"),
    m("site: a download's page count is not the one the PDF stage reported", "src/zhinan/site/downloads.py",
      'self.known[src] = int(f["pages"])', 'self.known[src] = int(f["pages"]) + 1',
      "tests/test_build.py::test_site_offers_the_pdfs_rendered_alongside"),
    m("pdf: guide.pdf's parent tree keeps each part's own numbers", "src/zhinan/pdf/bind.py",
      "self.nums += [int(key) + self.next_key, value]", "self.nums += [int(key), value]",
      "tests/test_pdf.py::test_guide_parent_tree_leads_each_page_and_link_to_its_own_elements"),
    m("pdf: guide.pdf's 目录 gives a 分册's entries their PDF page in the volume, not the printed number", "src/zhinan/pdf/jobs.py",
      "folio(number, r.anchor_pages[e.anchor] - first + 1)", "folio(number, r.anchor_pages[e.anchor])",
      "tests/test_pdf.py::test_toc_numbers_are_real_pages_in_guide"),
    m("pdf: a leader's dots are shown one text operator each", "src/zhinan/pdf/render.py",
      "    _one_run_per_leader()\n    justify_chinese()\n", "    justify_chinese()\n",
      "tests/test_pdf.py::test_leader_dots_are_one_run_per_line_on_one_grid"),
    m("importer: items missing from the sheet are deleted without --delete", "src/zhinan/commands/importer.py",
      "(result.removed if delete else result.kept).extend(missing)", "result.removed.extend(missing)",
      "tests/test_importer.py::test_rows_missing_from_the_sheet_are_listed_and_kept"),
    m("names: downloads lose the edition", "src/zhinan/formats/names.py",
      'name = f"{file_name_part(stem)}（{file_name_part(guide.edition)}）"',
      'name = f"{file_name_part(stem)}"',
      "tests/test_site_readers.py::test_downloads_show_size_and_pages_and_carry_the_edition"),
    m("validate: item ids not checked against the sector prefix", "src/zhinan/content/validate.py",
      'rf"{re.escape(s.prefix)}-[0-9]{{3,}}", it.id)', 'rf"[A-Z]+-[0-9]{{3,}}", it.id)', f"{VALIDATE}[item id prefix]"),
    m("validate: enterprise id compared with itself, not the file name", "src/zhinan/content/validate.py",
      "stem = PurePosixPath(ent.where.path).stem", "stem = ent.id", f"{VALIDATE}[enterprise id vs file name]"),
    m("validate: two sectors may share a prefix", "src/zhinan/content/validate.py",
      "        if prefix in first_prefix:\n", "        if prefix in first_item:\n",
      "tests/test_validate.py::test_duplicate_prefix"),
    m("validate: a duplicate id is told to use a number already taken", "src/zhinan/content/validate.py",
      "last[prefix] = last.get(prefix, 0) + 1", "last[prefix] = last.get(prefix, 0)",
      "tests/test_contrib.py::test_duplicate_id_suggests_next_free_number"),
    m("validate: image long-side limit doubled", "src/zhinan/content/images.py",
      "MAX_IMAGE_PX = 2000", "MAX_IMAGE_PX = 4000",
      "tests/test_contrib.py::test_image_limits_follow_from_a4_at_300_dpi",
      "tests/test_contrib.py::test_oversize_photo_refused_with_its_size_and_what_to_do"),
    m("slips: a full-width colon after a field name not told", "src/zhinan/content/slips.py",
      'if rest.startswith("："):', 'if rest.startswith("：："):',
      "tests/test_contrib.py::test_slip_told_where_it_was_made"),
    m("images --fix: photos not turned upright", "src/zhinan/commands/images.py",
      "upright = ImageOps.exif_transpose(original)", "upright = original",
      "tests/test_contrib.py::test_images_fix_shrinks_turns_upright_and_renames_in_place"),
    # -- site -------------------------------------------------------------------------------------
    m("site: 重大/一般 labels swapped on item pages", "src/zhinan/templates/site/item.md",
      '{% if h.level == "重大" %}<strong class="zn-major">重大隐患</strong>',
      '{% if h.level == "一般" %}<strong class="zn-major">重大隐患</strong>',
      MEANING + "test_item_sections_label_each_hazard_with_its_own_level"),
    m("site: hazards index lists every hazard as 重大", "src/zhinan/templates/site/hazards.md",
      '{% for h in it.hazards if h.level == "重大" %}', "{% for h in it.hazards %}",
      MEANING + "test_hazards_index_lists_exactly_the_major_hazards_of_each_sector"),
    m("site: checklist marks every hazard 重大", "src/zhinan/templates/site/checklist.md",
      '<p>{% if h.level == "重大" %}', "<p>{% if h.level %}",
      MEANING + "test_checklist_rows_label_each_hazard_and_carry_its_levels_for_the_filter"),
    m("site: checklist rows carry only their first level for the filter", "src/zhinan/templates/site/checklist.md",
      "map(attribute='level')|unique|join(' ')", "map(attribute='level')|first",
      MEANING + "test_checklist_rows_label_each_hazard_and_carry_its_levels_for_the_filter"),
    m("site: sector page counts every hazard as 重大", "src/zhinan/site/pages.py",
      '"major": sum(1 for it in sc.items for h in it.hazards if h.level == "重大"),',
      '"major": sum(1 for it in sc.items for h in it.hazards),',
      MEANING + "test_sector_page_counts_the_major_hazards"),
    # -- print ------------------------------------------------------------------------------------
    m("print: 重大 style on every hazard in the PDF", "src/zhinan/templates/pdf/_sector.html",
      "{% if h.level == '重大' %} major{% endif %}", " major",
      MEANING + "test_pdf_sets_the_major_style_only_on_major_hazards"),
    m("print: every tag coloured as 重大", "src/zhinan/templates/pdf/print.css",
      ".hazard.major .tag { background: #b71c1c;", ".hazard .tag { background: #b71c1c;",
      MEANING + "test_pdf_sets_the_major_style_only_on_major_hazards"),
    # (A 分册 numbers its 目录 "3-5" with its own rule in volume.html; print.css's serves guide.pdf's 目录.)
    m("print: 目录 prints the 目录's own page, not the heading's", "src/zhinan/templates/pdf/volume.html",
      '"{{ volume_no }}-" target-counter(attr(href), page)', '"{{ volume_no }}-" counter(page)',
      MEANING + "test_pdf_toc_numbers_are_the_folios_of_the_pages_the_headings_are_set_on"),
    m("print: form stars every item with a hazard", "src/zhinan/templates/pdf/form.html",
      '{% if it.hazards|selectattr("level", "equalto", major)|list %}★{% endif %}',
      "{% if it.hazards %}★{% endif %}",
      MEANING + "test_form_stars_exactly_the_items_with_a_major_hazard"),
    # -- sheets / workbook ----------------------------------------------------------------------
    m("workbook: drop-downs accept any typed value (showErrorMessage off)", "src/zhinan/sheets/workbook.py",
      "allow_blank=True, showErrorMessage=True,", 'allow_blank=True, showErrorMessage=kind != "list",',
      "tests/test_sheets.py::test_validations_reach_row_500_with_error_messages_and_the_right_operator"),
    m("workbook: the date rule loses its operator", "src/zhinan/sheets/workbook.py",
      '2021-12-31。")\n        dv.operator = "greaterThanOrEqual"\n', '2021-12-31。")\n',
      "tests/test_sheets.py::test_validations_reach_row_500_with_error_messages_and_the_right_operator"),
    m("workbook: validations stop after 100 rows", "src/zhinan/sheets/workbook.py",
      "PREPARED_ROWS = 500", "PREPARED_ROWS = 100",
      "tests/test_sheets.py::test_validations_reach_row_500_with_error_messages_and_the_right_operator"),
    m("readback: a value under a merged range is read (the full load empties it)", "src/zhinan/sheets/readback.py",
      "            _unmerge(cells, CellRange(ref))\n", "            pass\n",
      "tests/test_readback_values.py::test_the_values_read_are_those_of_the_full_load"),
    m("tally: the 简报 prints every overdue enterprise, not the first OVERDUE_SHOWN", "src/zhinan/commands/tally/outputs.py",
      "    return {MAJOR_SHEET: MAJOR_SHOWN, OVERDUE_BY_ENTERPRISE: OVERDUE_SHOWN}", "    return {MAJOR_SHEET: MAJOR_SHOWN}",
      "tests/test_tally_brief.py::test_overdue_by_enterprise_in_the_brief"),
    m("tally: overdue enterprises by earliest deadline, not most overdue first", "src/zhinan/commands/tally/figures.py",
      'key=lambda e: (-e["overdue"], e["earliest"]', 'key=lambda e: (0, e["earliest"]',
      "tests/test_tally_brief.py::test_overdue_by_enterprise_in_the_brief"),
    m("tally: the 简报 lists every open 重大 hazard, not the MAJOR_SHOWN most urgent", "src/zhinan/commands/tally/outputs.py",
      "    return {MAJOR_SHEET: MAJOR_SHOWN, OVERDUE_BY_ENTERPRISE: OVERDUE_SHOWN}", "    return {OVERDUE_BY_ENTERPRISE: OVERDUE_SHOWN}",
      "tests/test_tally_brief_major.py::test_open_major_in_the_brief_most_urgent_first_and_bounded"),
    m("tally: a file whose mtime changed is still taken to have the hash the store saw", "src/zhinan/commands/tally/__init__.py",
      "was[:3] == stats[path]", "was[0] == stats[path][0]",
      "tests/test_tally_robust.py::test_a_file_unchanged_since_it_was_hashed_is_not_read_a_changed_one_is"),
    m("tally: an unforeseen error while reading one file stops the tally", "src/zhinan/commands/tally/read.py",
      "    except Exception as exc:  # a file that fails is never fatal", "    except Refusal as exc:  # a file that fails is never fatal",
      "tests/test_tally_robust.py::test_a_hostile_workbook_is_refused_and_logged_not_fatal"),
    m("tally: the 简报 counts the rows it prints, not the whole list", "src/zhinan/commands/tally/outputs.py",
      'small["counts"] = {k: len(rows) for k, (_, rows) in tables.items()}',
      'small["counts"] = {k: min(len(rows), brief_rows().get(k, len(rows))) for k, (_, rows) in tables.items()}',
      "tests/test_tally_brief_major.py::test_open_major_in_the_brief_most_urgent_first_and_bounded"),
    m("tally: the trend's last two weeks are counted with this week's figures", "src/zhinan/commands/tally/figures.py",
      'if n == 0 else before["total"] if n == 1 else', 'if n <= 1 else',
      "tests/test_tally.py"),
    m("readback: a sheet with a cell's start hidden in a CDATA section or a comment is filtered all the same", "src/zhinan/sheets/readback.py",
      " or _UNUSUAL.search(xml):\n", ":\n",
      "tests/test_readback_xml.py::test_the_hostile_cases_are_what_they_claim"),
    m("tally: a long name runs over the next cells of the 简报's tables", "src/zhinan/templates/pdf/tally.html",
      " table.fixed td { overflow-wrap: anywhere; }", "",
      "tests/test_tally_brief_page1.py::test_long_names_wrap_in_their_cells"),
    m("tally: a folder of the inbox that cannot be listed ends in a traceback", "src/zhinan/commands/tally/__init__.py",
      "    except OSError as exc:  # a folder that cannot be listed", "    except ValueError as exc:  # a folder that cannot be listed",
      "tests/test_tally.py::test_a_folder_that_cannot_be_listed_stops_the_tally_before_anything_is_written"),
    m("readback: the columns read are dropped with the others", "src/zhinan/sheets/readback.py",
      "rb')[0-9])[A-Z]{1,3}(?:['", "rb')[A-Z])[A-Z]{1,3}(?:['",
      "tests/test_readback_values.py::test_the_values_read_are_those_of_the_full_load"),
    m("readback: the 1904 date system is ignored", "src/zhinan/sheets/readback.py",
      "CALENDAR_MAC_1904 if pr is not None", "CALENDAR_WINDOWS_1900 if pr is not None",
      "tests/test_readback_xml.py::test_the_hostile_cases_are_what_they_claim"),
    m("readback: a cell without r= is not placed after the one before it", "src/zhinan/sheets/readback.py",
      "                    col_at += 1\n", "                    col_at += 0\n",
      "tests/test_readback_xml.py::test_cell_by_cell_as_the_full_load"),
    m("readback: phonetic runs are read as the text", "src/zhinan/sheets/readback.py",
      "        elif child.tag == _R:\n", "        elif child.tag == _R or child.tag.endswith(\"rPh\"):\n",
      "tests/test_readback_xml.py::test_cell_by_cell_as_the_full_load"),
    m("readback: an XML error escapes instead of refusing the workbook", "src/zhinan/sheets/readback.py",
      "OSError, ElementTree.ParseError) as exc:", "OSError) as exc:",
      "tests/test_readback_xml.py::test_entities_that_expand_are_refused"),
    m("readback: a value past the bounds in a column not read is dropped, not refused", "src/zhinan/sheets/readback.py",
      "        if _beyond(xml):\n            return xml\n", "        if False:\n            return xml\n",
      "tests/test_readback_values.py::test_the_values_read_are_those_of_the_full_load"),
    m("workbook: page numbers run on across the workbook's sheets", "src/zhinan/sheets/workbook.py",
      "    ws.page_setup.useFirstPageNumber = True\n", "    ws.page_setup.useFirstPageNumber = False\n",
      "tests/test_footers_per_sheet.py::test_the_python_workbook_numbers_each_sheets_pages_from_1"),
    m("readback: a 整改清单 row whose hazard row was deleted is kept", "src/zhinan/sheets/readback.py",
      "                orphans.append(fid)\n                continue\n", "                orphans.append(fid)\n",
      "tests/test_excel_row_edits.py::test_a_hazard_deleted_from_the_findings_only_takes_its_rectification_with_it"),
    m("page import: a row copied in Excel with its 隐患编号 is refused without naming its cell",
      "src/zhinan/assets/zhinan/selfcheck-xlsx.js",
      "if (r[x[3]] && rowOf[r[x[3]]]) {", "if (false) {",
      "tests/test_excel_row_edits.py::test_a_row_copied_in_excel_with_its_number"),
    m("workbook: earliest date a year late", "src/zhinan/sheets/workbook.py",
      "EARLIEST_DATE = datetime.date(2000, 1, 1)", "EARLIEST_DATE = datetime.date(2001, 1, 1)",
      "tests/test_sheets.py::test_validations_reach_row_500_with_error_messages_and_the_right_operator"),
    m("workbook: 重大 lines of 典型隐患 not in bold", "src/zhinan/sheets/workbook.py",
      "TextBlock(bold if line.startswith(MAJOR_MARK) else plain, piece)", "TextBlock(plain, piece)",
      "tests/test_sheets.py::test_every_major_typical_hazard_is_in_the_sheet_marked_bold_on_gray"),
    m("sheets: CSV without BOM (Excel shows mojibake)", "src/zhinan/sheets/encode.py",
      'return buf.getvalue().encode("utf-8-sig")', 'return buf.getvalue().encode("utf-8")',
      "tests/test_sheets.py::test_csv_files_are_utf8_with_bom_and_match_the_checklist"),
    # -- data ---------------------------------------------------------------------------------------
    m("data: absent optional fields written as null", "src/zhinan/data.py",
      "for name, v in _fields(value) if v is not None}", "for name, v in _fields(value)}",
      "tests/test_data.py"),
    m("data: the stage crashes (the bench must not report it as a figure)", "src/zhinan/data.py",
      "SCHEMA_NAME: dump(guide_schema())}", "SCHEMA_NAME: dump(guide_schema)}",
      # test_bench_small_reports_every_stage_and_ratio makes the same check on the whole bench, but
      # takes minutes (over 5 on a busy machine): the table runs the bench's build step alone.
      "tests/test_bench.py::test_bench_build_step_fails_on_a_stage_error"),
    # -- importer -----------------------------------------------------------------------------------
    m("importer: blank lines inside a cell become empty list entries", "src/zhinan/commands/importer.py",
      'return tuple(line.strip() for line in text.split("\\n") if line.strip())',
      'return tuple(line.strip() for line in text.split("\\n"))',
      "tests/test_importer.py::test_messy_sheets_that_mean_the_same_import_to_the_same_file[blank_lines_in_lists]"),
    # -- cache / build ------------------------------------------------------------------------------
    m("build: --only ignored, every stage built", "src/zhinan/build.py",
      "stages = [stage for stage in STAGES if stage in opts.only]", "stages = list(STAGES)",
      MEANING + "test_build_only_writes_the_stages_asked_for"),
    m("cache: image bytes left out of the PDF key", "src/zhinan/pdf/stage.py",
      "hashcache.file_digest(*images))", "hashcache.file_digest())",
      MEANING + "test_edited_image_bytes_change_the_pdf_and_site_keys"),
    m("cache: checklist items left out of the workbook key", "src/zhinan/sheets/workbook.py",
      "return hashcache.key(sc.sector, sc.items, content.guide)", "return hashcache.key(sc.sector, content.guide)",
      MEANING + "test_an_edited_checklist_item_changes_the_key_of_every_output_that_shows_it"),
    m("cache: the edition left out of the workbook key", "src/zhinan/sheets/workbook.py",
      "return hashcache.key(sc.sector, sc.items, content.guide)", "return hashcache.key(sc.sector, sc.items)",
      MEANING + "test_a_new_edition_changes_every_output_that_prints_it"),
    m("preview: the site-wide pages a first pass kept are never rendered again", "src/zhinan/site/mkdocs/preview.py",
      "            server.request_rebuild()\n", "            pass\n",
      "tests/test_preview.py::test_the_site_wide_pages_follow_in_a_second_pass"),
    m("preview: pages the first pass rendered without search entries are not marked for the second",
      "src/zhinan/site/mkdocs/plugin.py", "UNSEARCHED if self.search_later and src in self.rendered else ", "",
      "tests/test_preview.py::test_an_edited_enterprise_is_served"),
    m("preview: the watcher passes on every file opened (the build rebuilds without end)",
      "src/zhinan/site/mkdocs/preview.py", "event_filter=event_filter or _CHANGES,", "event_filter=event_filter,",
      "tests/test_preview.py::test_the_server_rests_between_changes"),
    m("search: an id typed without its hyphen (WHP003) is not read as the id", "src/zhinan/templates/site/search-words.js",
      'return before + prefix + "-" + number;', "return m;",
      "tests/test_search_readers.py::test_readers_words_find_the_entry[WHP003-sectors/hazardous-chemicals/#whp-003]"),
    m("search: every page fetches the search index as it loads", "src/zhinan/assets/zhinan/search-later.js",
      "if (this.__zhinanIndex && !opened) {", "if (false) {",
      "tests/test_site_loading.py::test_the_search_index_is_fetched_only_when_search_is_opened"),
    m("self-check: a workbook taken as current whatever key it carries", "src/zhinan/site/selfcheck.py",
      "workbook.written_source(data) != key:", "not data:",
      "tests/test_selfcheck.py::test_a_workbook_is_known_current_by_the_source_it_carries"),
    m("record: the 统一社会信用代码's check character not checked", "src/zhinan/formats/record.py",
      "    if code[17] != expected:", "    if False:",
      "tests/test_record_v2.py::test_a_code_is_refused_with_the_reason"),
    m("record: 1.5万元 read as 1.5 元", "src/zhinan/formats/record.py",
      "number, scale = number[:-1], 10000", "number, scale = number[:-1], 1",
      "tests/test_record_v2.py::test_amounts_as_typed"),
    m("workbook: the 整改清单's rows as tall as their own cells only (the looked-up 隐患描述 clipped)",
      "src/zhinan/sheets/workbook.py", 'shown = [getattr(hazard, name.removeprefix("finding."), "") if name.startswith("finding.") and hazard',
      'shown = ["" if name.startswith("finding.") and hazard',
      "tests/test_printed_workbook.py"),
    m("report: an open 重大 hazard not stated", "src/zhinan/commands/report.py",
      "and f.id not in closed]", "and f.id not in closed and False]",
      "tests/test_report_command.py::test_the_report_of_a_filled_workbook"),
    m("cache: copied files' bytes left out of the site key", "src/zhinan/site/assemble.py",
      "hashcache.file_digest(*(path for _, path in files)), ", "",
      MEANING + "test_edited_image_bytes_change_the_pdf_and_site_keys"),
    m("cache: WeasyPrint's version not in the fingerprint", "src/zhinan/pipeline/hashcache.py",
      'RENDERERS = ("weasyprint", ', "RENDERERS = (",
      MEANING + "test_an_edited_template_or_a_new_renderer_version_changes_every_key"),
    m("cache: only .py files in the code fingerprint (templates ignored)", "src/zhinan/pipeline/hashcache.py",
      'path.is_file() and path.suffix not in (".pyc",)', 'path.is_file() and path.suffix == ".py"',
      MEANING + "test_an_edited_template_or_a_new_renderer_version_changes_every_key"),
    m("cache: a key hashes the parts' types, not their values", "src/zhinan/pipeline/hashcache.py",
      "h.update(repr(part).encode())", "h.update(type(part).__name__.encode())",
      MEANING + "test_an_edited_checklist_item_changes_the_key_of_every_output_that_shows_it"),
    m("house: a stage writes into a published file in place (the new generation shares its inode)",
      "src/zhinan/pipeline/files.py", "        os.replace(tmp, path)\n",
      "        if path.exists():\n            path.write_bytes(data)\n            os.unlink(tmp)\n"
      "        else:\n            os.replace(tmp, path)\n",
      "tests/test_cache.py::test_a_build_never_changes_a_published_file_in_place"),
    m("house: the content layer imports the site", "src/zhinan/content/stats.py",
      "    items = [it for s in content.sectors for it in s.items]\n",
      "    from zhinan.site import pages  # noqa: F401\n    items = [it for s in content.sectors for it in s.items]\n",
      "tests/test_imports.py::test_imports_point_down"),
    m("house: the site's pages import the stage that imports them (a cycle)", "src/zhinan/site/pages.py",
      "    from zhinan import data\n", "    from zhinan import data\n    from zhinan.site.stage import build  # noqa: F401\n",
      "tests/test_imports.py::test_no_import_cycles"),
    # -- written from the code alone, before reading the tests (issue 34); the comment is what a user sees --
    # sc-next-id-from-count: after deleting a hazard and adding another, the new one gets the number of a hazard still listed (two YH-002), and the export mixes their rectifications
    m('self-check: after a delete, a new hazard takes the number of one still listed',
      'src/zhinan/assets/zhinan/selfcheck.js',
      'var s = String(max + 1);',
      'var s = String(state.findings.length + 1);',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # sc-delete-keeps-rectification: a deleted hazard's rectification stays in the 整改清单 (CSV, report, workbook), and re-adding the same number shows two rectifications for it
    m("self-check: a deleted hazard's rectification stays in the 整改清单",
      'src/zhinan/assets/zhinan/selfcheck.js',
      '    state.rectifications = state.rectifications.filter(function (r) { return r.finding !== fid; });\n',
      '',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # sc-progress-counts-remark-only: typing only a 备注 on an unchecked item counts it as checked in 已查 n / N (progress bar, aspect counts, report)
    m('self-check: an item with only a 备注 counts as checked in 已查 n / N',
      'src/zhinan/assets/zhinan/selfcheck.js',
      'return items.filter(function (it) { return results[it.id] && results[it.id].result; }).length;',
      'return items.filter(function (it) { return results[it.id]; }).length;',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # sc-new-hazard-defaults-major: every newly added hazard starts as 重大 instead of 一般
    m('self-check: a new hazard starts as 重大',
      'src/zhinan/assets/zhinan/selfcheck.js',
      'level: REC.levels[0]',
      'level: REC.levels[1]',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # sc-result-change-keeps-hazards: changing an item from 不符合 to 符合 (and confirming) keeps its hazards and rectifications in the lists and exports
    m("self-check: 不符合 changed to 符合 keeps the item's hazards",
      'src/zhinan/assets/zhinan/selfcheck.js',
      '      mine.forEach(function (f) { removeFinding(f.id); });\n',
      '',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # sc-storage-key-without-sector: all sectors' self-check pages share one localStorage entry: working on one sector's page wipes the record saved on another's (reload shows it blank)
    m("self-check: all sectors' pages share one saved record",
      'src/zhinan/site/selfcheck.py',
      'return f"zhinan-self-check:{sector_id}:v{record.VERSION}"',
      'return f"zhinan-self-check:v{record.VERSION}"',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # xlsx-import-drops-remark-only: importing a workbook drops the 备注 of items that have no 检查结果 yet
    m('self-check: importing a workbook drops 备注 of unanswered items',
      'src/zhinan/assets/zhinan/selfcheck-xlsx.js',
      'if (!r.result && !r.remark) return;',
      'if (!r.result) return;',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # xlsx-import-aspect-not-from-item: importing a workbook whose 隐患清单 leaves 方面 blank for a checklist hazard is refused (隐患 … 没有填写方面) instead of taking the item's aspect
    m('self-check: a workbook hazard with a blank 方面 is refused',
      'src/zhinan/assets/zhinan/selfcheck-xlsx.js',
      '      if (!f.aspect && items[f.item]) f.aspect = items[f.item].aspect;\n',
      '',
      'tests/test_selfcheck_sequences.py::test_seeded_random_actions_keep_the_record_consistent'),
    # wb-cover-date-not-date-style: the cover's 检查日期 cell has no date format: a date written into it (browser export) shows as a serial number like 46355
    m("workbook: the cover's 检查日期 shows as a serial number",
      'src/zhinan/sheets/workbook.py',
      'cell.style = DATE_STYLE if key == "date" else BODY_STYLE',
      'cell.style = DATE_STYLE if label == "date" else BODY_STYLE',
      'tests/test_properties.py::test_every_date_cell_of_every_blank_workbook_is_formatted_as_a_date'),
    # wb-source-key-misses-sector: after a sector is renamed the workbook (and the one the self-check page embeds) keeps the old 行业 name, so the page refuses its own exports on import
    m("cache: a renamed sector's workbook keeps the old 行业 name",
      'src/zhinan/sheets/workbook.py',
      'return hashcache.key(sc.sector, sc.items, content.guide)',
      'return hashcache.key(sc.items, content.guide)',
      'tests/test_properties.py::test_every_sector_field_reaches_the_key_of_every_output_that_prints_it'),
    # sheets-all-csv-key-misses-sector: after a sector is renamed all.csv keeps the old name in its 行业 column
    m('cache: a renamed sector keeps its old name in all.csv',
      'src/zhinan/sheets/stage.py',
      'hashcache.key([(sc.sector, sc.items) for sc in content.sectors])',
      'hashcache.key([sc.items for sc in content.sectors])',
      'tests/test_properties.py::test_every_sector_field_reaches_the_key_of_every_output_that_prints_it'),
    # pdf-aspect-numerals-shifted: the aspects of every checklist (volume and blank form) are numbered 二、三、四、五 instead of 一、二、三、四
    m('pdf: aspects numbered 二、三、四、五',
      'src/zhinan/pdf/typeset.py',
      'CN_NUMERALS[n - 1] if 0 < n <= len(CN_NUMERALS) else str(n)',
      'CN_NUMERALS[n] if 0 < n < len(CN_NUMERALS) else str(n)',
      'tests/test_properties.py::test_aspect_numerals_count_from_one'),
    # pdf-page-labels-shifted: the page labels of guide.pdf are shifted by a page: each 分册's cover is labelled with the previous part's numbering
    m("pdf: guide.pdf's page labels shifted by a page",
      'src/zhinan/pdf/bind.py',
      'self.labels += [first, label]',
      'self.labels += [first + 1, label]',
      'tests/test_pdf_furniture.py::test_every_page_of_the_guide_is_headed_by_its_part_and_numbered_by_its_folio'),
    # form-total-pages-is-page: every page of the blank 检查表 says 第 n 页　共 n 页 (the total is the page's own number)
    m('pdf: the blank form says 共 n 页 with n its own page',
      'src/zhinan/templates/pdf/form.html',
      '" 页\u3000共 " counter(pages) " 页"',
      '" 页\u3000共 " counter(page) " 页"',
      'tests/test_pdf_furniture.py::test_every_page_of_every_blank_form_counts_the_forms_own_pages'),
    # form-record-rows-short: the blank form's 隐患及整改记录 pages print 14 rows (YH-001 to YH-014) instead of 15
    m('pdf: the blank form prints 14 hazard rows, not 15',
      'src/zhinan/formats/record.py',
      'range(1, FORM_ROWS + 1)',
      'range(1, FORM_ROWS)',
      'tests/test_record.py::test_the_form_prints_every_column_of_the_two_lists'),
    # site-updated-date-oldest-commit: 更新日期 on sector, checklist and enterprise pages shows the file's first commit, not its last change
    m("site: 更新日期 is the file's first commit, not its last",
      'src/zhinan/site/pages.py',
      'dates.setdefault(line, current)',
      'dates[line] = current',
      'tests/test_properties.py::test_every_files_date_is_its_last_commit_not_its_first'),
    # tx-only-build-drops-other-outputs: `zhinan build --only pdf` publishes a generation without site/, sheets/ and data/: build/site becomes a dangling link
    m('build: --only pdf leaves build/site a dangling link',
      'src/zhinan/pipeline/transaction.py',
      '        for name in STAGES:\n            src = self.out / name',
      '        for name in self.stages:\n            src = self.out / name',
      'tests/test_transaction_faults.py::test_every_published_folder_is_one_whole_edition_after_any_fault'),
    # interrupt-in-exec-dies-by-sigint: a Ctrl+C or SIGTERM that lands in exec'd code ends `python -m zhinan build` by SIGINT (-2), not 130/143
    m('build: a signal landing in exec()\'d code ends the build by SIGINT instead of exit 130/143',
      'src/zhinan/cli.py',
      '    _forget_the_interrupt()\n    published = isinstance',
      '    published = isinstance',
      'tests/test_integrity.py::test_a_signal_that_lands_in_code_run_by_exec_still_exits_128_plus_the_signal'),
    # hostile-name-raw-in-titles: a sector name with markup goes into titles and navigation unescaped: its meta refresh takes readers to another site
    m('site: a name with markup is put unescaped into titles and navigation',
      'src/zhinan/site/pages.py',
      '    return str(escape(str(value)))',
      '    return str(value)',
      'tests/test_hostile_names.py::test_no_page_navigates_or_opens_a_dialog'),
    # interrupt-converted-is-a-failure: SIGTERM turned into a TypeError by code that catches everything is reported as a failed stage with a traceback, exit 1
    m('build: Ctrl+C or SIGTERM turned into another error by a stage is said as that stage failing',
      'src/zhinan/pipeline/transaction.py',
      '                if stop is None:\n                    raise\n',
      '                raise\n',
      'tests/test_interrupted_stage.py::test_sigterm_turned_into_another_error_by_the_stage_is_still_an_interruption'),
    # tx-signal-after-rename: a signal between the rename that publishes and the line after it deletes the published edition and says the old one is kept
    m('build: a signal just after the publishing rename deletes what it published',
      'src/zhinan/pipeline/transaction.py',
      'return self.published or (self.staging is not None and self.published_generation() == self.staging.resolve())',
      'return self.published',
      'tests/test_transaction_faults.py::test_every_published_folder_is_one_whole_edition_after_any_fault'),
    # interrupt-reader-gone: `zhinan build 2>&1 | tee log` and Ctrl+C: the message meets a closed pipe and the build exits 1
    m('build: Ctrl+C with the reader of its output gone exits 1 (BrokenPipeError)',
      'src/zhinan/cli.py',
      '        sys.stdout.flush()\n    except OSError:',
      '        sys.stdout.flush()\n    except ValueError:',
      'tests/test_integrity.py::test_a_signal_after_the_reader_of_its_output_is_gone_still_exits_128_plus_the_signal'),
    # site-forked-renderers-waited: SIGTERM to `zhinan build --only site` waits for every forked sector renderer (left running if one hangs)
    m("site: the forked sector renderers are waited for after SIGTERM",
      'src/zhinan/site/pages.py',
      'pipeline_workers.pool(min(workers, len(todo)), start="fork") as pool',
      '__import__("concurrent.futures").futures.ProcessPoolExecutor(min(workers, len(todo)), '
      'mp_context=__import__("multiprocessing").get_context("fork")) as pool',
      'tests/test_integrity.py::test_sigterm_stops_the_sites_forked_renderers_too'),
    # relay-kills-after-the-build: the signal relay goes on killing pools for a second after the build that was signalled has ended
    m('build: the signal relay kills the workers of what runs after the interrupted build',
      'src/zhinan/pipeline/workers.py',
      '        left.set()\n        signal.set_wakeup_fd(previous)\n        os.close(write)  # the watching thread reads the end of the pipe and stops\n'
      '        watcher.join(5)  # not killing the pools of whatever runs next in this process\n',
      '        signal.set_wakeup_fd(previous)\n        os.close(write)  # the watching thread reads the end of the pipe and stops\n',
      'tests/test_interrupted_stage.py::test_sigterm_turned_into_another_error_by_the_stage_is_still_an_interruption'),
    # forkserver-cpu-uncounted: zhinan build ends without waiting for the fork server: its workers' CPU is lost to `time`
    m("workers: the fork server is not stopped and waited for at the end",
      'src/zhinan/pipeline/workers.py',
      '    if stop is not None:\n        stop()\n',
      '    pass\n',
      'tests/test_workers.py::test_a_fork_server_worker_is_not_the_builds_child_and_its_cpu_is_counted_once_stopped'),
    # forkserver-without-pidfd: without pidfds a fork server's worker could not watch the build, yet one is used
    m("workers: a system without pidfds still gets fork-server workers",
      'src/zhinan/pipeline/workers.py',
      '        else:\n            start = "spawn"\n',
      '        else:\n            pass\n',
      'tests/test_workers.py::test_without_pidfds_the_workers_are_spawned_by_the_build'),
    # interrupted-waits-for-server: an interrupted build stops the fork server, which waits for a worker no pool knows
    m("cli: an interrupted build waits for the fork server",
      'src/zhinan/cli.py',
      '                # pool then knows, and the server would wait for it. Both end with this process.\n                raise\n',
      '                # pool then knows, and the server would wait for it. Both end with this process.\n'
      '                workers.stop_server()\n                raise\n',
      'tests/test_integrity.py::test_a_signal_while_the_first_worker_starts_ends_the_build_and_its_fork_server'),
    # tx-first-build-unlinked: a first build stopped after the publishing rename says it was published, and build/<stage> is missing
    m('build: a first build stopped just after publishing leaves no build/<stage> links',
      'src/zhinan/pipeline/transaction.py',
      '            return\n        for name in STAGES:\n',
      '            return\n        for name in ():\n',
      'tests/test_transaction_faults.py::test_a_first_build_stopped_once_published_leaves_every_folder_in_place'),
    # tx-abort-removes-published: Ctrl+C just after the switch deletes the generation just published: build/site and build/pdf point at nothing
    m('build: Ctrl+C just after the switch deletes what it published',
      'src/zhinan/pipeline/transaction.py',
      '        if not self.is_published():\n            shutil.rmtree(self.staging, ignore_errors=True)\n',
      '        if True:\n            shutil.rmtree(self.staging, ignore_errors=True)\n',
      'tests/test_transaction_faults.py::test_every_published_folder_is_one_whole_edition_after_any_fault'),
    # tx-verify-accepts-truncated-pdf: a PDF cut off before its %%EOF passes verification and is published
    m('build: a PDF cut off before %%EOF is published',
      'src/zhinan/pipeline/transaction.py',
      'if head != b"%PDF-" or b"%%EOF" not in tail:',
      'if head != b"%PDF-" and b"%%EOF" not in tail:',
      'tests/test_integrity.py::test_a_truncated_output_is_never_published',
      'tests/test_transaction_faults.py::test_every_published_folder_is_one_whole_edition_after_any_fault'),
    # cl-sector-added-removed-swapped: a sector added since the earlier edition is announced as 删除本行业, and a removed one as 新增
    m('changelog: an added sector announced as removed',
      'src/zhinan/commands/changelog.py',
      'ADDED if new else REMOVED',
      'ADDED if old else REMOVED',
      'tests/test_changelog.py::test_fixture_editions_differ_exactly_as_expected'),
    # cl-hazard-change-also-item-change: a changed typical hazard is also listed as 修改 检查项 …（修改了：典型隐患）, twice for one change
    m('changelog: a changed typical hazard also listed as a changed item',
      'src/zhinan/commands/changelog.py',
      'lambda r: f"{r[\'id\']} {r[\'item\']}", ["hazards"]),',
      'lambda r: f"{r[\'id\']} {r[\'item\']}"),',
      'tests/test_changelog.py::test_fixture_editions_differ_exactly_as_expected'),
    # cl-sectors-sorted-by-id: the sectors of 本版修订说明 are listed by id (alphabetically), not in the edition's order
    m("changelog: sectors listed by id, not in the edition's order",
      'src/zhinan/commands/changelog.py',
      'order = [*new.sectors, *(s for s in old.sectors if s not in new.sectors)]',
      'order = sorted({*new.sectors, *old.sectors})',
      'tests/test_changelog.py::test_fixture_editions_differ_exactly_as_expected'),
    # imp-merged-cell-last-row-empty: the last row of a vertically merged 检查类别 cell is read as empty and the import is refused (“检查类别”不能为空)
    m('importer: the last row of a merged 检查类别 cell is read as empty',
      'src/zhinan/commands/importer.py',
      'for r in range(rng.min_row, min(rng.max_row, rows)):',
      'for r in range(rng.min_row, min(rng.max_row - 1, rows)):',
      'tests/test_importer.py::test_messy_sheets_that_mean_the_same_import_to_the_same_file'),
    # val-duplicate-key-names-own-line: 字段“x”重复（第 N 行已出现） names the duplicate's own line instead of the first one
    m('check: a duplicated field names its own line as the first',
      'src/zhinan/content/validate.py',
      'first = keys[name].start_mark.line + 1',
      'first = key_node.start_mark.line + 1',
      'tests/test_validate.py::test_rule[duplicate key]'),
    # val-sectors-sorted-by-id: sectors appear in the order of their ids everywhere (navigation, home, guide.pdf, all.csv) instead of by `order`
    m('check: sectors ordered by id, not by `order`',
      'src/zhinan/content/validate.py',
      'sectors.sort(key=lambda s: (s.sector.order, s.id))',
      'sectors.sort(key=lambda s: (s.id, s.sector.order))',
      'tests/test_properties.py::test_sectors_follow_their_order_not_their_ids'),
    # slips-tab-column-off-by-one: a tab is reported one column to the left (column 0 for a tab at the start of a line)
    m('check: a tab reported one column to the left',
      'src/zhinan/content/slips.py',
      'found.append(Slip(n + 1, col + 1, f"{what}',
      'found.append(Slip(n + 1, col, f"{what}',
      'tests/test_contrib.py::test_slip_told_where_it_was_made'),
    # slips-more-less-swapped: a key indented one space too far is told it has one space too few (多/少 swapped), and the reverse
    m('check: 多/少 swapped for a mis-indented key',
      'src/zhinan/content/slips.py',
      'more = "多" if line.key_col > prev.key_col else "少"',
      'more = "多" if line.key_col < prev.key_col else "少"',
      'tests/test_contrib.py::test_slip_told_where_it_was_made'),
    # san-svg-names-case-sensitive: an SVG holding <foreignObject> (HTML inside the drawing) passes zhinan check and the build, and is published
    m('check: an SVG holding <foreignObject> is published',
      'src/zhinan/content/sanitize.py',
      'return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()',
      'return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]',
      'tests/test_security.py::test_active_svg_is_an_error'),
    # names-edition-unsanitized: an edition containing / : # or spaces goes into download file names as is, breaking the download links
    m('names: an edition with / : # goes into download names as is',
      'src/zhinan/formats/names.py',
      '（{file_name_part(guide.edition)}）',
      '（{guide.edition}）',
      'tests/test_properties.py::test_every_download_name_is_a_safe_file_name_for_any_edition'),
    # wb-summary-total-misses-last-aspect: the 汇总 row 合计 of 检查结果 leaves out the last aspect (作业行为)
    m('workbook: the 汇总 合计 leaves out the last aspect',
      'src/zhinan/sheets/workbook.py',
      'top, bottom = 4, 3 + n_aspects',
      'top, bottom = 4, 2 + n_aspects',
      'tests/test_properties.py::test_the_summary_totals_are_the_sum_of_every_aspect_and_blank_is_what_is_left'),
    # wb-summary-blank-ignores-na: the 汇总 column 未填 counts 不涉及 items as not filled in
    m('workbook: 汇总 未填 counts 不涉及 as not filled in',
      'src/zhinan/sheets/workbook.py',
      'put(res["blank"], f"=B{c}-C{c}-D{c}-E{c}")',
      'put(res["blank"], f"=B{c}-C{c}-D{c}")',
      'tests/test_properties.py::test_the_summary_totals_are_the_sum_of_every_aspect_and_blank_is_what_is_left'),
    # wb-lookup-level-shows-text: the 整改清单's looked-up 隐患等级 column shows the hazard's description, and 重大 rows are never bold on gray
    m("workbook: the 整改清单's 隐患等级 column shows the description",
      'src/zhinan/sheets/workbook.py',
      'INDEX({_finding_range(name)},',
      'INDEX({_finding_range("text")},',
      'tests/test_properties.py::test_every_looked_up_column_of_the_rectifications_reads_its_own_finding_column'),
    # imp-new-id-ignores-file: when the sheet leaves out the file's highest-numbered items, a new row without 编号 gets the number of one of them and silently overwrites that item
    m('importer: a new row takes the number of an item left out of the sheet',
      'src/zhinan/commands/importer.py',
      'next_id = _id_counter(prefix, [*existing, *(str(r.values.get("id")) for r in rows)])',
      'next_id = _id_counter(prefix, [str(r.values.get("id")) for r in rows])',
      'tests/test_properties.py::test_random_edits_of_a_workbook_import_to_exactly_those_edits'),
    m("opening: a part that inflates past its directory's size is taken as not a workbook, the part unnamed",
      'src/zhinan/sheets/opening.py',
      'except zipfile.BadZipFile as exc:\n        raise lie from exc',
      'except zipfile.BadZipFile:\n        return',
      'tests/test_hostile_sheets.py::test_import_names_a_part_whose_directory_lies_about_its_size'),
    m('opening: a cell only formatted counts as data (a bold empty XFD1048576 refuses the sheet)',
      'src/zhinan/sheets/opening.py',
      'if cell.value is None or cell.value == "":',
      'if cell.value == "":',
      'tests/test_hostile_sheets.py::test_a_formatted_cell_at_xfd1048576_is_not_data'),
    # Issue 34: written from the code alone, then verified here.
    m('self-check: picking a 重大 typical hazard leaves the level at 一般',
      'src/zhinan/assets/zhinan/selfcheck.js',
      '    f.level = h.level;\n',
      '',
      'tests/test_selfcheck.py::test_lowering_a_major_hazard_needs_a_visible_note[http]'),
    # sc-rate-over-items: the report's 整改完成率 is 已销号 divided by the number of checklist items, not by the hazards found
    m("self-check: the report's 整改完成率 is over the items, not the hazards",
      'src/zhinan/assets/zhinan/selfcheck-common.js',
      's.done / s.findings * 1000',
      's.done / s.total * 1000',
      'tests/test_selfcheck.py::test_printed_report_holds_the_findings_and_figures[http]'),
    # sc-csv-comma-unquoted: a hazard, measure or remark containing an ASCII comma is not quoted in the exported CSV, so its text spills into the next columns in Excel
    m('self-check: a comma in a hazard spills into the next CSV column',
      'src/zhinan/assets/zhinan/selfcheck-common.js',
      '/[",\\r\\n]/.test(s)',
      '/["\\r\\n]/.test(s)',
      'tests/test_selfcheck_csv_text.py::test_a_comma_or_a_quote_in_any_text_stays_in_its_own_csv_cell[http]'),
    # xlsx-date-month-off-by-one: dates exported to Excel (检查日期, 整改时限, 完成日期…) show one month later, and come back a month later on import
    m('self-check: dates exported to Excel are a month late',
      'src/zhinan/assets/zhinan/selfcheck-xlsx.js',
      '+m[2] - 1',
      '+m[2]',
      'tests/test_selfcheck.py::test_excel_round_trip[http]'),
    # xlsx-hazard-row-off-by-one: in the exported workbook YH-001 lands on the row prefilled YH-002 (overwriting its number), and the 500th hazard is refused
    m("self-check: YH-001 is exported onto YH-002's row",
      'src/zhinan/assets/zhinan/selfcheck-xlsx.js',
      'var row = list.first_row + n - 1;',
      'var row = list.first_row + n;',
      'tests/test_selfcheck.py::test_excel_round_trip[http]'),
    # xlsx-row-height-ignores-cjk-width: exported rows with long Chinese 备注/隐患描述 are made only half as tall as needed, so the text is cut off in Excel
    m('self-check: exported rows with long Chinese text are cut off',
      'src/zhinan/assets/zhinan/selfcheck-xlsx.js',
      'n += text.charCodeAt(i) >= 0x2e80 ? 2 : 1;',
      'n += 1;',
      'tests/test_selfcheck_row_heights.py::test_every_exported_row_is_tall_enough_for_its_text[http]'),
    # filter-level-first-missed: filtering by 隐患等级 hides the rows whose first (or only) level is the one chosen, e.g. items with only 重大 hazards vanish under 含重大隐患
    m('checklist: the 隐患等级 filter hides rows whose first level is the one chosen',
      'src/zhinan/assets/zhinan/checklist.js',
      'levels.indexOf(level) >= 0',
      'levels.indexOf(level) > 0',
      'tests/test_site.py::test_checklist_filter_hides_and_shows_rows[http]'),
    # filter-url-param-not-cleared: going back to 全部 leaves ?aspect=…/&level=… in the address, so reload or a shared link shows the old filter again
    m('checklist: back to 全部, the old filter stays in the address',
      'src/zhinan/assets/zhinan/checklist.js',
      'if (value) params.set(name, value); else params.delete(name);',
      'if (value) params.set(name, value);',
      'tests/test_site_readers.py::test_checklist_filter_lives_in_the_url[http]'),
    # filter-print-note-aspect-only: a list filtered by 隐患等级 alone prints without the line 本表已筛选（…）
    m('checklist: a list filtered by level alone prints without 本表已筛选',
      'src/zhinan/assets/zhinan/checklist.js',
      'note.hidden = parts.length === 0;',
      'note.hidden = !aspect;',
      'tests/test_site_readers.py::test_checklist_filter_lives_in_the_url[http]'),
    # wb-row-height-capped: every 检查清单 row is at most one writing row tall, so long 检查内容/典型隐患 are cut off on screen and in print
    m('workbook: long checklist rows are cut to one writing row',
      'src/zhinan/sheets/workbook.py',
      'return max(WRITING_ROW, LINE_HEIGHT * lines + 4)',
      'return min(WRITING_ROW, LINE_HEIGHT * lines + 4)',
      'tests/test_workbook_pages.py::test_every_checklist_row_of_every_sector_is_tall_enough_for_its_text'),
    # wb-print-titles-miss-header: printed 检查清单 pages after the first repeat the cover rows but not the column header row
    m('workbook: printed checklist pages repeat no column header',
      'src/zhinan/sheets/workbook.py',
      '_print_setup(ws, sc, f"1:{CHECKLIST_HEAD_ROW}", None)',
      '_print_setup(ws, sc, f"1:{LIST_HEAD_ROW}", None)',
      'tests/test_sheets.py::test_print_setup_fonts_rows_to_write_in_and_page_numbers_per_sheet'),
    # wb-layout-sheets-swapped: the self-check export writes the hazards into the 整改清单 sheet and the rectifications into the 隐患清单 sheet (the 汇总 then counts nothing)
    m('workbook: the self-check export writes hazards into the 整改清单 sheet',
      'src/zhinan/sheets/workbook.py',
      '    for role, name, columns in (("findings", FINDINGS_SHEET, FINDING_COLUMNS),\n                                ("rectifications", RECTIFICATIONS_SHEET, RECTIFICATION_COLUMNS)):',
      '    for role, name, columns in (("findings", RECTIFICATIONS_SHEET, FINDING_COLUMNS),\n                                ("rectifications", FINDINGS_SHEET, RECTIFICATION_COLUMNS)):',
      'tests/test_sheets.py::test_the_layout_names_the_cells_the_workbook_really_has'),
    # wb-list-print-area-short: the printed 隐患清单/整改清单 stop two rows short (13 blank rows instead of 15; the last filled hazards are not printed)
    m('workbook: the printed 隐患清单/整改清单 stop two rows short',
      'src/zhinan/sheets/workbook.py',
      '{LIST_HEAD_ROW + printed}")',
      '{printed}")',
      'tests/test_workbook_pages.py::test_every_filled_row_of_every_list_is_inside_its_print_area'),
    # pdf-volume-start-page-off-by-one: in guide.pdf's 目录 every 分册's start page is one less than the page it really starts on
    m("pdf: guide.pdf's 目录 gives each 分册 one page early",
      'src/zhinan/pdf/jobs.py',
      '"page": folio(number, 1)}',
      '"page": folio(number, 0)}',
      'tests/test_pdf.py::test_master_toc_links_every_volume_entry_to_its_page'),
    # pdf-volume-bookmarks-open: in guide.pdf's bookmarks every 分册 opens expanded (a thousand entries) instead of collapsed
    m("pdf: every 分册's bookmarks open expanded",
      'src/zhinan/pdf/bind.py',
      '_chain(volume, items)',
      '_chain(volume, items, open_=True)',
      'tests/test_pdf.py::test_each_volume_bookmark_opens_its_first_page_and_is_shown_closed'),
    # pdf-chapter-running-head: the running head over guide.pdf's common chapters shows 合订本 or the last section heading instead of the chapter title
    m('pdf: the running head over common chapters is not the chapter',
      'src/zhinan/templates/pdf/print.css',
      '.chapter > h1 { string-set: part content(); }',
      '.chapter > h2 { string-set: part content(); }',
      'tests/test_pdf_furniture.py::test_every_page_of_the_guide_is_headed_by_its_part_and_numbered_by_its_folio'),
    # site-partial-coverage-as-none: a sector whose 重大隐患 criteria are 部分录入 says 条文尚未录入本指南 instead of 重大隐患 n 项，录自《…》的部分条文
    m('site: 部分录入 criteria read as 尚未录入',
      'src/zhinan/site/pages.py',
      'if mc.coverage == "未录入":',
      'if mc.coverage != "全部录入":',
      'tests/test_site_readers.py::test_no_sector_reads_as_having_no_major_hazards'),
    # site-404-root-one-level: the 404 page's 返回首页 and search point one folder too deep (…/assets/), and its stylesheets do not load
    m("site: the 404 page's 返回首页 points one folder too deep",
      'src/zhinan/assets/zhinan/not-found.js',
      'new URL("../../", script.src)',
      'new URL("../", script.src)',
      'tests/test_site_readers.py::test_404_page_leads_home_and_to_search'),
    # site-csp-hash-of-whole-tag: the theme's inline scripts are blocked by every page's Content-Security-Policy (their hashes cover the <script> tags, not the code)
    m("site: the theme's inline scripts are blocked by the CSP",
      'src/zhinan/site/mkdocs/plugin.py',
      'hashlib.sha256(m.group(1).encode())',
      'hashlib.sha256(m.group(0).encode())',
      'tests/test_properties.py::test_every_page_carries_the_csp_that_allows_exactly_its_inline_scripts'),
    # site-404-search-form-blocked: the search form on the 404 page does nothing: its CSP keeps form-action 'none'
    m("site: the 404 page's search form does nothing",
      'src/zhinan/site/mkdocs/plugin.py',
      '    page = page.replace("form-action \'none\'", "form-action \'self\'", 1)\n',
      '',
      'tests/test_properties.py::test_every_page_carries_the_csp_that_allows_exactly_its_inline_scripts'),
    # site-no-breadcrumbs: sector, checklist and enterprise pages lose their breadcrumbs (行业指南 › 危险化学品 › 检查清单)
    m('site: sector pages lose their breadcrumbs',
      'src/zhinan/templates/site/mkdocs.yml',
      '    - navigation.path\n',
      '',
      'tests/test_properties.py::test_every_page_below_a_sector_shows_its_breadcrumbs'),
    # site-hazard-text-unescaped: a typical hazard written with * or _ or <…> shows as emphasis/markup on the sector page instead of as written
    # (Repointed: item.md's `{{ h.text }}` without `|t` changes nothing any more, since every `{{ … }}`
    # is finalised as plain text (site/pages.py `_finalize`); the defect now lives in the escape table.)
    m("site: a typical hazard's * or <…> shows as markup",
      'src/zhinan/site/pages.py',
      '`*_[]<>&|#{}',
      '`[]&|#{}',
      'tests/test_site.py::test_plain_text_cannot_become_markup'),
    # site-row-link-upper-case: the # link of a checklist row copies …#WHP-001, which does not match the row's anchor (#whp-001)
    m("site: a checklist row's # link does not match its anchor",
      'src/zhinan/templates/site/checklist.md',
      '<a class="zn-link" href="#{{ it.id|lower }}"',
      '<a class="zn-link" href="#{{ it.id }}"',
      'tests/test_site_readers.py::test_links_to_a_checklist_row_land_on_it[http]'),
    # data-falsy-fields-dropped: guide.json leaves out every false, 0 or empty value (key: false of non-key sectors, sample: false, empty lists), so it no longer validates against its schema
    m('data: guide.json leaves out false, 0 and empty values',
      'src/zhinan/data.py',
      'for name, v in _fields(value) if v is not None}',
      'for name, v in _fields(value) if v}',
      'tests/test_data_every_value.py::test_every_field_of_every_record_is_in_guide_json_false_zero_and_empty_included'),
    # imp-error-points-at-row-above: a problem found on an item's first line (e.g. its 编号 duplicating another sector's) is reported at the sheet row above
    m("importer: a problem on an item's first line points at the row above",
      'src/zhinan/commands/importer.py',
      'bisect.bisect_right(starts, p.line) - 1',
      'bisect.bisect_left(starts, p.line) - 1',
      'tests/test_import_points_at_the_row.py::test_a_problem_on_an_items_first_line_names_that_rows_cell_on_every_row'),
)

PENDING: tuple[Mutant, ...] = ()
"""Mutants written but not yet verified killed (none)."""


REMOVED: dict[str, str] = {
    "pdf: guide.pdf's 目录 gives each 分册 the page before the one it starts on":
        "its text (the start-page counter styles) is gone with one numbering in the book (folios “3-5”): "
        "the same defect now lives in pdf/jobs.py's folio of the 分册 line, mutant “pdf: guide.pdf's 目录 gives "
        "each 分册 one page early”",
    "pdf: guide.pdf's front matter is always rendered twice":
        "the front no longer needs its own length to number the 分册 (each 分册 is numbered from its first "
        "page, “3-1”), so there is no second rendering left to provoke; its text is gone",
    'form-star-any-hazard':
        'the same text and replacement as “print: form stars every item with a hazard”, killed there',
    'cache-fingerprint-python-only':
        'the same defect as “cache: only .py files in the code fingerprint (templates ignored)” (a shorter text of the same line), killed there',
    "importer: trailing spaces kept in text cells":
        "cell_text() without its per-line rstrip: every list field strips each line again, and the import "
        "tests' free-text cells (检查内容, 整改要求) are single lines, so the written YAML is the same and no "
        "test here can see it; a multi-line free-text cell with spaces before its line breaks would. Survived "
        "the messy-sheet test (8 passed) — a gap to close with such a fixture, not a free kill.",
    "sanitize: event-handler attributes kept on links":
        "allowing onmouseover on <a> changes nothing the content can reach: attribute lists and raw HTML are "
        "off, so Markdown never produces the attribute (it survived for that reason). The allow-list entry is "
        "defence in depth; the CSP test (test_csp_blocks_inline_handlers_on_every_page) covers the same ground.",
    "workers: PDF workers outlive a killed build (no PR_SET_PDEATHSIG)":
        "caught — test_kill_9_while_pdfs_render_leaves_the_old_outputs_and_no_worker fails — but only when its "
        "300 s limit runs out while the orphaned workers finish: too slow for the CI budget. Run it by hand with "
        "the table's harness when changing workers.py.",
}
"""Mutants taken out, with the reason: they change nothing observable, or catching them takes longer than
the CI budget allows."""


if __name__ == "__main__":
    sys.exit(main())
