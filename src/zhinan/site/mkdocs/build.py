"""Running a MkDocs build from zhinan: the configuration, the plugin's state between builds, the
theme's templates compiled once per process, MkDocs' warnings collected, and the site's own 404.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError

from zhinan.pipeline.stage import BuildError
from zhinan.site.mkdocs.plugin import SiteState, ZhinanPlugin, _not_dirty_warning
from zhinan.site.pages import SiteSource

log = logging.getLogger("mkdocs.plugins.zhinan")


def _config(config_file: Path, docs_dir: Path, site_dir: Path | None = None) -> MkDocsConfig:
    overrides: dict[str, Any] = {"docs_dir": str(docs_dir)}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    return load_config(str(config_file), **overrides)


def build_site(source: SiteSource, config_file: Path, *, docs_dir: Path, site_dir: Path,
               previous: SiteState | None = None, frame: str = "", serve_url: str | None = None,
               search_later: bool = False) -> SiteState:
    """Run a strict MkDocs build of the given pages into `site_dir` and return what the next build needs.

    With `previous` (a build whose `frame` is this one's), only the pages whose Markdown changed are
    rendered (MkDocs' `dirty` build): `site_dir` then receives those pages, the theme's files, the
    search index and the site-wide files, and the caller lays them over the previous site
    (`lay_over`). `serve_url` is set for the preview (`zhinan serve`).

    With `search_later` too, such a partial build leaves the search index as it was: the search
    plugin does not read the rendered pages, and the state marks them (`SiteState.unsearched`) so
    that the next build renders them again, with their entries. The preview's first pass uses it:
    reading a large sector page for its search entries and writing the whole index again would
    delay showing the edited page."""
    config = _config(config_file, docs_dir, site_dir)
    plugin = config.plugins.get("zhinan")
    if not isinstance(plugin, ZhinanPlugin):
        raise PluginError(f"{config_file} 的 plugins 中缺少 zhinan")
    plugin.source = source
    plugin.managed = True
    plugin.downloads_later = serve_url is None
    plugin.previous = previous if previous is not None and previous.frame == frame else None
    plugin.frame = frame
    plugin.search_later = search_later and plugin.previous is not None
    if plugin.search_later:
        _without(config, config.plugins.get("material/search"), ("config", "page_context", "post_build"))
    config.plugins.on_startup(command="build", dirty=plugin.previous is not None)
    plugin.preview = serve_url is not None
    if serve_url is not None:
        config.site_url = serve_url
    warnings = _Warnings()
    logging.getLogger("mkdocs").addHandler(warnings)
    build_log = logging.getLogger("mkdocs.commands.build")
    build_log.addFilter(_not_dirty_warning)
    try:
        mkdocs_build(config, serve_url=serve_url, dirty=plugin.previous is not None)
    except Abort as exc:
        # "Aborted with N warnings" alone tells nobody what to fix: give every warning.
        detail = "\n".join(f"  {m}" for m in warnings.messages)
        raise BuildError(f"网站生成失败（MkDocs：{exc}）：\n{detail}" if detail else f"网站生成失败（MkDocs：{exc}）") from exc
    finally:
        build_log.removeFilter(_not_dirty_warning)
        logging.getLogger("mkdocs").removeHandler(warnings)
        config.plugins.on_shutdown()
    assert plugin.state is not None
    return plugin.state


def _without(config: MkDocsConfig, plugin: Any, events: tuple[str, ...]) -> None:
    """This build does not call `plugin` on these events (it stays configured: the theme still shows
    the search box)."""
    for event in events:
        config.plugins.events[event] = [m for m in config.plugins.events[event] if getattr(m, "__self__", None) is not plugin]


class _Warnings(logging.Handler):
    """The warnings MkDocs logs during a build, kept to be reported in full."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


