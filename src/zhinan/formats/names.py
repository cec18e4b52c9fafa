"""Published file names: every file a reader downloads carries the guide's edition, so that two
editions saved side by side on a desk or a USB stick are told apart by name. Declared once, used
by the site's links and by everything that offers a built file under its published name."""

from __future__ import annotations

import hashlib

from zhinan.content.model import Guide
from zhinan.content.textrules import file_name_part

NAME_BYTES = 200
"""The longest published name in UTF-8 bytes (about 60 Chinese characters). File systems allow 255
bytes a name (ext4, APFS; NTFS 255 UTF-16 units), and the build writes each file first under a
temporary name beside it (`.NAME.XXXXXXXX.tmp`, 14 bytes more); a sector name at the checker's
500-character bound once made a 1,600-byte name and ended the site build in “File name too long”."""


def published_name(guide: Guide, stem: str, suffix: str) -> str:
    """`危险化学品-三张清单` + `.xlsx` → `危险化学品-三张清单（2025年版）.xlsx`. A name over `NAME_BYTES`
    is cut and ends in `…` and 8 hex digits of the whole name's hash, so that two long names that
    begin alike stay two names."""
    name = f"{file_name_part(stem)}（{file_name_part(guide.edition)}）"
    if len((name + suffix).encode()) <= NAME_BYTES:
        return name + suffix
    mark = f"…{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    room = NAME_BYTES - len((mark + suffix).encode())
    return name.encode()[:room].decode("utf-8", "ignore") + mark + suffix


__all__ = ["NAME_BYTES", "file_name_part", "published_name"]
