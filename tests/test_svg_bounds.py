"""SVGs are bounded before WeasyPrint or a browser sees them (issue 35): elements, `<use>` depth
and the elements the `<use>` references expand to; a 2 KB SVG whose 40 nested levels each `<use>`
the one before twice (2^40 elements drawn) is a check error with its path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from zhinan.content import sanitize

BIN = Path(sys.executable).parent
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'


def nested_uses(levels: int) -> bytes:
    body = '<defs><rect id="l0" width="1" height="1"/>'
    body += "".join(f'<g id="l{n}"><use href="#l{n - 1}"/><use xlink:href="#l{n - 1}" x="1"/></g>'
                    for n in range(1, levels + 1))
    return SVG.format(body + f'</defs><use href="#l{levels}"/>').encode()


def test_use_bombs_are_refused() -> None:
    data = nested_uses(40)
    assert len(data) < 4096
    found = sanitize.svg_problems(data)
    assert found and any("<use>" in f for f in found), found


def test_a_drawing_with_some_uses_passes() -> None:
    assert sanitize.svg_problems(nested_uses(3)) == []
    flat = SVG.format("".join(f'<rect x="{n}" width="1" height="1"/>' for n in range(2000))).encode()
    assert sanitize.svg_problems(flat) == []


def test_too_many_elements_and_cycles_are_refused() -> None:
    flat = SVG.format("<rect/>" * (sanitize.SVG_MAX_ELEMENTS + 1)).encode()
    assert any("元素" in f for f in sanitize.svg_problems(flat))
    cycle = SVG.format('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>').encode()
    assert any("循环" in f for f in sanitize.svg_problems(cycle))
    deep = SVG.format("<g>" * 200 + "</g>" * 200).encode()
    assert any("嵌套" in f for f in sanitize.svg_problems(deep))


def test_check_names_the_file(minimal_tree: Path) -> None:
    (minimal_tree / "sectors/demo/images/pic.svg").write_bytes(nested_uses(40))
    out = subprocess.run([str(BIN / "zhinan"), "check", "--root", str(minimal_tree)], capture_output=True, text=True,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False, timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "sectors/demo/images/pic.svg" in out.stderr and "<use>" in out.stderr, out.stderr


def test_a_long_chain_of_uses_is_refused_without_recursing_through_it() -> None:
    chain = "".join(f'<g id="c{n}"><use href="#c{n - 1}"/></g>' for n in range(1, 3000))
    found = sanitize.svg_problems(SVG.format(f'<rect id="c0"/>{chain}').encode())
    assert any("<use>" in f for f in found), found
