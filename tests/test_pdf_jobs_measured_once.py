"""Preparing a build's PDF jobs measures each item id once, however many files there are.

The id columns of every volume and form are as wide as the widest id of the city (`_widths`).
Measured again for each job, a city's 92 jobs took 140 s to prepare in the build's own process,
and the PDF workers waited all that time for their first volume (scripts/bench.py's R6 at city
scale shows the cost; this counts the measurements, which a timing cannot do reliably)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zhinan.content.model import Content
from zhinan.pdf import typeset
from zhinan.pdf.jobs import form_job, volume_job


def test_every_id_is_measured_once_for_all_the_jobs(edition_content: Content, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[str] = []
    real = typeset.text_width_mm

    def counting(text: str, *args: Any, **kwargs: Any) -> float:
        measured.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(typeset, "text_width_mm", counting)
    jobs = [job(edition_content, sc, tmp_path, tmp_path, False, True)
            for sc in edition_content.sectors for job in (volume_job, form_job)]
    items = sum(len(sc.items) for sc in edition_content.sectors)
    assert len(jobs) > 2 and items > 10
    # Each id as the volume prints it and as the form prints it (with ★ for 重大), and the form's
    # three box headings: once, for every job together.
    assert 0 < len(measured) <= 2 * items + 3, (len(measured), items, len(jobs))
    # And every job got the same widths.
    assert len({tuple(sorted(j.context["widths"].items())) for j in jobs}) == 1
