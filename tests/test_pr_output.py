"""What a pull request's author reads (issue 29): at most 10 annotations and a summary line saying
how many problems there are and where the full list is; `zhinan serve` saying its address; the
changelog speaking of editions, not git refs, and listing reorders."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES
from zhinan.commands.changelog import compare, moved, render, snapshot
from zhinan.content.validate import load_content

ENTERPRISE = ("id: {id}\nname: 企业{n}（示例）\ncounty: 丰泽区\nlevel: 省级\nsample: true\nsummary: 示例。\n"
              "practices:\n  - title: 做法\n    aspect: 基础管理\n    items: [DM-001]\n    body: 做法。\n")


def check_github(root: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", "check", "--format", "github", "--root", str(root)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def break_enterprises(root: Path, n: int) -> None:
    for i in range(n):
        (root / f"sectors/demo/enterprises/bad-{i:02d}.yml").write_text(ENTERPRISE.format(id=f"bad-{i:02d}", n=i),
                                                                          encoding="utf-8")


def test_twelve_errors_give_ten_annotations_and_a_summary(minimal_tree: Path, tmp_path: Path) -> None:
    break_enterprises(minimal_tree, 12)
    page = tmp_path / "summary.md"
    done = check_github(minimal_tree, {"GITHUB_STEP_SUMMARY": str(page)})
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert lines[-1] == ("::notice title=内容检查::共 12 个错误，只在文件上标注了前 10 个（GitHub 每一步最多显示 10 个错误和 10 个警告）；"
                         "完整列表在本步骤日志的末尾和本次运行的摘要（Summary）页，也可以在本地运行 zhinan check 查看")
    log = done.stderr.splitlines()
    assert log[0] == "共 12 个错误。" and log[1] == "完整列表："
    assert len([x for x in log if re.match(r"sectors/demo/enterprises/bad-\d\d\.yml:4:8: 错误: ", x)]) == 12
    table = page.read_text(encoding="utf-8")
    assert table.startswith("### zhinan check：共 12 个错误。")
    assert table.count("| `sectors/demo/enterprises/bad-") == 12


def test_a_few_errors_are_all_annotated_with_the_total(minimal_tree: Path) -> None:
    break_enterprises(minimal_tree, 2)
    done = check_github(minimal_tree)
    assert done.returncode == 1
    assert [line[:7] for line in done.stdout.splitlines()] == ["::error"] * 2
    assert done.stderr.splitlines() == ["共 2 个错误。"]


def test_serve_prints_its_address(minimal_tree: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = minimal_tree.parent / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "zhinan", "serve", "--root", str(minimal_tree), "-a", f"127.0.0.1:{port}"],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        deadline = time.monotonic() + 120
        while "预览地址" not in log.read_text(encoding="utf-8") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text(encoding="utf-8")
        assert f"预览地址：http://127.0.0.1:{port}/（在浏览器中打开；按 Ctrl+C 停止）" in text.splitlines(), text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_changelog_speaks_of_editions() -> None:
    editions = FIXTURES / "changelog"
    old, new = snapshot(load_content(editions / "old")), snapshot(load_content(editions / "new"))
    text = render(compare(old, new, "版本 main"))
    assert text.splitlines()[2] == "与上一版（2021年版）相比，本版（2022年版）的修订如下。本页由 zhinan changelog 生成。"
    again = render(compare(new, new, "版本 main"))
    assert again.splitlines()[2] == "与此前发布的2022年版（2022年12月31日）相比，本次的修订如下。本页由 zhinan changelog 生成。"
    assert "main" not in text + again


def test_changelog_lists_a_reorder() -> None:
    editions = FIXTURES / "changelog"
    new = snapshot(load_content(editions / "new"))
    items = new.sectors["alpha"]["items"]
    shuffled = {**new.sectors["alpha"], "items": [items[1], items[0], *items[2:]]}
    log = compare(new, dataclasses.replace(new, sectors={**new.sectors, "alpha": shuffled}), "")
    lines = render(log).splitlines()
    first, second = (f"{it['id']} {it['item']}" for it in items[:2])
    assert f"- 调整顺序：{second}（现排在最前）" in lines or f"- 调整顺序：{first}（现排在 {second} 之后）" in lines


def test_moved_names_only_what_moved() -> None:
    assert moved(["a", "b", "c", "d"], ["a", "b", "c", "d"]) == []
    assert moved(["a", "b", "c", "d"], ["b", "a", "c", "d"]) in ([("b", None)], [("a", "b")])
    assert moved(["a", "b", "c", "d"], ["a", "c", "d", "b"]) == [("b", "d")]
    assert moved(["a", "b", "c", "x"], ["c", "a", "b", "new"]) == [("c", None)]
