"""A department's legitimate pull request passes every check CI runs on content (issue 29).

In a copy of the repository (the frozen edition, the verified reference/, the committed schemas and
CODEOWNERS), the changes departments really make: a new checklist item imported from the edited
workbook and one typed into checklist.yml, a new (non-sample) benchmark enterprise from
`zhinan new enterprise`, a new sector from `zhinan new sector` with its placeholders written, and an
edited hazard. Then CI's steps (.github/workflows/pull-request.yml): `zhinan check --strict --format
github`, `zhinan schema --check`, `zhinan codeowners --check` and a build of the site, data and
sheets. All green, with nothing else to edit: no test over the live content can turn it red.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import EDITION, REPO
from zhinan import sheets
from zhinan.content.validate import load_content
from zhinan.sheets.workbook import CHECKLIST_HEAD_ROW

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

NEW_ITEM = "进入有限空间作业前，严格执行“先通风、再检测、后作业”，并设专人监护。"


def zhinan(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "zhinan", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The repository as a department clones it: content, reference/, schemas/ and CODEOWNERS."""
    root = tmp_path / "repo"
    shutil.copytree(EDITION, root, ignore=shutil.ignore_patterns("README.md"))
    for folder in ("reference", "schemas"):
        shutil.copytree(REPO / folder, root / folder)
    ok(zhinan(root, "codeowners"))  # committed current for this content, as on main
    return root


def write_placeholders(path: Path) -> None:
    """What a clerk does after `zhinan new`: write real words where it left "待填写：…"."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"待填写：", "", text), encoding="utf-8")


def import_a_new_row(root: Path, tmp_path: Path) -> None:
    """The construction checklist edited in Excel: one new row, its 编号 left blank, then imported."""
    ok(zhinan(root, "build", "--only", "sheets", "-j", "1", "-q", "--out", str(tmp_path / "export")))
    book = tmp_path / "export" / "sheets" / "construction.xlsx"
    wb = load_workbook(book)
    ws = wb[sheets.CHECKLIST_SHEET]
    row = CHECKLIST_HEAD_ROW + 1
    while ws.cell(row, 2).value:
        row += 1
    for col, value in enumerate([row - CHECKLIST_HEAD_ROW, None, "作业现场", "有限空间作业", NEW_ITEM,
                                 "《中华人民共和国安全生产法》", "现场检查"], start=1):
        ws.cell(row, col, value)
    edited = tmp_path / "construction-edited.xlsx"
    wb.save(edited)
    out = ok(zhinan(root, "import-sheet", str(edited), "--sector", "construction"))
    assert "新增 1 项" in out


def type_a_new_item(root: Path) -> None:
    """A new item typed into urban-gas's checklist.yml, numbered after the highest in use."""
    path = root / "sectors/urban-gas/checklist.yml"
    ids = re.findall(r"id: (RQ-\d+)", path.read_text(encoding="utf-8"))
    new = f"RQ-{max(int(i[3:]) for i in ids) + 1:03d}"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"  - id: {new}\n    aspect: 作业行为\n    element: 现场管理\n    item: 户内燃气设施安检\n"
                "    content: 按规定周期入户安检，发现隐患书面告知用户并跟踪整改。\n    method: 查阅资料\n"
                "    basis:\n      - 《城镇燃气管理条例》\n    hazards:\n      - text: 未按规定周期入户安检。\n"
                "        level: 一般\n")


def add_an_enterprise(root: Path) -> None:
    ok(zhinan(root, "new", "enterprise", "construction", "qz-build-a", "--name", "泉州测试建设工程有限公司",
              "--county", "泉港区", "--level", "县级"))
    write_placeholders(root / "sectors/construction/enterprises/qz-build-a.yml")


def add_a_sector(root: Path) -> None:
    ok(zhinan(root, "new", "sector", "special-equipment", "--name", "特种设备", "--department", "市市场监督管理局",
              "--prefix", "TSE"))
    for name in ("sector.yml", "checklist.yml"):
        write_placeholders(root / "sectors/special-equipment" / name)


def edit_a_hazard(root: Path) -> None:
    path = root / "sectors/construction/checklist.yml"
    text = path.read_text(encoding="utf-8")
    old = re.search(r"      - text: (.+)\n        level: 一般\n", text)
    assert old is not None
    path.write_text(text.replace(old.group(0), "      - text: 劳保用品无合格证明，未建立发放台账。\n        level: 一般\n", 1),
                    encoding="utf-8")


def test_realistic_changes_pass_every_check_ci_runs(repo: Path, tmp_path: Path) -> None:
    import_a_new_row(repo, tmp_path)
    type_a_new_item(repo)
    add_an_enterprise(repo)
    add_a_sector(repo)
    edit_a_hazard(repo)
    content = load_content(repo)
    assert content.sector("special-equipment").enterprises == ()
    assert any(it.content == NEW_ITEM for it in content.sector("construction").items)
    assert "::error" not in ok(zhinan(repo, "check", "--strict", "--format", "github"))
    ok(zhinan(repo, "schema", "--check"))
    ok(zhinan(repo, "codeowners", "--check"))
    ok(zhinan(repo, "build", "--only", "site,data,sheets", "-j", "1", "-q"))
    assert (repo / "build/site/sectors/special-equipment/index.html").is_file()


# How a test reads the live content: the repository's root handed to a loader or a build, or a path
# into its sectors/ or guides/. Tests read tests/fixtures/edition (conftest.EDITION) instead.
LIVE = re.compile(r"\b(?:load_content|collect|build_site|build_stages|copy_content|run_mkdocs|_content_files|yaml_hazards"
                  r"|yaml_major_criteria|build)\(\s*(?:root=)?REPO\s*[,)]|\bREPO\s*/\s*\"(?:sectors|guides)\b")


def test_no_test_reads_the_live_content() -> None:
    """A department's correct change to sectors/ or guides/ cannot turn a test red."""
    found = [f"{path.name}:{path.read_text(encoding='utf-8')[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
             for path in sorted((REPO / "tests").glob("*.py")) for m in LIVE.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
