"""Command line: `zhinan check | stats | build | serve | schema …`.

Exit codes follow click: 0 ok, 1 problems in the user's content, 2 usage error.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from zhinan import __version__
from zhinan.commands import changelog, codeowners, scaffold
from zhinan.content import rules, stats
from zhinan.content.model import ENTERPRISE_LEVELS
from zhinan.content.problems import ERROR, FORMATS, ContentError, Problem, github_annotations, summary
from zhinan.content.validate import collect, load_content, placeholders
from zhinan.errors import ZhinanError
from zhinan.formats import schema
from zhinan.pipeline import workers
from zhinan.pipeline.progress import Progress
from zhinan.pipeline.stage import STAGES, BuildError, BuildOptions, StageFailed
from zhinan.pipeline.transaction import Interrupted

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
    else:
        github_log(exc.problems)
    sys.exit(1)


def github_log(problems: list[Problem]) -> None:
    """Beside the annotations (at most 10 shown): the total, and the full list in the step's log and,
    on GitHub, in the run's summary page."""
    click.echo(summary(problems, len(problems)), err=True)
    if github_annotations(problems)[-1].startswith("::notice"):  # some were left unannotated
        click.echo("完整列表：\n" + "\n".join(p.text() for p in problems), err=True)
    page = os.environ.get("GITHUB_STEP_SUMMARY")
    if page:
        rows = "".join(f"| `{p.path}:{p.line}:{p.col}` | {p.severity} | {p.message.splitlines()[0].replace('|', '｜')} |\n"
                       for p in problems)
        with open(page, "a", encoding="utf-8") as f:
            f.write(f"### zhinan check：{summary(problems)}\n\n| 位置 | 级别 | 问题 |\n| --- | --- | --- |\n{rows}\n")


class _Commands(click.Group):
    """Every `ZhinanError` a command does not report itself becomes its Chinese message on stderr
    and the error's exit code (`zhinan.errors`); anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZhinanError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Commands, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="zhinan")
def main() -> None:
    """安全生产标准化运行提升指南：检查内容，生成网站、PDF 和三张清单。"""


@main.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", help="输出格式；github 输出 GitHub Actions 注释。")
@click.option("--strict", is_flag=True,
              help="严格检查：占位文字“待填写：…”也算错误。环境变量 CI=true 或 --format github 时自动启用。")
def check(root: Path, fmt: str, strict: bool) -> None:
    """检查全部内容，逐条列出问题（文件:行:列）。"""
    content, problems = collect(root)
    if problems:
        fail(ContentError(problems), fmt)
    assert content is not None
    left = placeholders(root, content)
    notes = rules.advice(root, content)  # warnings everywhere, --strict included: the text is still published
    if left and (strict or fmt == "github" or os.environ.get("CI") == "true"):
        fail(ContentError([*(dataclasses.replace(p, severity=ERROR) for p in left), *notes]), fmt)
    if left or notes:
        click.echo(ContentError([*left, *notes]).report(fmt), err=fmt == "text")
    n_items = sum(len(s.items) for s in content.sectors)
    tail = f"另有 {len(left)} 处占位文字（警告），发布前必须改写。" if left else ""
    tail += f"另有 {len(notes)} 处建议改正的写法（警告）。" if notes else ""
    click.echo(f"内容检查通过：{len(content.sectors)} 个行业，{n_items} 个检查项。{tail}", err=True)


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
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出目录，默认 ROOT/build。")
@click.option("--pdfa", is_flag=True, help="生成 PDF/A-3u 存档版。")
@click.option("--duplex/--simplex", default=True, show_default=True,
              help="双面印刷版式：封面、目录、各章和各分册从右页（奇数页）起排，需要时留空白页；--simplex 为单面版式。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
@click.option("--wait", "wait", is_flag=True, help="同一输出目录已有构建在运行时排队等它结束（默认立即退出，退出码 1）。")
def build_cmd(root: Path, only: tuple[str, ...], sectors: tuple[str, ...], jobs: int, out: Path | None,
              pdfa: bool, duplex: bool, quiet: bool, wait: bool) -> None:
    """生成网站、PDF、三张清单工作簿和开放数据到 build/（全部生成并校验后一次发布）。"""
    opts = BuildOptions(root=root.resolve(), out=(out or root / "build").resolve(), only=only,
                        sectors=sectors, jobs=jobs, pdfa=pdfa, duplex=duplex, progress=Progress(quiet=quiet))
    on_term = signal.signal(signal.SIGTERM, _terminated)  # a cancelled CI job: stop as for Ctrl+C
    try:
        from zhinan.build import build  # the stages import WeasyPrint's, openpyxl's and MkDocs' helpers

        with workers.signals_relayed():
            try:
                build(opts, wait=wait)
            except KeyboardInterrupt:
                # Not stopped: the signal may have come while a worker was being started, which no
                # pool then knows, and the server would wait for it. Both end with this process.
                raise
            except BaseException:
                workers.stop_server()
                raise
            workers.stop_server()  # its workers' CPU counted as the build's (`time zhinan build`)
    except ContentError as exc:
        fail(exc)
    except BuildError as exc:
        if isinstance(exc, StageFailed):  # a bug: its traceback, for the report, above the message
            traceback.print_exception(exc.error, file=sys.stderr)
        refuse(str(exc))
    except KeyboardInterrupt as exc:
        interrupted(exc, opts.out)
    finally:
        signal.signal(signal.SIGTERM, on_term)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt("SIGTERM")


def interrupted(exc: KeyboardInterrupt, out: Path) -> NoReturn:
    """Ctrl+C or SIGTERM: say what became of the outputs, exit 130 (143 for SIGTERM) as shells do."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not cut this short
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _forget_the_interrupt()
    published = isinstance(exc, Interrupted) and exc.published
    what = "本次构建已经发布完毕" if published else f"本次构建没有发布任何输出，{out} 中上一次的输出原样保留"
    try:
        click.echo(f"\n已中断：{what}。", err=True)
        sys.stdout.flush()
    except OSError:
        # The reader went with the same Ctrl+C (`zhinan build 2>&1 | tee build.log`): the message
        # has nowhere to go, and what is left unwritten must not fail the exit below.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
    sys.exit(143 if "SIGTERM" in exc.args else 130)


def _forget_the_interrupt() -> None:
    """CPython remembers a KeyboardInterrupt that ended code run by exec() or eval() of a string
    (code that dataclasses and namedtuple generate, for one), even once it was handled; under
    `python -m zhinan` the process then kills itself with SIGINT on exit (status -2) instead of
    exiting 130 or 143. Evaluating a string clears what it remembers: the last one decides."""
    eval("None")  # a constant string, evaluated only for the side effect described above


@main.command("serve")
@root_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:端口", help="预览服务器的地址和端口。")
@click.option("--open", "open_browser", is_flag=True, help="启动后在浏览器中打开。")
def serve_cmd(root: Path, dev_addr: str, open_browser: bool) -> None:
    """预览网站；sectors/ 或 guides/ 下的文件有改动时自动重建并刷新页面。"""
    try:
        load_content(root)  # the same report as `zhinan check` before the server starts
    except ContentError as exc:
        fail(exc)
    from zhinan import site  # MkDocs and the site's templates: only this command needs them

    site.serve(root.resolve(), dev_addr=dev_addr, open_in_browser=open_browser)


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


def refuse(message: str) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def _scaffold(make: Callable[[], list[Path]]) -> None:
    try:
        paths = make()
    except scaffold.ScaffoldError as exc:
        refuse(str(exc))
    except ContentError as exc:
        fail(exc)
    for path in paths:
        click.echo(f"已创建 {path}", err=True)
    click.echo("请把以“待填写：”开头的占位文字改写成正式内容，然后运行 zhinan check --strict（PR 的自动检查同样严格）。", err=True)


@main.group("new", context_settings=CONTEXT)
def new_group() -> None:
    """新建行业或标杆企业的起始文件（格式正确；占位文字“待填写：…”改写前，严格检查不通过）。"""


@new_group.command("sector")
@root_option
@click.argument("sector_id", metavar="行业编号")
@click.option("--name", required=True, help="行业名称，如“城镇燃气”。")
@click.option("--department", required=True, help="主管部门，如“市住房和城乡建设局”。")
@click.option("--prefix", required=True, help="检查项编号前缀，2–6 个大写字母，如 RQ。")
@click.option("--order", type=int, default=None, help="在指南中的顺序；默认排在已有行业之后。")
@click.option("--key/--no-key", default=False, show_default=True, help="是否为八个重点行业之一。")
def new_sector_cmd(root: Path, sector_id: str, name: str, department: str, prefix: str, order: int | None,
                   key: bool) -> None:
    """新建 sectors/行业编号/ 下的 sector.yml 和 checklist.yml。"""
    _scaffold(lambda: scaffold.new_sector(root, sector_id, name, department, prefix, order, key))


@new_group.command("enterprise")
@root_option
@click.argument("sector_id", metavar="行业编号")
@click.argument("enterprise_id", metavar="企业编号")
@click.option("--name", required=True, help="企业全称。")
@click.option("--county", required=True, help="所在县（市、区），如“泉港区”。")
@click.option("--level", required=True, type=click.Choice(ENTERPRISE_LEVELS), help="标杆级别。")
def new_enterprise_cmd(root: Path, sector_id: str, enterprise_id: str, name: str, county: str, level: str) -> None:
    """新建 sectors/行业编号/enterprises/企业编号.yml。"""
    _scaffold(lambda: scaffold.new_enterprise(root, sector_id, enterprise_id, name, county, level))


@main.command("codeowners")
@root_option
@click.option("--check", "check_only", is_flag=True, help=f"只检查 {codeowners.PATH} 是否为最新，不写文件。")
def codeowners_cmd(root: Path, check_only: bool) -> None:
    """由各行业 sector.yml 的 reviewers 生成 .github/CODEOWNERS。"""
    try:
        content = load_content(root)
        if check_only:
            if not codeowners.is_current(root, content):
                if os.environ.get("GITHUB_ACTIONS") == "true":  # shown on the pull request, not only in the log
                    click.echo(f"::error file={codeowners.PATH},line=1,title=CODEOWNERS 不是最新的::"
                               "审核人（reviewers）改了，这个文件要跟着改：应有的全部内容见“检查生成的文件是否最新”这一步的日志")
                refuse(f"{codeowners.PATH} 不是最新的：请运行 zhinan codeowners 并提交结果；只在网页上编辑时，"
                       f"打开 {codeowners.PATH}（没有就新建），把全部内容换成下面几行再提交到同一分支：\n\n"
                       + codeowners.render(content))
            return
        changed = codeowners.write(root, content)
    except ContentError as exc:
        fail(exc)
    click.echo(f"已写入 {codeowners.PATH}" if changed else f"{codeowners.PATH} 已是最新", err=True)


@main.command("images")
@root_option
@click.option("--fix", "do_fix", is_flag=True, help="就地缩小过大的图片、把不合规的文件名改为建议的名字，并改好引用。")
def images_cmd(root: Path, do_fix: bool) -> None:
    """列出做法配图中过大或文件名不合规的图片；加 --fix 就地改好。"""
    from zhinan.commands import images  # Pillow is slow to import; only this command needs it

    report = images.fix(root, dry_run=not do_fix)
    for line in report.done:
        click.echo(f"{'已' if do_fix else '需要'}{line}", err=True)
    for line in report.left:
        click.echo(f"错误：{line}", err=True)
    if not report.done and not report.left:
        click.echo("图片都符合要求（长边不超过 2000 像素、不超过 1 MB、文件名合规）。", err=True)
    elif not do_fix and report.done:
        click.echo("运行 zhinan images --fix 即可就地改好。", err=True)
    if report.left or (report.done and not do_fix):
        sys.exit(1)


@main.command("changelog")
@root_option
@click.option("--since", required=True, metavar="REF|guide.json",
              help="与哪一版比较：git 版本（标签、分支或提交）或旧版导出的 guide.json。")
def changelog_cmd(root: Path, since: str) -> None:
    """比较旧版与当前内容，写出本版修订说明 guides/changes.md。"""
    try:
        path, log = changelog.write(root, since)
    except changelog.ChangelogError as exc:
        refuse(str(exc))
    except ContentError as exc:
        fail(exc)
    click.echo(f"已写入 {path}：{len(log.sectors)} 个行业有变化。", err=True)


@main.command("report")
@root_option
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF 文件（默认：与工作簿同名，加“-自评报告.pdf”）。")
def report_cmd(root: Path, file: Path, output: Path | None) -> None:
    """由填好的三张清单工作簿（.xlsx）生成自评报告 PDF（与在线自查页面打印的自评报告相同）。"""
    from zhinan.commands import report  # WeasyPrint and openpyxl are slow to import; only this command needs them

    try:
        content = load_content(root)
    except ContentError as exc:
        fail(exc)
    out = output or file.with_name(f"{file.stem}-自评报告.pdf")
    try:
        notes = report.write_report(file, content, out)
    except report.ReportError as exc:
        click.echo(str(exc), err=True)
        click.echo("未生成报告。", err=True)
        sys.exit(1)
    for note in notes:
        click.echo(f"注意：{note}", err=True)
    click.echo(f"已写入 {out}", err=True)


@main.command("import-sheet")
@root_option
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--sector", "sector_id", required=True, metavar="ID", help="行业编号（sectors/ 下的文件夹名）。")
@click.option("--delete", is_flag=True, help="删除表中没有的检查项（默认保留并列出它们的编号）。")
@click.option("--reorder", is_flag=True, help="按表中各行的顺序排列检查项（默认保持 checklist.yml 原有顺序）。")
@click.option("--fill-ids", is_flag=True,
              help="把分给新增行的编号写回工作簿的“编号”列（工作簿须已关闭；openpyxl 保存，表中的图片和图表会丢失）。")
def import_sheet_cmd(root: Path, file: Path, sector_id: str, delete: bool, reorder: bool, fill_ids: bool) -> None:
    """把统一格式的检查清单工作表（.xlsx）导入 sectors/ID/checklist.yml，保留原有编号、顺序、字段顺序和注释。

    表中没有的检查项不会被删除（列出编号），要删除请加 --delete。"""
    from zhinan.commands import importer  # openpyxl is slow to import; only this command needs it

    if not (root / "sectors" / sector_id).is_dir():
        raise click.BadParameter(f"行业“{sector_id}”不存在（找不到 sectors/{sector_id}/）", param_hint="--sector")
    try:
        summary = importer.import_sheet(file, sector_id, root, label=str(file), delete=delete, reorder=reorder,
                                        fill_ids=fill_ids)
    except importer.SheetError as exc:
        click.echo(str(exc), err=True)
        click.echo(f"发现 {len(exc.messages)} 个问题，未写入任何文件。", err=True)
        sys.exit(1)
    click.echo(summary, err=True)


@main.command("tally")
@root_option
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("tally"), show_default=True,
              help="简报、数据和退回清单写到这里（含企业名称和隐患：不要放在 build/ 或网站里）。")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="数据文件（SQLite；默认 OUT/tally.sqlite）。")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="统计截至的日期（默认今天；给了 --week 时为该周的星期日）。")
@click.option("--week", default=None, metavar="YYYY-Www", help="简报的周次（默认 --as-of 所在的周）。")
@click.option("--json", "as_json", is_flag=True, help="在标准输出打印统计摘要（JSON）。")
@click.option("--expected", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="报送名单（CSV 或 XLSX：企业名称、统一社会信用代码、行业、所在县（市、区）、规上），列出未报送的企业。")
@click.option("-j", "--jobs", type=int, default=None, help="读文件的进程数（默认按 CPU 核数）。")
def tally_cmd(root: Path, inbox: tuple[Path, ...], out: Path, db: Path | None, as_of: str | None, week: str | None,
              as_json: bool, expected: Path | None, jobs: int | None) -> None:
    """统计企业报送的自查（工作簿和 JSON），写出每周进展简报（PDF）、数据（XLSX）和退回清单（XLSX）。"""
    import datetime
    import json

    from zhinan.commands import tally  # openpyxl and WeasyPrint are slow to import; only this command needs them

    store = db or out / "tally.sqlite"
    try:
        content = tally.load(root, store)
    except ContentError as exc:
        fail(exc)
    try:
        day = datetime.date.fromisoformat(as_of) if as_of else (tally.week_end(week) if week else datetime.date.today())
    except ValueError as exc:
        raise click.BadParameter(str(exc) if week and not as_of else f"“{as_of}”不是日期，应为 YYYY-MM-DD",
                                 param_hint="--week" if week and not as_of else "--as-of") from None
    if week:
        try:
            tally.week_end(week)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    label = week or tally.week_of(day)
    listed = tally.read_expected(expected, content) if expected else ()
    result = tally.run(inbox, content, root, out, store, day, label, listed, jobs)
    s = result.data["summary"]
    click.echo(f"读入 {result.read} 个新文件（{result.skipped} 个已读过）：采用 {s['files']['accepted']}，退回 {s['files']['refused']}，"
               f"{s['enterprises']} 家企业。", err=True)
    for f, reason in result.data["refused_now"]:
        click.echo(f"退回 {f}：{reason}", err=True)
    for f, note in result.data["notes_now"]:
        click.echo(f"注意 {f}：{note}", err=True)
    for f, error in result.data["errors_now"]:
        click.echo(f"内部错误 {f}：{error}（已退回；请把这一行和文件发给维护者）", err=True)
    for p in result.written:
        click.echo(f"已写入 {p}", err=True)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
