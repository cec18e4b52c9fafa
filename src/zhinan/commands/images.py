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

from zhinan.content.validate import IMAGE_NAME, MAX_IMAGE_BYTES, MAX_IMAGE_PX, raster_problem, suggest_image_name
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


def _shrunk(path: Path) -> tuple[bytes, str] | None:
    """The image scaled to the limits, and its suffix; None if it is already within them."""
    from PIL import Image, ImageOps  # Pillow comes with WeasyPrint; only this command needs it here

    with Image.open(path) as original:
        if max(original.size) <= MAX_IMAGE_PX and path.stat().st_size <= MAX_IMAGE_BYTES:
            return None
        im = ImageOps.exif_transpose(original)
        im.thumbnail((MAX_IMAGE_PX, MAX_IMAGE_PX), Image.Resampling.LANCZOS)
        suffix = path.suffix.lower()
        out = io.BytesIO()
        if suffix == ".png":
            im.save(out, "PNG")
            if out.tell() <= MAX_IMAGE_BYTES or im.mode in ("RGBA", "LA", "P"):
                return out.getvalue(), suffix
            out = io.BytesIO()  # a photo kept as PNG: JPEG is a fraction of the size
            suffix = ".jpg"
        im.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue(), suffix


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
        shrunk = _shrunk(path) if path.suffix.lower() != ".svg" else None
        src = str(PurePosixPath(ref.src).with_suffix(shrunk[1])) if shrunk else ref.src
        name = src if IMAGE_NAME.fullmatch(src) else suggest_image_name(src, ref.fallback)
        target = folder / name
        shown = f"sectors/{folder.name}/{ref.src}"
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
