"""Published file names: every file a reader downloads carries the guide's edition, so that two
editions saved side by side on a desk or a USB stick are told apart by name. Declared once, used
by the site's links and by everything that offers a built file under its published name."""

from __future__ import annotations

from zhinan.content.model import Guide
from zhinan.content.textrules import file_name_part


def published_name(guide: Guide, stem: str, suffix: str) -> str:
    """`危险化学品-三张清单` + `.xlsx` → `危险化学品-三张清单（2025年版）.xlsx`."""
    return f"{file_name_part(stem)}（{file_name_part(guide.edition)}）{suffix}"


__all__ = ["file_name_part", "published_name"]
