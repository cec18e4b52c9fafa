"""`zhinan new sector|enterprise`: the starting files pass the check at once and nothing is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from zhinan.cli import main
from zhinan.content.model import ASPECTS, ENTERPRISE_LEVELS, Enterprise, Sector, is_required, public_fields
from zhinan.content.validate import load_content
from zhinan.formats.schema import schema_line


def zhinan(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def new_sector(root: Path, sector_id: str = "urban-gas", prefix: str = "RQ") -> Result:
    return zhinan("new", "sector", sector_id, "--root", str(root), "--name", "城镇燃气",
                  "--department", "市住房和城乡建设局", "--prefix", prefix, "--key")


def new_enterprise(root: Path, sector_id: str = "urban-gas", enterprise_id: str = "gas-a") -> Result:
    return zhinan("new", "enterprise", sector_id, enterprise_id, "--root", str(root), "--name", "泉州燃气有限公司",
                  "--county", "丰泽区", "--level", ENTERPRISE_LEVELS[-1])


def test_new_sector_and_enterprise_pass_check(minimal_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New files pass the local check; their placeholders are refused only by the strict check (CI)."""
    monkeypatch.delenv("CI", raising=False)
    assert new_sector(minimal_tree).exit_code == 0
    assert new_enterprise(minimal_tree).exit_code == 0
    content = load_content(minimal_tree)
    sc = content.sector("urban-gas")
    assert (sc.sector.name, sc.sector.prefix, sc.sector.key, sc.sector.order) == ("城镇燃气", "RQ", True, 2)
    assert [it.aspect for it in sc.items] == list(ASPECTS)
    assert [it.id for it in sc.items] == [f"RQ-{n:03d}" for n in range(1, len(ASPECTS) + 1)]
    (ent,) = sc.enterprises
    assert (ent.id, ent.county, ent.level) == ("gas-a", "丰泽区", ENTERPRISE_LEVELS[-1])
    assert zhinan("check", "--root", str(minimal_tree)).exit_code == 0
    assert zhinan("check", "--strict", "--root", str(minimal_tree)).exit_code == 1


def test_files_carry_schema_line_and_field_comments(minimal_tree: Path) -> None:
    new_sector(minimal_tree)
    new_enterprise(minimal_tree)
    folder = minimal_tree / "sectors/urban-gas"
    files = {"sector": (folder / "sector.yml", 2, Sector), "checklist": (folder / "checklist.yml", 2, None),
             "enterprise": (folder / "enterprises/gas-a.yml", 3, Enterprise)}
    for kind, (path, depth, record) in files.items():
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == schema_line(kind, depth)
        # The schema path must lead to the real schema file from where the file sits.
        assert (path.parent / schema_line(kind, depth).split("$schema=")[1]).resolve() == \
            (minimal_tree / "schemas" / f"{kind}.schema.json").resolve()
        for f in public_fields(record) if record else ():
            assert f"# {f.metadata['title']}（{'必填' if is_required(f) else '可选'}）" in text


def test_optional_examples_are_valid_when_uncommented(minimal_tree: Path) -> None:
    """The commented-out lines show working YAML: removing the '# ' keeps the file valid."""
    new_sector(minimal_tree)
    path = minimal_tree / "sectors/urban-gas/sector.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    names = {f.name for f in public_fields(Sector)}
    opened = [ln.replace("# ", "", 1) if ln.lstrip("# ").split(":")[0] in names else ln for ln in lines]
    path.write_text("\n".join(opened) + "\n", encoding="utf-8")
    assert set(yaml.safe_load(path.read_text(encoding="utf-8"))) == names - {"scope"}
    assert load_content(minimal_tree).sector("urban-gas").sector.reviewers


def test_overwrite_refused(minimal_tree: Path) -> None:
    assert new_sector(minimal_tree).exit_code == 0
    sector_yml = minimal_tree / "sectors/urban-gas/sector.yml"
    sector_yml.write_text(sector_yml.read_text(encoding="utf-8").replace("城镇燃气", "燃气"), encoding="utf-8")
    before = sector_yml.read_bytes()
    again = new_sector(minimal_tree, prefix="RQX")
    assert again.exit_code == 1
    assert "sectors/urban-gas/ 已存在，不会覆盖" in again.stderr
    assert sector_yml.read_bytes() == before
    assert new_enterprise(minimal_tree).exit_code == 0
    twice = new_enterprise(minimal_tree)
    assert twice.exit_code == 1
    assert "enterprises/gas-a.yml 已存在，不会覆盖" in twice.stderr


def test_refusals_explained(minimal_tree: Path) -> None:
    taken = load_content(minimal_tree).sectors[0].sector.prefix
    cases = {
        new_sector(minimal_tree, "Urban_Gas"): "行业编号“Urban_Gas”格式不对",
        new_sector(minimal_tree, prefix="rq"): "编号前缀“rq”格式不对",
        new_sector(minimal_tree, prefix=taken): f"编号前缀“{taken}”已被行业",
        new_enterprise(minimal_tree, sector_id="nowhere"): "行业“nowhere”不存在",
        new_enterprise(minimal_tree, sector_id="demo", enterprise_id="A B"): "企业编号“A B”格式不对",
    }
    for result, message in cases.items():
        assert result.exit_code == 1
        assert message in result.stderr
    assert not (minimal_tree / "sectors/urban-gas").exists()
    assert zhinan("new", "enterprise", "demo", "x", "--name", "企", "--county", "区", "--level", "省级").exit_code == 2


def test_html_in_a_name_is_refused_before_writing(minimal_tree: Path) -> None:
    result = zhinan("new", "enterprise", "demo", "bad", "--root", str(minimal_tree), "--name", "<b>企业</b>",
                    "--county", "丰泽区", "--level", ENTERPRISE_LEVELS[0])
    assert result.exit_code == 1
    assert "sectors/demo/enterprises/bad.yml:" in result.stderr
    assert not (minimal_tree / "sectors/demo/enterprises/bad.yml").exists()


def test_enterprise_example_refers_to_the_sectors_own_items(minimal_tree: Path) -> None:
    new_sector(minimal_tree)
    new_enterprise(minimal_tree)
    path = minimal_tree / "sectors/urban-gas/enterprises/gas-a.yml"
    text = path.read_text(encoding="utf-8")
    assert "    # items: [RQ-001]\n" in text
    path.write_text(text.replace("    # items: [RQ-001]", "    items: [RQ-001]"), encoding="utf-8")
    (ent,) = load_content(minimal_tree).sector("urban-gas").enterprises
    assert ent.practices[0].items == ("RQ-001",)
