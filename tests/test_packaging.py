"""The install files agree with each other, and the README's test command is what CI runs.

pyproject.toml states tested ranges; constraints.txt pins the reference set `make setup` installs;
environment.yml carries the same pins for conda workshops.
"""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DECLARED = [Requirement(r) for r in PROJECT["dependencies"]] + [
    Requirement(r) for extra in PROJECT["optional-dependencies"].values() for r in extra
]
JUPYTER = {"jupyterlab", "ipykernel", "ipywidgets", "notebook"}


def _name(name: str) -> str:
    """Return the canonical form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    """Return canonical name -> version of every `name==version` line (comments skipped)."""
    found = {}
    for line in lines:
        line = line.strip().removeprefix("- ")
        match = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match and not line.startswith("#"):
            found[_name(match[1])] = match[2]
    return found


CONSTRAINTS = _pins((ROOT / "constraints.txt").read_text().splitlines())


def test_environment_yml_agrees_with_constraints():
    assert _pins((ROOT / "environment.yml").read_text().splitlines()) == CONSTRAINTS


def test_every_declared_package_has_a_reference_pin_inside_its_range():
    assert {_name(r.name) for r in DECLARED} == set(CONSTRAINTS)
    pins = {r: CONSTRAINTS[_name(r.name)] for r in DECLARED}
    outside = [f"{r} vs =={pin}" for r, pin in pins.items() if pin not in r.specifier]
    assert not outside, f"constraints.txt pins outside pyproject's ranges: {outside}"


def test_dependencies_are_ranges_with_a_lower_bound():
    for r in DECLARED:
        ops = {s.operator for s in r.specifier}
        assert not ops & {"==", "==="}, f"{r} is a pin, not a range"
        assert ops & {">=", "~="}, f"{r} has no lower bound"


def test_jupyter_is_an_extra_that_colab_does_not_get():
    base = {_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    lab = {_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["lab"]}
    assert not base & JUPYTER and {"jupyterlab", "ipykernel", "ipywidgets"} <= lab
    dev = {_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["dev"]}
    assert "pytest-xdist" in dev


def test_make_setup_installs_the_reference_set_and_test_latest_ignores_it():
    makefile = (ROOT / "Makefile").read_text()
    setup = makefile.split("$(STAMP):")[1].split("\n\n")[0]
    assert "-c $(CONSTRAINTS)" in setup and '".[lab,dev]"' in setup
    assert re.search(r"^CONSTRAINTS\s*:?=\s*constraints\.txt$", makefile, re.M)
    latest = makefile.split("\ntest-latest:")[1].split("\n\n")[0]
    assert "$(CONSTRAINTS)" not in latest and "constraints.txt" not in latest
    assert "--upgrade" in latest and "$(LATEST)" in latest and "-m pytest" in latest
    assert set("torch transformers trl peft datasets accelerate".split()) <= set(
        re.search(r"^LATEST\s*:?=(.*)$", makefile, re.M)[1].split()
    )


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_wheel_holds_the_package_data_a_non_editable_install_needs(tmp_path):
    """Colab installs the course non-editable: the wheel must carry every module and the corpus."""
    setuptools = pytest.importorskip("setuptools")
    if Version(setuptools.__version__) < Version("68"):
        pytest.skip(f"building offline needs setuptools>=68 here, not {setuptools.__version__}")
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "tutorial_lib", src / "tutorial_lib", ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    cmd = [*pip, "--no-index", "-w", str(tmp_path / "dist"), str(src)]
    subprocess.run(cmd, check=True, capture_output=True)
    wheel = zipfile.ZipFile(next((tmp_path / "dist").glob("tutorial_lib-*.whl")))
    names = set(wheel.namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tutorial_lib").rglob("*.py")}
    assert modules <= names, f"missing from the wheel: {sorted(modules - names)}"
    corpus = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tutorial_lib/corpus").glob("*.txt")}
    assert corpus and corpus <= names
