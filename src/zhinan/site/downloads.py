"""The site's downloads: which PDFs and workbooks each page offers, under the names readers see
(`formats.names`), copied into the site once built, with their size and page count beside the link.
"""

from __future__ import annotations

import contextlib
import filecmp
import html as html_module
import os
import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

from zhinan.content.model import (
    Content,
)
from zhinan.data import JSON_NAME, SCHEMA_NAME
from zhinan.formats.names import published_name
from zhinan.pipeline.files import write_text
from zhinan.pipeline.stage import BuildError

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Download:
    """A file built by an earlier stage, offered on the site under a Chinese file name."""

    label: str
    src: str
    path: Path


# ---- Downloads ----------------------------------------------------------------------------


def _download_plan(content: Content) -> list[tuple[str, str, str, str]]:
    """(key, label, path under the build folder, name on the site) of every possible download;
    every name carries the edition (`names.published_name`), but for the open data's ASCII copies
    (keys `machine/…`), whose name is their path in the site."""
    g = content.guide

    def named(stem: str, suffix: str) -> str:
        return published_name(g, stem, suffix)

    plan = [
        ("guide", "指南全文（PDF）", "pdf/guide.pdf", named(g.title, ".pdf")),
        ("data/json", "全部内容（JSON）", f"data/{JSON_NAME}", named("指南数据", ".json")),
        ("data/schema", "JSON 的结构说明（JSON Schema）", f"data/{SCHEMA_NAME}", named("指南数据结构", ".schema.json")),
        ("data/csv", "全部行业检查清单（CSV）", "sheets/all.csv", named("全部行业-检查清单", ".csv")),
    ]
    # The open data again under stable ASCII names, for programs: the same bytes, a path that does
    # not change with the edition or need percent-encoding (data/guide.json, data/csv/<sector>.csv).
    plan += [
        ("machine/json", "guide.json", f"data/{JSON_NAME}", f"data/{JSON_NAME}"),
        ("machine/schema", "guide.schema.json", f"data/{SCHEMA_NAME}", f"data/{SCHEMA_NAME}"),
        ("machine/csv", "all.csv", "sheets/all.csv", "data/csv/all.csv"),
        *((f"machine/{sc.id}.csv", f"{sc.id}.csv", f"sheets/{sc.id}.csv", f"data/csv/{sc.id}.csv")
          for sc in content.sectors),
    ]
    for sc in content.sectors:
        name = sc.sector.name
        plan += [
            (f"{sc.id}/pdf", "行业指南（PDF）", f"pdf/{sc.id}.pdf", named(f"{name}-{g.title}", ".pdf")),
            (f"{sc.id}/form", "空白检查表（PDF，打印后填写）", f"pdf/{sc.id}-form.pdf", named(f"{name}-安全生产标准化检查表", ".pdf")),
            (f"{sc.id}/sheets", "三张清单（Excel 工作簿）", f"sheets/{sc.id}.xlsx", named(f"{name}-三张清单", ".xlsx")),
            (f"{sc.id}/csv", "检查清单（CSV）", f"sheets/{sc.id}.csv", named(f"{name}-检查清单", ".csv")),
        ]
    return plan


def find_downloads(content: Content, out: Path, pending: Iterable[Path] = ()) -> dict[str, Download]:
    """The downloads that the other stages have built, or are building alongside (`pending`):
    only these are linked."""
    coming = set(pending)
    return {
        key: Download(label, name if key.startswith("machine/") else f"downloads/{name}", out / built)
        for key, label, built, name in _download_plan(content)
        if out / built in coming or (out / built).is_file()
    }


def copy_downloads(downloads: dict[str, Download], site_dir: Path) -> int:
    """Put the downloads into a built site, each replaced only if its bytes differ; returns how
    many were copied. MkDocs wrote an empty placeholder for each (the file may not have existed
    yet when the pages were built)."""
    copied = 0
    for d in downloads.values():
        if not d.path.is_file():
            raise BuildError(f"网站要提供下载的文件没有生成：{d.path}")
        target = site_dir / d.src
        if target.is_file() and target.stat().st_size == d.path.stat().st_size \
                and filecmp.cmp(target, d.path, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(d.path, tmp)
        os.replace(tmp, target)
        copied += 1
    return copied


_FACTS = re.compile(r'(<span class="zn-size" data-zn-file="([^"]+)">)[^<]*(</span>)')


def download_facts(path: Path, pages: int | None = None) -> str:
    """What a reader weighs before downloading on a slow line: the size, and a PDF's page count
    (`pages`, if known; else read from the file)."""
    size = path.stat().st_size
    text = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} KB"
    if path.suffix == ".pdf":
        if pages is None:
            pages = _page_count(path)
        if pages is not None:  # not a whole PDF: its size still helps
            text += f"，{pages} 页"
    return text


def _page_count(path: Path) -> int | None:
    with contextlib.suppress(pikepdf.PdfError, OSError), pikepdf.open(path) as doc:
        return len(doc.pages)
    return None


class PageCounts:
    """The page counts of the PDFs offered for download, by their place in the site, known before
    the pages need them: the PDFs already built are read in a thread while the site is generated
    (qpdf lets go of the GIL), those built beside the site are told
    by the PDF stage (`add`)."""

    def __init__(self, downloads: dict[str, Download], pending: Iterable[Path] = ()) -> None:
        self.known: dict[str, int] = {}
        self.pdfs = {d.path: d.src for d in downloads.values() if d.path.suffix == ".pdf"}
        building = set(pending)
        ready = [(src, path) for path, src in self.pdfs.items() if path not in building and path.is_file()]
        self.thread = threading.Thread(target=self._count, args=(ready,), name="zhinan-page-counts", daemon=True)
        self.thread.start()

    def _count(self, ready: list[tuple[str, Path]]) -> None:
        for src, path in ready:
            pages = _page_count(path)
            if pages is not None:
                self.known[src] = pages

    def add(self, stage_result: dict[str, Any], folder: Path) -> None:
        """The counts the PDF stage reports for the files it wrote into `folder`."""
        self.thread.join()
        for f in stage_result.get("files", []):
            src = self.pdfs.get(folder / f["file"])
            if src is not None and f.get("pages"):
                self.known[src] = int(f["pages"])

    def get(self, src: str) -> int | None:
        self.thread.join()
        return self.known.get(src)


def fill_download_facts(site_dir: Path, pages: Iterable[Path] | None = None, counts: PageCounts | None = None) -> int:
    """Write each download's size (and pages) beside its links, once the file is in the site; the
    pages were written before the PDFs were finished. Only `pages`, if given; `counts`: page counts
    already known (of the same files: the site's copies are made equal to them first). Returns how
    many pages changed (each written anew: its old bytes may be a hard link of the published site)."""
    changed = 0
    facts: dict[str, str] = {}
    for page in site_dir.rglob("*.html") if pages is None else pages:
        html = page.read_text(encoding="utf-8")
        if "data-zn-file" not in html:
            continue

        def fill(m: re.Match[str]) -> str:
            src = html_module.unescape(m.group(2))
            if src not in facts:
                target = site_dir / src
                facts[src] = f"（{download_facts(target, counts.get(src) if counts else None)}）" if target.is_file() else ""
            return f"{m.group(1)}{facts[src]}{m.group(3)}"

        new = _FACTS.sub(fill, html)
        if new != html:
            write_text(page, new)
            changed += 1
    return changed


