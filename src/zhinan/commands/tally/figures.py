"""The 简报's figures, as of a date, from the store.

An enterprise's current record is its latest by 检查日期 (per 统一社会信用代码 and sector) among those
dated on or before the as-of date; two of the same date: the later arrival. Each hazard of the
current record counts once, under the status of its rectification (待整改 when it has none).
整改完成率 = 已销号 ÷ hazards; overdue = not 已销号 and 整改时限 before the as-of date; open 重大 = a 重大
hazard not 已销号. Against the guide's deadlines: an enterprise has formed its 隐患清单 on time when a
record of it is dated on or before the first; it has planned every 整改 on time when its latest record
dated on or before the second gives every hazard a 责任部门, 整改措施, 整改时限 and 整改资金.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from zhinan.content.model import HAZARD_LEVELS, Content
from zhinan.formats.record import DONE_STATUS, STATUSES

from .read import Expected
from .store import Row, Store

MAJOR = HAZARD_LEVELS[-1]
TREND_WEEKS = 8


def week_of(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_end(week: str) -> datetime.date:
    """The Sunday ending ISO week YYYY-Www (ValueError when it is not one)."""
    import re

    found = re.fullmatch(r"([0-9]{4})-W([0-9]{2})", week)
    if not found:
        raise ValueError(f"“{week}”不是周次，应为 YYYY-Www，如 2026-W48")
    return datetime.date.fromisocalendar(int(found.group(1)), int(found.group(2)), 7)


def current(rows: Iterable[Row]) -> dict[tuple[str, str], Row]:
    """Each enterprise's current record among `rows` (latest 检查日期, then latest arrival)."""
    out: dict[tuple[str, str], Row] = {}
    for r in rows:
        key = (r.credit_code, r.sector)
        held = out.get(key)
        if held is None or (r.date, r.id) > (held.date, held.id):
            out[key] = r
    return out


def _blank() -> dict[str, Any]:
    return {"enterprises": 0, "findings": {lv: 0 for lv in HAZARD_LEVELS},
            "rectifications": {st: 0 for st in STATUSES}, "completion_rate": None, "overdue": 0, "open_major": 0}


def _hazards(row: Row) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    ins = row.body["inspection"]
    rects = {r["finding"]: r for r in ins.get("rectifications", [])}
    return [(f, rects.get(f["id"])) for f in ins.get("findings", [])]


def _status(rect: dict[str, Any] | None) -> str:
    return rect["status"] if rect and rect.get("status") in STATUSES else STATUSES[0]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What `_add` counts of one record, worked out once: the tally counts the same records as of ten
    days (this week, the week before, the trend's eight), and walking their hazards each time was most
    of its time."""

    levels: Counter[str]
    statuses: Counter[str]
    open_deadlines: tuple[datetime.date, ...]  # of the hazards not 已销号 that have a 整改时限
    open_major: int


def _facts(row: Row, known: dict[int, _Facts]) -> _Facts:
    held = known.get(row.id)
    if held is None:
        levels: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        deadlines, major = [], 0
        for f, r in _hazards(row):
            levels[f["level"]] += 1
            status = _status(r)
            statuses[status] += 1
            if status != DONE_STATUS:
                if r and r.get("deadline"):
                    deadlines.append(datetime.date.fromisoformat(r["deadline"]))
                major += f["level"] == MAJOR
        held = known[row.id] = _Facts(levels, statuses, tuple(deadlines), major)
    return held


def _add(fig: dict[str, Any], facts: _Facts, as_of: datetime.date) -> None:
    fig["enterprises"] += 1
    for level, n in facts.levels.items():
        fig["findings"][level] = fig["findings"].get(level, 0) + n
    for status, n in facts.statuses.items():
        fig["rectifications"][status] += n
    fig["overdue"] += sum(1 for d in facts.open_deadlines if d < as_of)
    fig["open_major"] += facts.open_major


def _rate(fig: dict[str, Any]) -> None:
    total = sum(fig["findings"].values())
    fig["completion_rate"] = round(fig["rectifications"][DONE_STATUS] / total, 4) if total else None


def planned(row: Row) -> bool:
    """Every hazard of the record has its 整改 planned: 责任部门、整改措施、整改时限、整改资金."""
    return all(r is not None and r.get("department") and r.get("measure") and r.get("deadline") and r.get("funds") is not None
               for _, r in _hazards(row))


def figures(rows: Sequence[Row], as_of: datetime.date, content: Content, known: dict[int, _Facts] | None = None,
            totals_only: bool = False) -> dict[str, Any]:
    """Totals, by sector and by county, of the current records as of `as_of` (`known`: the facts of
    records counted before, kept across calls; `totals_only`: the totals, as the trend needs, and
    empty groups)."""
    known = {} if known is None else known
    now = current(r for r in rows if r.date <= as_of)
    total = _blank()
    by_sector = {} if totals_only else {sc.id: _blank() for sc in content.sectors}
    by_county = {} if totals_only else {c: _blank() for c in content.guide.counties}
    for row in now.values():
        facts = _facts(row, known)
        _add(total, facts, as_of)
        if not totals_only:
            for groups, key in ((by_sector, row.sector), (by_county, row.county)):
                if key not in groups:  # a sector or county no longer in the content
                    groups[key] = _blank()
                _add(groups[key], facts, as_of)
    for fig in (total, *by_sector.values(), *by_county.values()):
        _rate(fig)
    return {"total": total, "by_sector": by_sector, "by_county": by_county, "current": now}


def tally(store: Store, content: Content, as_of: datetime.date, week: str, refused_now: list[tuple[str, str]],
          expected: Sequence[Expected] = ()) -> dict[str, Any]:
    """Everything the 简报 shows; `summary` is the `--json` shape."""
    rows = list(store.records())
    known: dict[int, _Facts] = {}
    now = figures(rows, as_of, content, known)
    before = figures(rows, as_of - datetime.timedelta(days=7), content, known)
    cur: dict[tuple[str, str], Row] = now["current"]
    accepted = store.accepted_count()
    refused = store.refused()
    summary: dict[str, Any] = {
        "week": week, "as_of": as_of.isoformat(),
        "files": {"accepted": accepted, "refused": len(refused), "superseded": accepted - len(cur)},
        **{k: v for k, v in now["total"].items()},
        "by_sector": now["by_sector"], "by_county": now["by_county"],
        "refused": [{"file": f, "reason": r} for f, r in refused],
    }
    names = {sc.id: sc.sector.name for sc in content.sectors}
    open_major, overdue = [], []
    for row in sorted(cur.values(), key=lambda r: (r.sector, r.county, r.enterprise)):
        for f, r in _hazards(row):
            if _status(r) == DONE_STATUS:
                continue
            deadline = (r or {}).get("deadline") or ""
            line = {"enterprise": row.enterprise, "credit_code": row.credit_code, "sector": names.get(row.sector, row.sector),
                    "county": row.county, "finding": f["id"], "item": f.get("item", ""), "text": f["text"],
                    "level": f["level"], "deadline": deadline, "status": _status(r), "date": row.date.isoformat()}
            if f["level"] == MAJOR:
                open_major.append(line)
            if deadline and datetime.date.fromisoformat(deadline) < as_of:
                overdue.append(line)
    open_major.sort(key=urgency)
    deadlines = _deadlines(rows, as_of, content, expected)
    overdue_enterprises = by_enterprise(overdue)
    trend = []
    for n in range(TREND_WEEKS - 1, -1, -1):
        day = as_of - datetime.timedelta(days=7 * n)
        t = now["total"] if n == 0 else before["total"] if n == 1 else figures(rows, day, content, known, totals_only=True)["total"]
        trend.append({"week": week_of(day), "as_of": day.isoformat(), "enterprises": t["enterprises"],
                      "findings": sum(t["findings"].values()), "done": t["rectifications"][DONE_STATUS],
                      "completion_rate": t["completion_rate"], "open_major": t["open_major"]})
    prev = before["total"]
    change = {"enterprises": now["total"]["enterprises"] - prev["enterprises"],
              "findings": sum(now["total"]["findings"].values()) - sum(prev["findings"].values()),
              "done": now["total"]["rectifications"][DONE_STATUS] - prev["rectifications"][DONE_STATUS],
              "open_major": now["total"]["open_major"] - prev["open_major"],
              "overdue": now["total"]["overdue"] - prev["overdue"],
              "completion_rate": (None if now["total"]["completion_rate"] is None or prev["completion_rate"] is None
                                  else round(now["total"]["completion_rate"] - prev["completion_rate"], 4))}
    missing = []
    if expected:
        returned = {(r.credit_code, r.sector) for r in rows if r.date <= as_of}
        missing = [e for e in expected if (e.credit_code, e.sector) not in returned]
    return {"summary": summary, "open_major": open_major, "overdue": overdue, "overdue_enterprises": overdue_enterprises,
            "deadlines": deadlines, "trend": trend,
            "change": change, "missing": missing, "expected": list(expected), "refused_now": refused_now,
            "sector_names": names}


def urgency(line: dict[str, Any]) -> tuple[str, ...]:
    """Most urgent first: the earliest 整改时限 (the longest overdue), those without one after all others,
    then by enterprise and 隐患编号."""
    return (line["deadline"] or "9999-99-99", line["enterprise"], line["credit_code"], line["finding"])


def by_enterprise(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The overdue hazards counted per enterprise (per 统一社会信用代码 and sector), most overdue first,
    then the earliest 整改时限, then by name: the 简报 prints this, not the item-level list, which grows
    with every enterprise's hazards (about 30 pages at 400 files) and is the XLSX's."""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        e = held.setdefault((line["credit_code"], line["sector"]), {
            "enterprise": line["enterprise"], "credit_code": line["credit_code"], "sector": line["sector"],
            "county": line["county"], "overdue": 0, "earliest": line["deadline"]})
        e["overdue"] += 1
        e["earliest"] = min(e["earliest"], line["deadline"])
    return sorted(held.values(), key=lambda e: (-e["overdue"], e["earliest"], e["enterprise"], e["sector"]))


def _deadlines(rows: Sequence[Row], as_of: datetime.date, content: Content, expected: Sequence[Expected]) -> dict[str, Any] | None:
    dl = content.guide.deadlines
    if dl is None:
        return None
    first = min(dl.findings, as_of)
    second = min(dl.rectifications, as_of)
    reporting = current(r for r in rows if r.date <= as_of)
    with_findings = {k for k, r in current(r for r in rows if r.date <= first).items()}
    planned_keys = {k for k, r in current(r for r in rows if r.date <= second).items() if planned(r)}
    out: dict[str, Any] = {"findings_by": dl.findings.isoformat(), "rectifications_by": dl.rectifications.isoformat(),
                           "reporting": len(reporting), "findings_on_time": len(with_findings & reporting.keys()),
                           "planned_on_time": len(planned_keys & reporting.keys())}
    large = [e for e in expected if e.large]
    if large:
        keys = {(e.credit_code, e.sector) for e in large}
        out.update(large=len(large), large_findings=len(keys & with_findings), large_planned=len(keys & planned_keys))
    return out
