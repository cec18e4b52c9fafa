"""Moving items of a ruamel.yaml round-trip sequence without moving their comments off them.

ruamel.yaml keeps the comment lines above an item (and the blank line before it) as the
trailing comment of the last value of the item before, or, for the first item, as a comment
at the start of the sequence. Reordering or deleting items as they are would leave those lines
above another item; `move_items` gives each item its own lines back, then sets the new order.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

Slot = tuple[CommentedMap | CommentedSeq, Any]


def _tail_slots(node: Any) -> list[Slot]:
    """The chain of last entries from `node` down to its deepest last value."""
    slots: list[Slot] = []
    while isinstance(node, CommentedMap | CommentedSeq) and len(node):
        key = list(node.keys())[-1] if isinstance(node, CommentedMap) else len(node) - 1
        slots.append((node, key))
        node = node[key]
    return slots


def _position(container: CommentedMap | CommentedSeq) -> int:
    return 2 if isinstance(container, CommentedMap) else 0


def _token(slot: Slot) -> CommentToken | None:
    container, key = slot
    entry = container.ca.items.get(key)
    pos = _position(container)
    token = entry[pos] if entry and len(entry) > pos else None
    return token if isinstance(token, CommentToken) else None


def _take_tail(item: Any) -> tuple[str, str, CommentToken | None]:
    """Remove the trailing comment after `item`; returns the rest of its own last line, the lines
    after it (which belong to whatever follows), and the token that held them."""
    for slot in reversed(_tail_slots(item)):
        token = _token(slot)
        if token is not None:
            container, key = slot
            container.ca.items[key][_position(container)] = None
            text = str(token.value)
            column = token.start_mark.column if token.start_mark is not None else 0
            if isinstance(container[key], FoldedScalarString | LiteralScalarString):
                # A block scalar ends its own line: whatever follows belongs to what comes next. With
                # no blank line between, the token starts at the comment itself, its indent not in it.
                return "", (" " * column + text if column and not text.startswith("\n") else text), token
            if column > 0:  # starts on the value's line
                own, _, rest = text.partition("\n")
                return own + "\n", rest, token
            return "", text, token
    return "", "", None


def _put_tail(item: Any, own: str, following: str, token: CommentToken | None) -> None:
    slots = _tail_slots(item)
    if not slots:
        return
    container, key = slots[-1]
    if not own and not isinstance(container[key], FoldedScalarString | LiteralScalarString):
        own = "\n"  # a block scalar ends its own line; any other value's comment starts on it
    if own in ("", "\n") and not following:
        return
    if token is None or not own.strip():
        block = isinstance(container[key], FoldedScalarString | LiteralScalarString)
        token = CommentToken("", CommentMark(0 if block else 1), None)
    token.value = own + following
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[_position(container)] = token


def _take_head(items: CommentedSeq) -> str:
    """Remove the comment lines above the first item; returns them as text."""
    comment = items.ca.comment
    if not comment or len(comment) < 2 or not comment[1]:
        return ""
    tokens = comment[1]
    text = "".join(
        (" " * t.start_mark.column if str(t.value).startswith("#") and t.start_mark else "") + str(t.value)
        for t in tokens
    )
    # In place: the mapping that holds `items` refers to the same list. An empty list would make
    # ruamel.yaml write the first "-" on the line of `items:`; an empty comment writes nothing.
    tokens[:] = [CommentToken("", CommentMark(0), None)]
    return text


def _put_head(items: CommentedSeq, text: str) -> None:
    if not text:
        return
    token = CommentToken(text, CommentMark(0), None)
    comment = items.ca.comment
    if comment and len(comment) > 1 and comment[1] is not None:
        comment[1][:] = [token]
    else:
        items.ca.comment = [None, [token]]


def move_items(items: CommentedSeq, new: list[CommentedMap]) -> None:
    """Make `items` hold `new` (some of its items, and new ones, in any order), each existing item
    keeping the comment lines above it and the file's blank lines between items."""
    head = _take_head(items)
    tails = {id(m): _take_tail(m) for m in items}
    above = {id(m): (tails[id(items[i - 1])][1] if i else head) for i, m in enumerate(items)}
    end = tails[id(items[-1])][1] if len(items) else ""
    # The first item had no blank line above it; elsewhere an item gets the file's usual one.
    spaced = sum(1 for text in list(above.values())[1:] if text.startswith("\n")) * 2 > len(above) - 1
    items[:] = new
    if new:
        first = above.get(id(new[0]), "")
        _put_head(items, first if head.startswith("\n") else first.lstrip("\n"))
    for i, m in enumerate(new):
        following = above.get(id(new[i + 1]), "") if i + 1 < len(new) else end
        if i + 1 < len(new) and not following.startswith("\n") and spaced:
            following = "\n" + following
        own, _, token = tails.get(id(m), ("", "", None))
        _put_tail(m, own, following, token)
