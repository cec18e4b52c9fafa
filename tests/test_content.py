"""The repository's starting content (its frozen copy, tests/fixtures/edition): the eight key sectors,
real where it can be. The rules every department's content must keep are in `zhinan check`
(tests/test_content_rules.py); here, what the edition itself was built to show."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import EDITION, REPO
from zhinan.content import rules
from zhinan.content.model import ASPECTS, Content
from zhinan.content.validate import load_content

REFERENCE = REPO / "reference"
"""The verified reference data, kept in the repository so these tests run wherever it runs."""
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
"""The city's reference set the copy was taken from, present beside the repository on our machines."""
KEY_SECTORS = {
    "hazardous-chemicals": "危险化学品",
    "mining": "非煤矿山和煤矿",
    "industry-trade": "工贸",
    "road-transport": "道路运输",
    "construction": "建筑施工",
    "fire-safety": "消防",
    "urban-gas": "城镇燃气",
    "waterway-transport": "水上交通",
}


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(EDITION)


def major_hazards(content: Content, sector_id: str) -> set[str]:
    sc = content.sector(sector_id)
    return {h.text for it in sc.items for h in it.hazards if h.level == "重大"}


def reference(name: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REFERENCE / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_eight_key_sectors(content: Content) -> None:
    found = {s.id: s.sector.name for s in content.sectors if s.sector.key}
    assert found == KEY_SECTORS


@pytest.mark.parametrize("sector_id", sorted(KEY_SECTORS))
def test_sector_checklist_and_enterprises(content: Content, sector_id: str) -> None:
    sc = content.sector(sector_id)
    assert len(sc.items) >= 20
    assert {it.aspect for it in sc.items} == set(ASPECTS)
    samples = [e for e in sc.enterprises if e.sample]
    assert len(samples) >= 2
    for e in samples:  # sample naming is a rule of `zhinan check`; items in samples' practices, its warning
        assert len(e.practices) >= 2
        assert all(p.items for p in e.practices), e.id


def test_official_chemicals_criteria_are_major_hazards(content: Content) -> None:
    official = set(reference("major-hazards-chemicals.yml")["items"])
    assert len(official) == 20
    assert official <= major_hazards(content, "hazardous-chemicals")


@pytest.mark.parametrize(("file", "sector_id"), [("major-hazards-gas.yml", "urban-gas"),
                                                 ("major-hazards-road.yml", "road-transport")])
def test_official_articles_are_major_hazards(content: Content, file: str, sector_id: str) -> None:
    official = {text for art in reference(file)["articles"] for text in art["items"]}
    assert official <= major_hazards(content, sector_id)


def test_basis_cites_only_sourced_codes(content: Content) -> None:
    """The rule is `zhinan check`'s (zhinan.content.rules.check_basis, tried in test_content_rules.py):
    the edition cites codes, and every one is in reference/."""
    codes = rules.sourced_codes(REPO)
    assert codes is not None and "GB/T 33000-2016" in codes and "KA/T 2050.1-2016" in codes
    cited = {c for sc in content.sectors for text in (*(b.code or "" for b in sc.sector.basis),
                                                       *(t for it in sc.items for t in it.basis))
             for c in rules.CODE.findall(text)}
    assert {"GB/T 33000-2016", "GB 45673-2025", "JT/T 1180.1-2018"} <= cited <= codes


def test_guide_chapters_do_not_invent_grading_thresholds(content: Content) -> None:
    text = "".join(ch.markdown for ch in content.chapters)
    for threshold in ("90分", "75分", "60分"):
        assert threshold not in text


def test_images_are_used(content: Content) -> None:
    images = [img for sc in content.sectors for e in sc.enterprises for p in e.practices for img in p.images]
    assert images, "至少一个做法带配图，用于检验图片在网站和 PDF 中的处理"
    for img in images:
        assert list(Path(EDITION / "sectors").glob(f"*/{img.src}")), img.src


def test_major_hazards_are_only_sourced_criteria(content: Content) -> None:
    """重大隐患 is a legal determination: only criteria whose text the reference gives are marked 重大."""
    official = "".join(p.read_text(encoding="utf-8") for p in sorted(REFERENCE.glob("*.yml")))
    assert "重大" in official and len(official) > 3000, "reference/ 缺少判定标准"
    for sc in content.sectors:
        for it in sc.items:
            for h in it.hazards:
                assert h.level != "重大" or h.text in official, (it.id, h.text)


def test_reference_copy_matches_its_source() -> None:
    """The repository's copy equals the city's reference set wherever that set is beside it."""
    names = sorted(p.name for p in REFERENCE.iterdir())
    assert names == ["README.md", *sorted(f"{n}.yml" for n in
                     ("gbt33000-elements", "major-hazards-chemicals", "major-hazards-gas",
                      "major-hazards-road", "standards"))]
    if SHARED_REFERENCE.is_dir():  # on CI machines shared/ is beside the clone; on GitHub it is not
        for name in names:
            assert (REFERENCE / name).read_bytes() == (SHARED_REFERENCE / name).read_bytes(), name
