"""Issue 18, a department's first contribution: each common slip is told in plain Chinese at the place
it was made; placeholders, over-size images and bad image names are refused; duplicate ids get the
next free number; CONTRIBUTING.md quotes the real messages.

SLIPS is the record of each slip: the change made to the minimal tree, the message before — recorded
by running main at d148a4e (`PYTHONPATH=/work/main/src`) on the same input; SILENT where it passed
without a word — and the message now.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePath
from typing import NamedTuple

import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import EDITION, FIXTURES, REPO
from zhinan.cli import main
from zhinan.content.images import MAX_IMAGE_BYTES, MAX_IMAGE_PX
from zhinan.content.problems import Problem
from zhinan.content.validate import collect
from zhinan.formats.schema import schema_line

E = "sectors/demo/enterprises/sample-a.yml"
S = "sectors/demo/sector.yml"
C = "sectors/demo/checklist.yml"
SILENT = "（无提示，检查通过）"


class Slip(NamedTuple):
    name: str
    rel: str
    old: str
    new: str
    before: str
    after: str


SLIPS = [
    Slip('全角冒号', E, 'county: 丰泽区', 'county：丰泽区',
         before="sectors/demo/enterprises/sample-a.yml:4:1: 错误: YAML 语法错误：while scanning a simple key；could not find expected ':'（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/enterprises/sample-a.yml:3:7: 错误: “county：”用了全角冒号“：”；字段名后面应是半角冒号加一个空格，如“county: ”'),
    Slip('全角空格缩进', E, '    body:', '\u3000\u3000body:',
         before='sectors/demo/enterprises/sample-a.yml:13:11: 错误: YAML 语法错误：mapping values are not allowed in this context（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/enterprises/sample-a.yml:12:1: 错误: 行首的缩进里有全角空格“\u3000”；缩进只能用半角空格（两个空格一级）'),
    Slip('冒号后全角空格', E, 'county: 丰泽区', 'county:\u3000丰泽区',
         before="sectors/demo/enterprises/sample-a.yml:4:1: 错误: YAML 语法错误：while scanning a simple key；could not find expected ':'（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/enterprises/sample-a.yml:3:8: 错误: “county:”后面是全角空格“\u3000”；冒号后面应是一个半角空格\n  YAML 解析器：读取“字段名: 值”时，找不到字段名后面的冒号“: ”（第 4 行第 1 列）'),
    Slip('Tab 缩进', E, '    body:', '\tbody:',
         before='sectors/demo/enterprises/sample-a.yml:12:1: 错误: YAML 语法错误：while scanning for the next token；found character that cannot start any token（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/enterprises/sample-a.yml:12:1: 错误: 行首用 Tab 缩进；YAML 只能用空格缩进（两个空格一级），请把 Tab 换成空格（内容文件里一律不能用 Tab）'),
    Slip('冒号后 Tab', E, 'county: 丰泽区', 'county:\t丰泽区',
         before=SILENT,
         after='sectors/demo/enterprises/sample-a.yml:3:8: 错误: 冒号后面用了 Tab；冒号后面应是一个空格，请把 Tab 换成空格（内容文件里一律不能用 Tab）'),
    Slip('文字中 Tab', E, '按岗位编制', '按岗位\t编制',
         before=SILENT,
         after='sectors/demo/enterprises/sample-a.yml:12:14: 错误: 文字中有 Tab（制表符），打印时宽度不定；请换成空格，或删除（内容文件里一律不能用 Tab）'),
    Slip('引号未闭合', E, 'name: 示例企业甲（示例）', 'name: "示例企业甲（示例）',
         before='sectors/demo/enterprises/sample-a.yml:16:1: 错误: YAML 语法错误：while scanning a quoted scalar；found unexpected end of stream（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/enterprises/sample-a.yml:2:7: 错误: 这里开始的引号 " 没有配对的结束引号 "；请在这段文字末尾补上 "，或去掉开头的 "\n  YAML 解析器：读取引号中的文字时，文件已经结束（第 16 行第 1 列）'),
    Slip('方括号未闭合', E, 'items: [DM-001]', 'items: [DM-001',
         before="sectors/demo/enterprises/sample-a.yml:12:9: 错误: YAML 语法错误：while parsing a flow sequence；did not find expected ',' or ']'（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/enterprises/sample-a.yml:11:12: 错误: 这里开始的“[”没有配对的“]”；写在一行里的列表要以“]”结束，如 [DM-001, DM-002]\n  YAML 解析器：读取方括号列表时，找不到“,”或“]”（第 12 行第 9 列）'),
    Slip('缩进多一格', E, '    body:', '     body:',
         before='sectors/demo/enterprises/sample-a.yml:12:6: 错误: YAML 语法错误：while parsing a block mapping；did not find expected key（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/enterprises/sample-a.yml:12:6: 错误: “body:”的缩进比上面的“items:”多了一个空格；同一层的字段必须左对齐（这里应缩进 4 个空格）\n  YAML 解析器：读取“字段名: 值”时，这里应是“字段名: 值”（第 12 行第 6 列）'),
    Slip('缩进少一格', E, '    body:', '   body:',
         before="sectors/demo/enterprises/sample-a.yml:12:4: 错误: YAML 语法错误：while parsing a block collection；did not find expected '-' indicator（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/enterprises/sample-a.yml:12:4: 错误: “body:”的缩进比上面的“items:”少了一个空格；同一层的字段必须左对齐（这里应缩进 4 个空格）\n  YAML 解析器：读取列表时，这里应是以“- ”开头的列表项（第 12 行第 4 列）'),
    Slip('列表项缺“- ”', E, '      - src: images/pic.svg\n        caption: 示意图\n', '      - src: images/pic.svg\n        caption: 示意图\n      src: images/pic.svg\n        caption: 又一张\n',
         before="sectors/demo/enterprises/sample-a.yml:16:7: 错误: YAML 语法错误：while parsing a block collection；did not find expected '-' indicator（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/enterprises/sample-a.yml:16:7: 错误: 这一行与上面的列表项对齐，却没有以“- ”开头；列表的每一项都要以“- ”开头（如果它属于上一项，请多缩进两格）\n  YAML 解析器：读取列表时，这里应是以“- ”开头的列表项（第 16 行第 7 列）'),
    Slip('冒号后缺空格', S, 'name: 示例行业', 'name:示例行业',
         before="sectors/demo/sector.yml:3:1: 错误: YAML 语法错误：while scanning a simple key；could not find expected ':'（请检查缩进、冒号后的空格和引号是否成对）",
         after='sectors/demo/sector.yml:2:6: 错误: “name:”后面少了一个空格；冒号后面要有一个空格，如“name: 示例行业”\n  YAML 解析器：读取“字段名: 值”时，找不到字段名后面的冒号“: ”（第 3 行第 1 列）'),
    Slip('第一个字段前有空格', S, 'id: demo', ' id: demo',
         before='sectors/demo/sector.yml:2:1: 错误: YAML 语法错误：did not find expected <document start>（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/sector.yml:1:1: 错误: 文件的第一个字段前面有 1 个空格；顶层的字段要顶格写，前面不留空格\n  YAML 解析器：顶层内容已经结束，后面的内容无法读取（第 2 行第 1 列）'),
    Slip('列表第一项缺“- ”', C, '      - text: 未建立全员安全生产责任制。', '      text: 未建立全员安全生产责任制。',
         before='sectors/demo/checklist.yml:12:14: 错误: YAML 语法错误：mapping values are not allowed in this context（请检查缩进、冒号后的空格和引号是否成对）',
         after='sectors/demo/checklist.yml:12:9: 错误: “level:”比上面的“text:”多缩进了 2 格，而“text:”后面已经写了值；同一项的字段要左对齐（如果“text:”是列表的一项，它前面要有“- ”）\n  YAML 解析器：这里不能出现“: ”（缩进不对，或文字里的“: ”需要加引号）（第 12 行第 14 列）'),
]

# The other mistakes CONTRIBUTING.md walks through (their messages did not change, except the last two).
DOCUMENTED_MISTAKES = [
    (C, "aspect: 作业现场", "aspect: 现场作业"),
    (C, "    item: 警示标志\n", ""),
    (C, "    method: 查阅资料", "    methd: 查阅资料"),
    (S, "key: true", "key: 是"),
    (E, "items: [DM-001]", "items: [DM-01]"),
    (E, "images/pic.svg", "images/pic.png"),
    (E, "    body: 按岗位编制责任清单。", "  body: 按岗位编制责任清单。"),
    (C, "  - id: DM-002", "  - id: DM-001"),
    (E, "  - title: 责任清单上墙", "  － title: 责任清单上墙"),
    (E, "caption: 示意图", "caption: “示意图: 风险分布”"),
    (E, "sample: true\n", ""),
    (E, "items: [DM-001]", "items: [DM-003]"),
]


def _messages(root: Path, rel: str, old: str, new: str) -> list[str]:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [p.text() for p in collect(root)[1]]


@pytest.mark.parametrize("slip", SLIPS, ids=[s.name for s in SLIPS])
def test_slip_told_where_it_was_made(minimal_tree: Path, slip: Slip) -> None:
    """The exact message, at the slip's own line and column (not where the parser gave up)."""
    assert _messages(minimal_tree, slip.rel, slip.old, slip.new) == [slip.after]
    assert slip.before != slip.after


_KEY_LINE = re.compile(r"^( *)(- )?([a-z_]+): (\S.*)?$")
_MUTATIONS = {  # slip → (how to make it on a `key: value` line, words its message must have)
    "全角冒号": (lambda ln: ln.replace(": ", "：", 1), "全角冒号"),
    "冒号后缺空格": (lambda ln: ln.replace(": ", ":", 1), "少了一个空格"),
    "引号未闭合": (lambda ln: ln.replace(": ", ': "', 1), "没有配对的结束引号"),
    "缩进多一格": (lambda ln: " " + ln, "多了一个空格"),
}


@pytest.mark.parametrize("rel", ["sectors/hazardous-chemicals/sector.yml",
                                 *(f"sectors/hazardous-chemicals/enterprises/sample-chem-{x}.yml" for x in "abc")])
def test_each_slip_on_every_line_of_real_files_is_told_on_its_line(rel: str) -> None:
    """Not only the fixture: each slip made on every `key: value` line of real content files
    (outside text blocks) is reported on that very line, with the slip's own words."""
    from zhinan.content import parse

    lines = (EDITION / rel).read_text(encoding="utf-8").split("\n")
    tried = 0
    for n, line in enumerate(lines):
        m = _KEY_LINE.match(line)
        if not m or not m.group(4) or m.group(4)[0] in "|>[\"'" or n <= 1:
            continue
        for name, (make, words) in _MUTATIONS.items():
            if m.group(2) and name in ("冒号后缺空格", "缩进多一格"):
                # `- title:text` is valid YAML (a list of text; the model check reports it), and a
                # list's first "- " one space off moves the list: its next line is then reported.
                continue
            problems: list[Problem] = []
            parse.parse_yaml(rel, "\n".join([*lines[:n], make(line), *lines[n + 1:]]), problems)
            assert len(problems) == 1, (name, n + 1)
            assert (problems[0].line, words in problems[0].message) == (n + 1, True), (name, problems[0].text())
            tried += 1
    assert tried >= 30


def test_duplicate_id_suggests_next_free_number(minimal_tree: Path) -> None:
    path = minimal_tree / C
    path.write_text(path.read_text(encoding="utf-8") + "  - id: DM-001\n    aspect: 基础管理\n    item: 项目\n"
                    "    content: 内容\n  - id: DM-007\n    aspect: 基础管理\n    item: 项目\n    content: 内容\n"
                    "  - id: DM-007\n    aspect: 基础管理\n    item: 项目\n    content: 内容\n", encoding="utf-8")
    assert [p.text() for p in collect(minimal_tree)[1]] == [
        "sectors/demo/checklist.yml:18:5: 错误: 检查项编号“DM-001”重复，已在 sectors/demo/checklist.yml:2 使用；"
        "编号在全市必须唯一。建议改为 DM-008（本行业下一个未用的编号）",
        "sectors/demo/checklist.yml:26:5: 错误: 检查项编号“DM-007”重复，已在 sectors/demo/checklist.yml:22 使用；"
        "编号在全市必须唯一。建议改为 DM-009（本行业下一个未用的编号）",
    ]


# ---- Placeholders ----------------------------------------------------------------------------


def _check(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--root", str(root), *args], env={"CI": "", **(env or {})})
    return result.exit_code, result.stdout + result.stderr


def test_new_file_fails_strict_check_until_placeholders_are_replaced(minimal_tree: Path) -> None:
    made = CliRunner().invoke(main, ["new", "enterprise", "demo", "new-co", "--name", "新企业", "--county", "丰泽区",
                                     "--level", "市级", "--root", str(minimal_tree)])
    assert made.exit_code == 0, made.output
    rel = "sectors/demo/enterprises/new-co.yml"
    expected = [
        f"{rel}:19:3: {{}}: 字段“summary”（企业简介）还是 zhinan new 写入的占位文字“待填写：企业概况（主要产品、规模）和标准化运行…”，发布前必须改写成正式内容",
        f"{rel}:23:12: {{}}: 字段“title”（做法名称）还是 zhinan new 写入的占位文字“待填写：用一句话概括这项典型做法”，发布前必须改写成正式内容",
        f"{rel}:30:7: {{}}: 字段“body”（做法说明）还是 zhinan new 写入的占位文字“待填写：这项做法具体怎么做，谁负责，多久做一次。”，发布前必须改写成正式内容",
    ]
    code, out = _check(minimal_tree)
    assert code == 0
    assert [ln for ln in out.splitlines() if ": 警告: " in ln] == [e.format("警告") for e in expected]
    assert "另有 3 处占位文字（警告），发布前必须改写。" in out
    for args, env in ((["--strict"], None), ([], {"CI": "true"})):
        code, out = _check(minimal_tree, *args, env=env)
        assert code == 1
        assert out.splitlines()[:3] == [e.format("错误") for e in expected]
    code, out = _check(minimal_tree, "--format", "github")
    assert code == 1 and out.count("::error file=sectors/demo/enterprises/new-co.yml") == 3
    path = minimal_tree / rel
    text = path.read_text(encoding="utf-8")
    for placeholder, real in (("待填写：企业概况（主要产品、规模）和标准化运行的特点。", "生产汽车零部件，员工 300 人。"),
                              ("待填写：用一句话概括这项典型做法", "班前五分钟安全讲话"),
                              ("待填写：这项做法具体怎么做，谁负责，多久做一次。", "班组长每天班前讲当天的风险。")):
        assert placeholder in text
        text = text.replace(placeholder, real)
    path.write_text(text, encoding="utf-8")
    assert _check(minimal_tree, "--strict") == (0, "内容检查通过：1 个行业，2 个检查项。\n")


# ---- Images ----------------------------------------------------------------------------------


def _use_image(root: Path, name: str) -> None:
    path = root / E
    path.write_text(path.read_text(encoding="utf-8").replace("images/pic.svg", name), encoding="utf-8")


def _photo(width: int, height: int) -> Image.Image:
    """Photo-like pixels: large soft shapes with fine sensor noise (plain noise would not compress at all)."""
    shapes = Image.effect_noise((width // 16, height // 16), 80).resize((width, height), Image.Resampling.BICUBIC)
    return Image.blend(shapes, Image.effect_noise((width, height), 12), 0.35).convert("RGB")


def test_oversize_photo_refused_with_its_size_and_what_to_do(minimal_tree: Path) -> None:
    photo = minimal_tree / "sectors/demo/images/photo.jpg"
    # A camera picture of 3000 × 2250 pixels, saved at quality 92 (a phone's own is 4032 × 3024).
    _photo(3000, 2250).save(photo, quality=92)
    size = photo.stat().st_size
    assert size > MAX_IMAGE_BYTES
    _use_image(minimal_tree, "images/photo.jpg")
    assert [p.text() for p in collect(minimal_tree)[1]] == [
        f"{E}:14:9: 错误: 图片 sectors/demo/images/photo.jpg 有 3000×2250 像素、{size / 1024 / 1024:.2f} MB，"
        "超过每张图的上限（长边 2000 像素、1 MB）：印在 A4 页上最宽 17 厘米，2000 像素已够清晰打印。"
        "请运行 zhinan images --fix 就地缩小，或用画图软件的“调整大小”把长边缩到 2000 像素以内、照片另存为 JPG（质量 85），"
        "再替换这个文件"
    ]
    with Image.open(photo) as im:
        im.resize((2000, 1500)).save(photo, quality=85)
    assert photo.stat().st_size < MAX_IMAGE_BYTES
    assert collect(minimal_tree)[1] == []


def test_image_limits_follow_from_a4_at_300_dpi() -> None:
    text_block_mm = 210 - 2 * 20  # print.css: A4 with 20 mm left and right margins
    assert abs(text_block_mm / 25.4 * 300 - MAX_IMAGE_PX) < 0.01 * MAX_IMAGE_PX
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert f"长边不超过 {MAX_IMAGE_PX} 像素" in guide and f"不超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB" in guide


@pytest.mark.parametrize(("name", "suggested"), [
    ("images/风险 图.svg", "images/sample-a-1.svg"),
    ("images/Risk Map_2.SVG", "images/risk-map-2.svg"),
])
def test_bad_image_name_refused_with_a_suggested_name(minimal_tree: Path, name: str, suggested: str) -> None:
    images = minimal_tree / "sectors/demo/images"
    shutil.copy(images / "pic.svg", images / PurePath(name).name)
    _use_image(minimal_tree, name)
    assert [p.text() for p in collect(minimal_tree)[1]] == [
        f"{E}:14:9: 错误: 图片文件名“{name}”只能用小写字母、数字和连字符（不能有空格、汉字或大写字母）。"
        f"建议改为“{suggested}”：把文件改名，再把这里的路径改成新名字（zhinan images --fix 可以一并改好）"
    ]
    (images / PurePath(name).name).rename(minimal_tree / "sectors/demo" / suggested)
    ent = minimal_tree / E
    ent.write_text(ent.read_text(encoding="utf-8").replace(name, suggested), encoding="utf-8")
    assert collect(minimal_tree)[1] == []


def _images(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["images", "--root", str(root), *args])
    return result.exit_code, result.stderr


def test_images_fix_shrinks_turns_upright_and_renames_in_place(minimal_tree: Path) -> None:
    images = minimal_tree / "sectors/demo/images"
    photo = images / "现场 照片.JPG"
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: show the 3000 × 2250 pixels turned a quarter
    _photo(3000, 2250).save(photo, "JPEG", quality=92, exif=exif)
    _use_image(minimal_tree, "images/现场 照片.JPG")
    assert len(collect(minimal_tree)[1]) == 2  # too large, and a bad name

    code, out = _images(minimal_tree)
    assert code == 1
    assert "需要改名 sectors/demo/images/现场 照片.JPG → images/sample-a-1.jpg，并改好引用它的 src" in out
    assert photo.is_file(), "without --fix nothing is changed"

    code, out = _images(minimal_tree, "--fix")
    assert code == 0, out
    fixed = images / "sample-a-1.jpg"
    assert not photo.exists() and fixed.is_file()
    with Image.open(fixed) as im:
        assert im.size == (1500, 2000)
    assert fixed.stat().st_size <= MAX_IMAGE_BYTES
    assert "      - src: images/sample-a-1.jpg\n" in (minimal_tree / E).read_text(encoding="utf-8")
    assert collect(minimal_tree)[1] == []
    assert _images(minimal_tree) == (0, "图片都符合要求（长边不超过 2000 像素、不超过 1 MB、文件名合规）。\n")


def test_images_fix_turns_a_png_photo_into_a_jpeg(minimal_tree: Path) -> None:
    _photo(1400, 1050).save(minimal_tree / "sectors/demo/images/site-photo.png")
    _use_image(minimal_tree, "images/site-photo.png")
    assert (minimal_tree / "sectors/demo/images/site-photo.png").stat().st_size > MAX_IMAGE_BYTES
    assert _images(minimal_tree, "--fix")[0] == 0
    assert "src: images/site-photo.jpg" in (minimal_tree / E).read_text(encoding="utf-8")
    assert collect(minimal_tree)[1] == []


# ---- CONTRIBUTING.md -------------------------------------------------------------------------


def test_contributing_quotes_the_real_messages(tmp_path: Path) -> None:
    """Every message quoted in the troubleshooting section is what `zhinan check` prints today, and
    every slip above is quoted there."""
    produced = {s.after for s in SLIPS}
    for n, (rel, old, new) in enumerate(DOCUMENTED_MISTAKES):
        root = tmp_path / str(n)
        shutil.copytree(FIXTURES / "minimal", root)
        (message,) = _messages(root, rel, old, new)
        produced.add(message)
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r"^sectors/\S+:\d+:\d+: 错误: .*(?:\n  .*)*$", guide, flags=re.MULTILINE))
    assert quoted == produced


def test_contributing_gives_each_file_kind_its_schema_line() -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for kind, depth, example in (("guide", 1, "guides/guide.yml"), ("sector", 2, "sectors/mining/sector.yml"),
                                 ("checklist", 2, "sectors/mining/checklist.yml"),
                                 ("enterprise", 3, "sectors/hazardous-chemicals/enterprises/sample-chem-a.yml")):
        line = schema_line(kind, depth)
        assert f"`{line}`" in guide
        assert (REPO / example).read_text(encoding="utf-8").splitlines()[0] == line
