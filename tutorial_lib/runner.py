"""The course runner: execute notebooks headless, time them, and write the report card."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .errors import CourseError
from .profiles import get_profile
from .report import project_root, write_atomic, write_report


def find_notebooks(names: list[str] | None = None) -> list[Path]:
    """Return the lesson notebooks to run: all of notebooks/ in order, or those matching `names` (e.g. '00')."""
    folder = project_root() / "notebooks"
    every = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = []
    for name in names:
        matches = [nb for nb in every if nb.name.startswith(Path(name).stem) or nb.name == Path(name).name]
        if not matches:
            raise CourseError(f"No notebook matches '{name}'. The lessons are: {', '.join(nb.name for nb in every)}.")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def execute(notebook: Path, output: Path, timeout: int = 1800) -> float:
    """Return the seconds it took to execute `notebook` headless and save the executed copy to `output`."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:  # a failed notebook is still saved, with the error in its cell, for the learner to read
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, nbformat.writes(nb))
    return time.perf_counter() - start


def run_course(names: list[str] | None = None, profile: str | None = None, inplace: bool = False) -> Path:
    """Return the report card's path after executing the chosen notebooks in `profile`.

    inplace=True also writes each executed notebook back over notebooks/ (how the committed outputs are made).
    """
    prof = get_profile(profile)
    out = project_root() / "reports" / prof.name
    os.environ["COURSE_PROFILE"] = prof.name  # the kernels inherit these
    os.environ["COURSE_REPORT_DIR"] = str(out)
    notebooks = find_notebooks(names)
    timings_file = out / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    failed = []
    for i, nb in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {nb.name} (profile {prof.name}) ...", flush=True)
        executed = out / "notebooks" / nb.name
        start = time.perf_counter()
        try:
            seconds = execute(nb, executed)
            status = "ok"
            if inplace:
                shutil.copyfile(executed, nb)
        except CellExecutionError as e:
            seconds, status = time.perf_counter() - start, "failed"
            failed.append(nb.name)
            print(f"    failed: {str(e).strip().splitlines()[-1][:300]}\n    see {executed}")
        timings[nb.name] = {"status": status, "wall_s": round(seconds, 1)}
        print(f"    {status} in {seconds:.0f} s", flush=True)
        write_atomic(timings_file, json.dumps(timings, indent=2))
    report = write_report(out)
    print(f"\nReport card: {report}")
    if failed:
        raise CourseError(
            f"{len(failed)} notebook(s) failed: {', '.join(failed)}. Open the executed copies in {out / 'notebooks'}."
        )
    return report
