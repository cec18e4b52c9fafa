"""The figures the city office reports each week, computed from validated content."""

from __future__ import annotations

from collections import Counter
from typing import Any

from zhinan.content.model import ASPECTS, ENTERPRISE_LEVELS, Content


def compute(content: Content) -> dict[str, Any]:
    items = [it for s in content.sectors for it in s.items]
    enterprises = [e for s in content.sectors for e in s.enterprises]
    by_aspect = Counter(it.aspect for it in items)
    by_level = Counter(e.level for e in enterprises)
    by_county = Counter(e.county for e in enterprises)
    return {
        "sectors": len(content.sectors),
        "key_sectors": sum(1 for s in content.sectors if s.sector.key),
        "items": len(items),
        "items_by_aspect": {a: by_aspect.get(a, 0) for a in ASPECTS},
        "hazards": sum(len(it.hazards) for it in items),
        "major_hazards": sum(1 for it in items for h in it.hazards if h.level == "重大"),
        "enterprises": len(enterprises),
        "enterprises_by_level": {lv: by_level.get(lv, 0) for lv in ENTERPRISE_LEVELS},
        "enterprises_by_county": dict(sorted(by_county.items(), key=lambda kv: (-kv[1], kv[0]))),
        "sample_enterprises": sum(1 for e in enterprises if e.sample),
        "practices": sum(len(e.practices) for e in enterprises),
    }


LABELS = {
    "sectors": "行业（领域）",
    "key_sectors": "其中重点行业",
    "items": "检查项",
    "hazards": "典型隐患",
    "major_hazards": "其中重大隐患",
    "enterprises": "标杆企业",
    "sample_enterprises": "其中示例企业",
    "practices": "典型做法",
}


def render_text(figures: dict[str, Any]) -> str:
    lines = []
    for key, label in LABELS.items():
        lines.append(f"{label}：{figures[key]}")
        if key == "items":
            lines += [f"  {a}：{n}" for a, n in figures["items_by_aspect"].items()]
        if key == "enterprises":
            lines += [f"  {lv}：{n}" for lv, n in figures["enterprises_by_level"].items()]
            lines.append("  按县（市、区）：" + "，".join(f"{c} {n}" for c, n in figures["enterprises_by_county"].items()))
    return "\n".join(lines)
