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
            return "\n".join(p.github() for p in self.problems)
        return "\n".join(p.text() for p in self.problems)


FORMATS = ("text", "github")
