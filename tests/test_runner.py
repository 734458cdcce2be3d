"""The course runner and the command line, on a throw-away course folder with two tiny notebooks."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tutorial_lib import CourseError
from tutorial_lib.__main__ import main
from tutorial_lib.output_cache import SWITCH
from tutorial_lib.runner import find_notebooks, run_course


def _course(tmp_path, second_cell):
    (tmp_path / "tutorial_lib").mkdir()
    (tmp_path / "notebooks").mkdir()
    params = new_code_cell("profile = None", metadata={"tags": ["parameters"]})
    ok = new_notebook(
        cells=[
            params,
            new_code_cell(
                "from tutorial_lib import get_profile, record\n"
                "record(get_profile(profile), {'answer': 42, 'profile': profile}, name='00_demo')"
            ),
        ]
    )
    bad = new_notebook(cells=[new_code_cell(second_cell)])
    nbformat.write(ok, tmp_path / "notebooks" / "00_demo.ipynb")
    nbformat.write(bad, tmp_path / "notebooks" / "01_other.ipynb")
    return tmp_path


def test_run_course_writes_report_and_timings(tmp_path, monkeypatch):
    monkeypatch.chdir(_course(tmp_path, "x = 1"))
    monkeypatch.delenv("COURSE_REPORT_DIR", raising=False)
    # the runner's profile reaches the notebook, not this
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    report = run_course(profile="quick")
    assert report == tmp_path / "reports" / "quick" / "REPORT.md"
    assert "| answer | 42 |" in report.read_text() and "| profile | quick |" in report.read_text()
    executed = nbformat.read(tmp_path / "reports" / "quick" / "notebooks" / "00_demo.ipynb", 4)
    assert (
        executed.cells[1].source == "profile = 'quick'"
        and executed.metadata["course"]["profile"] == "quick"
    )
    # the kernel's peak RAM, as the lesson's record() measured it, goes into the metadata
    assert 0 < executed.metadata["course"]["peak_ram_gib"] < 64
    other = nbformat.read(tmp_path / "reports" / "quick" / "notebooks" / "01_other.ipynb", 4)
    assert "peak_ram_gib" not in other.metadata["course"]
    timings = json.loads((tmp_path / "reports" / "quick" / "timings.json").read_text())
    assert (
        set(timings) == {"00_demo.ipynb", "01_other.ipynb"}
        and timings["00_demo.ipynb"]["status"] == "ok"
    )
    assert (tmp_path / "reports" / "quick" / "notebooks" / "00_demo.ipynb").exists()


def test_a_failing_notebook_is_reported_and_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_course(tmp_path, "raise ValueError('broken on purpose')"))
    monkeypatch.delenv("COURSE_REPORT_DIR", raising=False)
    assert main(["run", "01", "--profile", "quick"]) == 2
    assert "1 notebook(s) failed: 01_other.ipynb" in capsys.readouterr().err
    executed = nbformat.read(tmp_path / "reports" / "quick" / "notebooks" / "01_other.ipynb", 4)
    # the learner can read what went wrong
    assert executed.cells[-1].outputs[0]["ename"] == "ValueError"


def test_unknown_notebook_lists_the_lessons(tmp_path, monkeypatch):
    monkeypatch.chdir(_course(tmp_path, "x = 1"))
    with pytest.raises(
        CourseError, match="No notebook matches '42'.*00_demo.ipynb, 01_other.ipynb"
    ):
        find_notebooks(["42"])


def test_report_command_rewrites_the_card(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_REPORT_DIR", str(tmp_path))
    assert main(["report", "--profile", "quick"]) == 0
    assert "No lesson has recorded results yet" in (tmp_path / "REPORT.md").read_text()


def test_the_notebook_parameter_beats_the_environment_in_a_real_lesson(tmp_path, monkeypatch):
    """Lesson 00 run with profile quick while $COURSE_PROFILE says cpu: quick everywhere."""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    monkeypatch.setenv("COURSE_REPORT_DIR", str(tmp_path))  # not the course's reports/quick
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    report = run_course(["00"], profile="quick")
    results = json.loads((report.parent / "results" / "00_setup_and_tour.json").read_text())
    assert results["profile"] == "quick" and "profile `quick`" in report.read_text()
    executed = nbformat.read(report.parent / "notebooks" / "00_setup_and_tour.ipynb", 4)
    printed = "".join(
        o.get("text", "")
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "quick profile" in printed and "cpu profile" not in printed
    assert re.search(r"ok\s+profile\s+quick", printed)  # the doctor checked the plan, not the env


def test_a_recorded_run_starts_from_an_empty_output_cache(tmp_path, monkeypatch):
    seen = tmp_path / "switch.txt"
    cell = f"import os, pathlib\npathlib.Path({str(seen)!r}).write_text(os.environ['{SWITCH}'])"
    monkeypatch.chdir(_course(tmp_path, cell))
    monkeypatch.delenv("COURSE_REPORT_DIR", raising=False)
    monkeypatch.delenv(SWITCH)
    run_course(["01"], "quick", inplace=True)  # its times must be a first run's
    folder = Path(seen.read_text())
    assert folder.name.startswith("course-outputs-") and not any(folder.iterdir())
    monkeypatch.setenv(SWITCH, "off")  # a learner's "off" stays off
    run_course(["01"], "quick", inplace=True)
    assert seen.read_text() == "off"
