"""`zhinan images --fix`: bring the practices' images within the print limits and the naming rule.

`zhinan check` refuses an image that is too large or badly named (validate.py says why the limits
are what they are); this does what the message asks, in place, for someone without an image editor:
a raster image is scaled down to the pixel limit (turned upright first, as its EXIF orientation is
dropped) and saved again, a photo kept as PNG that is still over the byte limit becomes a JPEG, and
a file whose name breaks the rule is renamed to the suggested name, with every `src:` that refers to
it rewritten. Files are read leniently (plain YAML), as the content need not pass the check yet.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from zhinan.content.images import (
    IMAGE_NAME,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PX,
    image_oversize,
    raster_problem,
    suggest_image_name,
)
from zhinan.pipeline.files import write_bytes, write_text

JPEG_QUALITY = 85
"""Quality 85 keeps a 2000 × 1500 photo at about 0.65 MB (see validate.py), visually the same in print."""


@dataclass
class _Ref:
    """One `images: - src:` of an enterprise file."""

    yml: Path
    src: str
    fallback: str


@dataclass
class Report:
    done: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def _refs(root: Path) -> list[_Ref]:
    found = []
    for yml in sorted(root.glob("sectors/*/enterprises/*.yml")):
        try:
            data: Any = yaml.safe_load(yml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        practices = data.get("practices") if isinstance(data, dict) else None
        n = 0
        for p in practices if isinstance(practices, list) else []:
            for img in (p.get("images") or []) if isinstance(p, dict) else []:
                n += 1
                if isinstance(img, dict) and isinstance(img.get("src"), str):
                    found.append(_Ref(yml, img["src"], f"{yml.stem}-{n}"))
    return found


def _inside(folder: Path, src: str) -> Path | None:
    rel = PurePosixPath(src)
    if rel.is_absolute() or ".." in rel.parts or "\\" in src or "://" in src:
        return None
    path = folder / rel
    return path if path.is_file() else None


class _Grows(Exception):
    """Every way of saving the image smaller in pixels makes the file larger in bytes."""


def _shrunk(path: Path) -> tuple[bytes, str] | None:
    """The image scaled to the limits, and its suffix; None if it is already within them. Never
    larger than the file was: of the ways to save it (PNG optimised, PNG with the original's palette
    of at most 256 colours, JPEG for an image without transparency) the smallest is taken, and it
    must be smaller than the original (else _Grows)."""
    from PIL import Image, ImageOps  # Pillow comes with WeasyPrint; only this command needs it here

    size = path.stat().st_size
    with Image.open(path) as original:
        if not image_oversize(size, original.size):
            return None
        # A screenshot or drawing: saved with a palette, or of few colours (a photo has thousands).
        paletted = original.mode in ("P", "1") or original.convert("RGBA").getcolors(256) is not None
        clear = "transparency" in original.info or original.mode in ("RGBA", "LA", "PA")
        upright = ImageOps.exif_transpose(original)
        kept = None
        if original.mode == "P":  # its own palette kept, scaled pixel by pixel (no new colours)
            kept = upright.copy()
            kept.thumbnail((MAX_IMAGE_PX, MAX_IMAGE_PX), Image.Resampling.NEAREST)
        im = upright
        if im.mode not in ("RGB", "RGBA", "L", "LA"):
            im = im.convert("RGBA" if clear else "RGB")
        im.thumbnail((MAX_IMAGE_PX, MAX_IMAGE_PX), Image.Resampling.LANCZOS)
    suffix = path.suffix.lower()
    candidates: list[tuple[bytes, str]] = []

    def save(image: Any, fmt: str, ext: str, **options: Any) -> None:
        out = io.BytesIO()
        image.save(out, fmt, **options)
        if out.tell() < size:
            candidates.append((out.getvalue(), ext))

    if suffix == ".png":
        save(im, "PNG", ".png", optimize=True)
        if kept is not None:
            save(kept, "PNG", ".png", optimize=True)
        if paletted:  # back to a palette, as it was: scaling made in-between colours
            save(im.quantize(256, method=Image.Quantize.FASTOCTREE) if im.mode == "RGBA" else im.convert("RGB").quantize(256),
                 "PNG", ".png", optimize=True)
    if suffix != ".png" or not clear:
        save(im.convert("RGB"), "JPEG", ".jpg", quality=JPEG_QUALITY, optimize=True)
    if not candidates:
        raise _Grows
    png = sorted((c for c in candidates if c[1] == ".png"), key=lambda c: len(c[0]))
    if png and len(png[0][0]) <= MAX_IMAGE_BYTES:
        return png[0]  # stays PNG (sharp text, same name) while that is within the limit
    return min(candidates, key=lambda c: len(c[0]))


def _rewrite_refs(refs: list[_Ref], old: str, new: str) -> None:
    pattern = re.compile(rf"^(\s*-?\s*src:\s*)([\"']?){re.escape(old)}\2(\s*(?:#.*)?)$", re.MULTILINE)
    for yml in sorted({r.yml for r in refs}):
        text = yml.read_text(encoding="utf-8")
        changed = pattern.sub(lambda m: f"{m.group(1)}{new}{m.group(3)}", text)
        if changed != text:
            write_text(yml, changed)


def fix(root: Path, dry_run: bool = False) -> Report:
    """Shrink and rename every referenced image that breaks a rule (with `dry_run`, only say so)."""
    report = Report()
    refs = _refs(root)
    seen: set[tuple[Path, str]] = set()
    taken: dict[Path, dict[str, str]] = {}  # per sector folder: the new names given in this run
    for ref in refs:
        folder = ref.yml.parent.parent
        path = _inside(folder, ref.src)
        if path is None or (folder, ref.src) in seen:
            continue  # missing or outside the sector (zhinan check says so), or done already
        seen.add((folder, ref.src))
        shown = f"sectors/{folder.name}/{ref.src}"
        problem = raster_problem(path, shown) if path.suffix.lower() != ".svg" else None
        if problem is not None:  # never decoded: too many pixels, or not whole
            report.left.append(problem)
            continue
        try:
            shrunk = _shrunk(path) if path.suffix.lower() != ".svg" else None
        except _Grows:
            report.left.append(f"{shown} 缩小像素后保存反而比原文件大，已保留原文件；请用画图软件把长边缩到 "
                               f"{MAX_IMAGE_PX} 像素以内另存为 JPG，再替换这个文件")
            continue
        src = str(PurePosixPath(ref.src).with_suffix(shrunk[1])) if shrunk else ref.src
        names = taken.setdefault(folder, {})
        name = src if IMAGE_NAME.fullmatch(src) and src not in names else suggest_image_name(src, ref.fallback, folder, names)
        target = folder / name
        if name != ref.src and target.exists():
            report.left.append(f"{shown} 应改名为 {name}，但该文件已存在；请手工改名")
            continue
        if shrunk:
            size = f"{path.stat().st_size / 1024 / 1024:.2f} MB → {len(shrunk[0]) / 1024 / 1024:.2f} MB"
            report.done.append(f"缩小 {shown}：{size}")
            if not dry_run:
                write_bytes(path, shrunk[0])
        if name != ref.src:
            report.done.append(f"改名 {shown} → {name}，并改好引用它的 src")
            if not dry_run:
                path.rename(target)
                _rewrite_refs([r for r in refs if r.yml.parent.parent == folder], ref.src, name)
    return report
