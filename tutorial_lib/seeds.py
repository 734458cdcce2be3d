"""`python -m tutorial_lib seeds`: each lesson's headline effects over several seeds, so that an
instructor can tell a learner's odd result from a broken set-up.

Each seed's run writes its report to reports/<profile>-seed-<k>/; the effects its lessons recorded
(report.record(effects=...)) are gathered into instructor/seeds.json, from which the instructor
guide's "what you should see" table is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .plans import LESSONS, NOTEBOOKS
from .profiles import get_profile
from .report import write_atomic

ROOT = NOTEBOOKS.parent
SEEDS = ROOT / "instructor" / "seeds.json"
MIN_SEEDS = 3  # fewer seeds than this and the guide marks the range as provisional


def seed_dir(profile: str, seed: int) -> Path:
    """Return the report folder of `profile`'s run with `seed`."""
    return ROOT / "reports" / f"{profile}-seed-{seed}"


def run_seeds(names: list[str] | None, profile: str | None, seeds: list[int]) -> dict:
    """Return instructor/seeds.json's content after running the lessons once per seed and
    gathering their effects."""
    from .runner import run_course

    name = get_profile(profile).name
    before = os.environ.get("COURSE_REPORT_DIR")
    try:
        for seed in seeds:
            os.environ["COURSE_REPORT_DIR"] = str(seed_dir(name, seed))
            run_course(names, name, seed=seed)
    finally:
        os.environ.pop("COURSE_REPORT_DIR", None)
        if before is not None:
            os.environ["COURSE_REPORT_DIR"] = before
    return gather(name, seeds)


def effects_of(folder: Path) -> dict[str, dict[str, dict]]:
    """Return {lesson stem: {effect: report row}} from the results a report folder holds."""
    found = {}
    for stem in LESSONS.values():
        results = folder / "results" / f"{stem}.json"
        if results.exists():
            effects = json.loads(results.read_text()).get("effects", {})
            if effects:
                found[stem] = effects
    return found


def gather(profile: str, seeds: list[int], path: Path = SEEDS) -> dict:
    """Return the seeds file with `profile`'s effects for `seeds` merged in, after writing it."""
    data = json.loads(path.read_text()) if path.exists() else {}
    lessons = data.setdefault(profile, {})
    for seed in seeds:
        for stem, effects in effects_of(seed_dir(profile, seed)).items():
            for effect, row in effects.items():
                runs = lessons.setdefault(stem, {}).setdefault(effect, {})
                runs[str(seed)] = {"difference": row["difference"], "verdict": row["verdict"]}
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return data


def should_see(data: dict) -> str:
    """Return the guide's table: each headline effect's lowest and highest difference over seeds."""
    rows = ["| lesson | headline effect | profile | seeds | difference, lowest to highest | "
            "shown |", "|---|---|---|---|---|---|"]
    for profile in sorted(data):
        for stem in LESSONS.values():
            for effect, runs in sorted(data[profile].get(stem, {}).items()):
                diffs = [r["difference"] for r in runs.values()]
                shown = sum(r["verdict"] == "shown" for r in runs.values())
                mark = "" if len(runs) >= MIN_SEEDS else " (provisional)"
                rows.append(f"| {stem} | {effect} | {profile} | {len(runs)}{mark} | "
                            f"{min(diffs):+.3f} to {max(diffs):+.3f} | {shown} of {len(runs)} |")
    if len(rows) == 2:
        return ("No seeds measured yet: `python -m tutorial_lib seeds --profile quick` (or cpu) "
                "runs each lesson with seeds 0, 1 and 2 and writes this table.")
    return "\n".join(rows)
