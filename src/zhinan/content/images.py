"""The rules for images that content refers to: inside the sector's folder, a png/jpg/svg that is
what its name says, decodable within a pixel bound and whole, nothing active in an SVG, a name of id
characters and no more pixels or bytes than print needs (`zhinan images --fix` mends the last two).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from zhinan.content import parse, sanitize
from zhinan.content.model import (
    IMAGE_SUFFIXES,
    Where,
)
from zhinan.content.problems import Problem

DECODE_MAX_PIXELS = 50_000_000
"""The most pixels an image may have to be decoded at all (by the check, `zhinan images --fix`,
WeasyPrint or a browser): a camera's 8000 × 6000 original (48 million) can still be shrunk by
`zhinan images --fix`; a 30000 × 30000 PNG of under 1 MB would take gigabytes."""


def raster_problem(path: Path, shown: str) -> str | None:
    """Why a png/jpg cannot be used, or None: more pixels than `DECODE_MAX_PIXELS` (found in its
    header, before decoding), or not whole (decoded in full: a truncated file prints as a black or
    partly blank box)."""
    from PIL import Image, UnidentifiedImageError  # only when a raster image is referenced

    too_many = (f"图片 {shown} 像素过多{{}}，超过可以安全读取的上限 {DECODE_MAX_PIXELS // 1_000_000} 百万像素，"
                "不会读取；请用画图软件把长边缩到 2000 像素以内再替换这个文件")
    try:
        with Image.open(path) as im:
            width, height = im.size
            if width * height > DECODE_MAX_PIXELS:
                return too_many.format(f"（{width}×{height}）")
            im.load()
    except Image.DecompressionBombError:
        return too_many.format("")
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError) as exc:
        return f"图片 {shown} 不完整或已损坏（{exc}），印出来会是黑块或缺一块；请重新导出或重新复制这个文件"
    return None


def check_image_reference(root: Path, folder: str, src: str, where: Where, problems: list[Problem],
                     label: str = "") -> None:
    """An image path relative to `folder` (of the root) names a png/jpg/svg file inside that folder,
    with nothing active in it."""
    rel = PurePosixPath(src)
    kind = "行业文件夹" if folder.startswith("sectors/") else f"{folder} 文件夹"
    if rel.is_absolute() or "\\" in src or ".." in rel.parts or "://" in src or ":" in rel.parts[0]:
        problems.append(Problem.at(where, f"{label}图片路径“{src}”应为相对于{kind}的路径，如 images/示意图.png，不能跳出{kind}"))
        return
    if rel.suffix.lower() not in IMAGE_SUFFIXES:
        problems.append(Problem.at(where, f"{label}图片“{src}”格式不支持，应为 png、jpg 或 svg"))
        return
    path = root / folder / rel
    if not path.is_file():
        problems.append(Problem.at(where, f"{label}图片文件 {folder}/{src} 不存在"))
        return
    if not parse.inside(root / folder, path):
        problems.append(Problem.at(where, parse.outside_message(f"{folder}/{src}")))
        return
    data = path.read_bytes()
    magic = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}.get(rel.suffix.lower())
    if magic is not None and not data.startswith(magic):
        problems.append(Problem.at(where, f"图片文件 {folder}/{src} 不是有效的 {rel.suffix.lower()[1:]} 图片（文件内容与扩展名不符）"))
    elif magic is not None:
        problem = raster_problem(path, f"{folder}/{src}")
        if problem is not None:
            problems.append(Problem.at(where, problem))
    if rel.suffix.lower() == ".svg":
        found = sanitize.svg_problems(data)
        if found:
            problems.append(Problem.at(where, f"SVG 图片 {folder}/{src} 不能发布：{'；'.join(found)}。"
                                       "SVG 里不能有脚本、事件属性（on…）、<foreignObject> 或指向外部的链接，"
                                       "请用绘图软件重新导出为普通 SVG，或改用 png"))


# A printed figure is set the full width of the A4 text block (print.css: 210 mm page, 20 mm
# margins, `figure img { width: 100% }`): 170 mm, which at 300 dpi — print resolution — is
# 170 / 25.4 × 300 ≈ 2008 pixels. More pixels only make the PDF larger. A photo of 2000 × 1500 px
# saved as JPEG quality 85 is about 0.65 MB (quality 90: 0.89 MB; measured with Pillow on a
# photo-like test image), while a phone camera's original of 4032 × 3024 is 2–3 MB; so 1 MiB a file.
MAX_IMAGE_PX = 2000
MAX_IMAGE_BYTES = 1024 * 1024
SMALL_IMAGE_BYTES = 256 * 1024
"""The pixel limit is there to keep the files (and the PDF) small: a file under this size — a
screenshot of flat colours is 0.01–0.2 MB at 900 × 2000 — costs nothing more, and scaled down it
only grows (smoothed edges have more colours), so its pixels are not limited."""


def image_oversize(size: int, pixels: tuple[int, int] | None) -> bool:
    """Over the byte limit, or over the pixel limit and big enough for the pixels to matter."""
    return size > MAX_IMAGE_BYTES or (pixels is not None and max(pixels) > MAX_IMAGE_PX and size > SMALL_IMAGE_BYTES)
IMAGE_NAME = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*/)*[a-z0-9]+(?:-[a-z0-9]+)*\.(?:png|jpg|jpeg|svg)")


def suggest_image_name(src: str, fallback: str, folder: Path | None = None, taken: dict[str, str] | None = None) -> str:
    """A name of id characters for `src`: its own letters and digits if it has some, else `fallback`;
    "-2", "-3" … added while the name is a file in `folder` or in `taken` (the names already given
    in this run, name → src), so that two names differing only in characters dropped (微信图片_1.png
    and 微信截图_1.png) stay two files."""
    path = PurePosixPath(src)
    folders = [re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") or "images" for part in path.parent.parts]
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    base = "/".join([*folders, stem if len(stem) >= 3 else fallback])
    name, n = base + path.suffix.lower(), 1
    if taken is not None and src in taken.values():
        return next(k for k, v in taken.items() if v == src)
    while (taken is not None and name in taken) or (folder is not None and (folder / name).exists()
                                                    and not _same_file(folder / src, folder / name)):
        n += 1
        name = f"{base}-{n}{path.suffix.lower()}"
    if taken is not None:
        taken[name] = src
    return name


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _check_image_name_and_size(folder: Path, src: str, where: Where, fallback: str, problems: list[Problem],
                               taken: dict[str, str] | None = None) -> None:
    """The image's name uses id characters only, and it has no more pixels or bytes than print needs."""
    if not IMAGE_NAME.fullmatch(src):
        problems.append(Problem.at(where, f"图片文件名“{src}”只能用小写字母、数字和连字符（不能有空格、汉字或大写字母）。"
                                          f"建议改为“{suggest_image_name(src, fallback, folder, taken)}”：把文件改名，再把这里的路径改成新名字"
                                          "（zhinan images --fix 可以一并改好）"))
    path = folder / src
    size = path.stat().st_size
    pixels: tuple[int, int] | None = None
    if path.suffix.lower() != ".svg":
        from PIL import Image, UnidentifiedImageError  # only when a raster image is referenced

        try:
            with Image.open(path) as im:
                pixels = im.size
        except (OSError, UnidentifiedImageError):
            problems.append(Problem.at(where, f"图片 sectors/{folder.name}/{src} 无法读取，可能已损坏或不是 png/jpg 格式；请重新导出"))
            return
    if not image_oversize(size, pixels):
        return
    shape = f"{pixels[0]}×{pixels[1]} 像素、" if pixels else ""
    problems.append(Problem.at(
        where,
        f"图片 sectors/{folder.name}/{src} 有 {shape}{size / 1024 / 1024:.2f} MB，超过每张图的上限"
        f"（长边 {MAX_IMAGE_PX} 像素、{MAX_IMAGE_BYTES // 1024 // 1024} MB）：印在 A4 页上最宽 17 厘米，"
        f"{MAX_IMAGE_PX} 像素已够清晰打印。请运行 zhinan images --fix 就地缩小，或用画图软件的“调整大小”"
        f"把长边缩到 {MAX_IMAGE_PX} 像素以内、照片另存为 JPG（质量 85），再替换这个文件",
    ))

