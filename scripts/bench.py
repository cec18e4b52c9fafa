"""Benchmark the build on a synthetic corpus: wall time and peak memory per stage, ratios R1–R5.

    python scripts/bench.py --scale small|city [--json] [--jobs 2] [--keep DIR] [--no-incremental]

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
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
TARGETS = {"R1": 1.15, "R2": 1.10, "R3": 0.60, "R4": 1.10, "R5": 0.25, "R5_no_change": 0.10}
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


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants right now."""
    kids = _children_map()
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        stack.extend(kids.get(p, []))
    return total


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


def run_measured(argv: list[str], cwd: Path | None = None) -> tuple[Json, Sampler]:
    """Run a command, returning wall seconds, exit code, stderr tail and the RSS samples."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
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
    from zhinan.output import Progress

    return BuildOptions(
        root=Path(spec["root"]), out=Path(spec["out"]), only=tuple(spec.get("only") or STAGES),
        sectors=tuple(spec.get("sectors") or ()), jobs=int(spec.get("jobs", 2)), progress=Progress(quiet=True),
    )


def do_validate(spec: Json) -> Json:
    from zhinan.validate import load_content

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
    import importlib

    from zhinan import build

    opts = _options(spec)
    stages: Json = {}
    for stage in opts.only:
        try:
            module: Any = importlib.import_module(f"zhinan.{stage}")
        except ImportError as exc:
            stages[stage] = {"error": _error(exc), "seconds": None}
            continue
        module.build = _timed(stage, module.build, stages)
    opts.only = tuple(s for s in opts.only if "error" not in stages.get(s, {}))
    started = time.time()
    build.build(opts)
    first = min((e["start"] for e in stages.values() if "start" in e), default=time.time())
    return {"load": {"start": started, "end": first}, "stages": stages}


def do_volume(spec: Json) -> Json:
    """Time one sector volume through the pdf stage's own job (WeasyPrint is imported inside the
    timed part, as the command pays for it too), then write the same HTML for the command."""
    from zhinan import pdf
    from zhinan.validate import load_content

    root, html = Path(spec["root"]), Path(spec["html"])
    content = load_content(root)
    job = pdf.volume_job(content, content.sector(spec["sector"]), root, html.parent / "ours", False)
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    rendered = pdf.render(job)
    seconds, cpu = round(time.perf_counter() - t0, 3), round(_cpu_seconds() - cpu0, 2)
    html.write_text(pdf.render_html(job), encoding="utf-8")
    return {"seconds": seconds, "render_cpu_s": cpu, "pages": rendered.pages, "base_url": job.base_url}


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
    from zhinan.validate import load_content

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


def file_seconds(run: Json, name: str) -> float | None:
    """Seconds the pdf stage reports for one of its files."""
    files = run.get("stages", {}).get("pdf", {}).get("figures", {}).get("files", [])
    return next((f.get("seconds") for f in files if f.get("file") == name), None)


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


def edit_one_enterprise(root: Path) -> Path:
    """Append a sentence to one enterprise's summary, as a contributor's pull request would."""
    folders = sorted((root / "sectors").iterdir())
    path = sorted((folders[len(folders) // 2] / "enterprises").glob("*.yml"))[0]
    text = path.read_text(encoding="utf-8")
    edited, n = re.subn(r"^summary: \|\n(  )", r"summary: |\n\1本段为增量构建测试所加。", text, count=1, flags=re.M)
    if not n:
        raise SystemExit(f"{path}: 找不到 summary 块，无法模拟修改")
    path.write_text(edited, encoding="utf-8")
    return path


def site_figures(run: Json) -> Json:
    """The sizes the issue sets targets for, as the site stage reports them."""
    figures = run.get("stages", {}).get("site", {}).get("figures") or {}
    median, index = figures.get("median_page_bytes"), figures.get("search_index_gzip_bytes")
    return {"pages": figures.get("pages"), "median_page_kb": round(median / 1024, 1) if median else None,
            "search_index_gzip_mb": round(index / MIB, 2) if index else None,
            "targets": {"median_page_kb": 150, "search_index_gzip_mb": 3}}


def pdf_figures(run: Json) -> Json:
    files = run.get("stages", {}).get("pdf", {}).get("figures", {}).get("files", [])
    largest: Json = max(files, key=lambda f: f.get("pages", 0), default={})
    return {"files": len(files), "mib": round(sum(f.get("bytes", 0) for f in files) / MIB, 1),
            "pages": sum(f.get("pages", 0) for f in files), "largest": [largest.get("file"), largest.get("pages")]}


class Bench:
    def __init__(self, work: Path, scale: str, seed: int, jobs: int, incremental: bool = True) -> None:
        self.work, self.scale, self.seed, self.jobs, self.incremental = work, scale, seed, jobs, incremental
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
        full, samples = self.measure_full()
        self.save()
        self.measure_pdf_ratios(full, samples)
        self.save()
        self.measure_site_overhead(full)
        self.save()
        if self.incremental:
            self.measure_incremental(full)
        else:
            self.result["R5"] = figure(None, TARGETS["R5"], ({"error": "跳过（--no-incremental）"},))
        # Other jobs on the machine stretch wall times; the load average says how much.
        self.result["load_average_after"] = os.getloadavg()[0]
        self.result["speed_after_s"] = machine_speed()
        self.save()
        return self.result

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

    def measure_full(self) -> tuple[Json, Sampler]:
        self.log(f"完整构建（-j {self.jobs}）")
        full, samples = self.build("out-full")
        for stage in ("site", "sheets", "data"):
            self.result["stages"][stage] = stage_row(full, samples, stage)
        self.result["stages"]["pdf_all"] = stage_row(full, samples, "pdf")
        self.result["full_build"] = {
            "wall_s": full["wall_s"], "cpu_s": full.get("cpu_s"), "peak_mib": full.get("peak_mib"),
            "tree_mib": full["tree_mib"],
            "targets": {"wall_s": ABSOLUTE_TARGETS["full_build_s"], "tree_mib": ABSOLUTE_TARGETS["full_build_tree_mib"]},
            "site": site_figures(full), "pdf": pdf_figures(full),
        }
        return full, samples

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

    def sector_ids(self) -> list[str]:
        return sorted(p.name for p in (self.root / "sectors").iterdir() if p.is_dir())

    def measure_pdf_ratios(self, full: Json, samples: Sampler) -> None:
        """R3 and R4 from PDF-only builds, so that no other stage shares the machine with them:
        all PDFs with -j 2, the same without guide.pdf (every sector selected: no combined
        volume), and all PDFs with -j 1. In a whole build guide.pdf is bound while the workers
        render the forms, so its cost shows only as the difference between two builds."""
        pdf = full.get("stages", {}).get("pdf", {})
        guide = file_seconds(full, "guide.pdf")
        self.result["stages"]["guide_pdf"] = {
            "seconds": guide, "tree_mib": samples.peak(pdf["end"] - guide - 0.1, pdf["end"]) if pdf.get("end") and guide
            else None, "note": "与空白检查表的排版同时进行 (bound while the forms render)"}
        self.log("全部 PDF（-j 2，只生成 PDF）")
        both, _ = self.build("out-pdf", only=["pdf"])
        self.log("全部行业分册和检查表，不含合订本（-j 2）")
        sectors, sectors_samples = self.build("out-sectors", only=["pdf"], sectors=self.sector_ids())
        self.result["stages"]["sector_pdfs"] = stage_row(sectors, sectors_samples, "pdf")
        self.result["R4"] = figure(ratio(stage_seconds(both, "pdf"), stage_seconds(sectors, "pdf")), TARGETS["R4"],
                                   (both, sectors), with_guide_s=stage_seconds(both, "pdf"),
                                   sectors_only_s=stage_seconds(sectors, "pdf"),
                                   note="两次只生成 PDF 的构建：含合订本 ÷ 不含合订本")
        self.log("全部 PDF（-j 1）")
        serial, _ = self.build("out-j1", only=["pdf"], jobs=1)
        self.result["R3"] = figure(ratio(stage_seconds(both, "pdf"), stage_seconds(serial, "pdf")), TARGETS["R3"],
                                   (both, serial), j2_s=stage_seconds(both, "pdf"), j1_s=stage_seconds(serial, "pdf"),
                                   cpu_s={"j2": stage_seconds(both, "pdf", "cpu_s"), "j1": stage_seconds(serial, "pdf", "cpu_s")})
        for out in ("out-pdf", "out-sectors", "out-j1"):
            shutil.rmtree(self.work / out, ignore_errors=True)
        self.measure_print_overhead()

    def measure_print_overhead(self) -> None:
        """R2: one volume rendered by our pdf stage ÷ the weasyprint command on the same HTML,
        each in a fresh process, each paying for importing WeasyPrint and loading the fonts."""
        sector = self.median_sector()
        self.log(f"一个行业分册与 weasyprint 命令：{sector}")
        html = self.work / "weasyprint" / f"{sector}.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        ours, _ = child("volume", root=str(self.root), sector=sector, html=str(html))
        base: Json = {"error": ours.get("error")}
        if not ours.get("error"):
            base, _ = run_measured([str(BIN / "weasyprint"), "--base-url", ours["base_url"], str(html),
                                    str(html.with_suffix(".pdf"))])
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
            ours_s=ours, mkdocs_s=base, in_full_build_s=stage_seconds(full, "site"),
            note=f"各自单独运行、交替各 {rounds} 次，取最快一次相比；完整构建中网站与 PDF 并行，其用时不可比")


# ---- Output -------------------------------------------------------------------------------

ROWS = (
    ("validate", "载入+校验 load+validate"), ("site", "网站 site"), ("sector_pdfs", "分册+检查表 sector PDFs"),
    ("guide_pdf", "合订本 guide.pdf"), ("pdf_all", "全部 PDF all PDFs"), ("sheets", "工作簿 sheets"),
    ("data", "开放数据 data"),
)
RATIOS = (
    ("R1", "网站开销 site ÷ mkdocs"), ("R2", "排版开销 volume ÷ weasyprint CLI"), ("R3", "并行 -j2 ÷ -j1"),
    ("R4", "合订本 +guide ÷ sectors"), ("R5", "增量 edit ÷ full"),
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
    figures.append(("R5 无修改 no-change ÷ full", {"value": r5.get("no_change"), "target": TARGETS["R5_no_change"],
                                                  "cpu_ratio": r5.get("no_change_cpu_ratio")}))
    for label, fig in figures:
        lines.append(f"{_pad(label, 40)}{_num(fig.get('value')):>10}{_num(fig.get('target')):>13}"
                     f"{_num(fig.get('cpu_ratio')):>14}  {_verdict(fig.get('value'), fig.get('target'), fig.get('reason'))}")
    lines += ["", f"网站 site: {json.dumps(f.get('site'), ensure_ascii=False)}",
              f"PDF: {json.dumps(f.get('pdf'), ensure_ascii=False)}"]
    return "\n".join(lines)


@contextlib.contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="zhinan-bench-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["_child"]:
        return child_main(*args[1:4])
    parser = argparse.ArgumentParser(description="在合成内容上测量各阶段用时、峰值内存和 R1–R5 比值。")
    parser.add_argument("--scale", choices=("city", "small"), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", "-j", type=int, default=2, help="完整构建的并行进程数（R3 与 -j 1 比较）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.add_argument("--no-incremental", action="store_true",
                        help="不测 R5（没有内容哈希缓存时，两次重建各要一次完整构建的时间）")
    parser.add_argument("--keep", type=Path, help="在这个目录中工作并保留结果（会先清空）")
    opts = parser.parse_args(args)
    with workdir(opts.keep) as work:
        result = Bench(work, opts.scale, opts.seed, opts.jobs, not opts.no_incremental).run()
    print(json.dumps(result, ensure_ascii=False, indent=1) if opts.json else render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
