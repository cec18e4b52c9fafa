"""Published file names: every file a reader downloads carries the guide's edition, so that two
editions saved side by side on a desk or a USB stick are told apart by name. Declared once, used
by the site's links and by everything that offers a built file under its published name."""

from __future__ import annotations

import re

from zhinan.content.model import Guide


def published_name(guide: Guide, stem: str, suffix: str) -> str:
    """`危险化学品-三张清单` + `.xlsx` → `危险化学品-三张清单（2025年版）.xlsx`."""
    return f"{file_name_part(stem)}（{file_name_part(guide.edition)}）{suffix}"


def file_name_part(text: str) -> str:
    """Text as part of a download's file name: whatever a file system, a URL or a Markdown link would
    read as syntax (quotes, brackets, slashes, spaces…) becomes “_”. A `"` in the guide title once
    broke the link to guide.pdf and with it the whole site build."""
    return re.sub(r"[\\/:*?\"'<>|()\[\]{}#%&;`\s]+", "_", text).strip("_.") or "_"
