"""Images as a department sends them (issue 29): `images --fix` never makes a file larger and keeps
two names two files; a tall WeChat screenshot and a wide photo are printed whole inside the text
block, the tall one no higher than 120 mm."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from zhinan.cli import main
from zhinan.content.validate import collect

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

E = "sectors/demo/enterprises/sample-a.yml"
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 160, 0)


def screenshot(path: Path, w: int = 900, h: int = 2000, seed: int = 1) -> None:
    """A chat screenshot: grey background, white and green bubbles of dark "text", a green band at the
    top and a red one at the foot (the last message, the one cut off in print)."""
    rng = random.Random(seed)
    im = Image.new("RGB", (w, h), (237, 237, 237))
    d = ImageDraw.Draw(im)
    y = 60
    while y < h - 200:
        left = rng.random() < 0.5
        bw, bh = rng.randint(300, w - 200), rng.randint(60, 140)
        x = 20 if left else w - 20 - bw
        d.rectangle([x, y, x + bw, y + bh], fill=(255, 255, 255) if left else (149, 236, 105))
        for ly in range(y + 12, y + bh - 12, 16):
            d.line([x + 15, ly, x + bw - rng.randint(20, 200), ly], fill=(30, 30, 30), width=3)
        y += bh + 30
    d.rectangle([0, 0, w, 40], fill=GREEN)
    d.rectangle([0, h - 40, w, h], fill=RED)
    im.save(path, optimize=True)


def use_images(root: Path, *images: tuple[str, str]) -> None:
    path = root / E
    extra = "".join(f"      - src: {src}\n        caption: {caption}\n" for src, caption in images)
    path.write_text(path.read_text(encoding="utf-8").replace("        caption: 示意图\n", "        caption: 示意图\n" + extra),
                    encoding="utf-8")


def fix(root: Path) -> str:
    result = CliRunner().invoke(main, ["images", "--fix", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_two_wechat_names_stay_two_files_and_nothing_grows(minimal_tree: Path) -> None:
    images = minimal_tree / "sectors/demo/images"
    screenshot(images / "微信截图_20261201.png", h=2100)
    screenshot(images / "微信图片_20261201.png", h=2100, seed=2)
    sizes = {p.name: p.stat().st_size for p in images.iterdir()}
    use_images(minimal_tree, ("images/微信截图_20261201.png", "聊天截图"), ("images/微信图片_20261201.png", "现场照片"))
    assert "建议改为“images/20261201-2.png”" in collect(minimal_tree)[1][1].message
    out = fix(minimal_tree)
    assert out.splitlines() == [
        "已改名 sectors/demo/images/微信截图_20261201.png → images/20261201.png，并改好引用它的 src",
        "已改名 sectors/demo/images/微信图片_20261201.png → images/20261201-2.png，并改好引用它的 src"]
    assert (images / "20261201.png").stat().st_size == sizes["微信截图_20261201.png"]  # not re-encoded: it would grow
    assert (images / "20261201-2.png").stat().st_size == sizes["微信图片_20261201.png"]
    assert collect(minimal_tree)[1] == []


def test_a_palette_image_that_would_grow_is_left_as_it_is(minimal_tree: Path) -> None:
    """Noise in four colours, over 1 MB: every way of saving it smaller in pixels is larger in bytes."""
    rng = random.Random(3)
    im = Image.frombytes("P", (2100, 2100), bytes(rng.getrandbits(2) * 85 for _ in range(2100 * 2100)))
    im.putpalette([v for i in range(256) for v in (i, i, i)])
    path = minimal_tree / "sectors/demo/images/noise.png"
    im.save(path, optimize=True)
    before = path.stat().st_size
    use_images(minimal_tree, ("images/noise.png", "噪点"))
    result = CliRunner().invoke(main, ["images", "--fix", "--root", str(minimal_tree)])
    assert path.stat().st_size <= before
    if path.stat().st_size == before:
        assert result.exit_code == 1 and "缩小像素后保存反而比原文件大，已保留原文件" in result.stderr


def red_and_blue(ppm: Path) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]]:
    with Image.open(ppm) as page:
        rgb = page.convert("RGB")
        w, h = rgb.size
        px = rgb.load()
        assert px is not None
        found: dict[tuple[int, int, int], list[tuple[int, int]]] = {RED: [], BLUE: [], GREEN: []}
        for y in range(0, h, 2):
            for x in range(0, w, 2):
                r, g, b = px[x, y]
                for (cr, cg, cb), where in found.items():
                    if abs(r - cr) < 60 and abs(g - cg) < 60 and abs(b - cb) < 60:
                        where.append((x, y))
    return found[RED], found[BLUE], found[GREEN]


def test_tall_and_wide_images_print_whole_inside_the_text_block(minimal_tree: Path, tmp_path: Path) -> None:
    images = minimal_tree / "sectors/demo/images"
    screenshot(images / "chat.png", w=900, h=2000)
    wide = Image.new("RGB", (3000, 600), (220, 220, 220))
    ImageDraw.Draw(wide).rectangle([2800, 0, 3000, 600], fill=BLUE)  # a blue band at the right edge
    wide.save(images / "wide.png", optimize=True)
    use_images(minimal_tree, ("images/chat.png", "聊天截图"), ("images/wide.png", "全景"))
    assert collect(minimal_tree)[1] == []
    done = subprocess.run([sys.executable, "-m", "zhinan", "build", "--root", str(minimal_tree), "--only", "pdf",
                           "--sector", "demo", "-j", "1", "-q", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "out" / "pdf" / "demo.pdf"
    dpi = 30
    subprocess.run(["pdftoppm", "-r", str(dpi), str(pdf), str(tmp_path / "page")], check=True, timeout=300)
    mm = dpi / 25.4
    reds, blues, greens = [], [], []
    for ppm in sorted(tmp_path.glob("page-*.ppm")):
        r, b, g = red_and_blue(ppm)
        reds += [(ppm.name, *p) for p in r]
        blues += [(ppm.name, *p) for p in b]
        greens += [(ppm.name, *p) for p in g]
    assert reds and blues and greens, "the foot of the screenshot and the edge of the wide image are printed"
    # A4 210 × 297 mm; the text block is 20 mm in from the sides, 24 mm from the top, 22 mm from the foot.
    for _, x, y in reds + greens:
        assert 20 * mm - 2 <= x <= 190 * mm + 2 and 24 * mm - 2 <= y <= 275 * mm + 2, (x / mm, y / mm)
    for _, x, _y in blues:
        assert x <= 190 * mm + 2, x / mm
    (_one_page,) = {p for p, *_ in reds} | {p for p, *_ in greens}  # the whole screenshot on one page
    top, foot = min(y for _, _, y in greens), max(y for _, _, y in reds)
    assert (foot - top) / mm <= 120 + 2, (foot - top) / mm
