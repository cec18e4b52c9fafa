"""Justified Chinese text, adjusted after layout.

WeasyPrint justifies a line by widening its spaces only, and Chinese text has none: a full line of
a paragraph stopped wherever its last character did, up to a character's width short of the right
margin (issue 32: 2 of 35 full lines of a volume reached it, 10 pt short on average). Here, once
WeasyPrint has broken a line and asks for it to be justified, its free space is spread between the
characters instead, as W3C clreq (§ 3.8) and Chinese typesetting practice do it:

- every gap beside a Chinese character or full-width mark gets the same share; a gap between a
  Chinese character and a Latin letter or digit gets half of it; none goes inside a Latin word or
  number (“GB/T 33000—2016” keeps its letter spacing);
- marks compressed in pairs by the `typeset` filter (spans with the `halt` feature) are not widened;
- the first character stays on the left margin and the last ends on the right one;
- the last line of a paragraph is not justified (WeasyPrint does not ask), nor a line with spaces
  and no Chinese (WeasyPrint's own justification, on the spaces, is kept for it).

The space is given to Pango as letter spacing on the runs of Chinese characters of each text box;
Pango puts half of it on either side of each character except at the ends of a box's text, which
is made up by moving the boxes that follow. Nothing is changed if WeasyPrint's functions are not
where they were (another WeasyPrint than the one this was written for): lines stay ragged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Han characters, CJK punctuation and full-width forms, and the quotes and dashes used as Chinese marks.
_CJK = re.compile("[\u2014\u2018\u2019\u201c\u201d\u2026\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PATCHED = False


def justify_chinese() -> None:
    """Make WeasyPrint justify lines with Chinese text between characters (once per process)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text import line_break
        from weasyprint.text.ffi import TO_UNITS, ffi, pango

        spaces_only, set_text, create_layout = inline.justify_line, line_break.Layout.set_text, line_break.create_layout
    except (ImportError, AttributeError):
        return

    def set_text_spaced(self: Any, text: str, justify: bool = False) -> None:
        set_text(self, text, justify)
        ranges = getattr(self, "zhinan_spacing", None)
        if not ranges:
            return
        attrs = pango.pango_layout_get_attributes(self.layout)
        if attrs == ffi.NULL:
            attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        for start, end, spacing in ranges:
            attr = pango.pango_attr_letter_spacing_new(int(spacing * TO_UNITS))
            attr.start_index, attr.end_index = start, end
            pango.pango_attr_list_change(attrs, attr)
        pango.pango_layout_set_attributes(self.layout, attrs)

    def justify_line(context: Any, line: Any, extra_width: float) -> None:
        texts = [b for b in _text_boxes(line, boxes) if b.text.strip()]
        if not any(_CJK.search(b.text) for b in texts):
            spaces_only(context, line, extra_width)
            return
        plan = _Plan(texts)
        units = plan.spread(line, 1.0, None, boxes, dry=True)
        if units > 0:
            plan.spread(line, extra_width / units, lambda box: create_layout(box.text, box.style, context, None, 0),
                        boxes, dry=False)

    line_break.Layout.set_text = set_text_spaced
    inline.justify_line = justify_line


def _text_boxes(box: Any, boxes: Any) -> list[Any]:
    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return [t for child in box.children if child.is_in_normal_flow() for t in _text_boxes(child, boxes)]
    return []


def _compressed(box: Any) -> bool:
    """A span of marks set in pairs with the fonts' `halt` feature (see typeset._halt_pairs)."""
    settings = box.style["font_feature_settings"]
    return settings != "normal" and any(name == "halt" for name, _ in settings)


@dataclass
class _Plan:
    texts: list[Any]

    def spread(self, box: Any, spacing: float, relayout: Any, boxes: Any, dry: bool) -> float:
        """Widen the Chinese text under `box` by `spacing` a gap; returns how far the boxes after it
        move (with `dry`, only that: at spacing 1 it is the number of gaps the line's space goes to)."""
        return self._walk(box, spacing, 0.0, relayout, boxes, dry)

    def _walk(self, box: Any, spacing: float, advance: float, relayout: Any, boxes: Any, dry: bool) -> float:
        if isinstance(box, boxes.TextBox):
            return self._text(box, spacing, advance, relayout, dry)
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            before = advance
            if not dry:
                box.position_x += advance
            for child in box.children:
                if child.is_in_normal_flow():
                    advance = self._walk(child, spacing, advance, relayout, boxes, dry)
            if not dry:
                box.width += advance - before
            return advance
        if not dry:
            box.translate(advance, 0)  # an image or inline block: moved, not widened
        return advance

    def _text(self, box: Any, spacing: float, advance: float, relayout: Any, dry: bool) -> float:
        text = box.text
        flags = [bool(_CJK.match(ch)) for ch in text] if not _compressed(box) else [False] * len(text)
        count = sum(flags)
        if not dry:
            box.position_x += advance
        if not count:
            return advance
        # Pango gives a character half its spacing on either side, except at the ends of the text:
        # those halves are made up here, unless the end is the line's first or last character.
        lead = spacing / 2 if flags[0] and box is not self.texts[0] else 0.0
        trail = spacing / 2 if flags[-1] and box is not self.texts[-1] else 0.0
        grown = spacing * count - (spacing / 2 if flags[0] else 0.0) - (spacing / 2 if flags[-1] else 0.0)
        if not dry:
            layout = relayout(box)
            layout.zhinan_spacing = _runs(text, flags, spacing)
            layout.deactivate()
            box.pango_layout = layout
            box.position_x += lead
            box.width += grown
        return advance + lead + grown + trail


def _runs(text: str, flags: list[bool], spacing: float) -> list[tuple[int, int, float]]:
    """The UTF-8 byte ranges of the runs of flagged characters, each with the spacing."""
    runs: list[tuple[int, int, float]] = []
    at = 0
    start: int | None = None
    for ch, flag in zip(text, flags, strict=True):
        if flag and start is None:
            start = at
        elif not flag and start is not None:
            runs.append((start, at, spacing))
            start = None
        at += len(ch.encode())
    if start is not None:
        runs.append((start, at, spacing))
    return runs
