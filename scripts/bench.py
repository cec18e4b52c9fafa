"""Benchmark the build on a synthetic corpus: wall time and peak memory per stage, ratios R1–R6,
and the live preview's time from saving a file to the changed page being served.

    python scripts/bench.py --scale small|city [--json] [--jobs 2] [--keep DIR] [--skip PART] [--sample N] [--rounds N]

Every measured step runs in a fresh Python process (this script re-invoked with `_child`), so
imports, caches in memory and the allocator start cold, as in CI. Peak memory is reported two
ways: `peak_mib`, the largest single process (getrusage ru_maxrss of the child and the workers it
waited for), and `tree_mib`, the largest sum of RSS over the whole process tree, sampled every
50 ms from /proc: with `-j 2` the workers run side by side, so that is what the machine must
have. A stage that is missing or fails is reported as null with its reason; the run goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
TARGETS: dict[str, float | None] = {"R1": 1.15, "R2": 1.10, "R3": 0.60, "R4": 1.10, "R5": 0.10, "R5_no_change": 0.10, "R6": 1.10,
           "preview": 2.0, "network": None, "print": None}
"""Every figure a part of the run gives, skipped or not (`SKIPPABLE`'s keys): None where the target is
not one number (the network's per-page limits, the print measures' own rules)."""
ABSOLUTE_TARGETS = {"validate_s": 3.0, "full_build_s": 150.0, "full_build_tree_mib": 1536.0}

Json = dict[str, Any]


# ---- Measuring a process tree -------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants right now."""
    kids = _children_map()
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(kids.get(p, []))
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants right now."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its living descendants."""
    ticks = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ticks += sum(int(f) for f in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
    return ticks / TICK


class Sampler(threading.Thread):
    """Samples the RSS of a process tree until stopped: (wall-clock time, bytes) pairs."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append((time.time(), tree_rss(self.pid)))
            self.done.wait(self.interval)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float | None:
        inside = [b for t, b in self.samples if start <= t <= end]
        if not inside:  # a stage shorter than the interval: the samples on either side of it
            inside = [b for t, b in self.samples if start - self.interval <= t <= end + self.interval]
        return round(max(inside) / MIB, 1) if inside else None


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def run_measured(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[Json, Sampler]:
    """Run a command, returning wall seconds, exit code, stderr tail and the RSS samples."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0", **(env or {})}
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.done.set()
    sampler.join()
    result = {"wall_s": round(wall, 3), "cpu_s": round(_children_cpu() - cpu0, 2), "rc": proc.returncode,
              "tree_mib": sampler.peak()}
    if proc.returncode:
        result["error"] = (err or out).decode("utf-8", "replace").strip()[-1500:]
    return result, sampler


def child(action: str, **spec: Any) -> tuple[Json, Sampler]:
    """Run one action of this script in a fresh interpreter; returns its report and the samples."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        report_path = Path(fh.name)
    try:
        proc, sampler = run_measured([sys.executable, __file__, "_child", action, json.dumps(spec), str(report_path)])
        report: Json = json.loads(report_path.read_text(encoding="utf-8") or "{}")
    finally:
        report_path.unlink(missing_ok=True)
    report.setdefault("error", proc.get("error"))
    return {**proc, **report}, sampler


# ---- The live preview ---------------------------------------------------------------------

POLL_S = 0.05
"""How often the bench asks the live server for the page, as a browser's reload would."""
PREVIEW_TIMEOUT_S = 120.0
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_page(url: str, timeout: float) -> str | None:
    """The page's text, or None while it is not served (server not up, an error status, a timeout)."""
    try:
        with _LOCAL.open(url, timeout=max(timeout, 0.1)) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (OSError, ValueError, http.client.HTTPException):
        return None


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """A bench stopped with SIGTERM (a cancelled CI job) still runs its `finally` blocks."""
    before = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class PreviewServer:
    """`zhinan serve` in a process group of its own, its output in a log file; leaving the `with`
    block stops it as a user would (Ctrl+C), then kills the whole group if it is still there after
    a few seconds, so that no server is left behind even when the bench fails."""

    def __init__(self, root: Path, log: Path) -> None:
        self.log, self.port = log, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.stopped_by: str | None = None
        argv = [sys.executable, "-m", "zhinan", "serve", "--root", str(root), "-a", f"127.0.0.1:{self.port}"]
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
        with log.open("wb") as out:
            self.started = time.perf_counter()
            # Ctrl+C reaches a server as SIGINT with its default action; a bench started in the
            # background (`bench.py &`) has SIGINT ignored, and the server would inherit that.
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_default_sigint)

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, grace: float = 5.0) -> None:
        if self.proc.poll() is not None:
            self.stopped_by = f"exited by itself ({self.proc.returncode})"
        else:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(grace)
                self.stopped_by = "SIGINT"
            except subprocess.TimeoutExpired:
                self.stopped_by = "SIGKILL"
        with contextlib.suppress(ProcessLookupError):  # the server, or whatever it started and left
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def tail(self) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.is_file() else ""
        return text.strip()[-1500:]

    def poll(self, path: str, until: Callable[[str], bool], since: float,
             timeout: float = PREVIEW_TIMEOUT_S) -> float | None:
        """Seconds from `since` until the page at `path` is served and `until(its text)` holds,
        asking every 50 ms; None if the time runs out or the server has exited."""
        while (left := since + timeout - time.perf_counter()) > 0 and self.proc.poll() is None:
            text = get_page(self.url + path, left)
            if text is not None and until(text):
                return round(time.perf_counter() - since, 3)
            time.sleep(POLL_S)
        return None

    def wait_idle(self, quiet: float = 0.5, timeout: float = 60.0) -> None:
        """Until the server's processes use next to no CPU for `quiet` seconds: a rebuild still
        running after the last change would otherwise be timed with the next one."""
        end, used = time.perf_counter() + timeout, tree_cpu(self.proc.pid)
        while time.perf_counter() < end:
            time.sleep(quiet)
            now = tree_cpu(self.proc.pid)
            if now - used < 0.1 * quiet:
                return
            used = now


# ---- What runs inside the child process ---------------------------------------------------


def _peak_self_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def _cpu_seconds() -> float:
    """User+system CPU of this process and the workers it waited for: unlike wall time, barely
    stretched by other jobs on a shared machine (but -j 2 cannot show in it)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 2)


def _error(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("zhinan"):
        return f"模块 {exc.name} 不存在（该阶段尚未实现）"
    return f"{type(exc).__name__}: {exc}"


def _options(spec: Json) -> Any:
    from zhinan.build import STAGES, BuildOptions
    from zhinan.pipeline.progress import Progress

    return BuildOptions(
        root=Path(spec["root"]), out=Path(spec["out"]), only=tuple(spec.get("only") or STAGES),
        sectors=tuple(spec.get("sectors") or ()), jobs=int(spec.get("jobs", 2)), progress=Progress(quiet=True),
    )


def do_validate(spec: Json) -> Json:
    from zhinan.content.validate import load_content

    t0 = time.perf_counter()
    content = load_content(Path(spec["root"]))
    return {"seconds": round(time.perf_counter() - t0, 3), "sectors": len(content.sectors),
            "items": sum(len(s.items) for s in content.sectors),
            "enterprises": sum(len(s.enterprises) for s in content.sectors),
            "practices": sum(len(e.practices) for s in content.sectors for e in s.enterprises)}


def _timed(stage: str, build: Callable[..., Any], entries: Json) -> Callable[..., Any]:
    """`build` of one stage module, recording its time window and letting it fail on its own.

    Stages run side by side (the PDFs in a thread of their own), so a stage's CPU is that of its
    own thread, plus, for the PDF stage, its worker processes (the only children a build has)."""

    def run(content: Any, opts: Any, *more: Any) -> Any:
        entry: Json = entries.setdefault(stage, {})
        entry["start"], cpu0, kids0 = time.time(), time.thread_time(), _children_cpu()
        try:
            figures = build(content, opts, *more)
            entry["figures"] = json.loads(json.dumps(figures, default=str))
        except Exception as exc:
            figures = {}
            entry["error"], entry["traceback"] = _error(exc), traceback.format_exc()[-2000:]
        entry["end"] = time.time()
        entry["seconds"] = round(entry["end"] - entry["start"], 3)
        workers = _children_cpu() - kids0 if stage == "pdf" else 0.0
        entry["cpu_s"] = round(time.thread_time() - cpu0 + workers, 2)
        return figures

    return run


def do_build(spec: Json) -> Json:
    """The real `zhinan.build.build`, with each stage's `build` timed and allowed to fail alone
    (a benchmark must report every stage, not stop at the first broken one)."""
    from zhinan import build
    from zhinan.pipeline import workers

    opts = _options(spec)
    stages: Json = {}
    for stage in opts.only:
        build.STAGE_BUILDS[stage] = _timed(stage, build.STAGE_BUILDS[stage], stages)
    opts.only = tuple(s for s in opts.only if "error" not in stages.get(s, {}))
    started = time.time()
    try:
        build.build(opts)
    finally:
        workers.stop_server()  # as `zhinan build` does: the PDF workers' CPU among this process's children's
    first = min((e["start"] for e in stages.values() if "start" in e), default=time.time())
    return {"load": {"start": started, "end": first}, "stages": stages}


def do_volume(spec: Json) -> Json:
    """Time one sector volume through the pdf stage's own job (WeasyPrint is imported inside the
    timed part, as the command pays for it too), then write the same HTML for the command."""
    from zhinan.content.validate import load_content
    from zhinan.pdf import jobs, render

    root, html = Path(spec["root"]), Path(spec["html"])
    content = load_content(root)
    job = jobs.volume_job(content, content.sector(spec["sector"]), root, html.parent / "ours", False)
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    rendered = render.render(job)
    seconds, cpu = round(time.perf_counter() - t0, 3), round(_cpu_seconds() - cpu0, 2)
    html.write_text(render.render_html(job), encoding="utf-8")
    return {"seconds": seconds, "render_cpu_s": cpu, "pages": rendered.pages, "base_url": job.base_url}


def do_print_html(spec: Json) -> Json:
    """The HTML the pdf stage lays out for some of its files, each `[file, sector, "volume"|"form"]`,
    written into `spec["folder"]` for the weasyprint command, with the base URL each needs."""
    from zhinan.content.validate import load_content
    from zhinan.pdf import jobs, render

    root, folder = Path(spec["root"]), Path(spec["folder"])
    content = load_content(root)
    written: Json = {}
    for name, sector, kind in spec["files"]:
        make = jobs.form_job if kind == "form" else jobs.volume_job
        job = make(content, content.sector(sector), root, folder / "ours", False)
        html = folder / f"{job.name}.html"
        text = render.render_html(job)
        html.write_text(text, encoding="utf-8")
        written[name] = {"html": str(html), "base_url": job.base_url, "chars": len(text)}
    return {"files": written}


def _plugins_without_zhinan(config_file: Path) -> list[Any]:
    """The site's plugins minus `zhinan`; the search plugin gets the safety-term dictionary that
    the zhinan plugin loads into jieba, so that both builds segment the same words."""
    import yaml

    from zhinan import site

    class Loader(yaml.SafeLoader):
        pass

    # The theme config carries Python tags (slugify); only its plugin list is needed here.
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    plugins: list[Any] = yaml.load(config_file.read_text(encoding="utf-8"), Loader=Loader).get("plugins", [])
    terms = str(site.default_config().with_name("jieba-userdict.txt"))
    kept: list[Any] = []
    for p in plugins:
        if p == "zhinan" or (isinstance(p, dict) and "zhinan" in p):
            continue
        if p == "search" or (isinstance(p, dict) and "search" in p):
            options = dict(p["search"] or {}) if isinstance(p, dict) else {}
            p = {"search": {**options, "jieba_dict_user": terms}}
        kept.append(p)
    return kept


def do_site_pages(spec: Json) -> Json:
    """The site's pages written out as static Markdown, with an mkdocs.yml that inherits the same
    theme, extensions and plugins minus `zhinan`: the baseline of R1."""
    import yaml

    from zhinan import site
    from zhinan.content.validate import load_content

    root, project = Path(spec["root"]), Path(spec["project"])
    src = site.source(load_content(root), root, Path(spec["out"]))
    docs = project / "docs"
    for rel, markdown in src.pages.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(markdown, encoding="utf-8")
    copied = {**src.files, **{d.src: d.path for d in src.downloads.values()}}
    for rel, path in copied.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, docs / rel)
    config_file = site.config_file(root)
    config = {"INHERIT": str(config_file), "docs_dir": "docs", "site_name": src.site_name,
              "copyright": src.copyright, "nav": src.nav, "plugins": _plugins_without_zhinan(config_file)}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"pages": len(src.pages), "files": len(copied)}


ACTIONS: dict[str, Callable[[Json], Json]] = {
    "validate": do_validate, "build": do_build, "volume": do_volume, "site-pages": do_site_pages,
    "print-html": do_print_html,
}


def child_main(action: str, spec_json: str, report_path: str) -> int:
    report: Json
    try:
        report = ACTIONS[action](json.loads(spec_json))
    except Exception as exc:
        report = {"error": _error(exc), "traceback": traceback.format_exc()[-2000:]}
    report["peak_mib"] = _peak_self_mib()
    Path(report_path).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return 0


# ---- The benchmark ------------------------------------------------------------------------


def machine_speed() -> float:
    """Seconds of CPU for a fixed pure-Python loop (the best of three): a shared virtual machine
    runs at different speeds from one hour to the next (here up to 1.5×), and the figures of two
    runs compare only with this beside them."""
    best = float("inf")
    for _ in range(3):
        t0, total = time.process_time(), 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.process_time() - t0)
    return round(best, 3)


def weasyprint_cli(html: Path, base_url: str) -> Json:
    """The weasyprint command on HTML the pdf stage wrote, in a fresh process, with what the build
    gives WeasyPrint too: its fontconfig file and a tagged PDF."""
    from zhinan.pdf.fonts import FONTS_CONF

    fonts = os.environ.get("FONTCONFIG_FILE", str(FONTS_CONF))
    return run_measured([str(BIN / "weasyprint"), "--pdf-tags", "--base-url", base_url, str(html),
                         str(html.with_suffix(".pdf"))], env={"FONTCONFIG_FILE": fonts})[0]


def pages_sample(pages: dict[str, int], n: int) -> list[str]:
    """`n` files drawn with a chance proportional to their pages (or a measure the pages follow,
    such as their HTML's length), systematically: in order of size, the files under the points
    (k + ½)·total/n of the running count (a file that spans two points is drawn once)."""
    ordered = sorted(pages, key=lambda name: (pages[name], name))
    total, drawn = sum(pages.values()), []
    for k in range(n):
        point, running = (k + 0.5) * total / n, 0
        for name in ordered:
            running += pages[name]
            if running > point:
                drawn.append(name)
                break
    return sorted(set(drawn), key=drawn.index)


def _mean_cpu(runs: list[Json]) -> float:
    """The mean CPU seconds of runs of one command (0 if none reported it)."""
    cpu = [r["cpu_s"] for r in runs if r.get("cpu_s") is not None]
    return round(statistics.fmean(cpu), 3) if cpu else 0.0


def cpu_per_page(cpu: dict[str, float], pages: dict[str, int]) -> float:
    """CPU seconds per page over the sampled files (`cpu`) that are among `pages`."""
    sampled = [name for name in cpu if name in pages]
    return max(0.0, sum(cpu[n] for n in sampled)) / max(1, sum(pages[n] for n in sampled))


def ratio(ours: float | None, base: float | None) -> float | None:
    return round(ours / base, 3) if ours and base else None


def stage_row(run: Json, sampler: Sampler, stage: str) -> Json:
    entry = run.get("stages", {}).get(stage)
    if entry is None:
        return {"seconds": None, "tree_mib": None, "error": run.get("error") or "未运行"}
    row = {"seconds": stage_seconds(run, stage), "cpu_s": entry.get("cpu_s"),
           "tree_mib": sampler.peak(entry["start"], entry["end"])}
    if "error" in entry:
        return {**row, "seconds": None, "error": entry["error"]}
    return row


def stage_seconds(run: Json, stage: str, key: str = "seconds") -> float | None:
    entry = run.get("stages", {}).get(stage, {})
    if "error" in entry or entry.get(key) is None:
        return None
    # The site waits for the PDFs (rendering alongside) before it copies them in: not its own time.
    waited = (entry.get("figures") or {}).get("waited_seconds") or 0 if key == "seconds" else 0
    return round(float(entry[key]) - waited, 3)


def front_pages(guide: Path) -> int:
    """The pages of guide.pdf's front matter: those whose page label is a plain number."""
    import pikepdf

    with pikepdf.open(guide) as pdf:
        return sum(1 for page in pdf.pages if page.label.isdigit())


def pdf_files(run: Json) -> list[Json]:
    """What the pdf stage reports for each of its files (name, pages, seconds, …)."""
    files: list[Json] = run.get("stages", {}).get("pdf", {}).get("figures", {}).get("files", [])
    return files


def file_seconds(run: Json, name: str, key: str = "seconds") -> float | None:
    """Seconds (wall, or `cpu_seconds`) the pdf stage reports for one of its files."""
    return next((f.get(key) for f in pdf_files(run) if f.get("file") == name), None)


def why(*runs: Json) -> str | None:
    """The first failure among the runs a figure was computed from."""
    for run in runs:
        for entry in [run, *run.get("stages", {}).values()]:
            if entry.get("error"):
                return str(entry["error"])
    return None


def figure(value: float | None, target: float | None, runs: tuple[Json, ...], **parts: Any) -> Json:
    out: Json = {"value": value, "target": target, **parts}
    if value is None:
        out["reason"] = why(*runs) or "缺少比较的一方"
    elif target is not None:
        out["ok"] = value <= target
    return out


def _edit(path: Path, pattern: str, insert: str, what: str) -> Path:
    """Insert `insert` where group 1 of `pattern` ends (its first match), as a contributor's save would."""
    text = path.read_text(encoding="utf-8")
    found = re.search(pattern, text, flags=re.M)
    if not found:
        raise SystemExit(f"{path}: 找不到{what}，无法模拟修改")
    path.write_text(text[:found.end(1)] + insert + text[found.end(1):], encoding="utf-8")
    return path


def middle_sector_folder(root: Path) -> Path:
    folders = sorted((root / "sectors").iterdir())
    return folders[len(folders) // 2]


def enterprise_file(root: Path) -> Path:
    return sorted((middle_sector_folder(root) / "enterprises").glob("*.yml"))[0]


def edit_one_enterprise(root: Path, note: str = "本段为增量构建测试所加。") -> Path:
    """Put a sentence at the start of one enterprise's summary (a `summary: |` block)."""
    return _edit(enterprise_file(root), r"^summary: \|\n(  )", note, " summary 块")


def edit_one_item(root: Path, note: str) -> Path:
    """Append a sentence to the `content` of a sector's first checklist item (a one-line value)."""
    return _edit(middle_sector_folder(root) / "checklist.yml", r"^  content: (?![|>'\"])(.*)$", note,
                 "单行的检查内容 content")


def edit_one_chapter(root: Path, name: str, note: str) -> Path:
    """Append a paragraph to a common chapter."""
    return _edit(root / "guides" / name, r"(\Z)", f"\n\n{note}\n", "章节末尾")


def preview_edits(root: Path) -> list[tuple[str, str, Callable[[str], Path]]]:
    """The three saves the preview is timed on, each with the URL path of the page that shows it:
    an enterprise's summary, a checklist item's text, a common chapter."""
    from zhinan import site
    from zhinan.content.validate import load_content

    content = load_content(root)
    sc = content.sector(middle_sector_folder(root).name)
    ent = next(e for e in sc.enterprises if e.id == enterprise_file(root).stem)
    chapter = content.chapters[len(content.chapters) // 2].name
    return [
        ("企业 enterprise", site.url_of(site.enterprise_src(sc, ent)), lambda note: edit_one_enterprise(root, note)),
        ("检查项 checklist item", site.url_of(site.sector_src(sc, "checklist")),
         lambda note: edit_one_item(root, note)),
        # The chapter's page source, as `site.render_pages` names it.
        ("章节 chapter", site.url_of(f"guide/{chapter}"), lambda note: edit_one_chapter(root, chapter, note)),
    ]


def site_figures(run: Json) -> Json:
    """The sizes the issue sets targets for, as the site stage reports them."""
    figures = run.get("stages", {}).get("site", {}).get("figures") or {}
    median, index = figures.get("median_page_bytes"), figures.get("search_index_gzip_bytes")
    return {"pages": figures.get("pages"), "median_page_kb": round(median / 1024, 1) if median else None,
            "search_index_gzip_mb": round(index / MIB, 2) if index else None,
            "targets": {"median_page_kb": 150, "search_index_gzip_mb": 3}}


def pdf_figures(run: Json) -> Json:
    files = pdf_files(run)
    largest: Json = max(files, key=lambda f: f.get("pages", 0), default={})
    return {"files": len(files), "mib": round(sum(f.get("bytes", 0) for f in files) / MIB, 1),
            "pages": sum(f.get("pages", 0) for f in files), "largest": [largest.get("file"), largest.get("pages")]}


SKIPPABLE = {
    "R3-R4": ("R3", "R4"), "R5": ("R5",), "R6": ("R6",), "preview": ("preview",), "network": ("network",),
    "print": ("print",),
}
"""The parts `--skip` leaves out, and the figures each gives: R3 and R4 come from the same five
PDF-only builds (and the sector PDFs row), R5 from two rebuilds, R6 from the weasyprint command on
a sample, the preview from `zhinan serve`."""


class Bench:
    def __init__(self, work: Path, scale: str, seed: int, jobs: int, skip: Iterable[str] = (), sample: int = 3,
                 rounds: int = 2) -> None:
        self.work, self.scale, self.seed, self.jobs = work, scale, seed, jobs
        self.skip, self.sample, self.rounds = set(skip), sample, rounds
        # R6's weasyprint passes over its sample, made before and after the full build.
        self.floor: Json = {"written": {}, "jobs": {}, "passes": []}
        self.root = work / "content"
        from zhinan.build import harfbuzz_subset_available

        self.result: Json = {"scale": scale, "seed": seed, "jobs": jobs, "cpus": os.cpu_count(),
                             "harfbuzz_subset": harfbuzz_subset_available(), "load_average_before": os.getloadavg()[0],
                             "speed_before_s": machine_speed()}

    def log(self, message: str) -> None:
        print(f"[bench] {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    def build(self, out: str, **spec: Any) -> tuple[Json, Sampler]:
        return child("build", root=str(self.root), out=str(self.work / out), **{"jobs": self.jobs, **spec})

    def run(self) -> Json:
        self.log(f"生成 {self.scale} 规模内容")
        gen, _ = run_measured([sys.executable, str(HERE / "gen_corpus.py"), "--scale", self.scale,
                               "--seed", str(self.seed), "--out", str(self.root)])
        if gen["rc"]:
            raise SystemExit(f"生成内容失败：{gen.get('error')}")
        self.measure_validate()
        self.save()
        # R6 brackets the full build: the weasyprint command's sample runs just before and just
        # after it, and R1's mkdocs build (the floor's other part) follows at once.
        if "R6" not in self.skip:
            self.engine_floor_before()
        full = self.measure_full()
        self.save()
        if "R6" not in self.skip:
            self.engine_floor_pass("构建之后 after the build")
        steps: list[tuple[str | None, Callable[[], None]]] = [
            (None, lambda: self.measure_site_overhead(full, self.rounds)), ("R6", lambda: self.measure_engine_floor(full)),
            ("print", self.measure_print_pages), ("R3-R4", self.measure_pdf_ratios), (None, self.measure_print_overhead),
            # Both edit the content: last.
            ("R5", lambda: self.measure_incremental(full)), ("preview", self.measure_preview),
            ("network", self.measure_network),
        ]
        for part, measure in steps:
            if part in self.skip:
                for key in SKIPPABLE[part]:
                    self.result[key] = figure(None, TARGETS[key], ({"error": f"跳过（--skip {part}）"},))
            else:
                measure()
            self.save()
        # Other jobs on the machine stretch wall times; the load average says how much.
        self.result["load_average_after"] = os.getloadavg()[0]
        self.result["speed_after_s"] = machine_speed()
        self.save()
        return self.result

    def measure_print_pages(self) -> None:
        """Every page of the full build's guide.pdf and blank forms measured as the tests measure the
        frozen edition (tests/printpages.py, issue 32): stranded headings, pages less than half full
        inside a part, ids past their cell's rule, full Chinese lines short of the margin, repeated
        or missing folios, pages with no content. guide.pdf binds the volumes, so they are measured
        in it. Read in `jobs` processes (pdfplumber: about 0.1–0.3 s CPU a page)."""
        self.log("逐页测量合订本和检查表（版面）")
        sys.path.insert(0, str(HERE.parent / "tests"))
        try:
            import printpages
        finally:
            sys.path.pop(0)
        pdf = self.work / "out-full" / "pdf"
        names = ["guide.pdf", *sorted(p.name for p in pdf.glob("*-form.pdf"))]
        wall, cpu = time.perf_counter(), _children_cpu() + time.process_time()
        try:
            found = printpages.measure({n: printpages.read_pages_in(pdf / n, self.jobs) for n in names})
        except Exception as exc:  # reported, the run goes on
            self.result["print"] = {"error": _error(exc)}
            return
        problems = printpages.failures(found)
        flush = found["flush"]
        self.result["print"] = {
            "ok": not problems, "problems": problems, "files": found["files"], "pages": found["pages"],
            "guide_pages": found["guide_pages"], "content_free_pages": len(found["content_free_pages"]),
            "content_free_share": round(len(found["content_free_pages"]) / max(1, found["guide_pages"]), 4),
            **{key: len(found[key]) for key in ("stranded_headings", "underfull_pages", "id_overruns",
                                                  "repeated_folios", "unnumbered_pages")},
            "full_lines": sum(f["full_lines"] for f in flush.values()),
            "flush_share": round(sum(f["flush"] for f in flush.values()) / max(1, sum(f["full_lines"] for f in flush.values())), 4),
            "examples": {key: found[key][:5] for key in ("stranded_headings", "underfull_pages", "id_overruns",
                                                          "repeated_folios", "unnumbered_pages") if found[key]},
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(_children_cpu() + time.process_time() - cpu, 2),
        }

    def measure_network(self) -> None:
        """Home, a checklist page and a self-check page of the full build's site under Fast 3G and
        Slow 3G, served with gzip (`measure_links`)."""
        self.log("慢速网络（Fast 3G / Slow 3G）")
        try:
            self.result["network"] = measure_links(self.work / "out-full" / "site")
        except Exception as exc:  # reported, the run goes on
            self.result["network"] = {"error": _error(exc)}

    def save(self) -> None:
        """The figures so far, in the work folder: a long city run that is stopped keeps them."""
        (self.work / "bench.json").write_text(json.dumps(self.result, ensure_ascii=False, indent=1), encoding="utf-8")

    def measure_validate(self) -> None:
        self.log("载入+校验")
        run, _ = child("validate", root=str(self.root))
        self.result["corpus"] = {k: run.get(k) for k in ("sectors", "items", "enterprises", "practices")}
        row = {"seconds": run.get("seconds"), "wall_s": run["wall_s"], "cpu_s": run.get("cpu_s"),
               "peak_mib": run.get("peak_mib"),
               "tree_mib": run["tree_mib"], "target_s": ABSOLUTE_TARGETS["validate_s"]}
        self.result["stages"] = {"validate": row if not run.get("error") else {**row, "error": run["error"]}}

    def measure_full(self) -> Json:
        self.log(f"完整构建（-j {self.jobs}）")
        full, samples = self.build("out-full")
        for stage in ("site", "sheets", "data"):
            self.result["stages"][stage] = stage_row(full, samples, stage)
        self.result["stages"]["pdf_all"] = stage_row(full, samples, "pdf")
        # guide.pdf's front matter renders beside the forms; the book is bound once the workers are gone.
        pdf, guide = full.get("stages", {}).get("pdf", {}), file_seconds(full, "guide.pdf")
        self.result["stages"]["guide_pdf"] = {
            "seconds": guide, "cpu_s": file_seconds(full, "guide.pdf", "cpu_seconds"),
            "tree_mib": samples.peak(pdf["end"] - guide - 0.1, pdf["end"]) if pdf.get("end") and guide else None,
            "note": "从分册排完到合订本写出：前部与空白检查表同时排版，装订在工作进程退出后单独进行 "
                    "(front matter beside the forms, bound alone after the workers exit; cpu_s: front + binding)"}
        self.result["full_build"] = {
            "wall_s": full["wall_s"], "cpu_s": full.get("cpu_s"), "peak_mib": full.get("peak_mib"),
            "tree_mib": full["tree_mib"],
            "targets": {"wall_s": ABSOLUTE_TARGETS["full_build_s"], "tree_mib": ABSOLUTE_TARGETS["full_build_tree_mib"]},
            "site": site_figures(full), "pdf": pdf_figures(full),
        }
        return full

    def measure_incremental(self, full: Json) -> None:
        edited = edit_one_enterprise(self.root)
        self.log(f"增量构建：修改了 {edited.relative_to(self.root)}")
        again, _ = self.build("out-full")
        r5 = self.result["R5"] = figure(
            ratio(again["wall_s"], full["wall_s"]), TARGETS["R5"], (full, again), rebuild_s=again["wall_s"],
            full_s=full["wall_s"], edited=str(edited.relative_to(self.root)), cpu_ratio=ratio(again["cpu_s"], full["cpu_s"]),
            note="进程总用时之比（含载入+校验）；要达标须有 build/.cache 内容哈希缓存",
        )
        self.save()
        self.log("增量构建：没有修改")
        same, _ = self.build("out-full")
        r5.update(no_change=ratio(same["wall_s"], full["wall_s"]), no_change_s=same["wall_s"],
                  no_change_cpu_ratio=ratio(same["cpu_s"], full["cpu_s"]),
                  no_change_target=TARGETS["R5_no_change"])

    def engine_floor_before(self) -> None:
        """R6's first half, before the full build: the HTML of every volume and form written as the
        pdf stage writes it, a sample drawn by that HTML's length (pages are known only once the
        build has laid them out; a file's pages follow its HTML's length), and the weasyprint
        command's first pass over the sample. The second pass follows the full build, and the floor
        takes the mean of the two: the passes bracket the build in time, so a machine whose speed
        drifts through the run moves the build and its floor alike."""
        folder = self.work / "floor"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        files = [[f"{sector}{suffix}.pdf", sector, kind] for sector in self.sector_ids()
                 for suffix, kind in (("", "volume"), ("-form", "form"))]
        self.log("weasyprint 命令排版抽样：写出全部 HTML")
        written, _ = child("print-html", root=str(self.root), folder=str(folder), files=files)
        jobs: Json = written.get("files", {})
        by_kind = {kind: {name: jobs[name]["chars"] for name, _, k in files if k == kind and name in jobs}
                   for kind in ("volume", "form")}
        sample = [name for chars in by_kind.values() for name in pages_sample(chars, self.sample)]
        for name in set(jobs) - set(sample):
            Path(jobs[name]["html"]).unlink(missing_ok=True)
        self.floor = {"written": written, "jobs": {name: jobs[name] for name in sample}, "passes": []}
        if sample:
            # Unmeasured: the fonts, images and Python files are read from disk once, as they were
            # for the second pass by the build before it.
            self.log("weasyprint 命令预热 warm-up")
            weasyprint_cli(Path(jobs[sample[0]]["html"]), jobs[sample[0]]["base_url"])
        self.engine_floor_pass("构建之前 before the build")

    def engine_floor_pass(self, when: str) -> None:
        """One pass of the weasyprint command: its start (a one-line page), then each sampled file."""
        folder, jobs = self.work / "floor", self.floor["jobs"]
        self.log(f"weasyprint 命令排版抽样（{when}）：{'、'.join(jobs)}")
        one_line = folder / "start.html"
        one_line.write_text('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><p>安全生产标准化</p></html>',
                            encoding="utf-8")
        speed = machine_speed()
        start = weasyprint_cli(one_line, folder.as_uri() + "/")
        runs = {name: weasyprint_cli(Path(job["html"]), job["base_url"]) for name, job in jobs.items()}
        self.floor["passes"].append({"when": when, "speed_s": speed, "start": start, "runs": runs})

    def measure_engine_floor(self, full: Json) -> None:
        """R6: the full build's wall time ÷ the floor of the engines it drives, on the same corpus:
        (CPU of the weasyprint command on the HTML of every PDF the build lays out + CPU of the plain
        `mkdocs build` of R1) ÷ the cores the build may use. The command runs on a sample of
        `self.sample` volumes and as many forms, twice (before and after the full build), and each
        file's CPU is the mean of the two; each less the command's start (the same command on a
        one-line page, likewise twice) gives a CPU per page for volumes and one for forms; these
        times the pages of each kind (guide.pdf's front matter counted as volume pages), plus one
        start per file, estimate the command's CPU on all of them."""
        files = {f["file"]: f["pages"] for f in pdf_files(full)}
        kinds = {f"{sector}{suffix}.pdf": kind for sector in self.sector_ids()
                 for suffix, kind in (("", "volume"), ("-form", "form"))}
        by_kind = {kind: {name: pages for name, pages in files.items() if kinds.get(name) == kind}
                   for kind in ("volume", "form")}
        # guide.pdf's front matter: its pages labelled 1…n (the volumes' pages are “<分册>-<页>”, and
        # their covers and 目录s are not bound into the book).
        guide = self.work / "out-full" / "pdf" / "guide.pdf"
        front = front_pages(guide) if "guide.pdf" in files and guide.is_file() else 0
        laid_out = {"volume": sum(by_kind["volume"].values()) + front, "form": sum(by_kind["form"].values())}
        passes: list[Json] = self.floor["passes"]
        runs = {name: [p["runs"][name] for p in passes] for name in self.floor["jobs"]}
        starts = [p["start"] for p in passes]
        mkdocs_cpu = min(self.result.get("R1", {}).get("mkdocs_cpu_s") or [None])
        parts: Json = {
            "full_s": full["wall_s"], "mkdocs_cpu_s": mkdocs_cpu, "cores": min(self.jobs, os.cpu_count() or 1),
            "weasyprint_start_cpu_s": _mean_cpu(starts), "files": len(files), "pages": sum(laid_out.values()),
            "front_pages": front, "sample_pages": sum(files.get(name, 0) for name in runs),
            "sample": [{"file": name, "pages": files.get(name), "cpu_s": _mean_cpu(each),
                        "cpu_passes_s": [r.get("cpu_s") for r in each]} for name, each in runs.items()],
            "passes": [{"when": p["when"], "speed_s": p["speed_s"]} for p in passes],
        }
        every = [self.floor["written"], *starts, *(r for each in runs.values() for r in each)]
        failed = next((r for r in every if r.get("error")), None)
        missing = ("完整构建没有报告抽样的 PDF" if not runs or not set(runs) <= set(files)
                   else "缺少 R1 的 mkdocs build" if mkdocs_cpu is None
                   else "缺少构建之前或之后的一次排版" if len(passes) < 2 else None)
        if missing:
            failed = failed or {"error": missing}
        if failed is None:
            cpu = {name: _mean_cpu(each) - parts["weasyprint_start_cpu_s"] for name, each in runs.items()}
            per_page = {kind: cpu_per_page(cpu, pages) for kind, pages in by_kind.items()}
            work = sum(per_page[kind] * pages for kind, pages in laid_out.items())
            parts["weasyprint_cpu_per_page_s"] = {kind: round(v, 4) for kind, v in per_page.items()}
            parts["weasyprint_cli_cpu_s"] = round(parts["weasyprint_start_cpu_s"] * len(files) + work, 2)
            parts["floor_s"] = round((parts["weasyprint_cli_cpu_s"] + mkdocs_cpu) / parts["cores"], 2)
        self.result["R6"] = figure(
            ratio(full["wall_s"], parts.get("floor_s")), TARGETS["R6"], (full, failed or {}), **parts,
            note="完整构建用时 ÷ 引擎下限；下限 = (weasyprint 命令排版全部 PDF 的 CPU：按 HTML 长度加权抽样，在完整构建之前和之后"
                 "各排一次取平均，每页 CPU 乘以总页数，加每个文件一次启动 + 同样页面的 mkdocs build 的 CPU，取 R1 中较少的一次) ÷ 核数",
        )

    def measure_preview(self) -> None:
        """preview: `zhinan serve` on a copy of the corpus, its first page, then three saves of
        different kinds, each timed from the file's write to the changed page being served."""
        root = self.work / "preview"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(self.root, root)
        try:
            edits = preview_edits(root)
        except (Exception, SystemExit) as exc:  # the corpus has no such files: a reason, not a crash
            self.result["preview"] = figure(None, TARGETS["preview"], ({"error": _error(exc)},))
            return
        self.log("实时预览：启动 zhinan serve")
        with sigterm_as_exit(), PreviewServer(root, self.work / "preview-server.log") as server:
            first = server.poll("", lambda text: True, server.started)
            self.result["preview_first_s"] = first
            rows = [self.preview_edit(server, root, *edit) for edit in edits] if first is not None else []
        seconds = [row["seconds"] for row in rows]
        if first is None:
            failed: Json = {"error": f"{PREVIEW_TIMEOUT_S:.0f} 秒内没有提供首页：{server.tail()}"}
        else:
            failed = next(({"error": f"{row['kind']}: {row['reason']}"} for row in rows if row["seconds"] is None), {})
        self.result["preview"] = figure(
            None if failed else round(statistics.median(seconds), 3), TARGETS["preview"], (failed,),
            first_s=first, edits=rows, poll_s=POLL_S, timeout_s=PREVIEW_TIMEOUT_S, stopped_by=server.stopped_by,
            note="zhinan serve 运行于内容副本；从写入文件到实时服务器提供含新文字的页面，三种修改的中位数",
        )

    def preview_edit(self, server: PreviewServer, root: Path, kind: str, path: str,
                     save: Callable[[str], Path]) -> Json:
        note = f"预览测试{uuid.uuid4().int % 10**8:08d}号"
        self.log(f"实时预览：修改{kind}，等待 /{path}")
        row: Json = {"kind": kind, "url": f"/{path}", "seconds": None, "seen": False}
        if server.poll(path, lambda text: note not in text, time.perf_counter()) is None:
            return {**row, "reason": f"修改之前就不能打开该页面：{server.tail()}"}
        server.wait_idle()
        try:
            row["file"] = save(note).relative_to(root).as_posix()
        except SystemExit as exc:
            return {**row, "reason": str(exc)}
        seconds = server.poll(path, lambda text: note in text, time.perf_counter())
        if seconds is None:
            return {**row, "reason": f"{PREVIEW_TIMEOUT_S:.0f} 秒内页面上没有出现新文字：{server.tail()}"}
        return {**row, "seconds": seconds, "seen": True}

    def sector_ids(self) -> list[str]:
        return sorted(p.name for p in (self.root / "sectors").iterdir() if p.is_dir())

    def measure_pdf_ratios(self) -> None:
        """R3 and R4 from PDF-only builds, so that no other stage shares the machine with them, run
        in the order with guide.pdf, without it, -j 1, without it, with it: all PDFs with -j 2,
        the same without guide.pdf (every sector selected: no combined volume), and all PDFs with
        -j 1. Each side of a ratio is the sum of its runs: the two pairs are mirrored in time, and
        -j 1 sits in the middle, so a machine whose speed drifts steadily through the five builds
        (here up to 1.7× in one run) weighs on both sides alike. guide.pdf's front matter renders
        while the workers render the forms, so its cost shows only as the difference of builds."""
        builds: dict[str, tuple[str, Json]] = {
            "both": ("全部 PDF（-j 2，只生成 PDF）", {}),
            "sectors": ("全部行业分册和检查表，不含合订本（-j 2）", {"sectors": self.sector_ids()}),
            "serial": ("全部 PDF（-j 1）", {"jobs": 1}),
        }
        runs: dict[str, list[Json]] = {"both": [], "sectors": [], "serial": []}
        for n, key in enumerate(("both", "sectors", "serial", "sectors", "both")):
            label, spec = builds[key]
            self.log(f"{label}，第 {n + 1}/5 次")
            out = self.work / f"out-{key}"
            shutil.rmtree(out, ignore_errors=True)  # each build starts clean: no cache from the last
            run, samples = self.build(out.name, only=["pdf"], **spec)
            if key == "sectors" and not runs["sectors"]:
                self.result["stages"]["sector_pdfs"] = stage_row(run, samples, "pdf")
            runs[key].append(run)
            shutil.rmtree(out, ignore_errors=True)

        def total(key: str, part: str = "seconds") -> float | None:
            times = [stage_seconds(r, "pdf", part) for r in runs[key]]
            return round(sum(t for t in times if t is not None), 3) if times and None not in times else None

        def each(key: str) -> list[float | None]:
            return [stage_seconds(r, "pdf") for r in runs[key]]

        both, sectors, serial = total("both"), total("sectors"), total("serial")
        self.result["R4"] = figure(ratio(both, sectors), TARGETS["R4"], (*runs["both"], *runs["sectors"]),
                                   with_guide_s=each("both"), sectors_only_s=each("sectors"),
                                   note="五次只生成 PDF 的构建，次序为 含、不含、-j 1、不含、含：含合订本两次之和 ÷ 不含合订本两次之和")
        self.result["R3"] = figure(ratio(both and both / 2, serial), TARGETS["R3"], (*runs["both"], *runs["serial"]),
                                   j2_s=each("both"), j1_s=each("serial"),
                                   cpu_s={"j2": total("both", "cpu_s"), "j1": total("serial", "cpu_s")},
                                   note="-j 2 两次的平均 ÷ 位于其正中的 -j 1 一次")

    def measure_print_overhead(self) -> None:
        """R2: one volume rendered by our pdf stage ÷ the weasyprint command on the same HTML,
        each in a fresh process, each paying for importing WeasyPrint and loading the fonts."""
        sector = self.median_sector()
        self.log(f"一个行业分册与 weasyprint 命令：{sector}")
        html = self.work / "weasyprint" / f"{sector}.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        ours, _ = child("volume", root=str(self.root), sector=sector, html=str(html))
        base = {"error": ours["error"]} if ours.get("error") else weasyprint_cli(html, ours["base_url"])
        cli_s = None if base.get("error") else base["wall_s"]
        self.result["R2"] = figure(
            ratio(ours.get("seconds"), cli_s), TARGETS["R2"], (ours, base), sector=sector, pages=ours.get("pages"),
            ours_s=ours.get("seconds"), weasyprint_cli_s=cli_s, html_kib=round(html.stat().st_size / 1024)
            if html.is_file() else None, cpu_ratio=ratio(ours.get("render_cpu_s"), base.get("cpu_s")),
        )

    def median_sector(self) -> str:
        sizes = {s: (self.root / "sectors" / s / "checklist.yml").stat().st_size for s in self.sector_ids()}
        ordered = sorted(sizes, key=lambda s: (sizes[s], s))
        return ordered[len(ordered) // 2]

    def measure_site_overhead(self, full: Json, rounds: int = 2) -> None:
        """R1: our site stage alone (`zhinan build --only site`, no cache, the full build's PDFs and
        workbooks as downloads) ÷ `mkdocs build` of the same pages as static Markdown, alternated
        `rounds` times; the fastest of each side is compared, as the machine's speed wanders."""
        self.log("同样页面的 mkdocs build")
        project = self.work / "static-site"
        full_out = self.work / "out-full"
        written, _ = child("site-pages", root=str(self.root), out=str(full_out), project=str(project))
        ours_runs: list[Json] = []
        base_runs: list[Json] = []
        for n in range(rounds):
            out = self.work / f"out-site-{n}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            for folder in ("pdf", "sheets"):
                (out / folder).symlink_to(full_out / folder, target_is_directory=True)
            self.log(f"网站阶段单独构建（第 {n + 1} 次）")
            ours_runs.append(self.build(out.name, only=["site"])[0])
            if not written.get("error"):
                self.log(f"mkdocs build（第 {n + 1} 次）")
                shutil.rmtree(project / "site", ignore_errors=True)
                base_runs.append(run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(project / "mkdocs.yml"),
                                               "-d", str(project / "site")])[0])
            shutil.rmtree(out, ignore_errors=True)
        ours = [t for t in (stage_seconds(r, "site") for r in ours_runs) if t]
        base = [r["wall_s"] for r in base_runs if not r.get("error")]
        self.result["R1"] = figure(
            ratio(min(ours, default=None), min(base, default=None)), TARGETS["R1"], (written, *ours_runs, *base_runs),
            ours_s=ours, mkdocs_s=base, mkdocs_cpu_s=[r["cpu_s"] for r in base_runs if not r.get("error")],
            in_full_build_s=stage_seconds(full, "site"),
            note=f"各自单独运行、交替各 {rounds} 次，取最快一次相比；完整构建中网站与 PDF 并行，其用时不可比")


# ---- Output -------------------------------------------------------------------------------

ROWS = (
    ("validate", "载入+校验 load+validate"), ("site", "网站 site"), ("sector_pdfs", "分册+检查表 sector PDFs"),
    ("guide_pdf", "合订本 guide.pdf"), ("pdf_all", "全部 PDF all PDFs"), ("sheets", "工作簿 sheets"),
    ("data", "开放数据 data"),
)
RATIOS = (
    ("R1", "网站开销 site ÷ mkdocs"), ("R2", "排版开销 volume ÷ weasyprint CLI"), ("R3", "并行 -j2 ÷ -j1"),
    ("R4", "合订本 +guide ÷ sectors"), ("R5", "增量 edit ÷ full"), ("R6", "引擎下限 full ÷ engines' floor"),
)


def _num(value: Any, fmt: str = "{:.2f}") -> str:
    return "—" if value is None else fmt.format(value)


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _verdict(value: Any, target: float | None, reason: str | None = None) -> str:
    if value is None or target is None:
        return reason or "—"
    return "达标 ok" if value <= target else "未达标 over target"


def render_table(r: Json) -> str:
    c, f = r.get("corpus", {}), r.get("full_build", {})
    lines = [f"规模 scale: {r['scale']}（{c.get('sectors')} 个行业, {c.get('items')} 个检查项, "
             f"{c.get('enterprises')} 家企业, {c.get('practices')} 项做法）  -j {r['jobs']}, {r['cpus']} CPU, "
             f"负载 load {r['load_average_before']:.1f} → {r.get('load_average_after', 0):.1f}, "
             f"机器速度 speed {_num(r.get('speed_before_s'), '{:.3f}')} → {_num(r.get('speed_after_s'), '{:.3f}')} s", "",
             f"{_pad('阶段 stage', 28)}{'用时 wall s':>12}{'CPU s':>10}{'峰值 peak MiB':>15}  说明 note"]
    rows = [(label, r["stages"].get(key, {})) for key, label in ROWS]
    rows.append(("完整构建 full build", {**f, "seconds": f.get("wall_s"),
                                      "note": f"单进程峰值 largest process {_num(f.get('peak_mib'), '{:.0f}')} MiB"}))
    for label, row in rows:
        lines.append(f"{_pad(label, 28)}{_num(row.get('seconds')):>12}{_num(row.get('cpu_s')):>10}"
                     f"{_num(row.get('tree_mib'), '{:.0f}'):>15}  {row.get('error') or row.get('note') or ''}")
    lines += ["", f"{_pad('比值 ratio', 40)}{'值 value':>10}{'目标 target':>13}{'CPU 比 ratio':>14}  结果 result"]
    r5 = r.get("R5", {})
    figures = [(f"{key} {label}", r.get(key, {})) for key, label in RATIOS]
    figures.insert(5, ("R5 无修改 no-change ÷ full", {"value": r5.get("no_change"), "target": TARGETS["R5_no_change"],
                                                     "cpu_ratio": r5.get("no_change_cpu_ratio")}))
    figures.append(("预览 preview: save → page served (s)", r.get("preview", {})))
    for label, fig in figures:
        lines.append(f"{_pad(label, 40)}{_num(fig.get('value')):>10}{_num(fig.get('target')):>13}"
                     f"{_num(fig.get('cpu_ratio')):>14}  {_verdict(fig.get('value'), fig.get('target'), fig.get('reason'))}")
    lines += ["", f"网站 site: {json.dumps(f.get('site'), ensure_ascii=False)}",
              f"PDF: {json.dumps(f.get('pdf'), ensure_ascii=False)}", *r6_lines(r.get("R6", {})),
              *preview_lines(r.get("preview_first_s"), r.get("preview", {})), *print_lines(r.get("print", {}))]
    if "pages" in r.get("network", {}):
        lines += ["", render_links(r["network"])]
    return "\n".join(lines)


def print_lines(p: Json) -> list[str]:
    if "pages" not in p:
        return [f"版面 print: {p['error']}"] if p.get("error") else []
    return [f"版面 print: {p['files']} 个文件 {p['pages']} 页（合订本 {p['guide_pages']} 页，无内容 {p['content_free_pages']} 页 = "
            f"{p['content_free_share']:.1%}）；标题落在页底 {p['stranded_headings']}，部分内半空页 {p['underfull_pages']}，"
            f"编号出格 {p['id_overruns']}，页码重复 {p['repeated_folios']}、缺页码 {p['unnumbered_pages']}，"
            f"满行齐右 {p['flush_share']:.1%}（{p['full_lines']} 行）；测量 {_num(p['wall_s'])} s、CPU {_num(p['cpu_s'])} s"
            f"  {'达标 ok' if p['ok'] else '未达标: ' + '; '.join(p['problems'])}"]


def r6_lines(r6: Json) -> list[str]:
    if "cores" not in r6:
        return []
    sample = "、".join(f"{s['file']} {s['pages']} 页 {_num(s['cpu_s'])} s" for s in r6.get("sample", []))
    return [f"R6: 完整构建 full {_num(r6.get('full_s'))} s ÷ 下限 floor {_num(r6.get('floor_s'))} s = "
            f"(weasyprint 命令 CLI CPU {_num(r6.get('weasyprint_cli_cpu_s'))} s + mkdocs CPU "
            f"{_num(r6.get('mkdocs_cpu_s'))} s) ÷ {r6['cores']} 核 cores",
            f"    weasyprint: {r6.get('files')} 个文件 files, {r6.get('pages')} 页 pages（合订本前部 front "
            f"{r6.get('front_pages')}）；启动 start {_num(r6.get('weasyprint_start_cpu_s'))} s/文件 file；"
            f"每页 per page {json.dumps(r6.get('weasyprint_cpu_per_page_s'))}",
            f"    抽样 sample {r6.get('sample_pages')} 页 pages: {sample}"]


def preview_lines(first: float | None, preview: Json) -> list[str]:
    if "edits" not in preview:
        return []
    lines = [f"预览 preview: 首页 first page {_num(first)} s；服务器停止 stopped by {preview.get('stopped_by')}"]
    for edit in preview["edits"]:
        lines.append(f"    {_pad(edit['kind'], 24)}{_num(edit['seconds']):>8} s  {edit['url']}  {edit.get('reason') or ''}")
    return lines


@contextlib.contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="zhinan-bench-") as tmp:
        yield Path(tmp)


# ---- Slow links: pages under Chromium's 3G emulation, served with gzip -------------------------

LINKS = {
    # Chromium DevTools' presets (front_end/core/sdk/NetworkManager.ts): latency in ms, bytes/s.
    "Fast 3G": {"latency": 562.5, "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
                "uploadThroughput": 750 * 1000 / 8 * 0.9},
    "Slow 3G": {"latency": 2000.0, "downloadThroughput": 500 * 1000 / 8 * 0.8,
                "uploadThroughput": 500 * 1000 / 8 * 0.8},
}
LINK_TARGETS = {("Fast 3G", "home"): 2.5, ("Fast 3G", "checklist"): 3.0, ("Fast 3G", "self-check"): 4.0}
"""Seconds to `load` on Fast 3G (issue 33); Slow 3G is reported without a target."""
_GZIP_TYPES = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")


def gzip_server(folder: Path, csp_header: bool = False) -> tuple[Any, str]:
    """A static server for `folder` that gzips text as a production server would; with
    `csp_header`, each HTML page's CSP <meta> is also sent as a Content-Security-Policy header."""
    import functools
    import gzip
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send_head(self) -> Any:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", "") \
                    or path.suffix not in _GZIP_TYPES:
                return super().send_head()
            raw = path.read_bytes()
            body = gzip.compress(raw, 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            if csp_header and path.suffix == ".html":
                m = re.search(rb'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', raw)
                if m:
                    self.send_header("Content-Security-Policy", m.group(1).decode())
            self.end_headers()
            import io
            return io.BytesIO(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def link_pages(site: Path) -> dict[str, str]:
    """Home, the first sector's checklist page and its self-check page."""
    sector = sorted(p.parent.parent.name for p in site.glob("sectors/*/self-check/index.html"))[0]
    return {"home": "", "checklist": f"sectors/{sector}/checklist/", "self-check": f"sectors/{sector}/self-check/"}


def measure_links(site: Path, runs: int = 1, csp_header: bool = False) -> Json:
    """Each page of `link_pages` in a fresh Chromium context (cold cache) under each of `LINKS`:
    seconds to `load`, bytes on the wire, and whether the search index was requested before the
    reader opened search; then the index's size and the bytes it costs once search is opened."""
    from playwright.sync_api import sync_playwright

    httpd, base = gzip_server(site, csp_header)
    out: Json = {"pages": {}, "csp_header": csp_header}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            for link, conditions in LINKS.items():
                for name, path in link_pages(site).items():
                    seconds, wire, index_early = [], 0, False
                    for _ in range(runs):
                        context = browser.new_context()
                        page = context.new_page()
                        cdp = context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                        cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
                        sizes: dict[str, float] = {}
                        urls: list[str] = []
                        cdp.on("Network.loadingFinished", lambda e, s=sizes: s.__setitem__(e["requestId"], e["encodedDataLength"]))
                        cdp.on("Network.requestWillBeSent", lambda e, u=urls: u.append(e["request"]["url"]))
                        start = time.perf_counter()
                        page.goto(base + path, wait_until="load", timeout=120_000)
                        seconds.append(time.perf_counter() - start)
                        page.wait_for_timeout(500)
                        wire = int(sum(sizes.values()))
                        index_early = index_early or any("search_index" in u for u in urls)
                        context.close()
                    key = f"{link} {name}"
                    target = LINK_TARGETS.get((link, name))
                    value = round(statistics.median(seconds), 2)
                    out["pages"][key] = {"load_s": value, "target_s": target,
                                         "ok": None if target is None else value <= target,
                                         "wire_bytes": wire, "search_index_before_search": index_early}
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    import gzip

    index = site / "search" / "search_index.json"
    raw = index.read_bytes() if index.is_file() else b""
    out["search_index_bytes"], out["search_index_gzip_bytes"] = len(raw), len(gzip.compress(raw, 6))
    home = (site / "index.html").read_bytes()
    out["home_html_bytes"], out["home_html_gzip_bytes"] = len(home), len(gzip.compress(home, 6))
    worker = next(site.glob("assets/javascripts/workers/search.*.min.js"), None)
    if worker is not None:
        out["search_worker_gzip_bytes"] = len(gzip.compress(worker.read_bytes(), 6))
    return out


def render_links(result: Json) -> str:
    lines = [f"慢速网络（gzip，冷缓存{'，CSP 为响应头' if result.get('csp_header') else ''}）"]
    for key, row in result["pages"].items():
        target = f" ≤ {row['target_s']} s {'✓' if row['ok'] else '✗'}" if row["target_s"] is not None else ""
        lines.append(f"  {key:22} {row['load_s']:6.2f} s{target}  {row['wire_bytes'] / 1024:7.1f} KB"
                     f"{'  （打开搜索前已请求搜索索引）' if row['search_index_before_search'] else ''}")
    lines.append(f"  search_index.json {result['search_index_bytes'] / 1024:.0f} KB，gzip 后 "
                 f"{result['search_index_gzip_bytes'] / 1024:.0f} KB；首页 HTML gzip 后 {result['home_html_gzip_bytes'] / 1024:.0f} KB")
    return "\n".join(lines)

TALLY_TARGETS = {"cold_s": 120.0, "rerun_s": 10.0, "tree_mib": 500.0}
"""`zhinan tally` (issue 31): 5,000 returned files read cold in 2 minutes on 2 cores, a rerun with
100 new files in 10 s, the process tree's peak RSS under 500 MB. `cpu_per_file_s` is the cold run's CPU
less a run with nothing new (loading the content, writing the 简报), per file: 5,000 files in 120 s on 2
cores needs it under about 0.04 s with the fixed cost under 10 s. The figures measured are in
docs/tally.md ("用时") and the README, with the date and the machine's speed; `brief_pages` is the 简报's
page count."""


def bench_tally(argv: list[str]) -> int:
    """`bench.py tally [--files N] [--new M] [--keep DIR]`: a city corpus, an inbox of N returned files
    (scripts/gen_inbox.py), `zhinan tally` over it cold, then again with M new files beside it."""
    parser = argparse.ArgumentParser(prog="bench.py tally", description="测量 zhinan tally：冷启动、增量重读、峰值内存。")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="在这个目录中工作并保留结果（会先清空）")
    opts = parser.parse_args(argv)
    with workdir(opts.keep) as work:
        py = str(BIN / "python")
        gen = run_measured([py, str(HERE / "gen_corpus.py"), "--scale", "city", "--out", str(work / "city")])[0]
        inbox = run_measured([py, str(HERE / "gen_inbox.py"), "--root", str(work / "city"), "--out", str(work / "inbox"),
                              "--files", str(opts.files)])[0]
        cmd = [str(BIN / "zhinan"), "tally", "--root", str(work / "city"), "--out", str(work / "office"),
               "--as-of", "2021-12-31", "-j", str(opts.jobs), str(work / "inbox")]
        cold = run_measured(cmd)[0]
        run_measured([py, str(HERE / "gen_inbox.py"), "--root", str(work / "city"), "--out", str(work / "inbox-new"),
                      "--files", str(opts.new), "--seed", "2", "--first", str(opts.files * 10)])
        rerun = run_measured([*cmd, str(work / "inbox-new")])[0]
        again = run_measured([*cmd, str(work / "inbox-new")])[0]  # nothing new: the fixed cost (content, 简报 PDF)
        import pikepdf

        with pikepdf.open(work / "office" / "进展简报.pdf") as pdf:
            pages = len(pdf.pages)
        result = {"files": opts.files, "new": opts.new, "jobs": opts.jobs, "machine_speed_s": machine_speed(),
                  "load_avg": os.getloadavg(), "generate": {"corpus": gen, "inbox": inbox}, "cold": cold, "rerun": rerun,
                  "nothing_new": again, "brief_pages": pages,
                  "cpu_per_file_s": round((cold["cpu_s"] - again["cpu_s"]) / max(opts.files, 1), 4),
                  "targets": TALLY_TARGETS,
                  "met": {"cold_s": cold["wall_s"] <= TALLY_TARGETS["cold_s"], "rerun_s": rerun["wall_s"] <= TALLY_TARGETS["rerun_s"],
                          "tree_mib": max(cold["tree_mib"] or 0, rerun["tree_mib"] or 0) <= TALLY_TARGETS["tree_mib"]}}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["_child"]:
        return child_main(*args[1:4])
    if args[:1] == ["tally"]:
        return bench_tally(args[1:])
    parser = argparse.ArgumentParser(description="在合成内容上测量各阶段用时、峰值内存、R1–R6 比值和实时预览的刷新用时。")
    parser.add_argument("--scale", choices=("city", "small"), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", "-j", type=int, default=2, help="完整构建的并行进程数（R3 与 -j 1 比较）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.add_argument("--skip", action="append", default=[], choices=sorted(SKIPPABLE), metavar="PART",
                        help="不测这一部分（可重复）：R3-R4（五次只生成 PDF 的构建）、R5（两次增量构建）、"
                             "R6（weasyprint 命令排版抽样）、preview（zhinan serve）、network（Fast 3G / Slow 3G 下的加载用时）、"
                             "print（逐页测量合订本和检查表的版面）；"
                             "冒烟测试用它省时间")
    parser.add_argument("--no-incremental", action="store_true", help="即 --skip R5")
    parser.add_argument("--sample", type=int, default=3, metavar="N",
                        help="R6：weasyprint 命令排版的行业分册数，检查表数与之相同（按页数加权抽取）")
    parser.add_argument("--rounds", type=int, default=2, metavar="N",
                        help="R1：网站阶段与 mkdocs build 交替各运行 N 次，取各自最快一次（冒烟测试用 1）")
    parser.add_argument("--keep", type=Path, help="在这个目录中工作并保留结果（会先清空）")
    parser.add_argument("--network", type=Path, metavar="SITE",
                        help="只测一个已生成的网站在 Fast 3G / Slow 3G 下（gzip）首页、检查清单页、在线自查页的加载用时")
    parser.add_argument("--csp-header", action="store_true", help="与 --network 同用：CSP 同时以响应头发送")
    opts = parser.parse_args(args)
    if opts.network:
        links = measure_links(opts.network, csp_header=opts.csp_header)
        print(json.dumps(links, ensure_ascii=False, indent=1) if opts.json else render_links(links))
        return 0 if all(row["ok"] is not False for row in links["pages"].values()) else 1
    skip = opts.skip + (["R5"] if opts.no_incremental else [])
    with workdir(opts.keep) as work:
        result = Bench(work, opts.scale, opts.seed, opts.jobs, skip, opts.sample, opts.rounds).run()
    print(json.dumps(result, ensure_ascii=False, indent=1) if opts.json else render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
