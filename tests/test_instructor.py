"""The instructor guide: section minutes from cell timings, agendas, and the guide kept in sync."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tutorial_lib import instructor
from tutorial_lib.errors import CourseError
from tutorial_lib.timings import cell_seconds, notebook_minutes, section_minutes


def _timed(source: str, start: str, end: str):
    cell = new_code_cell(source)
    cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
    return cell


def _notebook(path, profile="cpu"):
    nb = new_notebook(cells=[
        new_markdown_cell("# Lesson"),
        _timed("plan = 1", "2026-12-03T10:00:00.000Z", "2026-12-03T10:00:06.000Z"),  # 6 s
        new_markdown_cell("Some prose.\n\n## 1. Train"),
        _timed("train()", "2026-12-03T10:00:10.000Z", "2026-12-03T10:02:10.000Z"),  # 120 s
        _timed("plot()", "2026-12-03T10:02:10.000Z", "2026-12-03T10:02:40.500Z"),  # 30.5 s
        new_markdown_cell("## 2. Evaluate"),
        new_code_cell("never run"),
    ])
    nb.metadata["course"] = {"profile": profile, "wall_s": 160.0, "peak_ram_gib": 2.5}
    nbformat.write(nb, path)
    return path


def test_section_minutes_sum_the_cells_under_each_heading(tmp_path):
    path = _notebook(tmp_path / "00_setup_and_tour.ipynb")
    assert section_minutes(path) == [("Set-up", 0.1), ("1. Train", pytest.approx(150.5 / 60)),
                                     ("2. Evaluate", 0.0)]
    assert notebook_minutes(path) == pytest.approx(156.5 / 60)
    assert cell_seconds(new_code_cell("x")) is None
    untimed = tmp_path / "untimed.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x")]), untimed)
    assert section_minutes(untimed) is None


def test_measure_reads_a_profiles_notebooks_and_skips_other_profiles(tmp_path):
    _notebook(tmp_path / "00_setup_and_tour.ipynb")
    _notebook(tmp_path / "01_in_context_learning.ipynb", profile="quick")
    found = instructor.measure(tmp_path, "cpu")
    assert list(found) == ["00_setup_and_tour"]
    assert found["00_setup_and_tour"]["minutes"] == pytest.approx(2.61)
    assert found["00_setup_and_tour"]["peak_ram_gib"] == 2.5


def test_agenda_adds_planned_minutes_to_measured_runs_with_breaks():
    timings = {"cpu": {"00_setup_and_tour": {"minutes": 4.2}, "01_in_context_learning":
                       {"minutes": 80.0}, "03_supervised_finetuning": {"minutes": 10.0}}}
    table = instructor.agenda(timings, ("00", "01", "03"), lunch=False)
    # 00: ceil(4.2 + 10 + 15) = 30 min; 01: 105 min, then a break; 03: 35 min
    assert "| 09:00 | 00_setup_and_tour | 4.2 min | 10 + 15 min | 09:30 |" in table
    assert "| 09:30 | 01_in_context_learning | 80.0 min | 10 + 15 min | 11:15 |" in table
    assert "| 11:15 | *break* | | | 11:30 |" in table
    assert "| 11:30 | 03_supervised_finetuning | 10.0 min | 10 + 15 min | 12:05 |" in table
    assert "Ends at 12:05: 3.1 hours in all." in table


def test_fill_replaces_each_block_and_says_when_one_is_lost():
    text = "a\n<!-- generated:x -->\nold\n<!-- end:x -->\nb"
    assert instructor.fill(text, {"x": "new"}) == "a\n<!-- generated:x -->\nnew\n<!-- end:x -->\nb"
    empty = "<!-- generated:x -->\n<!-- end:x -->"
    assert instructor.fill(empty, {"x": "new"}) == "<!-- generated:x -->\nnew\n<!-- end:x -->"
    with pytest.raises(CourseError, match="Put it back"):
        instructor.fill("no markers", {"x": "new"})


def test_the_committed_guide_agrees_with_the_committed_notebooks():
    committed = json.loads(instructor.TIMINGS.read_text())
    measured = instructor.measure(instructor.NOTEBOOKS, "cpu")
    times = {stem: (e["minutes"], e["sections"]) for stem, e in committed["cpu"].items()}
    assert times == {stem: (e["minutes"], e["sections"]) for stem, e in measured.items()}, (
        "a notebook was re-executed without regenerating the guide: "
        "run python -m tutorial_lib instructor"
    )
    text = instructor.GUIDE.read_text(encoding="utf-8")
    seeds = json.loads(instructor.SEEDS.read_text()) if instructor.SEEDS.exists() else {}
    assert instructor.fill(text, instructor.blocks(committed, seeds)) == text
    for name in ("half-day", "full-day", "overview", "sections"):
        assert f"<!-- generated:{name} -->" in text
    readme = instructor.README.read_text(encoding="utf-8")
    assert instructor.fill(readme, {"overview": instructor.overview(committed)}) == readme
