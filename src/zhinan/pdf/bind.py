"""Binding guide.pdf with qpdf (pikepdf): the front matter, then each 分册 copied part by part —
pages, bookmarks (each 分册 closed under its title), named destinations, structure tree with its
parent tree renumbered — each part closed once its data is taken into the book.
"""

from __future__ import annotations

import datetime
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

if TYPE_CHECKING:
    pass
from zhinan.pdf.fonts import _one_copy_of_each_face
from zhinan.pdf.typeset import VOLUME_LINK

# ---- binding the combined volume -------------------------------------------------------------


def bind(front: Path, volumes: list[tuple[str, Path, int, str]], meta: dict[str, str], pdfa: bool,
         duplex: bool = True) -> tuple[bytes, int, list[str]]:
    """The 合订本: front matter, then every sector volume from its first part on (its cover and 目录,
    the first `skip` pages, are left out: the book's 目录 lists the 分册), with merged bookmarks and
    page labels equal to the printed numbers (front pages 1…n, then “3-1…” for the 3rd 分册: the
    label prefix given with it).

    For two-sided printing each part ends on a verso (a blank page is added after a part of odd
    length), so that every 分册 starts on a recto of the book. Each font face is embedded once (see
    `_one_copy_of_each_face`); returns the book, its page count, and the faces that could not be
    (in Chinese).

    The parts are copied by qpdf (pikepdf), in C++: binding a city's book in pure Python (pypdf)
    took minutes and gigabytes."""
    binding = _Binding(duplex)
    binding.add(front, None, ("/OutputIntents", "/Metadata") if pdfa else ())
    for title, path, skip, prefix in volumes:
        binding.add(path, title, (), skip, prefix)
    book = binding.finish()
    book.docinfo = book.make_indirect(pikepdf.Dictionary({
        "/Title": pikepdf.String(meta["title"]), "/Author": pikepdf.String(meta["author"]),
        "/Subject": pikepdf.String(meta["subject"]), "/Keywords": pikepdf.String(meta["keywords"]),
        "/Creator": pikepdf.String("zhinan"), "/Producer": pikepdf.String("zhinan (WeasyPrint, qpdf)"),
        "/CreationDate": pikepdf.String(pdf_date(meta["date"])), "/ModDate": pikepdf.String(pdf_date(meta["date"])),
    }))
    notes = _one_copy_of_each_face(book)
    out = io.BytesIO()
    book.save(out, min_version=binding.version, object_stream_mode=pikepdf.ObjectStreamMode.generate,
              compress_streams=True, recompress_flate=False, deterministic_id=True)
    return out.getvalue(), len(book.pages), notes


class _Binding:
    """The book being bound, one part at a time. Each part is copied by qpdf: its pages with
    everything they draw, then its bookmarks, named destinations and structure tree, whose
    references to the part's pages qpdf maps to the copies already made. The copies' stream data
    is then taken into the book, so that the part can be closed: a part open in qpdf holds about
    17 MB, and a city's 46 of them held open would be most of the binding's memory."""

    def __init__(self, duplex: bool) -> None:
        self.book, self.duplex, self.version = pikepdf.new(), duplex, "1.3"
        self.labels: list[Any] = []
        self.outline: list[Any] = []
        self.dests: dict[str, Any] = {}
        self.tree = self.book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        self.kids: list[Any] = []
        self.nums: list[Any] = []
        self.namespaces: list[Any] = []
        self.next_key = 0

    def add(self, path: Path, title: str | None, keep: tuple[str, ...], skip: int = 0, prefix: str = "") -> None:
        """Bind the part at `path` next, less its first `skip` pages: a 分册 under the bookmark
        `title` with page labels `prefix`1…, or the front matter (`title` None), whose catalogue
        entries `keep` (PDF/A's) become the book's."""
        book = self.book
        with pikepdf.open(path) as part:
            _drop_opening(part, skip)
            mark, first = self._next_object(), len(book.pages)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # the names are copied below
                book.pages.extend(part.pages)
            label = pikepdf.Dictionary(S=pikepdf.Name.D, St=1)
            items = _copied_outline(book, part)
            if title is None:
                self.outline += items
                for page in book.pages[first:]:
                    _link_into_volumes(page.obj)
            else:
                label.P = pikepdf.String(prefix)
                volume = book.make_indirect(pikepdf.Dictionary(
                    Title=pikepdf.String(title), Dest=pikepdf.Array([book.pages[first].obj, pikepdf.Name.Fit])))
                _chain(volume, items)
                self.outline.append(volume)
            self.labels += [first, label]
            self.dests.update(_copied_dests(book, part))
            self._structure(part, first)
            for key in keep:
                if key in part.Root:
                    book.Root[key] = _copy(book, part.Root[key])
            self.version = max(self.version, part.pdf_version)
            _own_stream_data(book, mark, self._next_object())
        if self.duplex and len(book.pages) % 2:
            book.add_blank_page(page_size=A4_PT)

    def _next_object(self) -> int:
        """The number qpdf gives the next object it makes (an empty dictionary no one refers to, not written)."""
        return int(self.book.make_indirect(pikepdf.Dictionary()).objgen[0])

    def _structure(self, part: Any, first: int) -> None:
        """The part's structure elements, under the book's root after the parts before it, and its
        parent tree renumbered after theirs (with its pages' and annotations' keys into it)."""
        source = part.Root.get("/StructTreeRoot")
        if source is None:
            return
        source = _copy(self.book, source)  # the whole tree at once
        for kid in source.K if isinstance(source.K, pikepdf.Array) else [source.K]:
            kid.P = self.tree
            self.kids.append(kid)
        pairs = list(source.ParentTree.Nums)
        for key, value in zip(pairs[::2], pairs[1::2], strict=True):
            self.nums += [int(key) + self.next_key, value]
        self.namespaces += list(source.get("/Namespaces", []))
        for page in self.book.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + self.next_key
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + self.next_key
        self.next_key += max((int(k) for k in pairs[::2]), default=-1) + 1

    def finish(self) -> Any:
        """The book, with its outline, page labels, named destinations and structure tree."""
        book, root = self.book, self.book.Root
        if self.outline:
            root.Outlines = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
            _chain(root.Outlines, self.outline, open_=True)
        root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(self.labels))
        root.Names = pikepdf.Dictionary(Dests=book.make_indirect(pikepdf.Dictionary(
            Names=pikepdf.Array([x for name in sorted(self.dests) for x in (pikepdf.String(name), self.dests[name])]))))
        if self.kids:
            self.tree.K = pikepdf.Array(self.kids)
            self.tree.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
            self.tree.ParentTreeNextKey = self.next_key
            if self.namespaces:
                self.tree.Namespaces = pikepdf.Array(self.namespaces)
            root.StructTreeRoot = self.tree
            root.MarkInfo = pikepdf.Dictionary(Marked=True)
        root.Lang = pikepdf.String("zh-CN")
        root.PageMode = pikepdf.Name.UseOutlines
        root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        return book


def _drop_opening(part: Any, skip: int) -> None:
    """Take the first `skip` pages out of the part (open in memory, never saved), with everything
    that refers to them: bookmarks, named destinations, structure elements, parent tree entries —
    copied, these would bring the pages into the book as orphans."""
    if skip <= 0:
        return
    gone = {p.obj.objgen for p in part.pages[:skip]}
    keys = set()
    for page in part.pages[:skip]:
        if "/StructParents" in page.obj:
            keys.add(int(page.obj.StructParents))
        keys.update(int(a.StructParent) for a in page.obj.get("/Annots", []) if "/StructParent" in a)
    for _ in range(skip):
        del part.pages[0]

    def kept(dest: Any) -> bool:
        if isinstance(dest, pikepdf.Dictionary):
            dest = dest.get("/D")
        return not (isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in gone)

    outlines = part.Root.get("/Outlines")
    if outlines is not None:
        items, item = [], outlines.get("/First")
        while item is not None:
            items.append(item)
            item = item.get("/Next")
        items = [i for i in items if kept(i.get("/Dest")) and kept(i.get("/A"))]
        for i in items:
            for key in ("/Prev", "/Next"):
                if key in i:
                    del i[key]
        _chain(outlines, items, open_=True)
        if not items:
            for key in ("/First", "/Last"):
                if key in outlines:
                    del outlines[key]
    names = part.Root.get("/Names", {}).get("/Dests")
    if names is not None:
        tree = pikepdf.NameTree(names)
        for name in [k for k, v in tree.items() if not kept(v)]:
            del tree[name]
    root = part.Root.get("/StructTreeRoot")
    if root is not None:
        _prune(root, gone, None)
        nums = list(root.ParentTree.Nums)
        root.ParentTree.Nums = pikepdf.Array([x for k, v in zip(nums[::2], nums[1::2], strict=True)
                                              if int(k) not in keys for x in (k, v)])


def _prune(elem: Any, gone: set[tuple[int, int]], page: Any) -> bool:
    """Remove from the structure element `elem` what is drawn on the pages `gone`; whether anything is left."""
    page = elem.get("/Pg", page)
    on_gone = page is not None and page.objgen in gone
    kids = elem.get("/K")
    if kids is None:
        return not on_gone
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    left = []
    for kid in items:
        if isinstance(kid, pikepdf.Dictionary):
            kind = kid.get("/Type")
            if kind in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
                where = kid.get("/Pg", page)
                keep = where is None or where.objgen not in gone
            else:
                keep = _prune(kid, gone, page)
        else:
            keep = not on_gone  # a marked-content id on the element's page
        if keep:
            left.append(kid)
    elem.K = pikepdf.Array(left)
    if on_gone and "/Pg" in elem:
        del elem["/Pg"]
    return bool(left) or elem.get("/Type") == pikepdf.Name.StructTreeRoot


def _own_stream_data(book: Any, start: int, end: int) -> None:
    """Read the data of the streams copied as objects `start`…`end - 1` into the book: qpdf copies
    a foreign stream's data only when the book is written, from the part, which must stay open till then."""
    for number in range(start, end):
        obj = book.get_object(number, 0)
        if isinstance(obj, pikepdf.Stream):
            encoded: Any = (obj.get("/Filter"), obj.get("/DecodeParms"))
            obj.write(obj.read_raw_bytes(), filter=encoded[0], decode_parms=encoded[1])


def _copy(book: Any, obj: Any) -> Any:
    """`obj` of a part, in the book: indirect objects copied by qpdf (once each: it maps what it
    copied before, pages included), direct arrays and dictionaries walked, scalars as they are."""
    if not isinstance(obj, pikepdf.Object):  # a number or a name, as pikepdf gives them
        return obj
    if obj.is_indirect:
        return book.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(book, x) for x in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy(book, v) for k, v in obj.items()})
    return obj


def _copied_outline(book: Any, part: Any) -> list[Any]:
    """The part's top-level bookmarks, copied with everything under them (their /Parent is set by `_chain`)."""
    outlines = part.Root.get("/Outlines")
    items = []
    item = outlines.get("/First") if outlines is not None else None
    while item is not None:
        items.append(item)
        item = item.get("/Next")
    for item in items:
        del item["/Parent"]  # the part's outline root, not wanted in the book
    return [_copy(book, item) for item in items]


def _chain(parent: Any, items: list[Any], open_: bool = False) -> None:
    """Make `items` the children of the bookmark `parent`, in order; it is shown closed unless `open_`."""
    if not items:
        return
    for prev, item in zip([None, *items], items, strict=False):
        item.Parent = parent
        if prev is not None:
            item.Prev, prev.Next = prev, item
    parent.First, parent.Last = items[0], items[-1]
    shown = len(items) + sum(max(0, int(i.get("/Count", 0))) for i in items)
    parent.Count = shown if open_ else -shown


def _copied_dests(book: Any, part: Any) -> dict[str, Any]:
    """The part's named destinations (anchors of its headings and entries), pointing at the copied pages."""
    names = part.Root.get("/Names", {}).get("/Dests")
    if names is None:
        return {}
    return {str(k): _copy(book, v) for k, v in pikepdf.NameTree(names).items()}


def _link_into_volumes(page: Any) -> None:
    """The front's links to a 分册 entry (`volume_link`) become links to its named destination in the book."""
    for annot in page.get("/Annots", []):
        action = annot.get("/A")
        uri = str(action.get("/URI", "")) if action is not None else ""
        if uri.startswith(VOLUME_LINK):
            del annot["/A"]
            annot.Dest = pikepdf.String(uri.removeprefix(VOLUME_LINK))


A4_PT = (595.28, 841.89)


def pdf_date(w3c: str) -> str:
    d = datetime.datetime.fromisoformat(w3c)
    offset = d.strftime("%z")
    return "D:" + d.strftime("%Y%m%d%H%M%S") + (f"{offset[:3]}'{offset[3:]}'" if offset else "")


