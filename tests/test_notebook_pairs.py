"""Every notebook has a jupytext pair, notebooks/NN_topic.py, with the same cells (`make pair`)."""

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[tuple[str, str, list[str]]]:
    """Return (type, source, tags) of each cell of a notebook or of its percent script."""
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip(), list(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_ten_lessons():
    assert len(LESSONS) == 10


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_the_pair_has_the_notebooks_cells(notebook: Path):
    script = notebook.with_suffix(".py")
    assert script.exists(), f"{script.name} is missing: run make pair"
    assert _cells(script) == _cells(notebook), (
        f"{script.name} and {notebook.name} differ: after editing the notebook run make pair; "
        f"after editing the script, jupytext --update --to ipynb {script.name}"
    )
