"""The tally's store: one SQLite file (the standard library's sqlite3), schema versioned by
PRAGMA user_version and migrated forward.

Files are keyed by the SHA-256 of their bytes: a file already read (accepted or refused) is not
read again, whatever its name. A file's hash is not even computed again while its path, size, mtime
and inode are those the store saw when it hashed it (`seen`, as git's index does); the hash stays the
identity. A file refused for an error of the program itself (`read.INTERNAL_ERROR`) is read again. Each accepted file is one record (its JSON export, `record.to_json`),
with the columns the tally selects on; which record is an enterprise's current one is decided when
counting (latest 检查日期 per credit code and sector, as of a date), so earlier ones stay as history.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhinan.errors import ZhinanError

from .read import INTERNAL_ERROR

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE files (
        hash TEXT PRIMARY KEY,          -- SHA-256 of the file's bytes
        name TEXT NOT NULL,             -- the path it was first read from
        size INTEGER NOT NULL,
        read_at TEXT NOT NULL,          -- when the tally read it (ISO, UTC)
        reason TEXT                     -- NULL when accepted, else why it was refused
    );
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,         -- order of arrival
        hash TEXT NOT NULL REFERENCES files(hash),
        credit_code TEXT NOT NULL,
        sector TEXT NOT NULL,
        enterprise TEXT NOT NULL,
        county TEXT NOT NULL,
        date TEXT NOT NULL,             -- 检查日期, YYYY-MM-DD
        version INTEGER NOT NULL,       -- the record format version the file was in
        edition TEXT NOT NULL,
        body TEXT NOT NULL              -- the record as its JSON export
    );
    CREATE INDEX records_key ON records (credit_code, sector, date);
    """,
    """
    CREATE TABLE issues (
        week TEXT PRIMARY KEY,          -- ISO week, YYYY-Www: one 简报 a week, numbered in order
        as_of TEXT NOT NULL,
        made_at TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE seen (
        path TEXT PRIMARY KEY,          -- where a file was found (absolute)
        size INTEGER NOT NULL,          -- its size, mtime and inode when it was hashed (as git's index):
        mtime_ns INTEGER NOT NULL,      --   unchanged, the file is taken to still have that hash
        inode INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE content (
        key TEXT PRIMARY KEY,           -- SHA-256 of the content files and of zhinan's content code
        body BLOB NOT NULL              -- the loaded content, pickled (`tally.load`): one row, the latest
    );
    """,
)
"""The schema, one script per version: a store at user_version n runs scripts n+1…"""

SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(ZhinanError):
    """The store cannot be used (made by a newer zhinan, or not a tally store)."""


@dataclass(frozen=True, slots=True)
class Row:
    """A stored record with its key columns."""

    id: int
    credit_code: str
    sector: str
    enterprise: str
    county: str
    date: datetime.date
    version: int
    body: dict[str, Any]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.db = sqlite3.connect(path)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: 不是进展简报的数据文件（{exc}）") from None
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path}: 数据文件由更新版本的 zhinan 建立（格式第 {version} 版，本程序只认到第 {SCHEMA_VERSION} 版）：请更新 zhinan")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.migrate(version)

    def migrate(self, version: int) -> None:
        for n in range(version, SCHEMA_VERSION):
            with self.db:
                self.db.executescript(f"BEGIN; {MIGRATIONS[n]}; PRAGMA user_version = {n + 1}; COMMIT;")

    def close(self) -> None:
        self.db.close()

    def known(self) -> set[str]:
        """The hashes of the files read, but those refused for an error of the program (read again)."""
        return {h for (h,) in self.db.execute("SELECT hash FROM files WHERE reason IS NULL OR reason != ?", (INTERNAL_ERROR,))}

    def failed(self) -> set[str]:
        """The hashes of the files refused for an error of the program."""
        return {h for (h,) in self.db.execute("SELECT hash FROM files WHERE reason = ?", (INTERNAL_ERROR,))}

    def forget(self, hash_: str) -> None:
        """A file refused for an error of the program, before it is stored as read again."""
        self.db.execute("DELETE FROM files WHERE hash = ? AND reason = ?", (hash_, INTERNAL_ERROR))

    def seen(self) -> dict[str, tuple[int, int, int, str]]:
        """Path → (size, mtime_ns, inode, hash) of every file hashed before."""
        return {p: (size, mtime, inode, h) for p, size, mtime, inode, h in self.db.execute("SELECT * FROM seen")}

    def see(self, rows: list[tuple[str, int, int, int, str]]) -> None:
        """Remember (path, size, mtime_ns, inode, hash) of files just hashed."""
        self.db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?)", rows)

    def add_refused(self, hash_: str, name: str, size: int, reason: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?, ?)", (hash_, name, size, _now(), reason))

    def add_record(self, hash_: str, name: str, size: int, key: dict[str, Any], body: dict[str, Any]) -> None:
        cur = self.db.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?, NULL)", (hash_, name, size, _now()))
        if cur.rowcount:
            self.db.execute(
                "INSERT INTO records (hash, credit_code, sector, enterprise, county, date, version, edition, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (hash_, key["credit_code"], key["sector"], key["enterprise"], key["county"], key["date"], key["version"],
                 key["edition"], json.dumps(body, ensure_ascii=False)))

    def cached_content(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM content WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def cache_content(self, key: str, body: bytes) -> None:
        with self.db:
            self.db.execute("DELETE FROM content")
            self.db.execute("INSERT INTO content VALUES (?, ?)", (key, body))

    def commit(self) -> None:
        self.db.commit()

    def refused(self) -> list[tuple[str, str]]:
        return [(n, r) for n, r in self.db.execute("SELECT name, reason FROM files WHERE reason IS NOT NULL ORDER BY name")]

    def records(self, until: datetime.date | None = None) -> Iterator[Row]:
        """Every accepted record dated on or before `until`, in order of arrival."""
        sql = "SELECT id, credit_code, sector, enterprise, county, date, version, body FROM records"
        args: tuple[Any, ...] = ()
        if until is not None:
            sql, args = sql + " WHERE date <= ?", (until.isoformat(),)
        for id_, code, sector, name, county, date, version, body in self.db.execute(sql + " ORDER BY id", args):
            yield Row(id_, code, sector, name, county, datetime.date.fromisoformat(date), version, json.loads(body))

    def accepted_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM records").fetchone()[0])

    def issue_number(self, week: str, as_of: datetime.date) -> int:
        """The 期 of this week's 简报: weeks tallied before it, plus one (the week is kept)."""
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO issues VALUES (?, ?, ?)", (week, as_of.isoformat(), _now()))
        return int(self.db.execute("SELECT count(*) FROM issues WHERE week <= ?", (week,)).fetchone()[0])


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
