"""Where a lesson's minutes go: seconds per cell and minutes per section, from an executed notebook.

nbclient stamps every executed code cell's metadata with when it started and finished; a section is
a `## ` heading of the notebook and the cells below it, up to the next one.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

SETUP = "Set-up"  # the name of the cells above a notebook's first section heading


def _time(stamp: str) -> float:
    """Return an ISO timestamp from a notebook's cell metadata as seconds since the epoch."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def cell_seconds(cell: dict) -> float | None:
    """Return the seconds a code cell took to execute, or None if it holds no timing."""
    stamps = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in stamps or "shell.execute_reply" not in stamps:
        return None
    return _time(stamps["shell.execute_reply"]) - _time(stamps["iopub.execute_input"])


def section_title(cell: dict) -> str | None:
    """Return the text of the first `## ` heading of a markdown cell, or None."""
    if cell.get("cell_type") != "markdown":
        return None
    source = "".join(cell.get("source", ""))
    for line in source.splitlines():
        if line.startswith("## "):
            return line[3:].strip()
    return None


def read_cells(notebook: Path) -> list[dict]:
    """Return a notebook file's cells as plain dicts."""
    return json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]


def section_minutes(notebook: Path) -> list[tuple[str, float]] | None:
    """Return (section, minutes) in notebook order, or None if no cell holds a timing."""
    sections: list[tuple[str, float]] = [(SETUP, 0.0)]
    timed = False
    for cell in read_cells(notebook):
        title = section_title(cell)
        if title is not None:
            sections.append((title, 0.0))
        seconds = cell_seconds(cell) if cell.get("cell_type") == "code" else None
        if seconds is not None:
            timed = True
            name, minutes = sections[-1]
            sections[-1] = (name, minutes + seconds / 60)
    if not timed:
        return None
    return [(name, minutes) for name, minutes in sections if name != SETUP or minutes > 0]


def notebook_minutes(notebook: Path) -> float | None:
    """Return the minutes a notebook's cells took in all, or None if none holds a timing."""
    sections = section_minutes(notebook)
    return None if sections is None else sum(minutes for _, minutes in sections)
