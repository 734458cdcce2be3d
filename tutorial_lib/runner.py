"""The course runner: execute notebooks headless, time them, and write the report card."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .errors import CourseError
from .output_cache import SWITCH
from .profiles import get_profile
from .report import project_root, report_dir, write_atomic, write_report


def find_notebooks(names: list[str] | None = None) -> list[Path]:
    """Return the lesson notebooks to run: all of notebooks/ in order, or those matching `names`
    (e.g. '00')."""
    folder = project_root() / "notebooks"
    every = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = []
    for name in names:
        matches = [
            nb for nb in every if nb.name.startswith(Path(name).stem) or nb.name == Path(name).name
        ]
        if not matches:
            raise CourseError(
                f"No notebook matches '{name}'. The lessons are: "
                f"{', '.join(nb.name for nb in every)}."
            )
        chosen += [m for m in matches if m not in chosen]
    return chosen


INJECTED = "injected-parameters"  # the tag of the cell the runner adds after the parameters cell


def inject_parameters(nb: nbformat.NotebookNode, parameters: dict) -> None:
    """Add a cell setting `parameters` right after the cell tagged `parameters` (else first), as
    papermill does."""
    tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
    at = next((i + 1 for i, t in enumerate(tags) if "parameters" in t), 0)
    source = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    nb.cells.insert(at, nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED]}))


def without_injected(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return `nb` without the runner's injected-parameters cell (how a committed notebook is
    kept)."""
    nb.cells = [c for c in nb.cells if INJECTED not in c.get("metadata", {}).get("tags", [])]
    return nb


def execute(
    notebook: Path, output: Path, parameters: dict | None = None, timeout: int = 1800
) -> float:
    """Return the seconds it took to execute `notebook` with `parameters`, saving the executed copy
    to `output`."""
    nb = nbformat.read(notebook, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    start, started = time.perf_counter(), time.time()
    try:
        client.execute()
    # a failed notebook is still saved, with the error in its cell, for the learner to read
    finally:
        seconds = time.perf_counter() - start
        nb.metadata["course"] = {**(parameters or {}), "wall_s": round(seconds, 1)}
        peak = recorded_peak(output.parent.parent / "results" / f"{notebook.stem}.json", started)
        if peak is not None:
            nb.metadata["course"]["peak_ram_gib"] = peak
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, nbformat.writes(nb))
    return seconds


def recorded_peak(results: Path, since: float) -> float | None:
    """Return the kernel's peak RAM (GiB) that the lesson's record() wrote after `since`, else
    None."""
    if not results.exists() or results.stat().st_mtime < since:
        return None
    return json.loads(results.read_text()).get("peak memory", {}).get("RAM GiB")


def run_course(
    names: list[str] | None = None,
    profile: str | None = None,
    inplace: bool = False,
    dry_run: bool = False,
    save_cache: bool = False,
    use_cached: bool = False,
    seed: int | None = None,
) -> Path:
    """Return the report card's path after executing the chosen notebooks in `profile`.

    The profile reaches each notebook as its `profile` parameter (and dry_run as `dry_run`).
    inplace=True also writes each executed notebook back over notebooks/ (how the committed outputs
    are made), starting from an empty output cache (output_cache). save_cache=True caches each
    training run's result for skip-ahead (checkpoints/); use_cached=True loads them instead of
    training. seed reaches each notebook as `seed`.
    """
    prof = get_profile(profile, need_device=not dry_run)
    out = report_dir(prof.name, dry_run)  # where each notebook's record() writes too
    parameters = {"profile": prof.name, **({"dry_run": True} if dry_run else {})}
    if save_cache:
        parameters["save_cache"] = True
    if use_cached:
        parameters["use_cached"] = True
    if seed is not None:
        parameters["seed"] = seed
    notebooks = find_notebooks(names)
    if inplace and os.environ.get(SWITCH) != "off":
        # a recorded run's times are a first run's: outputs are reused only within the run
        os.environ[SWITCH] = tempfile.mkdtemp(prefix="course-outputs-")
    timings_file = out / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    failed = []
    for i, nb in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {nb.name} (profile {prof.name}) ...", flush=True)
        executed = out / "notebooks" / nb.name
        start = time.perf_counter()
        try:
            seconds = execute(nb, executed, parameters)
            status = "ok"
            if inplace:
                write_atomic(
                    nb, nbformat.writes(without_injected(nbformat.read(executed, as_version=4)))
                )
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
            f"{len(failed)} notebook(s) failed: {', '.join(failed)}. Open the executed copies in "
            f"{out / 'notebooks'}."
        )
    return report
