"""Chinese search: mkdocs-material's search plugin segments with jieba (the project's safety
terms added, each run of Han characters segmented once per process), the index also holds the
words inside long words, and the theme's search worker is mended where it mishandles Chinese
queries (`_WORKER_MENDS`, checked against the installed theme at build time).
"""

from __future__ import annotations

import functools
import json
import logging
import os
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


QUESTION_WORDS = (
    "什么", "怎么", "怎样", "如何", "怎么办", "为什么", "哪些", "哪个", "哪里", "多少", "多久", "几个", "几次", "几",
    "要", "吗", "呢", "吧", "了", "来", "需要", "能", "能不能", "可以", "还", "还能", "算", "的", "是", "有",
    "被", "在", "我们", "我", "你", "请问", "应该", "该", "得", "去", "前", "后", "完", "就", "都", "和", "与", "做",
)
"""Words of a question that say nothing about its subject: the browser drops them from a query
(动火作业要办什么证 is searched as 动火作业 办 证)."""


TITLE_BOOST = 5.0
"""A word in an entry's title counts five times one in its text. The theme's 1000 made one title
word outweigh every other word of the query: 自评报告怎么写 found each sector's item titled 自评
before the chapter that says how to write it."""
LISTING_BOOST = 0.3
_LISTINGS = re.compile(r"(hazards|elements|enterprises|data)/|sectors/[^/]+/(checklist|self-check)/")
"""Pages that list what has its own place elsewhere (the major hazards, the elements' items, the
enterprises, the checklist table): their entries rank below the item's or enterprise's own."""
HOW_TO_BOOST = 3.0
"""A question of how (怎么, 如何, 步骤 …) ranks the guide's chapters this much higher."""
PRACTICE_BOOST = 0.75
_PRACTICES = re.compile(r"sectors/[^/]+/enterprises/[^/]+/#")
"""A sample enterprise's practice shows one way of meeting a checklist item and names it: it ranks
at three quarters of its page's boost (pages.py gives an enterprise's page 0.3), below the item it meets: its
short title often holds the query's words as a slogan (挂牌上锁, 五查) and outranked the item. A
query that asks for examples (标杆企业, 做法, 经验 …) ranks the enterprises' pages higher again."""
EXAMPLES_BOOST = 4.0
NEAR_BOOST = 1.0
TWINS_BOOST = 0.5
NEAR_TITLE = 2.0
COORDINATION = 3.0
"""The second and later copies of one item in several sectors (the same title) rank at this share
of their score when the query names no sector."""
"""An entry where the query's words stand next to each other as the reader typed them ranks up to
this much higher (all pairs of neighbouring words found side by side: twice the score)."""
PRACTICE_AFTER = 0.99
"""A sample enterprise's practice whose title's query words are all in the own requirements of a
checklist item it meets (对应检查项), found with that item, ranks just below it, and so does its
enterprise's page (search-words.js exemplify/after): the item is the answer, the practice one
example of meeting it."""


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's traditional → simplified characters (one character each), for the Han characters
    a query may hold: about 3,800 pairs, 0.1 s. Folded in the index text and, as a table shipped
    with the search worker, in the reader's query."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    chars = "".join(map(chr, [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00)]))
    simple = t2s.convert(chars)
    if len(simple) != len(chars):  # a character became two: convert one at a time
        return {c: s for c in chars if (s := t2s.convert(c)) != c and len(s) == 1}
    return {c: s for c, s in zip(chars, simple, strict=True) if c != s}


def fold_traditional(text: str) -> str:
    table = traditional_to_simplified()
    return "".join(table.get(c, c) for c in text) if any(c in table for c in text) else text


def readers_table(readers: dict[str, Any], chars: str | None = None) -> str:
    """The table the search worker's readers' words read (`search-words.js`): the characters to
    fold, the question words, the readers' words, the sectors' names and item id prefixes. Only the
    traditional characters whose simplified form is among `chars` (the index's and the readers'
    words') are shipped: another could not make a query find anything (city scale: about 1,500
    of OpenCC's 3,800 pairs, 9 KB)."""
    wanted = set(chars) if chars is not None else None
    fold = "".join(k + v for k, v in sorted(traditional_to_simplified().items())
                   if k <= "\uffff" and v <= "\uffff" and (wanted is None or v in wanted))
    table = {"fold": fold, "stop": list(QUESTION_WORDS), "how": HOW_TO_BOOST, "examples": EXAMPLES_BOOST,
             "near": NEAR_BOOST, "after": PRACTICE_AFTER, "nearTitle": NEAR_TITLE, "twins": TWINS_BOOST, **readers}
    return json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


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
    # Readers' words (search-words.js): the query as the index spells it before anything else…
    (re.compile(r"search\((\w)\)\{if\(\1=\1\.replace\("),
     lambda m: f"search({m.group(1)}){{if({m.group(1)}=__zhinan.query({m.group(1)},this.index.invertedIndex),"
               f"{m.group(1)}={m.group(1)}.replace("),
    # …each run of Chinese characters as index words without the question words…
    (re.compile(r"\[\.\.\.(\w+)\((\w),this\.index\.invertedIndex\)\]"),
     lambda m: f"__zhinan.words({m.group(1)}({m.group(2)},this.index.invertedIndex),{m.group(2)},this.index.invertedIndex)"),
    # A page's own entry (its title and first lines) was given one more "term matched" than any of
    # its sections: the sector page's header came before the item the query names, a chapter's
    # title before the section that answers. Pages and sections are ranked alike.
    (re.compile(r"let (\w)=\+!(\w)\.parent\+"), lambda m: f"let {m.group(1)}=0+"),
    # An entry with all the query's words gained twice the score of one with none (score ×
    # (1 + share²)): the item with 安全、文明、施工 and 费 ranked below one with three of them in its
    # title. It gains four times (COORDINATION).
    (re.compile(r"score:(\w)\*\(1\+(\w)\((\w),2\)\)"),
     lambda m: f"score:{m.group(1)}*(1+{COORDINATION:g}*{m.group(2)}({m.group(3)},2))"),
    # …and the results inside the sector the query names, scored, a practice after the item it
    # meets (search-words.js after).
    (re.compile(r"=this\.index\.search\((\w)\)\.reduce\("),
     lambda m: f"=__zhinan.after(__zhinan.narrow(this.index.search({m.group(1)}),this.map).reduce("),
    (re.compile(r"\}return (\w)\},\[\]\)\.sort\("), lambda m: f"}}return {m.group(1)}}},[]),this.map).sort("),
    # Results are grouped by page and all but the best section of a page folded under "N more on
    # this page": the item asked for was hidden behind another item of its checklist. Each item
    # of a checklist page is a result of its own, under its page's title (search-words.js group).
    (re.compile(r"let (\w)=(\w)\.parent\?\2\.parent\.location:\2\.location;"),
     lambda m: f"let {m.group(1)}=__zhinan.group({m.group(2)});"),
    (re.compile(r"if\(!(\w)\.find\((\w)=>\2\.location===(\w)\)\)\{let (\w)=this\.map\.get\(\3\);"),
     lambda m: f"if(!{m.group(1)}.find({m.group(2)}=>{m.group(2)}.location===__zhinan.page({m.group(3)})))"
               f"{{let {m.group(4)}=this.map.get(__zhinan.page({m.group(3)}));"),
)
"""Mends to mkdocs-material's search worker (9.x); the build fails if a version no longer has
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
    doc["title"], doc["text"] = fold_traditional(doc["title"]), fold_traditional(doc["text"])
    seen: set[str] = set()
    for key in ("title", "text"):
        subs = [w for w in search_subwords(doc[key]) if w not in seen]
        seen.update(subs)
        if subs:
            doc[key] = f"{doc[key]}<span hidden>{chr(0x200b).join(subs)}</span>"
    return doc


def _theme_worker(name: str) -> Path:
    import material

    return Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "workers" / name


def mend_worker(site_dir: Path, readers: dict[str, Any] | None = None) -> None:
    index = site_dir / "search" / "search_index.json"
    chars = index.read_text(encoding="utf-8") if index.is_file() else None
    if chars is not None and readers:
        chars += json.dumps(readers, ensure_ascii=False)
    _mend_worker(site_dir, readers, None if chars is None else "".join(set(chars)))


def _mend_worker(site_dir: Path, readers: dict[str, Any] | None, chars: str | None) -> None:
    """The theme's search worker, mended and with the readers' words (`readers_table`), written over
    the copy in the site: made from the theme's own file each time, so that a partial build, whose
    copy is already mended, writes the same bytes."""
    for worker in site_dir.glob(_SEARCH_WORKER):
        pristine = _theme_worker(worker.name)
        code = (pristine if pristine.is_file() else worker).read_text(encoding="utf-8")
        for pattern, mend in _WORKER_MENDS:
            code, n = pattern.subn(mend, code)
            if n != 1:
                raise PluginError(f"{worker.name}：mkdocs-material 的搜索代码已改变，"
                                  f"zhinan 对它的修正（{pattern.pattern}）需要重新检查")
        words = (default_config().with_name("search-words.js")).read_text(encoding="utf-8")
        table = readers_table(readers or {"words": {}, "sectors": [], "prefixes": []}, chars)
        tmp = worker.with_name(f".{worker.name}.tmp")  # never written in place: it may be a hard link
        tmp.write_text(f"var __zhinanTable={table};\n{words}\n{code}", encoding="utf-8")
        os.replace(tmp, worker)


def write_search_index(folder: Path, order: list[str] | None = None, built: set[str] | None = None,
                       kept: dict[str, list[dict[str, Any]]] | None = None,
                       readers: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
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
        if _PRACTICES.match(doc["location"]):
            # Only on the entries this build made: those `kept` from the previous one have it already.
            doc["boost"] = doc.get("boost", 1.0) * PRACTICE_BOOST
        fresh.setdefault(doc["location"].split("#", 1)[0], []).append(_with_subwords(doc))
    if order is None:
        order = list(fresh)
    built = set(order) if built is None else built
    by_page = {url: fresh.get(url, []) if url in built else (kept or {}).get(url, []) for url in order}
    data["docs"] = [doc for url in order for doc in by_page[url]]
    data["config"]["fields"]["title"]["boost"] = TITLE_BOOST
    for doc in data["docs"]:
        if _LISTINGS.match(doc["location"]):
            doc["boost"] = LISTING_BOOST
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    index.write_text(text, encoding="utf-8")
    (folder / "search_index.js").write_text(f"var __index = {text}", encoding="utf-8")
    mend_worker(folder.parent, readers)
    return {url: docs for url, docs in by_page.items() if docs}


