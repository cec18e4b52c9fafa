"""The website: pages as Markdown from the model (`pages`), downloads beside them (`downloads`),
what MkDocs is given and how a build is laid into place (`assemble`), the in-browser self-check's
data (`selfcheck`), MkDocs itself behind one package (`mkdocs`: plugin, search, preview), and the
stage that runs them (`stage`). Code outside the package uses the names below.
"""

from zhinan.site.assemble import (
    config_file,
    default_config,
    frame_key,
    lay_over,
    not_found_html,
    source,
    source_key,
)
from zhinan.site.downloads import PageCounts, download_facts, fill_download_facts, find_downloads
from zhinan.site.pages import (
    ASSET_DIR,
    SiteSource,
    chapter_html,
    enterprise_src,
    render_pages,
    sector_src,
    self_check_src,
    url_of,
)
from zhinan.site.stage import build, serve

__all__ = ["ASSET_DIR", "PageCounts", "SiteSource", "build", "chapter_html", "config_file", "default_config",
           "download_facts", "enterprise_src", "fill_download_facts", "find_downloads", "frame_key", "lay_over",
           "not_found_html", "render_pages", "sector_src", "self_check_src", "serve", "source", "source_key",
           "url_of"]
