"""`zhinan report FILE.xlsx`: the 自评报告 of a workbook filled in Excel, as PDF, with the sections and
statements of the page's report; a workbook that cannot be read gives its cells and no file."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from zhinan.content.validate import load_content
from zhinan.formats.record import Finding, Inspection, ItemResult, Member, Rectification
from zhinan.sheets import workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
STATEMENT = "存在未销号的重大隐患，暂不具备申请定级的条件"


def zhinan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", *args], capture_output=True, text=True, timeout=300)


def inspection(status: str = "整改中") -> Inspection:
    return Inspection(
        enterprise="泉州示例化工有限公司（示例）", sector="demo", date=datetime.date(2026, 11, 20), inspectors="王五、赵六",
        credit_code="91350500MA00000009", county="", contact="李四", phone="0595-12345678", principal="张三",
        members=(Member(name="张三", role="组长", post="总经理"), Member(name="王五", role="副组长", post="安全总监")),
        plan_scope="全厂各部门、罐区和装卸区", plan_division="张三负责基础管理；王五负责设备设施",
        plan_start=datetime.date(2026, 11, 1), plan_end=datetime.date(2026, 11, 30),
        operation="体系运行一年，制度、规程已按检查清单修订。", improvements="完善应急预案演练。", applied_level="三级",
        results=(ItemResult(item="DM-001", result="不符合"), ItemResult(item="DM-002", result="不符合")),
        findings=(Finding(id="YH-001", item="DM-001", aspect="基础管理", location="安全管理部", text="未建立全员安全生产责任制。", level="重大"),
                  Finding(id="YH-002", item="DM-002", aspect="作业现场", location="罐区", text="罐区入口警示标志缺失。", level="一般")),
        rectifications=(Rectification(finding="YH-001", measure="制定责任制并签订责任书。", department="安全管理部", owner="张三",
                                      funds=15000.0, deadline=datetime.date(2026, 12, 31), status=status),
                        Rectification(finding="YH-002", measure="设置警示标志。", funds=22300.5, status="已销号")),
    )


def write(tmp_path: Path, ins: Inspection, name: str = "填好的.xlsx") -> Path:
    content = load_content(MINIMAL)
    path = tmp_path / name
    path.write_bytes(workbook.workbook_bytes(content.sectors[0], content, ins))
    return path


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_report_of_a_filled_workbook(tmp_path: Path) -> None:
    xlsx = write(tmp_path, inspection())
    done = zhinan("report", "--root", str(MINIMAL), str(xlsx))
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "填好的-自评报告.pdf"
    text = text_of(pdf)
    flat = re.sub(r"\s+", "", text)
    order = ["泉州示例化工有限公司（示例）示例行业安全生产标准化自评报告", "91350500MA00000009", STATEMENT, "一、自评机构",
             "二、自评计划", "全厂各部门、罐区和装卸区", "2026-11-01至2026-11-30", "三、发现问题与整改",
             "整改完成率（已销号/隐患合计）：50.0%（1/2）；整改资金合计：37,300.50元。", "YH-001", "四、自评结论和下一步",
             "体系运行一年", "完善应急预案演练。", "五、拟申请等级", "拟申请等级：三级", "主要负责人（签字）", "自评组组长（签字）", "（企业公章）"]
    at = 0
    for words in order:
        found = flat.find(words, at)
        assert found >= 0, words
        at = found
    # Each hazard's row holds its 隐患描述 and 等级 beside its rectification.
    row = next(line for line in text.splitlines() if "YH-001" in line and "安全" in line)
    assert "【重" in row and "整改中" in row and "15,000.00" in row
    pages = text.count("\f")
    assert pages >= 2 and all(f"第{n}页共{pages}页" in flat for n in range(1, pages + 1))
    for who in ("张三", "组长", "总经理", "王五", "副组长", "安全总监"):
        assert who in flat
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(tmp_path / "page")], check=True)


def test_no_statement_once_every_major_hazard_is_closed(tmp_path: Path) -> None:
    xlsx = write(tmp_path, inspection(status="已销号"))
    out = tmp_path / "报告.pdf"
    assert zhinan("report", "--root", str(MINIMAL), str(xlsx), "-o", str(out)).returncode == 0
    assert STATEMENT not in re.sub(r"\s+", "", text_of(out))


def test_a_workbook_with_errors_gives_its_cells_and_no_file(tmp_path: Path) -> None:
    xlsx = write(tmp_path, inspection())
    wb = load_workbook(xlsx)
    ref = workbook.self_layout()["cells"]["credit_code"]
    wb["自评"][ref] = "91350500MA00000008"
    content = load_content(MINIMAL)
    funds = next(c["letter"] for c in workbook.enterprise_layout(content.sectors[0])["sheets"]["rectifications"]["columns"]
                 if c["field"] == "funds")
    wb["整改清单"][f"{funds}3"] = "壹万"
    buf = io.BytesIO()
    wb.save(buf)
    xlsx.write_bytes(buf.getvalue())
    done = zhinan("report", "--root", str(MINIMAL), str(xlsx), "-o", str(tmp_path / "不该有.pdf"))
    assert done.returncode == 1
    assert f"填好的.xlsx:自评!{ref}: 错误: “统一社会信用代码”校验码不对" in done.stderr
    assert f"填好的.xlsx:整改清单!{funds}3: 错误: “整改资金（元）”填写有误：“壹万”不是金额" in done.stderr
    assert "未生成报告" in done.stderr
    assert not (tmp_path / "不该有.pdf").exists()


def test_a_version_1_workbook_reports_with_a_note(tmp_path: Path) -> None:
    xlsx = write(tmp_path, dataclasses.replace(inspection(), members=()))
    wb = load_workbook(xlsx)
    del wb["自评"]
    wb.save(xlsx)
    out = tmp_path / "v1.pdf"
    done = zhinan("report", "--root", str(MINIMAL), str(xlsx), "-o", str(out))
    assert done.returncode == 0 and "第 1 版" in done.stderr
    flat = re.sub(r"\s+", "", text_of(out))
    assert "未填写自评机构" in flat and "第1版格式" in flat
