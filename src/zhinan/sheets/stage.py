"""Stage — sheets: each sector's 三张清单 workbook, its 检查清单 as CSV, and the empty lists as CSV.

The workbook itself (cover, formulas, validations, print setup, reading it back) is
`zhinan.sheets.workbook`; the columns are `zhinan.formats.columns`.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from typing import Any

from zhinan.content.model import Content, SectorContent
from zhinan.pipeline import hashcache
from zhinan.pipeline.files import replace_dir, temp_dir_beside, write_bytes
from zhinan.pipeline.stage import BuildOptions
from zhinan.sheets.encode import LIST_CSVS, all_csv, checklist_csv, empty_list_csv
from zhinan.sheets.workbook import source_key, workbook_bytes

# ---- Stage -----------------------------------------------------------------------------------


def _xlsx(sc: SectorContent, content: Content) -> bytes:
    return workbook_bytes(sc, content)


def _source_key(sc: SectorContent, content: Content) -> str:
    return source_key(sc, content)


def build(content: Content, opts: BuildOptions) -> dict[str, Any]:
    """Write every sector's workbook and CSV, and all.csv, into sheets/ (replaced as a whole).

    A sector whose content has not changed keeps the files of the previous build (build/.cache/)."""
    final = opts.out / "sheets"
    tmp = temp_dir_beside(final)
    store = hashcache.Cache(opts.out, "sheets")
    files: dict[str, int] = {}
    rebuilt: list[str] = []

    def put(name: str, make: Callable[[], bytes], key: str) -> None:
        old = final / name
        if store.get(old, key) is not None:
            shutil.copy2(old, tmp / name)
        else:
            write_bytes(tmp / name, make())
            rebuilt.append(name)
        store.put(tmp / name, key)
        files[name] = (tmp / name).stat().st_size

    try:
        for n, sc in enumerate(content.sectors, 1):
            key = _source_key(sc, content)  # enterprises are not in the lists
            put(f"{sc.id}.xlsx", functools.partial(_xlsx, sc, content), key)
            put(f"{sc.id}.csv", functools.partial(checklist_csv, sc), key)
            opts.progress.step("sheets", n, len(content.sectors), sc.sector.name)
        put("all.csv", lambda: all_csv(content), hashcache.key([(sc.sector, sc.items) for sc in content.sectors]))
        for name, columns in LIST_CSVS.items():
            put(name, functools.partial(empty_list_csv, columns), hashcache.key([c.title for c in columns]))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final)
    store.save()
    return {"dir": str(final), "files": files, "bytes": sum(files.values()), "rebuilt": rebuilt}
