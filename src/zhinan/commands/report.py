"""`zhinan report FILE.xlsx`: the 自评报告 of a filled workbook, as PDF (WeasyPrint).

For enterprises that worked in Excel or WPS rather than on the self-check page: the workbook is
read back as the record (`sheets.readback.read_record`, every problem named by its cell), and the
report has the sections and statements of the page's report (assets/zhinan/selfcheck-report.js):
自评机构, 自评计划, 发现问题与整改 (each hazard beside its rectification), 自评结论和下一步, 拟申请等级,
“存在未销号的重大隐患，暂不具备申请定级的条件” while a 重大 hazard is not 已销号, signature lines and a
公章 area, 第 n 页 共 N 页. Counts only: the grade is for the industry's 定级标准.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from zhinan.content.model import ASPECTS, HAZARD_LEVELS, Content, SectorContent, public_fields
from zhinan.errors import ZhinanError
from zhinan.formats.columns import CHECKLIST_SHEET
from zhinan.formats.record import (
    CHECK_RESULTS,
    DONE_STATUS,
    MEMBER_ROLES,
    STATUSES,
    Finding,
    Inspection,
    Member,
    Rectification,
)
from zhinan.pipeline.files import write_bytes
from zhinan.sheets import readback, workbook

OPEN_MAJOR = "存在未销号的重大隐患，暂不具备申请定级的条件"
"""What the report says while a 重大 hazard is not 已销号 (the page's report says the same)."""


class ReportError(ZhinanError):
    """The workbook cannot be made into a report; the message says why (and which cells)."""


def _title(record: type, name: str) -> str:
    return next(str(f.metadata["title"]) for f in public_fields(record) if f.name == name)


def sector_of(data: bytes, content: Content) -> SectorContent:
    """The sector a workbook belongs to, by the 行业 on its cover."""
    from openpyxl import load_workbook

    from zhinan.sheets import opening

    try:
        opening.check_container(data)  # before openpyxl inflates the cover's sheet and shared strings
    except opening.WorkbookProblem as exc:
        raise ReportError(f"错误: {exc.text}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), read_only=True)
            name = str(wb[CHECKLIST_SHEET][workbook.COVER["sector"][1]].value or "").strip()
    except Exception as exc:
        raise ReportError(f"无法读取工作簿：只支持本指南的三张清单工作簿（.xlsx）（{type(exc).__name__}）") from exc
    for sc in content.sectors:
        if sc.sector.name == name:
            return sc
    raise ReportError(f"{CHECKLIST_SHEET}!{workbook.COVER['sector'][1]}: 错误: 行业“{name or '（空）'}”不是本指南的行业")


def summary(ins: Inspection, sc: SectorContent) -> dict[str, Any]:
    """The report's figures: the same counts as the page's summary and the workbook's 汇总."""
    results = {r.item: r.result for r in ins.results}
    aspects, hazards = [], []
    for aspect in [*ASPECTS, "合计"]:
        items = [it for it in sc.items if aspect in (it.aspect, "合计")]
        row: dict[str, Any] = {"aspect": aspect, "total": len(items), **{v: 0 for v in CHECK_RESULTS}}
        for it in items:
            if results.get(it.id):
                row[str(results[it.id])] += 1
        row["blank"] = row["total"] - sum(row[v] for v in CHECK_RESULTS)
        aspects.append(row)
        found = [f for f in ins.findings if aspect in (f.aspect, "合计")]
        hazards.append({"aspect": aspect, "total": len(found), **{lv: sum(f.level == lv for f in found) for lv in HAZARD_LEVELS}})
    statuses = {st: sum(r.status == st for r in ins.rectifications) for st in STATUSES}
    done = statuses[DONE_STATUS]
    funds = sum(r.funds or 0 for r in ins.rectifications)
    return {"aspects": aspects, "hazards": hazards, "statuses": statuses, "done": done, "findings": len(ins.findings),
            "checked": sum(1 for it in sc.items if results.get(it.id)), "total": len(sc.items),
            "rate": round(done / len(ins.findings) * 100, 1) if ins.findings else None, "funds": f"{funds:,.2f}"}


def open_major(ins: Inspection) -> list[str]:
    closed = {r.finding for r in ins.rectifications if r.status == DONE_STATUS}
    return [f.id for f in ins.findings if f.level == HAZARD_LEVELS[-1] and f.id not in closed]


def context(ins: Inspection, sc: SectorContent, content: Content, notes: list[str], source: str) -> dict[str, Any]:
    rects = {r.finding: r for r in ins.rectifications}
    rows = []
    for f in ins.findings:
        r = rects.get(f.id) or Rectification(finding=f.id)
        who = "／".join(x for x in (r.department, r.owner) if x)
        level = f"【{f.level}】" if f.level == HAZARD_LEVELS[-1] else f.level
        if f.level_note:
            level += f"（等级说明：{f.level_note}）"
        rows.append({"major": f.level == HAZARD_LEVELS[-1], "cells": [
            f.id, f.location, f.text, level, r.measure, who, "" if r.funds is None else f"{r.funds:,.2f}",
            r.deadline.isoformat() if r.deadline else "", r.done.isoformat() if r.done else "", r.status]})
    leader = next((m.name for m in ins.members if m.role == MEMBER_ROLES[0]), "")

    def t(name: str) -> str:
        return _title(Inspection, name)

    when = f"{ins.plan_start or '—'} 至 {ins.plan_end or '—'}" if ins.plan_start or ins.plan_end else ""
    return {
        "title": f"{ins.enterprise or '（未填写企业名称）'} {sc.sector.name}安全生产标准化自评报告",
        "identity": [(t("enterprise"), ins.enterprise), (t("credit_code"), ins.credit_code), (t("county"), ins.county),
                     (t("sector"), sc.sector.name), (t("principal"), ins.principal), (t("contact"), ins.contact),
                     (t("phone"), ins.phone)],
        "plan": [(t("plan_scope"), ins.plan_scope), (t("plan_division"), ins.plan_division), ("起止日期", when),
                 (t("kind"), ins.kind), (t("date"), ins.date.isoformat() if ins.date else ""), (t("inspectors"), ins.inspectors)],
        "guide": content.guide, "sector": sc.sector.name, "source": source, "notes": notes,
        "members": ins.members, "member_titles": [str(f.metadata["title"]) for f in public_fields(Member)],
        "s": summary(ins, sc), "results": CHECK_RESULTS, "levels": HAZARD_LEVELS, "done_status": DONE_STATUS,
        "rows": rows, "row_titles": [_title(Finding, "id"), _title(Finding, "location"), _title(Finding, "text"),
                                     _title(Finding, "level"), _title(Rectification, "measure"),
                                     f"{_title(Rectification, 'department')}／{_title(Rectification, 'owner')}",
                                     _title(Rectification, "funds"), _title(Rectification, "deadline"),
                                     _title(Rectification, "done"), _title(Rectification, "status")],
        "operation": ins.operation, "improvements": ins.improvements, "applied_level": ins.applied_level,
        "principal": ins.principal, "leader": leader, "open_major": open_major(ins), "OPEN_MAJOR": OPEN_MAJOR,
    }


def report_pdf(data: bytes, content: Content, source: str) -> tuple[bytes, list[str]]:
    """The report of a filled workbook as PDF bytes, and the notes of reading it (a v1 workbook's)."""
    from zhinan.pdf.fonts import require_cjk_font, use_print_fonts
    from zhinan.pdf.typeset import jinja_env

    sc = sector_of(data, content)
    try:
        ins, notes = readback.read_record(data, sc, content.guide.counties)
    except workbook.RecordError as exc:
        raise ReportError("\n".join(f"{source}:{m}" for m in exc.messages)) from exc
    html = jinja_env().get_template("pdf/report.html").render(**context(ins, sc, content, notes, source))
    require_cjk_font()
    use_print_fonts()
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_nothing).write_pdf(), notes


def _nothing(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"报告不引用任何外部资源：{url}")


def write_report(file: Path, content: Content, out: Path) -> list[str]:
    """Write the report of `file` to `out` (atomically: nothing half-written); the notes of reading it."""
    data, notes = report_pdf(file.read_bytes(), content, file.name)
    write_bytes(out, data)
    return notes
