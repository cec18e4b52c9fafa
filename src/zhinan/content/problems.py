"""Problems found in the content: collected, sorted, and reported for people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zhinan.content.model import Where
from zhinan.errors import ZhinanError

ERROR = "错误"
WARNING = "警告"
"""A warning (a placeholder left in) does not stop a local check; --strict and CI make it an error."""


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong in the content, at a position a contributor can jump to."""

    path: str
    line: int
    col: int
    message: str
    severity: str = ERROR

    @classmethod
    def at(cls, where: Where, message: str, severity: str = ERROR) -> Problem:
        return cls(where.path, where.line, where.col, message, severity)

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def github(self) -> str:
        # Workflow commands treat ',' ':' '%' and newlines in properties specially.
        def esc(s: str, prop: bool = False) -> str:
            s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            if prop:
                s = s.replace(":", "%3A").replace(",", "%2C")
            return s

        kind = "warning" if self.severity == WARNING else "error"
        return (
            f"::{kind} file={esc(self.path, True)},line={self.line},col={self.col},"
            f"title={esc('内容' + self.severity, True)}::{esc(self.message)}"
        )


class ContentError(ZhinanError):
    """Raised when the content has problems; carries all of them, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(self.report())

    def report(self, fmt: str = "text") -> str:
        if fmt == "github":
            return "\n".join(github_annotations(self.problems))
        return "\n".join(p.text() for p in self.problems)


ANNOTATION_LIMIT = 10
"""GitHub shows at most 10 error and 10 warning annotations of one step; the rest are dropped unseen."""


def github_annotations(problems: Iterable[Problem]) -> list[str]:
    """The first ANNOTATION_LIMIT errors and warnings as workflow commands; when some are left out,
    a notice saying how many there are in all and where the whole list is."""
    problems = sorted(problems)
    errors = [p for p in problems if p.severity != WARNING]
    warnings = [p for p in problems if p.severity == WARNING]
    shown = [*errors[:ANNOTATION_LIMIT], *warnings[:ANNOTATION_LIMIT]]
    lines = [p.github() for p in sorted(shown)]
    if len(shown) < len(problems):
        lines.append(f"::notice title=内容检查::{summary(problems, len(shown))}")
    return lines


def summary(problems: Iterable[Problem], annotated: int | None = None) -> str:
    """One line: how many errors and warnings, how many are marked on the files, where the full list is."""
    problems = list(problems)
    n_err = sum(p.severity != WARNING for p in problems)
    n_warn = len(problems) - n_err
    counts = f"共 {n_err} 个错误" + (f"、{n_warn} 个警告" if n_warn else "")
    if annotated is None or annotated >= len(problems):
        return f"{counts}。"
    return (f"{counts}，只在文件上标注了前 {annotated} 个（GitHub 每一步最多显示 10 个错误和 10 个警告）；"
            "完整列表在本步骤日志的末尾和本次运行的摘要（Summary）页，也可以在本地运行 zhinan check 查看")


FORMATS = ("text", "github")
