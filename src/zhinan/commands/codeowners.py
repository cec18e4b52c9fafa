"""`.github/CODEOWNERS` generated from the `reviewers` of each sector.yml.

The forge then asks a sector's own department to review every pull request that touches its
folder, without anyone keeping a second list of owners by hand.
"""

from __future__ import annotations

from pathlib import Path

from zhinan.content import rules
from zhinan.content.model import Content
from zhinan.content.problems import ContentError, Problem
from zhinan.pipeline.files import write_text

PATH = ".github/CODEOWNERS"
HEADER = (
    "# 由 zhinan codeowners 根据 sectors/*/sector.yml 的 reviewers 字段生成，请勿手工修改。\n"
    "# 修改审核人：编辑对应行业的 sector.yml，再运行 zhinan codeowners。\n"
)
OWNER = rules.OWNER  # `zhinan check` refuses any other reviewer at its line (rules.check_reviewers)


def render(content: Content) -> str:
    """The CODEOWNERS text; raises ContentError for reviewers CODEOWNERS would not understand."""
    problems = [
        Problem.at(sc.sector.where, f"审核人“{r}”格式不对，应为 @用户名、@组织/团队 或电子邮箱")
        for sc in content.sectors
        for r in sc.sector.reviewers
        if not OWNER.fullmatch(r)
    ]
    if problems:
        raise ContentError(problems)
    lines = [f"/sectors/{sc.id}/ {' '.join(sc.sector.reviewers)}" for sc in sorted(content.sectors, key=lambda s: s.id)
             if sc.sector.reviewers]
    body = "\n".join(lines) + "\n" if lines else "# 目前还没有行业填写 reviewers。\n"
    return HEADER + body


def is_current(root: Path, content: Content) -> bool:
    path = root / PATH
    return path.is_file() and path.read_text(encoding="utf-8") == render(content)


def write(root: Path, content: Content) -> bool:
    """Write the file if it changed; return whether it did."""
    if is_current(root, content):
        return False
    write_text(root / PATH, render(content))
    return True
