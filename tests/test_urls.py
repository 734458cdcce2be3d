"""The repository's address lives in pyproject.toml; cells, badges and the set-up script follow."""

import difflib
import shutil
from pathlib import Path

import nbformat
import pytest

from tutorial_lib import urls
from tutorial_lib.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent
REPO = urls.repo_url(ROOT)
FORK = "https://github.com/someone/llm-course-fork"
LESSON = "notebooks/00_setup_and_tour.ipynb"


def test_readme_notebooks_and_script_agree_with_pyproject():
    problems = urls.sync(ROOT, write=False)
    assert not problems, "\n".join(problems) + "\nrun `python -m tutorial_lib.urls`"


def test_the_colab_cell_is_three_lines_and_installs_nothing_of_colabs():
    cell = urls.colab_cell(REPO)
    assert len(cell.splitlines()) <= 3
    assert " -e " not in cell and "--editable" not in cell and "torch" not in cell
    assert urls.raw_url(REPO, "tutorial_lib/colab.py") in cell and "google.colab" in cell
    compile(cell.replace("get_ipython()", "''"), "cell", "exec")


def test_addresses_follow_the_repository():
    assert urls.github_path("https://github.com/o/n.git") == "o/n"
    assert urls.colab_url("https://github.com/o/n", LESSON) == (
        f"https://colab.research.google.com/github/o/n/blob/main/{LESSON}"
    )
    assert urls.raw_url("https://github.com/o/n/", "a/b.py") == (
        "https://raw.githubusercontent.com/o/n/main/a/b.py"
    )


def test_a_repository_off_github_is_refused():
    with pytest.raises(CourseError, match=r"not https://github.com/OWNER/NAME.*\[project.urls\]"):
        urls.colab_url("https://gitlab.com/o/n", LESSON)


@pytest.fixture
def course(tmp_path) -> Path:
    """Return a copy of the course with one notebook, README and script, its address a fork's."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tutorial_lib").mkdir()
    shutil.copy(ROOT / LESSON, tmp_path / LESSON)
    shutil.copy(ROOT / urls.SCRIPT, tmp_path / urls.SCRIPT)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8").replace(REPO, FORK)
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return tmp_path


def test_sync_rewrites_a_copy_and_leaves_the_rest_alone(course):
    before = nbformat.read(course / LESSON, as_version=4)
    raw_before = (course / LESSON).read_text(encoding="utf-8")
    problems = urls.sync(course, write=True)
    assert any("Colab cell" in p for p in problems) and any("badge" in p for p in problems)
    assert any("REPO_URL" in p for p in problems)
    assert urls.sync(course, write=False) == []

    after = nbformat.read(course / LESSON, as_version=4)
    colab = next(i for i, c in enumerate(after.cells) if "google.colab" in c.source)
    assert after.cells[colab].source == urls.colab_cell(FORK)
    assert urls.colab_url(FORK, LESSON) in after.cells[0].source
    assert REPO not in after.cells[0].source
    for old, new in zip(before.cells, after.cells):
        assert old.get("outputs") == new.get("outputs") and old.metadata == new.metadata
        assert old.source == new.source or new in (after.cells[0], after.cells[colab])
    raw_after = (course / LESSON).read_text(encoding="utf-8")
    moved = raw_before.replace(urls.github_path(REPO), urls.github_path(FORK))
    diff = difflib.unified_diff(moved.splitlines(), raw_after.splitlines(), lineterm="", n=0)
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    # beyond the address, only the Colab cell's lines may change (none once it is the generated one)
    assert len(added) <= 3 and all("colab" in line or "urlopen" in line for line in added)
    assert raw_after.endswith("\n") == raw_before.endswith("\n")
    assert f'REPO_URL = "{FORK}"' in (course / urls.SCRIPT).read_text(encoding="utf-8")
    readme = (course / "README.md").read_text(encoding="utf-8")
    assert urls.colab_url(FORK, LESSON) in readme and urls.colab_url(REPO, LESSON) not in readme


def test_check_lists_what_disagrees_and_exits_1(course, capsys):
    assert urls.main(["--check", "--root", str(course)]) == 1
    out = capsys.readouterr().out
    assert "notebooks/00_setup_and_tour.ipynb: the Colab cell differs" in out and FORK in out
    assert urls.main(["--root", str(course)]) == 0
    assert urls.main(["--check", "--root", str(course)]) == 0


def test_a_readme_row_badge_opens_its_own_notebook(course):
    readme = course / "README.md"
    text = readme.read_text(encoding="utf-8")
    wrong = text.replace(
        f"{urls.github_path(REPO)}/blob/main/notebooks/01_in_context_learning.ipynb)",
        f"{urls.github_path(REPO)}/blob/main/notebooks/09_quantization.ipynb)",
    )
    readme.write_text(wrong, encoding="utf-8")
    urls.sync(course, write=True)
    row = next(line for line in readme.read_text().splitlines() if "[01_in_context" in line)
    assert row.endswith(f"({urls.colab_url(FORK, 'notebooks/01_in_context_learning.ipynb')}) |")


def test_a_missing_cell_and_badge_are_added(course):
    nb = nbformat.read(course / LESSON, as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    del nb.cells[params + 1]
    nb.cells[0].source = "# 00 · Title\n\nSome text."
    nbformat.write(nb, course / LESSON)
    problems = urls.sync(course, write=True)
    assert "notebooks/00_setup_and_tour.ipynb: no Colab cell after the parameters cell" in problems
    nb = nbformat.read(course / LESSON, as_version=4)
    assert nb.cells[params + 1].source == urls.colab_cell(FORK)
    assert nb.cells[0].source == f"# 00 · Title\n\n{urls.badge(FORK, LESSON)}\n\nSome text."


def test_a_notebook_without_parameters_cell_is_reported(course):
    nb = nbformat.read(course / LESSON, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    nbformat.write(nb, course / LESSON)
    assert any("no cell tagged `parameters`" in p for p in urls.sync(course, write=False))


def test_no_repository_address_says_where_to_add_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    wanted = r"no \[project.urls\] Repository.*python -m tutorial_lib.urls"
    with pytest.raises(CourseError, match=wanted):
        urls.repo_url(tmp_path)
