"""Mutation table: small, named, deliberate defects, each of which some test must catch.

    python scripts/mutants.py [--json] [--only NAME ...] [--list]

Each mutant replaces one exact piece of text in one file of a temporary copy of the repository
(the text must occur exactly once, so a mutant never silently stops applying when the code
moves), runs only the tests named for it, and counts as *killed* when they fail. Before any
mutant runs, the union of the selected tests runs once on the unmutated copy and must pass:
otherwise a "kill" would only repeat a failure that was already there.

A mutant whose text no longer occurs is an error, not a pass: update or remove it (with a note
in `REMOVED`). Exit status: 0 when every mutant is killed, 1 otherwise.

The copy gets `PYTHONDONTWRITEBYTECODE=1` and no `__pycache__`: a mutated module of the same size
written within the same second as its original would otherwise be read from a stale .pyc.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PER_MUTANT_TIMEOUT = 300


@dataclass(frozen=True)
class Mutant:
    name: str
    """What the defect does, as a reader of the outputs would notice it."""
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    """pytest node ids or files that must catch it."""


def m(name: str, path: str, old: str, new: str, *tests: str) -> Mutant:
    return Mutant(name, path, old, new, tests)


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if not src.is_file() or "__pycache__" in rel:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    for shared in ("node_modules", ".venv"):
        if (REPO / shared).exists():
            (dest / shared).symlink_to((REPO / shared).resolve())


def _pytest(copy: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "PYTHONDONTWRITEBYTECODE": "1",
           "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    try:
        return subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=PER_MUTANT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(cmd, 124, str(exc.stdout or ""), "timeout")


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def run(mutants: tuple[Mutant, ...]) -> dict[str, object]:
    started = time.monotonic()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="zhinan-mutants-") as tmp:
        copy = Path(tmp)
        _copy_repo(copy)
        selected = tuple(dict.fromkeys(t for mu in mutants for t in mu.tests))
        base = _pytest(copy, selected)
        if base.returncode != 0:
            return {"error": "未变异的副本上所选测试未通过：" + _last_line(base.stdout + base.stderr),
                    "mutants": [], "seconds": round(time.monotonic() - started, 1)}
        for mu in mutants:
            t0 = time.monotonic()
            target = copy / mu.path
            original = target.read_text(encoding="utf-8")
            count = original.count(mu.old)
            if count != 1:
                rows.append({"name": mu.name, "path": mu.path, "status": "stale",
                             "detail": f"要替换的文本出现 {count} 次（应为 1 次）", "seconds": 0.0})
                continue
            target.write_text(original.replace(mu.old, mu.new), encoding="utf-8")
            try:
                res = _pytest(copy, mu.tests)
            finally:
                target.write_text(original, encoding="utf-8")
            # pytest exit 1 = tests failed (killed); 0 = survived; anything else is a broken run.
            status = {0: "survived", 1: "killed"}.get(res.returncode, "error")
            rows.append({"name": mu.name, "path": mu.path, "status": status, "tests": list(mu.tests),
                         "detail": _last_line(res.stdout + res.stderr), "seconds": round(time.monotonic() - t0, 1)})
    return {"mutants": rows, "killed": sum(r["status"] == "killed" for r in rows), "total": len(rows),
            "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--only", nargs="*", default=None, help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    mutants, removed = MUTANTS, REMOVED
    if args.only:
        unknown = set(args.only) - {mu.name for mu in mutants}
        if unknown:
            parser.error(f"没有这些变异：{', '.join(sorted(unknown))}")
        mutants = tuple(mu for mu in mutants if mu.name in args.only)
    if args.list:
        for mu in mutants:
            print(f"{mu.name}\t{mu.path}\t{' '.join(mu.tests)}")
        return 0
    report = run(mutants)
    report["removed"] = removed
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for row in report["mutants"]:  # type: ignore[attr-defined]
            print(f"{row['status']:9} {row['seconds']:6.1f}s  {row['name']}  ({row['path']})")
        print(report.get("error") or f"{report['killed']}/{report['total']} killed in {report['seconds']} s")
    ok = not report.get("error") and report["killed"] == report["total"]
    return 0 if ok else 1


# ---- The table ---------------------------------------------------------------------------------

MUTANTS: tuple[Mutant, ...] = (
    m("data: absent optional fields written as null", "src/zhinan/data.py",
      "for name, v in _fields(value) if v is not None}", "for name, v in _fields(value)}",
      "tests/test_data.py"),
)

REMOVED: dict[str, str] = {}
"""Mutants taken out because they change nothing observable, with the reason."""


if __name__ == "__main__":
    sys.exit(main())
