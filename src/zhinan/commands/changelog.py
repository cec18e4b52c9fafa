"""`zhinan changelog`: the 本版修订说明 — what changed since an earlier edition.

Both editions are first reduced to plain dictionaries of the model's public fields (a validated
content tree from a git ref, or a `guide.json` data export), so the comparison is one piece of code
whatever the source. Records are matched by their natural keys: items and enterprises by `id`,
hazards by their text within an item, practices by their title within an enterprise.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import subprocess
import tarfile
import tempfile
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhinan.content.model import (
    CHANGES_FILE,
    CheckItem,
    Content,
    Enterprise,
    Guide,
    Hazard,
    Practice,
    Sector,
    field_types,
    public_fields,
    unwrap_optional,
)
from zhinan.content.problems import ContentError
from zhinan.content.validate import load_content
from zhinan.errors import ZhinanError
from zhinan.pipeline.files import write_text

TITLE = "本版修订说明"
ADDED, CHANGED, REMOVED, MOVED = "新增", "修改", "删除", "调整顺序"
KINDS = ("检查项", "典型隐患", "标杆企业", "典型做法")


class ChangelogError(ZhinanError):
    """The earlier edition cannot be read; the message is for people, in Chinese."""


# ---- Plain snapshots -------------------------------------------------------------------------


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def plain(record: type, obj: Any) -> dict[str, Any]:
    """The public fields of `record` read from a dataclass or a dict; empty values left out."""
    hints = field_types(record)
    out = {}
    for f in public_fields(record):
        value = _plain_value(hints[f.name], _get(obj, f.name))
        if value not in (None, [], ""):
            out[f.name] = value
    return out


def _plain_value(tp: Any, value: Any) -> Any:
    base = unwrap_optional(tp)
    if typing.get_origin(base) is tuple:
        inner = typing.get_args(base)[0]
        return [_plain_value(inner, v) for v in value or ()]
    if isinstance(base, type) and dataclasses.is_dataclass(base):
        return plain(base, value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@dataclass
class Snapshot:
    """One edition as plain data: what the comparison needs and nothing else."""

    guide: dict[str, Any]
    sectors: dict[str, dict[str, Any]]
    chapters: dict[str, str] | None = None
    """Chapter file name → Markdown; None when the source does not carry the chapters."""


def snapshot(content: Content) -> Snapshot:
    sectors = {
        sc.id: {
            "sector": plain(Sector, sc.sector),
            "items": [plain(CheckItem, it) for it in sc.items],
            "enterprises": [plain(Enterprise, e) for e in sc.enterprises],
        }
        for sc in content.sectors
    }
    chapters = {ch.name: ch.markdown for ch in content.chapters}
    return Snapshot(plain(Guide, content.guide), sectors, chapters)


def snapshot_from_export(data: Mapping[str, Any]) -> Snapshot:
    """A snapshot from the open-data export (build/data/guide.json)."""
    if not isinstance(data.get("guide"), Mapping) or not isinstance(data.get("sectors"), list | Mapping):
        raise ChangelogError("导出文件缺少 guide 或 sectors，不是 zhinan 导出的 guide.json")
    entries = data["sectors"].values() if isinstance(data["sectors"], Mapping) else data["sectors"]
    sectors = {}
    for entry in entries:
        fields = entry.get("sector", entry)
        sectors[str(fields["id"])] = {
            "sector": plain(Sector, fields),
            "items": [plain(CheckItem, it) for it in entry.get("items", ())],
            "enterprises": [plain(Enterprise, e) for e in entry.get("enterprises", ())],
        }
    chapters = None
    if isinstance(data.get("chapters"), list) and all(isinstance(c, Mapping) and "markdown" in c for c in data["chapters"]):
        chapters = {str(c["name"]): str(c["markdown"]) for c in data["chapters"]}
    return Snapshot(plain(Guide, data["guide"]), sectors, chapters)


# ---- Loading the earlier edition ------------------------------------------------------------


def _git(root: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout
    except FileNotFoundError as exc:
        raise ChangelogError("找不到 git 命令；请安装 git，或改用导出的 guide.json") from exc
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace").strip()
        raise ChangelogError(f"git {' '.join(args)} 失败：{detail}") from exc


def content_at_ref(root: Path, ref: str) -> Content:
    """The validated content of `root` as it was at git `ref`."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    prefix = Path(root).resolve().relative_to(top.resolve()).as_posix()
    # Run from the top: git refuses to archive from inside a folder it does not track yet.
    data = _git(top, "archive", "--format=tar", ref if prefix == "." else f"{ref}:{prefix}")
    with tempfile.TemporaryDirectory(prefix="zhinan-changelog-") as tmp, \
            tarfile.open(fileobj=io.BytesIO(data)) as tar:
        wanted = [m for m in tar.getmembers() if m.name.split("/")[0] in ("guides", "sectors")]
        tar.extractall(tmp, members=wanted, filter="data")
        try:
            return load_content(Path(tmp))
        except ContentError as exc:
            raise ChangelogError(f"{ref} 的内容未通过检查，无法比较：\n{exc.report()}") from exc


def load_since(root: Path, since: str) -> tuple[Snapshot, str]:
    """The earlier edition from a guide.json export or a git ref, with a label for people."""
    path = Path(since)
    if path.suffix == ".json" and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ChangelogError(f"无法读取导出文件 {since}：{exc}") from exc
        old = snapshot_from_export(data)
        return old, f"导出文件 {path.name}"
    return snapshot(content_at_ref(root, since)), f"版本 {since}"


# ---- Comparing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One difference: e.g. 修改 检查项 “WHP-001 安全生产责任制”, fields 检查内容、检查依据."""

    action: str
    kind: str
    label: str
    fields: tuple[str, ...] = ()


@dataclass
class SectorDiff:
    sector_id: str
    name: str
    action: str | None = None
    """新增 or 删除 for a whole sector; None when the sector is in both editions."""
    sector_fields: tuple[str, ...] = ()
    entries: list[Entry] = field(default_factory=list)
    note: str = ""
    """For a whole sector added or removed: how much it holds."""


@dataclass
class Changelog:
    since: str
    old_edition: str
    new_edition: str
    chapters: list[Entry]
    sectors: list[SectorDiff]
    old_date: str = ""
    """The earlier edition's date (YYYY-MM-DD), to tell two states of one edition apart."""

    def is_empty(self) -> bool:
        return not self.chapters and not self.sectors


def changed_fields(record: type, old: dict[str, Any], new: dict[str, Any], skip: Iterable[str] = ()) -> tuple[str, ...]:
    """Chinese titles of the fields whose values differ."""
    return tuple(f.metadata["title"] for f in public_fields(record)
                 if f.name not in skip and old.get(f.name) != new.get(f.name))


def _keyed(records: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in records}


def diff_records(kind: str, record: type, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]],
                 label: Any, skip: Iterable[str] = ()) -> list[Entry]:
    """Added, changed and removed records of one kind, in the new (then old) order."""
    entries = [Entry(ADDED, kind, label(r)) for k, r in new.items() if k not in old]
    for k, r in new.items():
        if k in old:
            fields = changed_fields(record, old[k], r, skip)
            if fields:
                entries.append(Entry(CHANGED, kind, label(r), fields))
    return entries + [Entry(REMOVED, kind, label(r)) for k, r in old.items() if k not in new]


def moved(old: Iterable[str], new: list[str]) -> list[tuple[str, str | None]]:
    """The keys kept in both orders that were moved, each with the key it now follows (None: first).

    The keys that kept their relative order are the longest run in the new order that is increasing
    in the old one; every other kept key was moved (a swap of two neighbours moves one of them)."""
    rank = {k: i for i, k in enumerate(old)}
    kept = [k for k in new if k in rank]
    # Longest increasing subsequence of old positions, O(n log n) with back links.
    tails: list[int] = []
    back: list[int] = [-1] * len(kept)
    ends: list[int] = []
    for i, k in enumerate(kept):
        r = rank[k]
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < r:
                lo = mid + 1
            else:
                hi = mid
        back[i] = ends[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(r)
            ends.append(i)
        else:
            tails[lo], ends[lo] = r, i
    stay: set[str] = set()
    i = ends[-1] if ends else -1
    while i >= 0:
        stay.add(kept[i])
        i = back[i]
    out = []
    for k in kept:
        if k not in stay:
            at = new.index(k)
            out.append((k, new[at - 1] if at else None))
    return out


def _moved_items(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[Entry]:
    def label(r: dict[str, Any]) -> str:
        return f"{r['id']} {r['item']}"

    return [Entry(MOVED, "检查项", f"{label(new[k])}（现排在 {label(new[after])} 之后）" if after else
                  f"{label(new[k])}（现排在最前）") for k, after in moved(old, list(new))]


def _hazards(items: dict[str, dict[str, Any]], keep: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {f"{i}\0{h['text']}": {**h, "item": i} for i in keep for h in items[i].get("hazards", ())}


def _practices(enterprises: dict[str, dict[str, Any]], keep: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {f"{e}\0{p['title']}": {**p, "enterprise": enterprises[e]["name"]}
            for e in keep for p in enterprises[e].get("practices", ())}


def diff_sector(old: dict[str, Any], new: dict[str, Any]) -> list[Entry]:
    """Hazards and practices are compared only inside items and enterprises kept in both
    editions: those of an added or removed record are part of that one entry."""
    old_items, new_items = _keyed(old["items"], "id"), _keyed(new["items"], "id")
    old_ents, new_ents = _keyed(old["enterprises"], "id"), _keyed(new["enterprises"], "id")
    items, ents = [i for i in new_items if i in old_items], [e for e in new_ents if e in old_ents]
    return [
        *diff_records("检查项", CheckItem, old_items, new_items, lambda r: f"{r['id']} {r['item']}", ["hazards"]),
        *_moved_items(old_items, new_items),
        *diff_records("典型隐患", Hazard, _hazards(old_items, items), _hazards(new_items, items),
                      lambda r: f"{r['item']}：{r['text']}"),
        *diff_records("标杆企业", Enterprise, old_ents, new_ents, lambda r: r["name"], ["practices"]),
        *diff_records("典型做法", Practice, _practices(old_ents, ents), _practices(new_ents, ents),
                      lambda r: f"{r['enterprise']}：{r['title']}"),
    ]


def _sector_diff(sid: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> SectorDiff | None:
    if old is None or new is None:
        side = typing.cast(dict[str, Any], new or old)
        note = f"，共 {len(side['items'])} 个检查项、{len(side['enterprises'])} 家标杆企业"
        return SectorDiff(sid, side["sector"]["name"], ADDED if new else REMOVED, note=note)
    out = SectorDiff(sid, new["sector"]["name"], None, changed_fields(Sector, old["sector"], new["sector"]),
                     diff_sector(old, new))
    return out if out.sector_fields or out.entries else None


def _chapter_title(markdown: str) -> str:
    first = markdown.lstrip().splitlines()[0] if markdown.strip() else ""
    return first.removeprefix("# ").strip()


def diff_chapters(old: dict[str, str] | None, new: dict[str, str] | None) -> list[Entry]:
    if old is None or new is None:
        return []
    entries = [Entry(ADDED, "通用章节", _chapter_title(m)) for n, m in new.items() if n not in old]
    entries += [Entry(CHANGED, "通用章节", _chapter_title(m)) for n, m in new.items() if n in old and old[n] != m]
    entries += [Entry(MOVED, "通用章节", f"{_chapter_title(new[n])}（现排在“{_chapter_title(new[a])}”之后）" if a else
                      f"{_chapter_title(new[n])}（现排在最前）") for n, a in moved(old, list(new))]
    return entries + [Entry(REMOVED, "通用章节", _chapter_title(m)) for n, m in old.items() if n not in new]


def compare(old: Snapshot, new: Snapshot, since: str) -> Changelog:
    """Every difference between two editions, per sector in the new edition's order."""
    order = [*new.sectors, *(s for s in old.sectors if s not in new.sectors)]
    diffs = [_sector_diff(s, old.sectors.get(s), new.sectors.get(s)) for s in order]
    return Changelog(since, str(old.guide.get("edition", "")), str(new.guide.get("edition", "")),
                     diff_chapters(old.chapters, new.chapters), [d for d in diffs if d is not None],
                     str(old.guide.get("date") or ""))


# ---- Writing ----------------------------------------------------------------------------------


def _bullets(entries: list[Entry]) -> list[str]:
    lines = []
    for e in entries:
        what = f"（修改了：{'、'.join(e.fields)}）" if e.fields else ""
        lines.append(f"- {e.action}：{_escape(e.label)}{what}")
    return lines


def _escape(text: str) -> str:
    # Labels are content text; keep them from turning into Markdown markup.
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)


def _sector_lines(d: SectorDiff) -> list[str]:
    lines = [f"## {_escape(d.name)}", ""]
    if d.action:
        lines += [f"{d.action}本行业（{d.sector_id}）{d.note}。", ""]
    if d.sector_fields:
        lines += [f"修改了行业说明：{'、'.join(d.sector_fields)}。", ""]
    for kind in KINDS:
        entries = [e for e in d.entries if e.kind == kind]
        if entries:
            lines += [f"### {kind}", "", *_bullets(entries), ""]
    return lines


def _day(iso: str) -> str:
    try:
        d = datetime.date.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


def intro(log: Changelog) -> str:
    """The opening sentence, in editions as readers know them, never a git ref or a file name."""
    old, new = log.old_edition, log.new_edition
    if old and new and old != new:
        return f"与上一版（{old}）相比，本版（{new}）的修订如下。"
    if old and old == new:
        day = _day(log.old_date)
        return f"与此前发布的{old}{f'（{day}）' if day else ''}相比，本次的修订如下。"
    return f"与上一版相比，本版{f'（{new}）' if new else ''}的修订如下。"


def render(log: Changelog) -> str:
    """The changelog as a Markdown chapter (title first, as every chapter)."""
    lines = [f"# {TITLE}", "", f"{intro(log)}本页由 zhinan changelog 生成。", ""]
    if log.is_empty():
        lines.append("内容没有变化。")
    if log.chapters:
        lines += ["## 通用章节", "", *_bullets(log.chapters), ""]
    for d in log.sectors:
        lines += _sector_lines(d)
    return "\n".join(lines).rstrip() + "\n"


def write(root: Path, since: str) -> tuple[Path, Changelog]:
    """Compare the content under `root` with `since` and write guides/changes.md."""
    old, label = load_since(root, since)
    log = compare(old, snapshot(load_content(root)), label)
    path = root / "guides" / CHANGES_FILE
    write_text(path, render(log))
    return path, log
