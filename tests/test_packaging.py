"""The install files agree with each other, and the README's test command is what CI runs."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    return dict(re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip()).groups() for line in lines if "==" in line)


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    env = [line.strip().removeprefix("- ") for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert _pins(line for line in env if not line.startswith("#")) == wanted


def test_every_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert all("==" in d for d in project["dependencies"])


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()
