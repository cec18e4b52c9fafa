"""Write a realistic inbox of returned self-check records for `zhinan tally` benchmarks.

Over a content tree (`scripts/gen_corpus.py --scale city`): FILES returned files across its sectors
and counties, in folders by sector and county as a department keeps them; about 60 % workbooks
(the sector's own workbook, filled — written once per sector and profile by zhinan's writer, then
each copy given its enterprise's name, 统一社会信用代码, county and 检查日期 as typed text) and 40 % JSON
exports; about a fifth of the enterprises send a later resubmission; 5 % bad in the ways the tally
refuses (wrong check character, county not in the list, a truncated or non-workbook file, a
rectification without its hazard, an impossible date, a version-1 record, a file in another
sector's folder). Every enterprise is fictitious (names end in （示例）).

    python scripts/gen_inbox.py --root /tmp/city --out /tmp/inbox [--files 5000] [--extra 100 --extra-out /tmp/inbox-new]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NAME, CODE, COUNTY, DATE = "@@NAME@@", "@@CODE@@", "@@COUNTY@@", "@@DATE@@"  # ASCII: the writer escapes other text
START = datetime.date(2021, 10, 18)


def credit_code(n: int, broken: bool = False) -> str:
    body = f"913505{n:011d}"
    check = CHARS[(31 - sum(CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(body)) % 31) % 31]
    return body + (CHARS[(CHARS.index(check) + 7) % 31] if broken else check)


def hazards(rng: random.Random, items: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    findings, rects = [], []
    for n in range(rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 8))):
        fid = f"YH-{n + 1:03d}"
        findings.append({"id": fid, "item": rng.choice(items), "aspect": "基础管理", "location": "车间（示例）",
                         "text": "安全管理制度未按规定修订，部分岗位操作规程缺失（示例）。",
                         "level": "重大" if rng.random() < 0.08 else "一般", "basis": "", "level_note": ""})
        if rng.random() < 0.92:
            status = rng.choice(("待整改", "整改中", "整改中", "待验收", "已销号", "已销号", "已销号"))
            deadline = START + datetime.timedelta(days=rng.randrange(20, 90))
            rects.append({"finding": fid, "measure": "修订制度并组织培训（示例）", "department": "安全管理部", "owner": "张三",
                          "funds": rng.choice((None, 2000, 15000)), "deadline": deadline.isoformat(), "done": None,
                          "acceptor": "", "accepted": None, "opinion": "", "status": status})
    return findings, rects


class Templates:
    """Each sector's workbook filled `profiles` ways, with placeholders for identity and date; made
    by zhinan's writer the first time a sector is drawn."""

    def __init__(self, content: Any, profiles: int, seed: int) -> None:
        self.content, self.profiles, self.rng = content, profiles, random.Random(seed)
        self.made: dict[str, list[bytes]] = {}

    def __getitem__(self, sid: str) -> list[bytes]:
        if sid not in self.made:
            import dataclasses

            from zhinan.formats.record import from_json
            from zhinan.sheets.workbook import workbook_bytes

            sc = next(s for s in self.content.sectors if s.id == sid)
            items = [it.id for it in sc.items]
            self.made[sid] = []
            for _ in range(self.profiles):
                findings, rects = hazards(self.rng, items)
                ins, _ = from_json({"format": "zhinan-self-check", "version": 2, "inspection": {
                    "enterprise": NAME, "sector": sc.id, "credit_code": CODE, "county": COUNTY, "date": None,
                    "findings": findings, "rectifications": rects}})
                ins = dataclasses.replace(ins, date=DATE)  # type: ignore[arg-type]  # typed text, as people do
                self.made[sid].append(workbook_bytes(sc, self.content, ins))
        return self.made[sid]


def personalise(template: bytes, name: str, code: str, county: str, date: str) -> bytes:
    """A template workbook with its placeholders replaced (in every XML part: the writer keeps text inline)."""
    src, buf = zipfile.ZipFile(io.BytesIO(template)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml") and info.filename.startswith("xl/"):
                text = data.decode("utf-8")
                for a, b in ((NAME, name), (CODE, code), (COUNTY, county), (DATE, date)):
                    text = text.replace(a, b)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return buf.getvalue()


def as_json(sid: str, name: str, code: str, county: str, date: str, findings: list[Any], rects: list[Any], version: int = 2) -> bytes:
    ins: dict[str, Any] = {"enterprise": name, "sector": sid, "date": date, "kind": "综合检查", "inspectors": "王五",
                           "results": [], "findings": findings, "rectifications": rects}
    if version == 2:
        ins |= {"credit_code": code, "county": county, "members": []}
    return json.dumps({"format": "zhinan-self-check", "version": version, "sector": sid, "edition": "2021年版",
                       "inspection": ins}, ensure_ascii=False).encode()


BAD = ("check", "county", "truncated", "not-a-workbook", "orphan", "no-such-day", "v1", "wrong-folder")


def generate(root: Path, out: Path, files: int, seed: int, first: int = 0) -> dict[str, int]:
    from zhinan.content.validate import load_content

    content = load_content(root)
    books = Templates(content, 2, seed)
    counties = list(content.guide.counties) or ["鲤城区"]
    sectors = [sc for sc in content.sectors]
    items = {sc.id: [it.id for it in sc.items] for sc in sectors}
    rng = random.Random(seed + 1 + first)
    counts = {"workbooks": 0, "json": 0, "bad": 0, "resubmissions": 0}
    ents: list[tuple[int, Any, str]] = []
    for k in range(files):
        resubmit = ents and rng.random() < 0.2
        if resubmit:
            n, sc, county = rng.choice(ents)
            counts["resubmissions"] += 1
        else:
            n, sc, county = first + k + 1, rng.choice(sectors), rng.choice(counties)
            ents.append((n, sc, county))
        name = f"泉州{n:05d}{sc.sector.name}有限公司（示例）"
        code = credit_code(n)
        date = (START + datetime.timedelta(days=rng.randrange(0, 70))).isoformat()
        folder = out / sc.sector.name / county
        bad = BAD[k % len(BAD)] if rng.random() < 0.05 else ""
        use_county = "厦门市" if bad == "county" else county
        use_code = credit_code(n, broken=True) if bad == "check" else code
        if bad == "wrong-folder":
            folder = out / next(s for s in sectors if s.id != sc.id).sector.name / county
        stem = f"{n:05d}-{k:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        counts["bad"] += bool(bad)
        if bad == "not-a-workbook":
            (folder / f"{stem}.xlsx").write_bytes("这是一封邮件的正文，不是工作簿。".encode())
        elif bad in ("orphan", "no-such-day", "v1") or (not bad and rng.random() < 0.4):
            findings, rects = hazards(rng, items[sc.id])
            if bad == "orphan":
                rects.append({"finding": "YH-099", "status": "待整改"})
            day = "2021-02-30" if bad == "no-such-day" else date
            data = as_json(sc.id, name, use_code, use_county, day, findings, rects, version=1 if bad == "v1" else 2)
            (folder / f"{stem}.json").write_bytes(data)
            counts["json"] += 1
        else:
            data = personalise(rng.choice(books[sc.id]), name, use_code, use_county, date.replace("-", "/"))
            if bad == "truncated":
                data = data[: len(data) // 2]
            (folder / f"{stem}.xlsx").write_bytes(data)
            counts["workbooks"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成进展简报基准测试用的报送文件（工作簿和 JSON）。")
    parser.add_argument("--root", type=Path, required=True, help="内容目录（scripts/gen_corpus.py 生成）")
    parser.add_argument("--out", type=Path, required=True, help="输出目录（收件箱）")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="企业编号从此之后开始（另写一批新文件时用）")
    args = parser.parse_args(argv)
    counts = generate(args.root, args.out, args.files, args.seed, args.first)
    print(json.dumps(counts, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
