"""Content rules that lived only in tests over the live content now speak in `zhinan check`: each
one made on a copy of the frozen edition is reported at the line where it was made, in Chinese,
with the fix (issue 29)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import EDITION, REPO
from zhinan.content import rules
from zhinan.content.validate import collect

ENT = "sectors/construction/enterprises/sample-construction-a.yml"
SECTOR = "sectors/construction/sector.yml"
CHECKLIST = "sectors/construction/checklist.yml"


@pytest.fixture
def edition(tmp_path: Path) -> Path:
    """A writable copy of the frozen edition, with the repository's verified reference/ beside it."""
    root = tmp_path / "repo"
    shutil.copytree(EDITION, root)
    shutil.copytree(REPO / "reference", root / "reference")
    return root


def edit(root: Path, rel: str, old: str, new: str, first: bool = False) -> None:
    """Replace `old` (which must be there once, or at least once if only the `first` is meant)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1 or (first and old in text), old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(root: Path) -> list[str]:
    _, found = collect(root)
    return [p.text() for p in found]


def test_the_edition_with_its_reference_passes(edition: Path) -> None:
    assert problems(edition) == []


def test_sample_without_the_sample_mark_in_its_name(edition: Path) -> None:
    edit(edition, ENT, "name: 晋江某建工集团有限公司（示例）", "name: 晋江某建工集团有限公司")
    assert problems(edition) == [
        f"{ENT}:3:1: 错误: 示例企业（sample: true）的名称必须以全角括号的“（示例）”结尾，请改为“晋江某建工集团有限公司（示例）”；"
        "如果这是一家真实企业，请删去“sample: true”这一行"]


def test_sample_mark_in_half_width_brackets(edition: Path) -> None:
    edit(edition, ENT, "name: 晋江某建工集团有限公司（示例）", "name: 晋江某建工集团有限公司(示例)")
    assert problems(edition) == [
        f"{ENT}:3:1: 错误: 示例企业（sample: true）的名称必须以全角括号的“（示例）”结尾，请改为“晋江某建工集团有限公司（示例）”；"
        "如果这是一家真实企业，请删去“sample: true”这一行"]


def test_sample_name_without_sample_true(edition: Path) -> None:
    edit(edition, ENT, "sample: true\n", "")
    assert problems(edition) == [
        f"{ENT}:3:1: 错误: 名称以“（示例）”结尾，却没有写“sample: true”：虚构的示例企业请在文件中加一行“sample: true”；"
        "真实企业请删去名称末尾的“（示例）”"]


def test_a_real_enterprise_needs_neither_mark_nor_items(edition: Path) -> None:
    edit(edition, ENT, "name: 晋江某建工集团有限公司（示例）", "name: 晋江某建工集团有限公司")
    edit(edition, ENT, "sample: true\n", "")
    edit(edition, ENT, "    items: [JZ-005, JZ-015, JZ-017]\n", "")
    assert problems(edition) == []


def test_sample_practice_without_items_is_a_warning(edition: Path) -> None:
    edit(edition, ENT, "    items: [JZ-005, JZ-015, JZ-017]\n", "")
    assert problems(edition) == []
    content, _ = collect(edition)
    assert content is not None
    assert [p.text() for p in rules.advice(edition, content)] == [
        f"{ENT}:11:5: 警告: 示例企业的做法“危大工程“一单一牌四卡”管理”没有写对应检查项：示例企业是用来演示做法与检查项如何对应的，"
        "请加一行“items:”列出本行业检查清单中与它对应的编号，如“items: [JZ-001]”"]


UNSOURCED = ("不在 reference/ 核实过的资料中：只引用能查证的标准和文件。如果编号无误，请把它加入 guides/standards.yml"
             "（每条写明 sector、code、title 和 source：发布机关、日期和网址），与本次修改一起提交，由审核人核对；"
             "否则请改正或删去这个编号")


def test_unsourced_code_in_a_sector_basis(edition: Path) -> None:
    edit(edition, SECTOR, "  - title: 企业安全生产标准化建设定级办法\n",
         "  - title: 施工现场临时用电安全技术规范\n    code: GB 50194-2014\n  - title: 企业安全生产标准化建设定级办法\n")
    assert problems(edition) == [f"{SECTOR}:24:11: 错误: 依据中的编号“GB 50194-2014”{UNSOURCED}"]


def test_unsourced_jgj_code_in_an_item_basis(edition: Path) -> None:
    edit(edition, CHECKLIST, "      - GB/T 33000-2016《企业安全生产标准化基本规范》\n    hazards:\n",
         "      - GB/T 33000-2016《企业安全生产标准化基本规范》\n      - JGJ 59-2011《建筑施工安全检查标准》\n    hazards:\n", first=True)
    found = problems(edition)
    assert found == [f"{CHECKLIST}:12:9: 错误: 依据中的编号“JGJ 59-2011”{UNSOURCED}"]


def test_a_code_a_department_adds_with_its_source_is_accepted(edition: Path) -> None:
    """The city's verified set (reference/) stays as the office keeps it; a department lists a new
    standard in guides/standards.yml with where it was read, and only an entry with a source counts."""
    edit(edition, CHECKLIST, "      - GB/T 33000-2016《企业安全生产标准化基本规范》\n    hazards:\n",
         "      - GB/T 33000-2016《企业安全生产标准化基本规范》\n      - JGJ 59-2011《建筑施工安全检查标准》\n    hazards:\n", first=True)
    listed = edition / "guides/standards.yml"
    listed.write_text("- sector: 建筑施工\n  code: JGJ 59-2011\n  title: 建筑施工安全检查标准\n", encoding="utf-8")
    assert len(problems(edition)) == 1  # no source: not yet sourced
    listed.write_text(listed.read_text(encoding="utf-8") + "  source: 住房和城乡建设部公告，2011-12-07，https://www.mohurd.gov.cn/\n",
                      encoding="utf-8")
    assert problems(edition) == []


@pytest.mark.parametrize(("county", "tip"), [
    ("泉港", "是否想写“泉港区”？"),
    ("丰择区", "是否想写“丰泽区”？"),
    ("泉州市", "应为其中之一：鲤城区、丰泽区、洛江区、泉港区、石狮市、晋江市、南安市、惠安县、安溪县、永春县、德化县、金门县、"
             "泉州台商投资区、泉州经济技术开发区。"),
])
def test_county_outside_the_city_list(edition: Path, county: str, tip: str) -> None:
    edit(edition, ENT, "county: 晋江市", f"county: {county}")
    assert problems(edition) == [
        f"{ENT}:4:1: 错误: 所在县（市、区）“{county}”不在 guides/guide.yml 的 counties 列表中。{tip}"
        "请写县（市、区）的全称；确是新设的县区，请先把它加入 guides/guide.yml 的 counties"]


def test_every_county_of_the_list_is_accepted(edition: Path) -> None:
    edit(edition, ENT, "county: 晋江市", "county: 泉州台商投资区")
    assert problems(edition) == []


def test_a_deleted_item_is_not_mistaken_for_a_neighbour(edition: Path) -> None:
    path = edition / CHECKLIST
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("  - id: JZ-026")], encoding="utf-8")
    assert problems(edition) == [
        f"{ENT}:27:29: 错误: 做法“实名制进场与班前“三分钟”讲话”引用的检查项“JZ-026”在本行业检查清单中不存在。"
        "它可能已从检查清单中删除或改了编号：请从本做法的 items 中删去它，或改为本行业现有的编号。"]


@pytest.mark.parametrize(("typed", "meant"), [("jz-026", "JZ-026"), ("JZ-26", "JZ-026"), ("JZ026", "JZ-026")])
def test_a_mistyped_item_id_is_told_what_was_meant(edition: Path, typed: str, meant: str) -> None:
    edit(edition, ENT, "items: [JZ-007, JZ-025, JZ-026]", f"items: [JZ-007, JZ-025, {typed}]")
    (found,) = problems(edition)
    assert found.startswith(f"{ENT}:27:29: 错误: ") and found.endswith(f"不存在。是否想写“{meant}”？")


def test_one_digit_away_is_another_item_not_a_typo(minimal_tree: Path) -> None:
    """DM-012 (deleted) is one digit from DM-002 and from nothing else: still no guess, as another
    number is another item."""
    ent = minimal_tree / "sectors/demo/enterprises/sample-a.yml"
    ent.write_text(ent.read_text(encoding="utf-8").replace("items: [DM-001]", "items: [DM-012]"), encoding="utf-8")
    assert problems(minimal_tree) == [
        "sectors/demo/enterprises/sample-a.yml:11:13: 错误: 做法“责任清单上墙”引用的检查项“DM-012”在本行业检查清单中不存在。"
        "它可能已从检查清单中删除或改了编号：请从本做法的 items 中删去它，或改为本行业现有的编号。"]
