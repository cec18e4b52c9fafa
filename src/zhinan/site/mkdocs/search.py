"""Chinese search: mkdocs-material's search plugin segments with jieba (the project's safety
terms added, each run of Han characters segmented once per process), the index also holds the
words inside long words, and the theme's search worker is mended where it mishandles Chinese
queries (`_WORKER_MENDS`, checked against the installed theme at build time).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path
from typing import Any

import jieba
from mkdocs.exceptions import PluginError

from zhinan.site.assemble import default_config

log = logging.getLogger("mkdocs.plugins.zhinan")



def _default_slugify(value: str, separator: str) -> str:
    from markdown.extensions.toc import slugify_unicode

    return str(slugify_unicode(value, separator))


@functools.cache
def _load_safety_terms() -> None:
    """Teach jieba (which mkdocs-material uses to segment the index) the field's terms, so that
    受限空间 or 重大危险源 is one searchable word: the browser does not segment the query."""
    jieba.setLogLevel(logging.WARNING)
    with default_config().with_name("jieba-userdict.txt").open("rb") as terms:
        jieba.load_userdict(terms)


@functools.cache
def _cut(text: bytes) -> tuple[str, ...]:
    return tuple(jieba.cut(text))


class _SegmentOnce:
    """jieba as mkdocs-material's search plugin sees it, with each run of Han characters segmented
    once per process: the same sentences recur across pages (an item on its checklist page and in
    the indexes), and the preview indexes a changed page again with all but one of its runs as
    they were. A change to the dictionaries forgets every run."""

    _CHANGE_DICTIONARY = frozenset({"set_dictionary", "load_userdict", "add_word", "del_word", "suggest_freq"})

    def cut(self, sentence: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(sentence, bytes):
            return jieba.cut(sentence, *args, **kwargs)
        return _cut(sentence)

    def __getattr__(self, name: str) -> Any:
        if name in self._CHANGE_DICTIONARY:
            _cut.cache_clear()
        return getattr(jieba, name)


_HAN_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{3,}")
_SEARCH_WORKER = "assets/javascripts/workers/search.*.min.js"
_WORKER_MENDS = (
    # The worker splits a Chinese query into words of its index but never tries a word that ends
    # the query (`j < query.length`): 重大隐患 became 重大 alone, 有限空间 became 有限 (and found
    # 有限公司). One character mends it.
    (re.compile(r"for\(let (\w)=(\w)\+1;\1<(\w)\.length;\1\+\+\)\3\.slice\(\2,\1\)in "),
     lambda m: m.group(0).replace("<", "<=", 1)),
    # The query lexer keeps lunr's default separator (which splits at `-`) although the index uses
    # the configured one: WHP-001 was searched as WHP and 001, and found nothing or every WHP item.
    # …and joins the words it found with "* ", so every word but the last got a second wildcard,
    # matched no query term in its own ranking, and a result with all the words ranked no higher.
    (re.compile(r'\.join\("\* "\)'), lambda m: '.join(" ")'),
    (re.compile(r"lunr\.tokenizer\.separator=new RegExp\((\w)\.separator\)"),
     lambda m: f"{m.group(0)},lunr.QueryLexer.termSeparator=lunr.tokenizer.separator"),
)
"""Three mends to mkdocs-material's search worker (9.x); the build fails if a version no longer has
the code they mend, so that they are looked at again."""


def search_subwords(segmented: str) -> list[str]:
    """Words inside the longer words of an indexed text, in jieba's search mode: 危险源 in
    重大危险源. The browser matches a query word only against the start of an indexed word."""
    found: dict[str, None] = {}
    words = set(segmented.split("\u200b"))
    for token in words:
        for word in _HAN_WORD.findall(token):
            for sub in _subwords(word):
                if sub not in words:
                    found[sub] = None
    return sorted(found)


@functools.lru_cache(maxsize=1 << 16)
def _subwords(word: str) -> tuple[str, ...]:
    """jieba's search-mode words of two or more characters inside `word`, other than itself. The
    same words recur throughout a sector's items: a city's index asks for them 1.4 million times."""
    return tuple(sub for sub in jieba.cut_for_search(word) if len(sub) > 1 and sub != word)


def _with_subwords(doc: dict[str, Any]) -> dict[str, Any]:
    """The doc with the subwords of its title (weighted as title) and text, hidden from view in
    the result list (the worker keeps the markup) but found by the index."""
    doc = dict(doc)
    seen: set[str] = set()
    for key in ("title", "text"):
        subs = [w for w in search_subwords(doc[key]) if w not in seen]
        seen.update(subs)
        if subs:
            doc[key] = f"{doc[key]}<span hidden>{chr(0x200b).join(subs)}</span>"
    return doc


def write_search_index(folder: Path, order: list[str] | None = None, built: set[str] | None = None,
                       kept: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Add the words inside longer words, re-encode the index as UTF-8 (half the size of \\u
    escapes) and add the script copy that mkdocs-material loads instead of fetching JSON when the
    site is opened from file://; mend the worker's query segmentation.

    A partial build's index holds only the pages it rendered (`built`, by URL): the entries of the
    others are `kept` from the previous build, and all are put in the pages' `order`, as a full
    build writes them. Returns the entries by page URL."""
    index = folder / "search_index.json"
    if not index.is_file():
        return {}
    data = json.loads(index.read_text(encoding="utf-8"))
    fresh: dict[str, list[dict[str, Any]]] = {}
    for doc in data["docs"]:
        fresh.setdefault(doc["location"].split("#", 1)[0], []).append(_with_subwords(doc))
    if order is None:
        order = list(fresh)
    built = set(order) if built is None else built
    by_page = {url: fresh.get(url, []) if url in built else (kept or {}).get(url, []) for url in order}
    data["docs"] = [doc for url in order for doc in by_page[url]]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    index.write_text(text, encoding="utf-8")
    (folder / "search_index.js").write_text(f"var __index = {text}", encoding="utf-8")
    for worker in folder.parent.glob(_SEARCH_WORKER):
        code = worker.read_text(encoding="utf-8")
        for pattern, mend in _WORKER_MENDS:
            code, n = pattern.subn(mend, code)
            if n != 1:
                raise PluginError(f"{worker.name}：mkdocs-material 的搜索代码已改变，"
                                  f"zhinan 对它的修正（{pattern.pattern}）需要重新检查")
        worker.write_text(code, encoding="utf-8")
    return {url: docs for url, docs in by_page.items() if docs}


