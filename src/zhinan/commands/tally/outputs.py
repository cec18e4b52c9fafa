"""The tally's outputs: the 简报 (PDF, WeasyPrint, the print edition's fonts), its figures as XLSX
(one sheet per table, numbers as numbers) and the 退回清单 (XLSX). Charts are SVG made here."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from concurrent.futures import Executor
from html import escape
from pathlib import Path
from typing import Any

from zhinan.content.model import HAZARD_LEVELS, Content, Guide
from zhinan.formats.record import DONE_STATUS, STATUSES
from zhinan.pipeline.files import write_bytes

BRIEF = "进展简报.pdf"
FIGURES = "进展简报-数据.xlsx"
RETURNS = "退回清单.xlsx"

OVERDUE_BY_ENTERPRISE = "逾期未整改（按企业）"
"""The XLSX sheet of overdue hazards counted per enterprise; "逾期未整改" lists each hazard."""

OVERDUE_SHOWN = 50
"""The enterprises the 简报 PDF lists under 逾期 (most overdue first); the rest are named by number and
found in the XLSX. The 简报 is a briefing, not the ledger: the item-level overdue list was 30 of its
pages at 400 files and nine tenths of a rerun's time; one row per enterprise is still 2,000 rows at
5,000 files (about 45 pages). 50 rows are a page and a bit at 8 pt."""

MAJOR_SHEET = "未销号重大隐患"
"""The XLSX sheet of every open 重大 hazard."""

MAJOR_SHOWN = 50
"""The open 重大 hazards the 简报 PDF lists (most urgent first: the earliest 整改时限); the rest are
counted and found in the XLSX (`MAJOR_SHEET`). At 5,000 files there were 728 of them, 17 of the 23
pages and half a rerun's time; an office reads the most urgent in the 简报 and works from the XLSX."""

FIGURE_HEAD = ["企业数", *(f"{lv}隐患" for lv in HAZARD_LEVELS), "隐患合计", *STATUSES, "整改完成率", "逾期未整改", "未销号重大隐患"]


def _row(fig: dict[str, Any]) -> list[Any]:
    return [fig["enterprises"], *(fig["findings"].get(lv, 0) for lv in HAZARD_LEVELS), sum(fig["findings"].values()),
            *(fig["rectifications"][st] for st in STATUSES), fig["completion_rate"], fig["overdue"], fig["open_major"]]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _tables(data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    s, names = data["summary"], data["sector_names"]
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "按行业": (["行业", *FIGURE_HEAD], [[names.get(k, k), *_row(v)] for k, v in s["by_sector"].items()]
                 + [["合计", *_row(s)]]),
        "按县（市、区）": (["县（市、区）", *FIGURE_HEAD], [[k, *_row(v)] for k, v in s["by_county"].items()] + [["合计", *_row(s)]]),
    }
    line_head = ["企业名称", "统一社会信用代码", "行业", "县（市、区）", "隐患编号", "对应检查项", "隐患描述", "隐患等级", "整改时限", "状态", "检查日期"]

    def lines(rows: list[dict[str, Any]]) -> list[list[Any]]:
        return [[r["enterprise"], r["credit_code"], r["sector"], r["county"], r["finding"], r["item"], r["text"], r["level"],
                 _day(r["deadline"]), r["status"], _day(r["date"])] for r in rows]

    tables[MAJOR_SHEET] = (line_head, lines(data["open_major"]))
    tables["逾期未整改"] = (line_head, lines(data["overdue"]))
    tables[OVERDUE_BY_ENTERPRISE] = (["企业名称", "统一社会信用代码", "行业", "县（市、区）", "逾期未整改（条）", "最早的整改时限"],
                                     [[e["enterprise"], e["credit_code"], e["sector"], e["county"], e["overdue"], _day(e["earliest"])]
                                      for e in data["overdue_enterprises"]])
    tables["周趋势"] = (["周次", "截至", "报送企业", "隐患", "已销号", "整改完成率", "未销号重大隐患"],
                     [[t["week"], _day(t["as_of"]), t["enterprises"], t["findings"], t["done"], t["completion_rate"], t["open_major"]]
                      for t in data["trend"]])
    dl = data["deadlines"]
    if dl:
        rows = [["报送企业", dl["reporting"]], [f"{dl['findings_by']} 前形成隐患清单的企业", dl["findings_on_time"]],
                [f"{dl['rectifications_by']} 前整改全部落实（责任部门、措施、时限、资金）的企业", dl["planned_on_time"]]]
        if "large" in dl:
            rows += [["报送名单中的规上企业", dl["large"]], ["其中按期形成隐患清单", dl["large_findings"]],
                     ["其中按期落实整改清单", dl["large_planned"]]]
        tables["完成时限"] = (["项目", "企业数"], rows)
    if data["expected"]:
        tables["未报送企业"] = (["企业名称", "统一社会信用代码", "行业", "县（市、区）", "规上"],
                           [[e.name, e.credit_code, names.get(e.sector, e.sector), e.county, "是" if e.large else "否"]
                            for e in data["missing"]])
    return tables


def _day(text: str) -> datetime.date | str:
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""


DATE_COLUMNS = ("整改时限", "检查日期", "截至", "读入日期", "最早的整改时限")


def _xlsx(sheets: dict[str, tuple[list[str], list[list[Any]]]], when: datetime.date) -> bytes:
    """One sheet per table, numbers as numbers, dates as dates. Written in openpyxl's write-only mode:
    the full mode made a cell object for each of the 100,000 cells at 5,000 files (2.9 s of a rerun's 9)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from zhinan.sheets.encode import xlsx_bytes

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, (head, rows) in sheets.items():
        ws = wb.create_sheet(title)
        formats: dict[int, str] = {}
        for col, name in enumerate(head):
            ws.column_dimensions[get_column_letter(col + 1)].width = max(8, min(40, len(name) * 2 + 2))
            if name == "整改完成率":
                formats[col] = "0.0%"
            elif name in DATE_COLUMNS:
                formats[col] = "yyyy-mm-dd"
        ws.freeze_panes = "A2"

        def cell(value: Any, fmt: str | None = None, font: Font | None = None, ws: Any = ws) -> Any:
            c = WriteOnlyCell(ws, value)
            if fmt:
                c.number_format = fmt
            if font:
                c.font = font
            return c

        ws.append([cell(name, font=bold) for name in head])
        for row in rows:
            ws.append([cell(v, formats[i]) if i in formats else v for i, v in enumerate(row)] if formats else row)
    return xlsx_bytes(wb, when)


def write_sheets(tables: dict[str, tuple[list[str], list[list[Any]]]], refused: list[dict[str, str]], when: datetime.date,
                 out: Path) -> None:
    """The figures' XLSX and the 退回清单."""
    write_bytes(out / FIGURES, _xlsx(tables, when))
    write_bytes(out / RETURNS, _xlsx({"退回清单": (["文件", "退回原因"], [[r["file"], r["reason"]] for r in refused])}, when))


def write_brief(data: dict[str, Any], tables: dict[str, tuple[list[str], list[list[Any]]]], guide: Guide, out: Path) -> None:
    """The 简报 PDF (run in the writer process when there is one, `write_outputs`)."""
    write_bytes(out / BRIEF, brief_pdf(data, guide, tables))


def brief_rows() -> dict[str, int]:
    """The lists the 简报 prints only the first rows of, and how many."""
    return {MAJOR_SHEET: MAJOR_SHOWN, OVERDUE_BY_ENTERPRISE: OVERDUE_SHOWN}


LEDGER_ONLY = ("逾期未整改",)
"""The sheets the 简报 does not print at all (each hazard overdue: the office's ledger)."""


def for_brief(data: dict[str, Any], tables: dict[str, tuple[list[str], list[list[Any]]]]
              ) -> tuple[dict[str, Any], dict[str, tuple[list[str], list[list[Any]]]]]:
    """What the 简报 prints of the figures: each list cut to the rows it shows (`brief_rows`, the counts
    kept in `counts`), without the lists only the XLSX holds. This is what goes to the writer process:
    the whole figures were 2.3 MB to pickle at 5,000 files, and formatting their 85,000 cells came
    before the PDF, which is the last thing a rerun waits for."""
    if "counts" in data:  # cut already
        return data, tables
    major = data["open_major"]
    small = {k: v for k, v in data.items() if k not in ("open_major", "overdue", "overdue_enterprises")}
    small["counts"] = {k: len(rows) for k, (_, rows) in tables.items()}
    small["major_enterprises"] = len({(r["credit_code"], r["sector"]) for r in major})
    small["major_overdue"] = sum(1 for r in major if r["deadline"] and r["deadline"] < data["summary"]["as_of"])
    shown = brief_rows()
    cut = {k: (head, rows[:shown.get(k, len(rows))]) for k, (head, rows) in tables.items() if k not in LEDGER_ONLY}
    return small, cut


def warm() -> None:
    """Import and set up what `write_brief` needs (WeasyPrint, the print fonts, the template: a second
    of a rerun), in the writer process while the tally is still counting."""
    import weasyprint  # noqa: F401

    from zhinan.pdf.fonts import require_cjk_font, use_print_fonts
    from zhinan.pdf.typeset import jinja_env

    require_cjk_font()
    use_print_fonts()
    jinja_env().get_template("pdf/tally.html")


def write_outputs(data: dict[str, Any], content: Content, out: Path, writer: Executor | None = None) -> list[Path]:
    """The 简报 PDF (in `writer`, a process of its own, when given: at 5,000 files it takes 4–5 s, the
    XLSX files 3 s, made here meanwhile), the figures' XLSX and the 退回清单."""
    when = datetime.date.fromisoformat(data["summary"]["as_of"])
    tables = _tables(data)
    brief = writer.submit(write_brief, *for_brief(data, tables), content.guide, out) if writer is not None else None
    write_sheets(tables, data["summary"]["refused"], when, out)
    if brief is None:
        write_brief(data, tables, content.guide, out)
    else:
        brief.result()
    return [out / FIGURES, out / RETURNS, out / BRIEF]


def words(data: dict[str, Any]) -> list[str]:
    """The 简报's summary in sentences."""
    s, ch = data["summary"], data["change"]
    total = sum(s["findings"].values())
    said = [f"截至{_cn(s['as_of'])}，共收到 {s['files']['accepted'] + s['files']['refused']} 份自查文件，"
            f"采用 {s['files']['accepted']} 份（其中 {s['files']['superseded']} 份已被同一企业更新的自查替代），"
            f"退回 {s['files']['refused']} 份；{s['enterprises']} 家企业报送了自查，比上周{_delta(ch['enterprises'], ' 家')}。",
            f"各企业共排查隐患 {total} 条，其中重大隐患 {s['findings'].get(HAZARD_LEVELS[-1], 0)} 条；已销号 "
            f"{s['rectifications'][DONE_STATUS]} 条，整改完成率 {_pct(s['completion_rate'])}"
            + ("" if ch["completion_rate"] is None else f"（比上周{_delta(round(ch['completion_rate'] * 100, 1), ' 个百分点')}）") + "。"]
    said.append(f"未销号的重大隐患 {s['open_major']} 条，超过整改时限仍未销号的隐患 {s['overdue']} 条。" if s["open_major"] or s["overdue"]
                 else "没有未销号的重大隐患，也没有超过整改时限仍未销号的隐患。")
    dl = data["deadlines"]
    if dl:
        said.append(f"按专项行动的时限，{_cn(dl['findings_by'])}前形成隐患清单的企业 {dl['findings_on_time']} 家，"
                    f"{_cn(dl['rectifications_by'])}前每条隐患都落实了责任部门、措施、时限和资金的企业 {dl['planned_on_time']} 家。")
    if data["expected"]:
        large = sum(1 for e in data["missing"] if e.large)
        said.append(f"报送名单中的 {len(data['expected'])} 家企业，尚有 {len(data['missing'])} 家未报送（其中规上企业 {large} 家）。")
    return said


def _delta(n: float, unit: str) -> str:
    return "持平" if n == 0 else f"{'增加' if n > 0 else '减少'} {abs(n):g}{unit}"


def _cn(iso: str) -> str:
    d = datetime.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


CHART_MAX_H = 220
"""The tallest the bar chart may be (mm; an A4 page's text block is 265): taller, WeasyPrint could not
place it (it is kept whole) and the page after its heading came out blank, as with the city's 46 sectors."""

ONE_COLUMN = 16
"""Up to this many sectors the bar chart is one column; more, two side by side, so that it still fits
on page 1 under the summary (the city's 46 sectors in one column were 220 mm: the chart went to
page 2 and page 1 was two thirds empty)."""


TWO_COLUMNS_MAX_H = 130
"""The tallest the two-column chart may be (mm): what page 1 has left under the masthead, the summary
of five sentences and the heading."""


def bars_svg(labels: Sequence[str], done: Sequence[int], open_: Sequence[int], width: float = 170, bar_h: float = 6) -> str:
    """Horizontal stacked bars (mm): 已销号 and not, per label, in one column or two (`ONE_COLUMN`); the
    bars thinner when there are many, so that the chart stays within `CHART_MAX_H`."""
    columns = 1 if len(labels) <= ONE_COLUMN else 2
    per_column = -(-len(labels) // columns) or 1
    col_w = width / columns
    label_w, gap = (28, 2.5) if columns == 1 else (24, 1.2)
    if columns == 2:
        bar_h = 3.8
    row = min(bar_h + gap, ((CHART_MAX_H if columns == 1 else TWO_COLUMNS_MAX_H) - 10) / per_column)
    bar_h, gap = row * bar_h / (bar_h + gap), row * gap / (bar_h + gap)
    top = max([d + o for d, o in zip(done, open_, strict=True)] + [1])
    scale = (col_w - label_w - (14 if columns == 1 else 12)) / top
    h = per_column * (bar_h + gap) + 10
    size = 3.2 if columns == 1 else 2.9
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{h:.2f}mm" viewBox="0 0 {width} {h:.2f}" '
             f'font-family="Noto Sans CJK SC" font-size="{size}">']
    for i, (lab, d, o) in enumerate(zip(labels, done, open_, strict=True)):
        x, y = (i // per_column) * col_w + label_w, (i % per_column) * (bar_h + gap)
        parts.append(f'<text x="{x - 1.5:.2f}" y="{y + bar_h * 0.72:.2f}" text-anchor="end">{escape(lab)}</text>')
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{d * scale:.2f}" height="{bar_h:.2f}" fill="#333"/>')
        parts.append(f'<rect x="{x + d * scale:.2f}" y="{y:.2f}" width="{o * scale:.2f}" height="{bar_h:.2f}" fill="#bbb" '
                     'stroke="#333" stroke-width="0.2"/>')
        parts.append(f'<text x="{x + (d + o) * scale + 1.5:.2f}" y="{y + bar_h * 0.72:.2f}">{d + o}</text>')
    y = per_column * (bar_h + gap) + 3
    parts.append(f'<rect x="{label_w}" y="{y:.2f}" width="4" height="3" fill="#333"/><text x="{label_w + 5.5}" y="{y + 2.7:.2f}">已销号</text>')
    parts.append(f'<rect x="{label_w + 24}" y="{y:.2f}" width="4" height="3" fill="#bbb" stroke="#333" stroke-width="0.2"/>'
                 f'<text x="{label_w + 29.5}" y="{y + 2.7:.2f}">未销号</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(trend: Sequence[dict[str, Any]], width: float = 170, height: float = 60) -> str:
    """Weekly bars of reporting enterprises with the completion rate as a line (mm)."""
    left, right, top, bottom = 12, 12, 4, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max([t["enterprises"] for t in trend] + [1])
    step = plot_w / max(len(trend), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" viewBox="0 0 {width} {height}" '
             'font-family="Noto Sans CJK SC" font-size="3">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#000" stroke-width="0.3"/>']
    points = []
    for i, t in enumerate(trend):
        x = left + i * step
        bh = t["enterprises"] / most * plot_h
        parts.append(f'<rect x="{x + step * 0.2:.2f}" y="{top + plot_h - bh:.2f}" width="{step * 0.6:.2f}" height="{bh:.2f}" fill="#bbb"/>')
        parts.append(f'<text x="{x + step / 2:.2f}" y="{top + plot_h - bh - 1:.2f}" text-anchor="middle">{t["enterprises"]}</text>')
        parts.append(f'<text x="{x + step / 2:.2f}" y="{height - 5}" text-anchor="middle">{escape(t["week"][5:])}</text>')
        if t["completion_rate"] is not None:
            points.append((x + step / 2, top + plot_h - t["completion_rate"] * plot_h, t["completion_rate"]))
    if points:
        parts.append('<polyline fill="none" stroke="#000" stroke-width="0.6" points="'
                     + " ".join(f"{x:.2f},{y:.2f}" for x, y, _ in points) + '"/>')
        for x, y, r in points:
            parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="0.9"/><text x="{x + 1.2:.2f}" y="{y - 1.2:.2f}" font-weight="bold">{r * 100:.0f}%</text>')
    parts.append(f'<text x="{left}" y="{height - 1}">柱：报送企业（家）；折线：整改完成率</text></svg>')
    return "".join(parts)


def brief_pdf(data: dict[str, Any], guide: Guide, tables: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    from markupsafe import Markup

    from zhinan.pdf.fonts import require_cjk_font, use_print_fonts
    from zhinan.pdf.typeset import jinja_env

    data, tables = for_brief(data, tables)
    s = data["summary"]
    names = data["sector_names"]
    sectors = [(names.get(k, k), v) for k, v in s["by_sector"].items()]
    chart = bars_svg([n for n, _ in sectors], [v["rectifications"][DONE_STATUS] for _, v in sectors],
                     [sum(v["findings"].values()) - v["rectifications"][DONE_STATUS] for _, v in sectors])

    def shown(v: Any, head: str) -> str:
        if head == "整改完成率":
            return _pct(v)
        if isinstance(v, datetime.date):
            return v.isoformat()
        return "" if v is None else str(v)

    view = {k: (h, [[shown(v, h[i]) for i, v in enumerate(r)] for r in rows]) for k, (h, rows) in tables.items()}
    # the charts are made here from numbers and escaped names
    html = jinja_env().get_template("pdf/tally.html").render(
        guide=guide, s=s, number=data["number"], as_of=_cn(s["as_of"]), words=words(data), tables=view,
        sector_chart=Markup(chart), trend_chart=Markup(trend_svg(data["trend"])), shown=OVERDUE_SHOWN,
        overdue_sheet=OVERDUE_BY_ENTERPRISE, major_shown=MAJOR_SHOWN, major_sheet=MAJOR_SHEET,
        major_enterprises=data["major_enterprises"], major_overdue=data["major_overdue"], counts=data["counts"], figures_file=FIGURES,
        made=_cn(datetime.date.today().isoformat()))
    require_cjk_font()
    use_print_fonts()
    from weasyprint import HTML

    buf = io.BytesIO()
    HTML(string=html, url_fetcher=_nothing).write_pdf(buf)
    return buf.getvalue()


def _nothing(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"简报不引用任何外部资源：{url}")
