"""`zhinan serve`: MkDocs' live-reload server, told of saves by inotify, serving each change in two
passes (what was edited first, the site-wide pages and search index second), with content
problems shown at the top of every page until they are fixed.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver, ObservedWatch

from zhinan.content.problems import ContentError
from zhinan.pipeline.stage import BuildError
from zhinan.site.assemble import frame_key, lay_over
from zhinan.site.downloads import fill_download_facts
from zhinan.site.mkdocs.build import build_site
from zhinan.site.mkdocs.plugin import SiteState, _stamp
from zhinan.site.pages import SiteSource

log = logging.getLogger("mkdocs.plugins.zhinan")


class _PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, which also shows the content's problems at the top of every page."""

    def __init__(self, *args: Any, problems: Callable[[], str | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems = problems

    def request_rebuild(self) -> None:
        """Build again after the build under way (as the server's watcher does when a file changes)."""
        with self._rebuild_cond:
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        page: bytes = super()._inject_js_into_html(content, epoch)  # type: ignore[no-untyped-call]
        report = self.problems()
        if report is None:
            return page
        banner = (f'<div class="zn-preview-problems" role="alert" style="position:sticky;top:0;z-index:9;'
                  f'background:#fff3cd;color:#5c3c00;border-bottom:2px solid #b35c00;padding:.6rem 1rem;'
                  f'font:14px/1.5 sans-serif"><strong>内容有错误，网页仍是上一次成功生成的样子；'
                  f'改正后保存，网页会自动更新：</strong><pre style="white-space:pre-wrap;margin:.4rem 0 0">'
                  f'{html.escape(report)}</pre></div>').encode()
        m = re.search(rb"<body[^>]*>", page)
        at = m.end() if m else 0
        return page[:at] + banner + page[at:]


_CHANGES: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent,
                                          FileMovedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


def _observer(folders: list[Path]) -> BaseObserver | None:
    """A watcher told of each change by the kernel (inotify), where the system offers one for these
    folders; else None, and the server polls as MkDocs does (walking every content file several
    times a second, and seeing a save late)."""
    try:
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:
        return None

    class ChangesOnly(InotifyObserver):
        """inotify also reports each file opened and closed unwritten: the build reading the
        content would start the next build. Only what changes a file is passed on."""

        def schedule(self, event_handler: FileSystemEventHandler, path: str | Path, *, recursive: bool = False,
                     event_filter: list[type[FileSystemEvent]] | None = None, follow_symlink: bool = False) -> ObservedWatch:
            return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or _CHANGES,
                                    follow_symlink=follow_symlink)

    probe = ChangesOnly()
    try:
        for folder in folders:
            probe.schedule(FileSystemEventHandler(), str(folder), recursive=True)
        probe.start()  # (inotify's watches are added here: this is where a system without them fails)
    except OSError:
        return None
    finally:
        if probe.is_alive():
            probe.stop()
            probe.join()
    return ChangesOnly()


def preview(config_file: Path, *, docs_dir: Path, watch: list[Path], dev_addr: str,
            source: Callable[[set[str] | None], SiteSource], open_in_browser: bool = False) -> None:
    """Serve the site with live reload. Each change renders again only the pages whose Markdown
    changed (see `build_site`); a problem in the content is printed as `path:line:col: 错误: …` and
    shown at the top of every page, and the next change that fixes it updates the pages again.

    A change is served in two passes. The first renders the pages of what was edited (an
    enterprise's page, a sector's pages, a chapter) and keeps as they were the site-wide pages made
    from the whole content, the sector's self-check data (which embeds its blank workbook) and the
    search index; browsers reload. The second, queued at once, renders those (home page, 标杆企业 /
    隐患 / 要素 indexes, open data page, self-check data) and the first pass's pages again for their
    search entries, and browsers reload again. The site-wide pages (the 要素 index above all), the
    workbook and the search entries are most of the time a change takes to show at city scale
    (README: the preview's figures)."""
    host, _, port = dev_addr.rpartition(":")
    url = f"http://{host}:{port}/"
    served = Path(tempfile.mkdtemp(prefix="zhinan-preview-"))
    state: SiteState | None = None
    problems: str | None = None
    server: _PreviewServer | None = None
    second = False  # the next build is the second pass of a change

    def rebuild() -> None:
        nonlocal state, problems, second
        started = time.perf_counter()
        deferred: set[str] | None = set() if server is not None and not second else None
        second = False
        try:
            pages = source(deferred)
            frame = frame_key(pages, config_file)
            fresh = Path(tempfile.mkdtemp(prefix="zhinan-preview-part-"))
            try:
                new = build_site(pages, config_file, docs_dir=docs_dir, site_dir=fresh, previous=state,
                                 frame=frame, serve_url=url, search_later=deferred is not None)
                partial = state is not None and state.frame == frame
                written = lay_over(fresh, served, whole=not partial)
                fill_download_facts(served, [p for p in written if p.suffix == ".html"])
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
        except (ContentError, BuildError, PluginError) as exc:
            problems = exc.report() if isinstance(exc, ContentError) else str(exc)
            print(f"内容有问题，网页未更新（改正后保存即可）：\n{problems}", file=sys.stderr, flush=True)
            return
        state, problems = new, None
        print(f"已更新 {len(written)} 个文件（{time.perf_counter() - started:.1f} 秒）", file=sys.stderr, flush=True)
        later = sorted(deferred or ()) + (["搜索索引"] if deferred is not None and new.unsearched() else [])
        if later and server is not None:
            print(f"接着更新：{'、'.join(later)}", file=sys.stderr, flush=True)
            second = True
            server.request_rebuild()

    def stamps() -> dict[str, str]:
        return {str(p): _stamp(p) for folder in watch if folder.is_dir() for p in folder.rglob("*") if p.is_file()}

    # The watcher starts with the server: a file saved during the first build is seen by building again.
    before = None
    while before != (before := stamps()):
        rebuild()
    server = _PreviewServer(builder=rebuild, host=host, port=int(port), root=str(served), polling_interval=0.2,
                            problems=lambda: problems)
    native = _observer([folder for folder in watch if folder.is_dir()])
    if native is not None:  # (MkDocs' own, never started, is dropped)
        server.observer = native  # type: ignore[assignment]
    server.error_handler = lambda code: (served / "404.html").read_bytes() if code == 404 and (served / "404.html").is_file() else None
    for folder in watch:
        if folder.is_dir():
            server.watch(str(folder))
    # MkDocs says where it serves only through logging, which zhinan does not show: say it here,
    # once the socket is bound (a port in use has already failed with its own message).
    print(f"预览地址：{server.url}（在浏览器中打开；按 Ctrl+C 停止）", file=sys.stderr, flush=True)
    try:
        server.serve(open_in_browser=open_in_browser)  # type: ignore[no-untyped-call]
    except KeyboardInterrupt:
        print("预览已停止。", file=sys.stderr)
    finally:
        server.shutdown()
        shutil.rmtree(served, ignore_errors=True)
