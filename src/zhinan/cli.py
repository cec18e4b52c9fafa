"""Command line: `zhinan check | stats | build | serve | schema …`.

Exit codes follow click: 0 ok, 1 problems in the user's content, 2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zhinan import __version__, schema, stats
from zhinan.build import STAGES, BuildOptions, build
from zhinan.output import Progress
from zhinan.problems import FORMATS, ContentError
from zhinan.validate import collect, load_content

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def root_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=Path("."),
        show_default="当前目录",
        help="内容根目录（含 guides/ 和 sectors/）。",
    )(fn)


def fail(exc: ContentError, fmt: str = "text") -> None:
    click.echo(exc.report(fmt), err=fmt == "text")
    if fmt == "text":
        click.echo(f"发现 {len(exc.problems)} 个问题。", err=True)
    sys.exit(1)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="zhinan")
def main() -> None:
    """安全生产标准化运行提升指南：检查内容，生成网站、PDF 和三张清单。"""


@main.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", help="输出格式；github 输出 GitHub Actions 注释。")
def check(root: Path, fmt: str) -> None:
    """检查全部内容，逐条列出问题（文件:行:列）。"""
    content, problems = collect(root)
    if problems:
        fail(ContentError(problems), fmt)
    assert content is not None
    n_items = sum(len(s.items) for s in content.sectors)
    click.echo(f"内容检查通过：{len(content.sectors)} 个行业，{n_items} 个检查项。", err=True)


@main.command("stats")
@root_option
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def stats_cmd(root: Path, as_json: bool) -> None:
    """统计行业、检查项、重大隐患、标杆企业和典型做法的数量。"""
    try:
        content = load_content(root)
    except ContentError as exc:
        fail(exc)
    figures = stats.compute(content)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        click.echo(stats.render_text(figures))


def _split_only(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return STAGES
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    bad = [p for p in parts if p not in STAGES]
    if bad:
        raise click.BadParameter(f"未知的输出“{'、'.join(bad)}”，可选：{','.join(STAGES)}")
    return tuple(s for s in STAGES if s in parts)


@main.command("build")
@root_option
@click.option("--only", callback=_split_only, metavar="STAGES", help=f"只生成这些输出，逗号分隔：{','.join(STAGES)}。")
@click.option("--sector", "sectors", multiple=True, metavar="ID", help="只生成这个行业的 PDF（可重复）。")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default=True, help="并行进程数。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="输出目录，默认 ROOT/build。")
@click.option("--pdfa", is_flag=True, help="生成 PDF/A-3u 存档版。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
def build_cmd(root: Path, only: tuple[str, ...], sectors: tuple[str, ...], jobs: int, out: Path | None,
              pdfa: bool, quiet: bool) -> None:
    """生成网站、PDF、三张清单工作簿和开放数据到 build/。"""
    opts = BuildOptions(root=root.resolve(), out=(out or root / "build").resolve(), only=only,
                        sectors=sectors, jobs=jobs, pdfa=pdfa, progress=Progress(quiet=quiet))
    try:
        build(opts)
    except ContentError as exc:
        fail(exc)


@main.command("schema")
@root_option
@click.option("--check", "check_only", is_flag=True, help="只检查 schemas/ 是否为最新，不写文件。")
def schema_cmd(root: Path, check_only: bool) -> None:
    """由内容模型生成 schemas/*.schema.json（编辑器自动补全用）。"""
    if check_only:
        stale = [n for n, t in schema.render_all().items()
                 if not (root / schema.SCHEMA_DIR / n).is_file()
                 or (root / schema.SCHEMA_DIR / n).read_text(encoding="utf-8") != t]
        if stale:
            click.echo(f"以下 schema 不是最新的，请运行 zhinan schema：{'、'.join(stale)}", err=True)
            sys.exit(1)
        return
    for path in schema.write_all(root):
        click.echo(f"已写入 {path}", err=True)
