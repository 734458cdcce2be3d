"""`python -m tutorial_lib plan`: every lesson's plan for a profile, with its measured minutes."""

from __future__ import annotations

import json

from .errors import CourseError
from .plans import LESSONS, NOTEBOOKS, lesson_number, lesson_plan, plan_memory
from .profiles import get_profile
from .timings import notebook_minutes


def measured_minutes(lesson: str, profile: str) -> float | None:
    """Return the minutes the committed notebook took to run (cpu cell timings), else None."""
    if profile != "cpu":
        return _report_minutes(lesson, profile)
    path = NOTEBOOKS / f"{LESSONS[lesson]}.ipynb"
    return notebook_minutes(path) if path.exists() else None


def _report_minutes(lesson: str, profile: str) -> float | None:
    """Return the minutes reports/<profile>/timings.json holds for `lesson`, else None."""
    path = NOTEBOOKS.parent / "reports" / profile / "timings.json"
    if not path.exists():
        return None
    timing = json.loads(path.read_text()).get(f"{LESSONS[lesson]}.ipynb", {})
    return timing["wall_s"] / 60 if timing.get("status") == "ok" else None


def plan_rows(profile: str, lessons: list[str] | None = None, source: str = "local") -> list[dict]:
    """Return one row per lesson for `profile`: model, data, steps, memory, minutes, fits."""
    base = get_profile(profile, need_device=False)  # plans, never runs: no GPU needed for gpu
    rows = []
    for key in [lesson_number(k) for k in lessons] if lessons else list(LESSONS):
        row = {"lesson": LESSONS[key]}
        try:
            plan = lesson_plan(key, base, source=source, verbose=False)
        except CourseError as e:
            rows.append({**row, "fits": False, "problem": str(e)})
            continue
        minutes = measured_minutes(key, base.name)
        estimate = plan_memory(plan)
        rows.append({
            **row,
            "model": plan.model,
            "data": "; ".join(f"{u.dataset}/{u.split} {u.used}/{u.available}" for u in plan.data),
            "steps": plan.train_steps if plan.training != "none" else 0,
            "eval": plan.eval_examples,
            "memory": f"{estimate.total_gb:.1f} of {plan.memory_gb:g} GiB ({estimate.describe()})",
            "minutes": f"{minutes:.1f}" if minutes is not None else "not measured",
            "fits": True,
            "notices": "; ".join(plan.notices),
        })
    return rows


def print_plan(profile: str, lessons: list[str] | None = None, source: str = "local") -> bool:
    """Return True if every lesson's plan fits, after printing each lesson's plan for `profile`."""
    rows = plan_rows(profile, lessons, source)
    print(f"Lesson plans for the {profile} profile (data: {source}; memory is an estimate)\n")
    for row in rows:
        print(row["lesson"])
        for key, value in row.items():
            if key not in ("lesson", "fits") and value != "":
                print(f"  {key:8} {value}")
        print()
    return all(r["fits"] for r in rows)
