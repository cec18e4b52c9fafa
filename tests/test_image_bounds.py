"""Images are decoded with a pixel limit and verified whole at check time (issue 35): a 30000 ×
30000 PNG (under 1 KB here: only its header claims the pixels), a truncated PNG and a truncated JPEG
are `zhinan check` errors naming the file, where a practice or a Markdown body shows them; `zhinan
build` refuses them the same way and `zhinan images` reports them; nowhere a traceback."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

BIN = Path(sys.executable).parent
ENTERPRISE = "sectors/demo/enterprises/sample-a.yml"


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header says `width` × `height` (1 bit a pixel), with a few rows of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = zlib.compress(b"".join(b"\0" + b"\0" * ((width + 7) // 8) for _ in range(4)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def truncated(kind: str) -> bytes:
    im = Image.effect_noise((400, 300), 60).convert("RGB")
    out = io.BytesIO()
    im.save(out, kind)
    data = out.getvalue()
    return data[: len(data) // 2]


IMAGES = {"bomb.png": bomb_png, "half.png": lambda: truncated("PNG"), "half.jpg": lambda: truncated("JPEG")}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "zhinan"), *args], capture_output=True, text=True, check=False, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def place(root: Path, name: str, in_body: bool) -> str:
    (root / "sectors/demo/images" / name).write_bytes(IMAGES[name]())
    ent = root / ENTERPRISE
    text = ent.read_text(encoding="utf-8")
    if in_body:
        text = text.replace("body: 按岗位编制责任清单。", f'body: "按岗位编制责任清单。\\n\\n![示意](images/{name})"')
    else:
        text = text.replace("src: images/pic.svg", f"src: images/{name}")
    ent.write_text(text, encoding="utf-8")
    return f"sectors/demo/images/{name}"


@pytest.mark.parametrize("in_body", [False, True], ids=["practice", "markdown"])
@pytest.mark.parametrize("name", sorted(IMAGES))
def test_check_refuses_the_image_with_its_path(minimal_tree: Path, name: str, in_body: bool) -> None:
    shown = place(minimal_tree, name, in_body)
    out = run("check", "--root", str(minimal_tree))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    found = [line for line in out.stderr.splitlines() if line.startswith(f"{ENTERPRISE}:") and shown in line]
    assert len(found) == 1, out.stderr
    assert ("像素" in found[0]) if name == "bomb.png" else ("不完整" in found[0]), found


def test_build_and_images_say_so_without_a_traceback(minimal_tree: Path, tmp_path: Path) -> None:
    shown = place(minimal_tree, "bomb.png", in_body=False)
    build = run("build", "--root", str(minimal_tree), "--out", str(tmp_path / "out"), "--only", "site", "-j", "1")
    assert build.returncode == 1 and "Traceback" not in build.stderr and shown in build.stderr, build.stderr
    images = run("images", "--root", str(minimal_tree), "--fix")
    assert "Traceback" not in images.stderr + images.stdout and shown in images.stderr + images.stdout, images
