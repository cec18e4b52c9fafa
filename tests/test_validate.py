"""One small invalid content tree per validation rule, with the exact message and position."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhinan.content.validate import collect


def problems_of(root: Path) -> list[str]:
    content, problems = collect(root)
    assert (content is None) == bool(problems)
    return [p.text() for p in problems]


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


ENTERPRISE = """\
id: sample-a
name: 示例企业甲（示例）
county: 丰泽区
level: 市级
summary: 示例企业。
practices:
  - title: 责任清单上墙
    aspect: 基础管理
    items: [DM-001]
    body: 按岗位编制责任清单。
"""

CASES: dict[str, tuple[str, str | bytes, str]] = {
    "yaml syntax": (
        "sectors/demo/sector.yml",
        "id: demo\nname: [示例\n",
        "sectors/demo/sector.yml:2:7: 错误: 这里开始的“[”没有配对的“]”；写在一行里的列表要以“]”结束，如 [DM-001, DM-002]\n"
        "  YAML 解析器：读取方括号列表时，找不到“,”或“]”（第 3 行第 1 列）",
    ),
    "duplicate key": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE + "county: 石狮市\n",
        "sectors/demo/enterprises/sample-a.yml:11:1: 错误: 字段“county”重复（第 3 行已出现）；"
        "YAML 只会保留后一个值，请删除或合并其中一个",
    ),
    "unknown field with hint": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("county:", "conty:"),
        "sectors/demo/enterprises/sample-a.yml:3:1: 错误: 未知字段“conty”。是否想写“county”？允许的字段："
        "“id”、“name”、“county”、“level”、“year”、“sample”、“summary”、“practices”",
    ),
    "missing required field": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("level: 市级\n", ""),
        "sectors/demo/enterprises/sample-a.yml:1:1: 错误: 缺少必填字段“level”（标杆级别）：市级或县级标杆企业。",
    ),
    "wrong type int": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE + "year: 二〇二一\n",
        "sectors/demo/enterprises/sample-a.yml:11:7: 错误: 字段“year”（遴选年份）应为整数（不加引号），这里是“二〇二一”",
    ),
    "wrong type list": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("items: [DM-001]", "items: DM-001"),
        "sectors/demo/enterprises/sample-a.yml:9:12: 错误: 字段“items”（对应检查项）应为列表（每行以“- ”开头），这里是单个值",
    ),
    "wrong type bool as text": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("county: 丰泽区", "county: yes"),
        "sectors/demo/enterprises/sample-a.yml:3:9: 错误: 字段“county”（所在县（市、区））应为文本，这里是“yes”；如确实要写这个词，请加引号",
    ),
    "enum": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("level: 市级", "level: 省级"),
        "sectors/demo/enterprises/sample-a.yml:4:8: 错误: 字段“level”（标杆级别）的值“省级”不在允许范围内。"
        "是否想写“市级”？应为：“市级”、“县级”",
    ),
    "empty required string": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("summary: 示例企业。", "summary: '  '"),
        "sectors/demo/enterprises/sample-a.yml:5:10: 错误: 字段“summary”（企业简介）不能为空",
    ),
    "null required": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("summary: 示例企业。", "summary:"),
        "sectors/demo/enterprises/sample-a.yml:5:9: 错误: 字段“summary”（企业简介）不能为空",
    ),
    "enterprise id vs file name": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("id: sample-a", "id: sample-b"),
        "sectors/demo/enterprises/sample-a.yml:1:1: 错误: 企业编号“sample-b”应与文件名“sample-a.yml”相同",
    ),
    "id pattern": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("id: sample-a", "id: Sample_A"),
        "sectors/demo/enterprises/sample-a.yml:1:5: 错误: 字段“id”（编号）的值“Sample_A”格式不对："
        "与文件名相同，只用小写字母、数字和连字符。例如“sample-chem-a”",
    ),
    "practice item missing": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("items: [DM-001]", "items: [DM-009]"),
        "sectors/demo/enterprises/sample-a.yml:9:13: 错误: 做法“责任清单上墙”引用的检查项“DM-009”在本行业检查清单中不存在。"
        "它可能已从检查清单中删除或改了编号：请从本做法的 items 中删去它，或改为本行业现有的编号。",
    ),
    "raw html": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("body: 按岗位编制责任清单。", "body: |\n      按岗位编制。\n      <script>alert(1)</script>"),
        "sectors/demo/enterprises/sample-a.yml:12:7: 错误: 字段“body”（做法说明）含有不允许的 HTML 或脚本“<script”；"
        "请只用 Markdown 书写（链接写成 [文字](https://…)，不要用 <标签> 或 javascript:）",
    ),
    "javascript link": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("summary: 示例企业。", "summary: 见[官网](javascript:alert(1))"),
        "sectors/demo/enterprises/sample-a.yml:5:16: 错误: 字段“summary”（企业简介）的链接地址“javascript:alert(1)”不允许："
        "链接只能是相对路径，或以 http:、https:、mailto: 开头的地址",
    ),
    "anchors and aliases": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE.replace("summary: 示例企业。", "summary: &s 示例企业。") + "  - title: 复制\n    aspect: 基础管理\n    body: *s\n",
        "sectors/demo/enterprises/sample-a.yml:5:10: 错误: 不允许使用 YAML 锚点（&）和别名（*），请把内容直接写出来",
    ),
    "not utf-8": (
        "sectors/demo/sector.yml",
        "id: demo\nname: 示例\n".encode("gbk"),
        "sectors/demo/sector.yml:2:9: 错误: 文件不是 UTF-8 编码（第 17 字节无法解码），请用 UTF-8 另存（不要用 GBK/GB2312）",
    ),
    "file too large": (
        "sectors/demo/sector.yml",
        "# " + "x" * (2 * 1024 * 1024) + "\n",
        "sectors/demo/sector.yml:1:1: 错误: 文件过大（2048 KiB），内容文件不能超过 2 MiB，请拆分或删减",
    ),
    "empty file": (
        "sectors/demo/sector.yml",
        "# 空\n",
        "sectors/demo/sector.yml:1:1: 错误: 文件是空的，请按模板填写内容",
    ),
    "sector folder without sector.yml": (
        "sectors/orphan/checklist.yml",
        "items: []\n",
        "sectors/orphan/:1:1: 错误: 行业文件夹缺少 sector.yml：请用 zhinan new sector orphan 创建",
    ),
    "image missing": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE + "    images:\n      - src: images/none.png\n        caption: 无\n",
        "sectors/demo/enterprises/sample-a.yml:12:9: 错误: 图片文件 sectors/demo/images/none.png 不存在",
    ),
    "image format": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE + "    images:\n      - src: images/pic.gif\n        caption: 动图\n",
        "sectors/demo/enterprises/sample-a.yml:12:9: 错误: 图片“images/pic.gif”格式不支持，应为 png、jpg 或 svg",
    ),
    "image leaves sector folder": (
        "sectors/demo/enterprises/sample-a.yml",
        ENTERPRISE + "    images:\n      - src: ../other/images/pic.png\n        caption: 越界\n",
        "sectors/demo/enterprises/sample-a.yml:12:9: 错误: 图片路径“../other/images/pic.png”应为相对于行业文件夹的路径，"
        "如 images/示意图.png，不能跳出行业文件夹",
    ),
    "item id prefix": (
        "sectors/demo/checklist.yml",
        "items:\n  - id: XX-001\n    aspect: 基础管理\n    item: 项目\n    content: 内容\n",
        "sectors/demo/checklist.yml:2:5: 错误: 检查项编号“XX-001”应以本行业前缀“DM-”开头，后接至少三位数字，如“DM-001”",
    ),
    "sector id vs folder": (
        "sectors/demo/sector.yml",
        "id: other\nname: 示例行业\ndepartment: 局\nprefix: DM\nkey: true\norder: 1\nsummary: 概述\n",
        "sectors/demo/sector.yml:1:1: 错误: 行业编号“other”应与文件夹名“demo”相同",
    ),
    "date format": (
        "guides/guide.yml",
        "title: 指南\nissuer: 单位\nedition: 2021年版\ndate: 2021年12月\nchapters: [01-intro.md]\n",
        "guides/guide.yml:4:7: 错误: 字段“date”（发布日期）应为 YYYY-MM-DD 格式的日期，如 2021-12-31，这里是“2021年12月”",
    ),
    "chapter missing": (
        "guides/guide.yml",
        "title: 指南\nissuer: 单位\nedition: 2021年版\ndate: 2021-12-31\nchapters: [01-intro.md, 02-none.md]\n",
        "guides/guide.yml:1:1: 错误: 章节文件 guides/02-none.md 不存在",
    ),
    "chapter not listed": (
        "guides/09-extra.md",
        "# 附加\n",
        "guides/09-extra.md:1:1: 错误: 该章节没有列入 guides/guide.yml 的 chapters，不会发布；请加入或删除",
    ),
    "chapter raw html": (
        "guides/01-intro.md",
        "# 总则\n\n正文<iframe src=x></iframe>\n",
        "guides/01-intro.md:3:3: 错误: 章节含有不允许的 HTML 或脚本“<iframe”；请只用 Markdown 书写"
        "（链接写成 [文字](https://…)，不要用 <标签> 或 javascript:）",
    ),
    "empty required list": (
        "sectors/demo/checklist.yml",
        "items: []\n",
        "sectors/demo/checklist.yml:1:8: 错误: 字段“items”（检查项）至少要有一项",
    ),
    "non-yml file in enterprises": (
        "sectors/demo/enterprises/notes.txt",
        "备忘",
        "sectors/demo/enterprises/notes.txt:1:1: 错误: enterprises/ 下只应有 .yml 文件，每家企业一个",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule(minimal_tree: Path, case: str) -> None:
    rel, text, expected = CASES[case]
    write(minimal_tree, rel, text)
    assert expected in problems_of(minimal_tree)


def test_duplicate_item_id_across_sectors(minimal_tree: Path) -> None:
    other = minimal_tree / "sectors/other"
    write(minimal_tree, "sectors/other/sector.yml",
          "id: other\nname: 另一行业\ndepartment: 局\nprefix: OT\nkey: false\norder: 2\nsummary: 概述\n")
    write(minimal_tree, "sectors/other/checklist.yml",
          "items:\n  - id: DM-001\n    aspect: 基础管理\n    item: 项目\n    content: 内容\n")
    assert other.is_dir()
    found = problems_of(minimal_tree)
    assert ("sectors/other/checklist.yml:2:5: 错误: 检查项编号“DM-001”重复，已在 sectors/demo/checklist.yml:2 使用；"
            "编号在全市必须唯一。建议改为 OT-001（本行业下一个未用的编号）") in found


def test_duplicate_prefix(minimal_tree: Path) -> None:
    write(minimal_tree, "sectors/other/sector.yml",
          "id: other\nname: 另一行业\ndepartment: 局\nprefix: DM\nkey: false\norder: 2\nsummary: 概述\n")
    write(minimal_tree, "sectors/other/checklist.yml",
          "items:\n  - id: DM-101\n    aspect: 基础管理\n    item: 项目\n    content: 内容\n")
    assert ("sectors/other/sector.yml:1:1: 错误: 编号前缀“DM”已被 sectors/demo/sector.yml 使用，每个行业的前缀必须不同"
            in problems_of(minimal_tree))


def test_alias_bomb_is_refused_quickly(minimal_tree: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    write(minimal_tree, "sectors/demo/sector.yml", "\n".join(lines) + "\n")
    found = problems_of(minimal_tree)
    assert [p for p in found if p.startswith("sectors/demo/sector.yml")] == [
        f"sectors/demo/sector.yml:{n}:{len(f'a{n}: ') + 1}: 错误: 不允许使用 YAML 锚点（&）和别名（*），请把内容直接写出来"
        for n in range(1, 10)
    ]


def test_all_problems_are_collected_and_sorted(minimal_tree: Path) -> None:
    write(minimal_tree, "sectors/demo/enterprises/sample-a.yml",
          ENTERPRISE.replace("level: 市级", "level: 省级").replace("county: 丰泽区", "conty: 丰泽区"))
    write(minimal_tree, "guides/guide.yml", "title: 指南\n")
    found = problems_of(minimal_tree)
    assert found == sorted(found, key=lambda s: (s.split(":")[0], int(s.split(":")[1]), int(s.split(":")[2])))
    assert len(found) >= 6  # 4 missing guide fields + the unknown and the out-of-range field


def test_minimal_tree_is_valid(minimal_tree: Path) -> None:
    content, problems = collect(minimal_tree)
    assert problems == []
    assert content is not None
    (sector,) = content.sectors
    assert [it.id for it in sector.items] == ["DM-001", "DM-002"]
    assert sector.items[0].hazards[0].level == "重大"
    assert sector.enterprises[0].practices[0].images[0].src == "images/pic.svg"
    assert content.chapters[0].title == "总则"
