"""Fonts of the print edition: the CJK faces it must use (and must not), and one copy of each face
in the bound book (each part embeds its own subset; binding subsets the system face once for the
glyphs of the whole book, keeping glyph ids, and merges widths and ToUnicode maps).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

from zhinan.pipeline.stage import BuildError

if TYPE_CHECKING:
    pass


GUIDE_FILE = "guide.pdf"
_INSTALL_HINT = "请安装中文字体：Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk（或运行 scripts/setup.sh），然后重新构建。"


class PdfError(BuildError):
    """A PDF could not be made; the message says why, in Chinese."""


# ---- fonts ---------------------------------------------------------------------------------


def require_cjk_font() -> None:
    """Stop before rendering if fontconfig knows no Chinese font: every glyph would be an empty box."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise PdfError(f"找不到 fc-list（fontconfig），无法确认系统中有中文字体。请安装 fontconfig；{_INSTALL_HINT}")
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not found.strip():
        raise PdfError(f"未找到中文字体，生成的 PDF 会满是空框，已停止。{_INSTALL_HINT}")


FONTS_CONF = Path(__file__).parents[1] / "templates" / "pdf" / "fonts.conf"
# The Noto CJK collections also hold Japanese, Korean and Traditional Chinese faces of the same code
# points, with other shapes (the centred “：” of JP, for one): none of them belongs in the book.
_FOREIGN_FACE = re.compile(r"CJK[ -]?(JP|KR|TC|HK)\b", re.IGNORECASE)


def use_print_fonts() -> None:
    """Point fontconfig at the print configuration, which resolves generic families and Chinese
    text to the SC faces. Fontconfig reads FONTCONFIG_FILE each time WeasyPrint loads its
    configuration (once per document), so this holds in the workers that inherit the environment
    as in this process; a FONTCONFIG_FILE set by the user is kept."""
    os.environ.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))


def foreign_faces(families: Iterable[str]) -> list[str]:
    return sorted({f for f in families if _FOREIGN_FACE.search(f)})


# ---- one copy of each font face in the bound book ---------------------------------------------


@dataclass
class _PartFont:
    """One part's font dictionary for a face: the glyphs it shows, with their widths and text."""

    font: Any  # the Type0 font dictionary
    widths: dict[int, Any]
    text: dict[int, str]


def _one_copy_of_each_face(doc: Any) -> list[str]:
    """Each part embeds its own subset of each face (Noto Serif, Sans, Sans Bold), all under one
    name, since WeasyPrint's subset tag is a digest of the face, not of its glyphs: the 合订本 of the
    repository's content carried each face once per part (most of the file's bytes) and gave a
    print shop one font name for several different glyph sets. Here each face is subset once more, from the
    system font the parts were set in, to the glyphs of the whole book, and every part's font
    dictionary is replaced by one with the merged widths and ToUnicode map. WeasyPrint keeps the
    face's own glyph ids in its subsets (HarfBuzz's RETAIN_GIDS), so no page's text changes.
    Returns, in Chinese, the faces left as they were and why (the book is right, only larger)."""
    faces: dict[str, list[Any]] = {}
    resources = _font_resources(doc)
    for font in {f.objgen: f for res in resources for f in res.values() if f.is_indirect}.values():
        if font.get("/Subtype") == "/Type0":
            faces.setdefault(_SUBSET_TAG.sub("", str(font.get("/BaseFont", ""))).lstrip("/"), []).append(font)
    notes, merged = [], {}
    for name, fonts in sorted(faces.items()):
        if len(fonts) < 2:
            continue
        try:
            merged.update(_share_face(doc, name, fonts))
        except _Unshared as e:
            notes.append(f"{GUIDE_FILE}：字体 {name} 未能合并为一份（{e}），各部分仍各嵌入一份，文件较大")
    for res in resources:
        for key, ref in list(res.items()):
            if ref.objgen in merged:
                res[key] = merged[ref.objgen]
    return notes


def _font_resources(doc: Any) -> list[Any]:
    """Every /Font resource dictionary: of the pages, and of the forms, patterns and annotation
    appearances they draw (the only places a content stream finds its fonts), each once."""
    found, seen = [], set()
    todo = [page.obj for page in doc.pages]
    while todo:
        obj = todo.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        res = obj.get("/Resources")
        if isinstance(res, pikepdf.Dictionary):
            fonts = res.get("/Font")
            if isinstance(fonts, pikepdf.Dictionary) and not (fonts.is_indirect and fonts.objgen in seen):
                if fonts.is_indirect:
                    seen.add(fonts.objgen)  # shared by the pages of a part: once
                found.append(fonts)
            for kind in ("/XObject", "/Pattern"):
                todo += [x for x in res.get(kind, {}).values() if isinstance(x, pikepdf.Stream)]
        for annot in obj.get("/Annots", []):
            for look in annot.get("/AP", {}).values():
                todo += [look] if isinstance(look, pikepdf.Stream) else list(look.values())
    return found


class _Unshared(Exception):
    """Why a face keeps one copy per part."""


_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")
_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.DOTALL)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")


def _share_face(doc: Any, name: str, fonts: list[Any]) -> dict[tuple[int, int], Any]:
    """Embed the face `name` once for all of `fonts`; returns the font dictionary that stands for each.

    The first part's objects (program, descriptor, font dictionary, widths, ToUnicode map) are
    rewritten in place; the other parts' are then referred to by nothing, and not written."""
    parts = [_part_font(f) for f in fonts]
    descriptors = [f.DescendantFonts[0].FontDescriptor for f in fonts]
    identity = {_face_identity(_program(d)) for d in descriptors}
    if len(identity) != 1:
        raise _Unshared("各部分用了不同版本的字体文件")
    ((postscript, head),) = identity
    gids = sorted({g for p in parts for g in p.widths})
    missing = any(not isinstance(f.get("/Encoding"), pikepdf.Name) for f in fonts)  # WeasyPrint's .notdef stand-ins
    program, gids = _subset_system_face(postscript, head, gids, notdef_outline=missing)
    tag = "".join(chr(65 + b % 26) for b in hashlib.md5(f"{postscript} {gids}".encode()).digest()[:6])
    base = pikepdf.Name(f"/{tag}+{name}")
    descriptor = _shared_descriptor(doc, descriptors, base, program, gids)
    widths = {v for p in parts for v in p.widths.values()}
    descriptor.Flags = int(descriptor.Flags) & ~1 | (len(gids) > 1 and len(widths) == 1)  # FixedPitch, as WeasyPrint sets it
    merged = {}
    for cluster in _clusters(parts):
        merged.update(_merged_font(cluster, base, descriptor))
    return merged


def _program(descriptor: Any) -> Any:
    for key in ("/FontFile3", "/FontFile2"):
        if key in descriptor:
            return descriptor[key]
    raise _Unshared("没有嵌入 OpenType 或 TrueType 字形数据")


def _shared_descriptor(doc: Any, descriptors: list[Any], base: Any, program: bytes, gids: list[int]) -> Any:
    """The first part's font descriptor, holding the one program for all parts and the box of all their glyphs."""
    descriptor = descriptors[0]
    if (program[:4] == b"OTTO") != ("/FontFile3" in descriptor):
        raise _Unshared("系统中的字体文件与嵌入的格式不同")
    stream = _program(descriptor)
    stream.write(program)
    if "/Length1" in stream:
        stream.Length1 = len(program)
    descriptor.FontName = base
    boxes = [[float(x) for x in d.FontBBox] for d in descriptors]
    descriptor.FontBBox = pikepdf.Array([min(b[0] for b in boxes), min(b[1] for b in boxes),
                                         max(b[2] for b in boxes), max(b[3] for b in boxes)])
    if any("/CIDSet" in d for d in descriptors):  # PDF/A-1 asks for it: the glyphs the program holds
        bits = bytearray((gids[-1] + 8) // 8)
        for g in gids:
            bits[g // 8] |= 0x80 >> (g % 8)
        descriptor.CIDSet = doc.make_stream(bytes(bits))
    return descriptor


def _part_font(font: Any) -> _PartFont:
    cid = font.DescendantFonts[0]
    if str(cid.get("/CIDToGIDMap", "/Identity")) != "/Identity":
        raise _Unshared("字形编号不是字体自身的编号")
    if "/ToUnicode" not in font:
        raise _Unshared("没有 ToUnicode 映射")
    cmap = font.ToUnicode.read_bytes()
    if b"beginbfrange" in cmap:
        raise _Unshared("ToUnicode 映射格式不是 WeasyPrint 写的")
    text = {int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be")
            for block in _BFCHAR_BLOCK.findall(cmap) for g, u in _BFCHAR.findall(block)}
    return _PartFont(font, _widths(cid.W.unparse() if "/W" in cid else b"[]"), text)


_W_TOKEN = re.compile(rb"[\[\]]|[-+]?[0-9.]+")


def _widths(array: bytes) -> dict[int, int | float]:
    """Glyph id → width from a CIDFont's /W array as written (read token by token: a tenth of the time
    of walking it as PDF objects), in both its forms: `c [w1 w2 …]` and `c_first c_last w`."""
    tokens = _W_TOKEN.findall(array)[1:-1]
    widths: dict[int, int | float] = {}
    i = 0
    while i < len(tokens):
        first = int(tokens[i])
        if tokens[i + 1] == b"[":
            end = tokens.index(b"]", i + 2)
            widths.update((first + k, _width(t)) for k, t in enumerate(tokens[i + 2:end]))
            i = end + 1
        else:
            widths.update(dict.fromkeys(range(first, int(tokens[i + 1]) + 1), _width(tokens[i + 2])))
            i += 3
    return widths


def _width(token: bytes) -> int | float:
    value = float(token)
    return int(value) if value.is_integer() else value


def _clusters(parts: list[_PartFont]) -> list[list[_PartFont]]:
    """The parts' fonts, gathered into as few groups as agree on the width and text of every glyph
    they share (one, unless a glyph stands for different text in two parts): one font dictionary each."""
    groups: list[tuple[dict[int, Any], dict[int, str], list[_PartFont]]] = []
    for part in parts:
        for widths, text, members in groups:
            if all(widths.get(g, v) == v for g, v in part.widths.items()) and \
                    all(text.get(g, t) == t for g, t in part.text.items()):
                widths.update(part.widths)
                text.update(part.text)
                members.append(part)
                break
        else:
            groups.append((dict(part.widths), dict(part.text), [part]))
    return [members for _, _, members in groups]


def _merged_font(cluster: list[_PartFont], base: Any, descriptor: Any) -> dict[tuple[int, int], Any]:
    """The first font dictionary of `cluster`, rewritten to stand for all of them."""
    widths = {g: v for part in cluster for g, v in part.widths.items()}
    w = pikepdf.Array()
    for g in sorted(widths):
        if g - 1 not in widths:
            w.append(g)
            w.append(pikepdf.Array())
        w[-1].append(widths[g])
    font = cluster[0].font
    cid = font.DescendantFonts[0]
    font.BaseFont = cid.BaseFont = base
    cid.W, cid.FontDescriptor = w, descriptor
    font.ToUnicode.write(_to_unicode({g: t for part in cluster for g, t in part.text.items()}))
    return {part.font.objgen: font for part in cluster}


def _to_unicode(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap in WeasyPrint's own form (bfchar blocks of at most 100 glyphs)."""
    items = sorted(text.items())
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    for i in range(0, len(items), 100):
        block = items[i:i + 100]
        lines.append(f"{len(block)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in block]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _face_identity(stream: Any) -> tuple[str, bytes]:
    """Which face a subset was made from: its PostScript name, and the revision, size of the em and
    dates in its `head` table (kept by the subsetter). HarfBuzz writes the small tables first, so
    the first 64 KB of the program tell it, a tenth of the time of inflating every part's copy."""
    flate = stream.get("/Filter") == "/FlateDecode" and "/DecodeParms" not in stream
    start = zlib.decompressobj().decompress(stream.read_raw_bytes(), 1 << 16) if flate else b""
    for program in (start, stream.read_bytes()):
        tables = _sfnt_tables(program)
        if tables.get(b"head") and tables.get(b"name"):
            return _postscript_name(tables[b"name"]), _head_identity(tables[b"head"])
    raise _Unshared("嵌入的字体没有可读的 head 和 name 表")


def _sfnt_tables(program: bytes) -> dict[bytes, bytes]:
    """The tables of an OpenType/TrueType program that lie wholly within `program` (which may be its start)."""
    if len(program) < 12:
        return {}
    count = int.from_bytes(program[4:6], "big")
    found = {}
    for i in range(min(count, (len(program) - 12) // 16)):
        tag, _, offset, length = struct.unpack_from(">4sIII", program, 12 + 16 * i)
        if offset + length <= len(program):
            found[tag] = program[offset:offset + length]
    return found


def _postscript_name(table: bytes) -> str:
    """Name 6 of a `name` table, from its Windows (UTF-16) or Macintosh (ASCII) record."""
    count, strings = struct.unpack_from(">HH", table, 2)
    for i in range(count):
        platform, _, _, name_id, length, offset = struct.unpack_from(">6H", table, 6 + 12 * i)
        if name_id == 6 and platform in (1, 3):
            raw = table[strings + offset:strings + offset + length]
            return raw.decode("utf-16-be" if platform == 3 else "latin-1")
    raise _Unshared("嵌入的字体没有 PostScript 名称")


def _head_identity(head: bytes) -> bytes:
    return head[4:8] + head[18:36]  # fontRevision; unitsPerEm, created, modified


@cache
def _harfbuzz() -> tuple[Any, Any, Any, Any]:
    """WeasyPrint's own HarfBuzz bindings, with the two calls that open a font file added."""
    import cffi
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None:
        raise _Unshared("没有 HarfBuzz 子集化库")
    files = cffi.FFI()
    files.include(ffi)
    files.cdef("hb_blob_t * hb_blob_create_from_file_or_fail (const char *file_name);"
               "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);")
    return ffi, harfbuzz, harfbuzz_subset, files.dlopen(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")


def _system_face(postscript: str, head: bytes) -> Any:
    """The HarfBuzz face of the installed font with this PostScript name and `head` identity."""
    ffi, harfbuzz, _, files = _harfbuzz()
    fc_list = shutil.which("fc-list") or "fc-list"
    found = subprocess.run([fc_list, f":postscriptname={postscript}", "-f", "%{file}\t%{index}\n"],
                           capture_output=True, text=True, check=False).stdout
    for line in found.splitlines():
        path, _, index = line.partition("\t")
        blob = ffi.gc(files.hb_blob_create_from_file_or_fail(path.encode()), harfbuzz.hb_blob_destroy)
        if blob == ffi.NULL:
            continue
        face = ffi.gc(files.hb_face_create(blob, int(index or 0)), harfbuzz.hb_face_destroy)
        table = ffi.gc(harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"head", -1)),
                       harfbuzz.hb_blob_destroy)
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(table, length)
        if _head_identity(bytes(ffi.buffer(data, length[0]))) == head:
            return face
    raise _Unshared(f"系统中找不到排版时用的字体文件 {postscript}")


def _subset_system_face(postscript: str, head: bytes, gids: list[int], notdef_outline: bool) -> tuple[bytes, list[int]]:
    """The face subset to `gids`, as WeasyPrint subsets it (glyph ids kept, no hinting, no layout
    tables), in one HarfBuzz call: a fraction of a second for a CJK face. Returns it and the glyphs
    it holds (not the ids WeasyPrint gives the characters no font has)."""
    ffi, harfbuzz, subset, _ = _harfbuzz()
    face = _system_face(postscript, head)
    gids = [g for g in gids if g < harfbuzz.hb_face_get_glyph_count(face)]  # not .notdef stand-ins
    plan = ffi.gc(subset.hb_subset_input_create_or_fail(), subset.hb_subset_input_destroy)
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_glyph_set(plan), ffi.new("hb_codepoint_t[]", gids),
                                     len(gids))
    flags = (subset.HB_SUBSET_FLAGS_RETAIN_GIDS | subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | subset.HB_SUBSET_FLAGS_DESUBROUTINIZE | subset.HB_SUBSET_FLAGS_NO_HINTING)
    if notdef_outline:
        flags |= subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    subset.hb_subset_input_set_flags(plan, flags)
    drop = sorted(harfbuzz.hb_tag_from_string(t, -1) for t in (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC",
                  b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_set(plan, subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                     ffi.new("hb_codepoint_t[]", drop), len(drop))
    result = subset.hb_subset_or_fail(face, plan)
    if result == ffi.NULL:
        raise _Unshared("HarfBuzz 子集化失败")
    result = ffi.gc(result, harfbuzz.hb_face_destroy)
    blob = ffi.gc(harfbuzz.hb_face_reference_blob(result), harfbuzz.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    return bytes(ffi.buffer(data, length[0])), gids


