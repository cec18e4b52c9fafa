"""zhinan tally (issue 31) on a rerun and on what nobody foresaw: a file whose reading raises an error of
the program is refused with a reason and logged, never fatal; a file unchanged since the store hashed
it (path, size, mtime, inode, as git's index) is not read again, a changed one is. Records written as
an enterprise would (tests/test_tally.py's helpers), expected figures computed there."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from test_tally import AS_OF, ENTERPRISES, as_json, content, expected_figures, run, same, tree, write  # noqa: F401
from zhinan.cli import main
from zhinan.commands import tally
from zhinan.commands.tally.read import INTERNAL_ERROR, TEST_FAIL

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

OLD = 1_700_000_000 * 10**9
"""An mtime long past (ns): a file written by the test is otherwise too fresh for its stat to be trusted."""


def unsupported_compression(data: bytes) -> bytes:
    """The workbook with its sheets marked as compressed by method 99 (WinZip AES), which Python's
    zipfile cannot open: a hostile workbook that opens as a ZIP and then fails where no rule looks."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in zin.infolist():
            z.writestr(info.filename, zin.read(info.filename), compress_type=zipfile.ZIP_STORED)
    b = bytearray(buf.getvalue())
    for info in zipfile.ZipFile(io.BytesIO(bytes(b))).infolist():
        if info.filename.startswith("xl/worksheets/"):
            struct.pack_into("<H", b, info.header_offset + 8, 99)  # local header: compression method
    at = 0
    while (at := b.find(b"PK\x01\x02", at)) != -1:  # central directory
        n = struct.unpack_from("<H", b, at + 28)[0]
        if bytes(b[at + 46:at + 46 + n]).startswith(b"xl/worksheets/"):
            struct.pack_into("<H", b, at + 10, 99)
        at += 4
    return bytes(b)


def test_a_hostile_workbook_is_refused_and_logged_not_fatal(tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    inbox = tmp_path / "inbox"
    for e in ENTERPRISES:
        write(inbox, content, e)
    good = write(tmp_path / "spare", content, ENTERPRISES[1]).read_bytes()
    (inbox / "hostile.xlsx").write_bytes(unsupported_compression(good))
    res = CliRunner().invoke(main, ["tally", "--root", str(tree), str(inbox), "--out", str(tmp_path / "office"),
                                    "--as-of", AS_OF.isoformat(), "--json", "-j", "1"])
    assert res.exit_code == 0, res.output
    import json

    s = json.loads(res.stdout)
    assert s["refused"] == [{"file": "inbox/hostile.xlsx", "reason": INTERNAL_ERROR}]
    same(s, expected_figures(ENTERPRISES, AS_OF))
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("内部错误 "))
    assert "inbox/hostile.xlsx" in line and "NotImplementedError" in line
    assert (tmp_path / "office" / "进展简报.pdf").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unforeseen_error_in_a_worker_is_not_fatal_and_the_file_is_read_again(
        tree: Path, content: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:  # noqa: F811
    monkeypatch.setattr(tally, "PARALLEL_FROM", 2)
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    monkeypatch.setenv(TEST_FAIL, ENTERPRISES[2]["name"])
    result = tally.run([tmp_path / "inbox"], content, tree, tmp_path / "out", tmp_path / "out" / "t.sqlite", AS_OF,
                       "2026-W50", jobs=jobs, write=False)
    assert result.data["summary"]["refused"] == [{"file": f"inbox/{ENTERPRISES[2]['name']}.xlsx", "reason": INTERNAL_ERROR}]
    assert [f for f, _ in result.data["errors_now"]] == [f"inbox/{ENTERPRISES[2]['name']}.xlsx"]
    assert "RuntimeError" in result.data["errors_now"][0][1]
    same(result.data["summary"], expected_figures([e for e in ENTERPRISES if e is not ENTERPRISES[2]], AS_OF))
    # the program fixed: the next run reads that file again and counts it
    monkeypatch.delenv(TEST_FAIL)
    again = tally.run([tmp_path / "inbox"], content, tree, tmp_path / "out", tmp_path / "out" / "t.sqlite", AS_OF,
                      "2026-W50", jobs=jobs, write=False)
    assert (again.read, again.data["summary"]["refused"]) == (1, [])
    same(again.data["summary"], expected_figures(ENTERPRISES, AS_OF))


def _json_file(inbox: Path, e: dict[str, Any], date: str) -> Path:
    p = inbox / f"{e['name']}.json"
    p.write_bytes(as_json(e["name"], e["credit"], e["county"], e["sector"], date, e["hazards"]))
    return p


def test_a_file_unchanged_since_it_was_hashed_is_not_read_a_changed_one_is(
        tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a, b = ENTERPRISES[0], ENTERPRISES[3]
    pa, pb = _json_file(inbox, a, "2026-11-20"), _json_file(inbox, b, "2026-12-07")
    for p in (pa, pb):
        os.utime(p, ns=(OLD, OLD))
    first = run(tree, content, inbox, tmp_path / "out")
    assert (first.read, first.skipped) == (2, 0)
    # rewritten in place, same size, inode and mtime: the store trusts the stat it saw (as git does)
    inode = pa.stat().st_ino
    _json_file(inbox, a, "2026-11-21")
    os.utime(pa, ns=(OLD, OLD))
    assert pa.stat().st_ino == inode
    trusted = run(tree, content, inbox, tmp_path / "out")
    assert (trusted.read, trusted.skipped) == (0, 2)
    # its mtime changed: hashed again, and the new bytes are a new record
    os.utime(pa, ns=(OLD + 10**9, OLD + 10**9))
    changed = run(tree, content, inbox, tmp_path / "out")
    assert (changed.read, changed.skipped) == (1, 1)
    # a copy under another name: hashed (a new path), the same bytes, not read
    (inbox / "copy.json").write_bytes(pb.read_bytes())
    copied = run(tree, content, inbox, tmp_path / "out")
    assert (copied.read, copied.skipped) == (0, 3)
    same(copied.data["summary"], expected_figures([a | {"date": "2026-11-21"}, b], AS_OF))


def test_a_file_written_just_before_the_run_is_hashed_again(tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    """Its mtime may not change when it is written again within the clock's resolution (git's racy
    entries): its stat is not remembered until it is older."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    e = ENTERPRISES[0]
    p = _json_file(inbox, e, "2026-11-20")
    assert run(tree, content, inbox, tmp_path / "out").read == 1
    mtime = p.stat().st_mtime_ns
    _json_file(inbox, e, "2026-11-21")
    os.utime(p, ns=(mtime, mtime))
    assert run(tree, content, inbox, tmp_path / "out").read == 1


def test_the_content_is_kept_in_the_store_until_a_content_file_changes(tree: Path, tmp_path: Path) -> None:  # noqa: F811
    import shutil
    import sqlite3

    from zhinan.content.validate import load_content

    root = tmp_path / "edition"
    shutil.copytree(tree, root)
    db = tmp_path / "office" / "tally.sqlite"
    first = tally.load(root, db)
    assert first == load_content(root)
    rows = sqlite3.connect(db).execute("SELECT key FROM content").fetchall()
    assert rows == [(tally.content_key(root),)]
    assert tally.load(root, db) == first  # from the store
    guide = root / "guides" / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace(first.guide.issuer, "某市安全生产委员会办公室（示例）"),
                     encoding="utf-8")
    changed = tally.load(root, db)
    assert changed.guide.issuer == "某市安全生产委员会办公室（示例）" and changed == load_content(root)
    assert sqlite3.connect(db).execute("SELECT key FROM content").fetchall() == [(tally.content_key(root),)]


def test_with_two_processes_the_brief_is_made_beside_the_sheets(tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    import subprocess

    from openpyxl import load_workbook

    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    (tmp_path / "inbox" / "broken.json").write_bytes(b"{ not json")
    out = tmp_path / "office"
    result = tally.run([tmp_path / "inbox"], content, tree, out, out / "t.sqlite", AS_OF, "2026-W50", jobs=2)
    assert sorted(p.name for p in result.written) == ["进展简报-数据.xlsx", "进展简报.pdf", "退回清单.xlsx"]
    rows = list(load_workbook(out / "进展简报-数据.xlsx")["按行业"].iter_rows(values_only=True))
    assert rows[-1][:2] == ("合计", len(ENTERPRISES))
    returns = list(load_workbook(out / "退回清单.xlsx")["退回清单"].iter_rows(values_only=True))
    assert [r[0] for r in returns[1:]] == ["inbox/broken.json"]
    text = subprocess.run(["pdftotext", str(out / "进展简报.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert ENTERPRISES[0]["name"] in text


def test_content_with_errors_makes_no_store(minimal_tree: Path, tmp_path: Path) -> None:
    (minimal_tree / "guides" / "guide.yml").write_text("title: [unclosed\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["tally", "--root", str(minimal_tree), str(tmp_path), "--out", str(tmp_path / "office")])
    assert res.exit_code == 1 and "guide.yml" in res.output
    assert not (tmp_path / "office").exists()


class _Planted:
    """What a store from elsewhere could hold in place of the content: unpickled, it writes a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_cached_content_not_signed_here_is_never_unpickled(tree: Path, tmp_path: Path,  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The content cache is a pickle: one not signed with this user's key (a store copied from
    elsewhere, or edited) is loaded again from the content files, never unpickled."""
    import pickle
    import shutil

    from zhinan.commands.tally.store import Store
    from zhinan.content.validate import load_content

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "edition"
    shutil.copytree(tree, root)
    db = tmp_path / "office" / "tally.sqlite"
    first = tally.load(root, db)
    marker = tmp_path / "ran"
    for body in (pickle.dumps(_Planted(marker)), bytes(32) + pickle.dumps(_Planted(marker))):
        store = Store(db)
        try:
            store.cache_content(tally.content_key(root), body)
        finally:
            store.close()
        assert tally.load(root, db) == first == load_content(root)
        assert not marker.exists()
    # Signed here, it is the cache (what the store holds again after the reload above), with a key
    # only this user can read.
    assert tally.load(root, db) == first
    assert (tmp_path / "cache" / "zhinan" / "tally.key").stat().st_mode & 0o077 == 0
