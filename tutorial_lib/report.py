"""The report card: each lesson records its numbers with record(); write_report() gathers them."""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

from .profiles import Profile
from .stats import SMALL_N, Comparison


def project_root() -> Path:
    """Return the course folder: cwd or its nearest parent with notebooks/ and tutorial_lib/.

    Where no such folder is found, cwd itself.
    """
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and (folder / "tutorial_lib").is_dir():
            return folder
    return here


def report_dir(profile: str, dry_run: bool = False) -> Path:
    """Return the folder `profile`'s report goes to: $COURSE_REPORT_DIR, else reports/<profile>/.

    A dry run's go to reports/<profile>-dry-run/, never among the real run's results.
    """
    if os.environ.get("COURSE_REPORT_DIR"):
        return Path(os.environ["COURSE_REPORT_DIR"])
    return project_root() / "reports" / (profile + ("-dry-run" if dry_run else ""))


def write_atomic(path: Path, text: str) -> None:
    """Return None after writing `text` to `path` through a temporary file (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
    ) as f:
        f.write(text)
    os.replace(f.name, path)


def _plain(value: Any) -> Any:
    """Return value as plain JSON (numpy and torch scalars become Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def peak_memory() -> dict[str, float]:
    """Return this process's peak memory so far, GiB: resident RAM and the CUDA allocator's peak."""
    ru_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    ram = ru_maxrss / 2**30 if sys.platform == "darwin" else ru_maxrss / 2**20
    peak = {"RAM GiB": round(ram, 2)}
    if torch.cuda.is_available():
        peak["GPU GiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return peak


def record(
    plan: Profile,
    numbers: dict[str, Any] | None = None,
    tables: dict[str, list[dict[str, Any]]] | None = None,
    figures: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    effects: dict[str, Comparison] | None = None,
) -> Path:
    """Return the path of the results file written for `plan`'s lesson: numbers, tables and figures.

    plan: the lesson's plan (its lesson and profile say where the results go); numbers: name ->
    value; tables: title -> rows (list of dicts, or a DataFrame); figures: name -> matplotlib
    Figure; name: the results' name where they are not a lesson's (e.g. "bench_sft"); effects:
    the lesson's headline comparisons (stats.compare), e.g. {"LoRA - base, ROUGE-L": ...}, which
    the report card lists with their intervals, shown or within noise.
    """
    from .plans import LESSONS

    lesson = name or LESSONS[plan.lesson]
    out = report_dir(plan.name, getattr(plan, "dry_run", False))
    saved = {}
    for name, fig in (figures or {}).items():
        path = out / "figures" / f"{lesson}_{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
        saved[name] = str(path.relative_to(out))
    rows = {
        t: (r.to_dict("records") if hasattr(r, "to_dict") else r) for t, r in (tables or {}).items()
    }
    result = {
        "lesson": lesson,
        "profile": plan.name,
        "dry run": getattr(plan, "dry_run", False),
        "numbers": {k: _plain(v) for k, v in (numbers or {}).items()},
        "tables": {
            t: [{k: _plain(v) for k, v in row.items()} for row in r] for t, r in rows.items()
        },
        "figures": saved,
        "effects": {k: effect_row(c) for k, c in (effects or {}).items()},
        "peak memory": peak_memory(),
    }
    path = out / "results" / f"{lesson}.json"
    write_atomic(path, json.dumps(result, indent=2))
    print(
        f"Recorded {len(result['numbers'])} numbers, {len(rows)} tables, {len(saved)} figures for "
        "the report card."
    )
    return path


def effect_row(comparison: Comparison) -> dict[str, Any]:
    """Return a comparison as the report card lists it: difference, 95% interval, n, verdict."""
    return {
        "difference": round(comparison.difference, 4),
        "95% CI": f"{comparison.low:+.3f} to {comparison.high:+.3f}",
        "n": comparison.n,
        "verdict": "shown" if comparison.shown else "within noise",
    }


def _fmt(value: Any) -> str:
    """Return a table cell: floats to 4 significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Return rows (dicts; a key missing from a row leaves its cell empty) as a markdown table."""
    if not rows:
        return "(no rows)"
    keys = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_fmt(row.get(k, "")) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def write_report(folder: Path) -> Path:
    """Return the path of REPORT.md, written in `folder` from the results and notebooks' times."""
    results = [json.loads(p.read_text()) for p in sorted((folder / "results").glob("*.json"))]
    timings_file = folder / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    profile = results[0]["profile"] if results else folder.name
    dry = results[0].get("dry run") if results else False
    title = f"profile `{profile}`" + (
        ", dry run (the tiny random model: no real numbers)" if dry else ""
    )
    lines = [f"# Report card — {title}", ""]
    peaks = {f"{r['lesson']}.ipynb": r.get("peak memory", {}) for r in results}
    if timings:
        rows = [{"notebook": k, **v, **peaks.get(k, {})} for k, v in timings.items()]
        note = "Peak memory: the notebook kernel's, when it recorded its results."
        lines += ["## Notebooks run", "", note, "", markdown_table(rows), ""]
    effects = [{"lesson": r["lesson"], "effect": k, **v}
               for r in results for k, v in r.get("effects", {}).items()]
    if effects:
        note = ("Each lesson's headline comparison on the same examples, with its paired 95% "
                "interval: shown when the interval excludes zero and a test agrees (McNemar's "
                "exact test for right/wrong scores; the paired t-test for other scores on fewer "
                f"than {SMALL_N} examples), else within noise.")
        lines += ["## Headline effects", "", note, "", markdown_table(effects), ""]
    for r in results:
        lines += [f"## {r['lesson']}", ""]
        if r["numbers"]:
            lines += [
                markdown_table([{"measure": k, "value": v} for k, v in r["numbers"].items()]),
                "",
            ]
        for title, rows in r["tables"].items():
            lines += [f"**{title}**", "", markdown_table(rows), ""]
        lines += [f"![{name}]({path})" for name, path in r["figures"].items()] + [""]
    if not results:
        lines += [
            "No lesson has recorded results yet: run `make course` or `python -m tutorial_lib run`."
        ]
    path = folder / "REPORT.md"
    write_atomic(path, "\n".join(lines))
    return path
