"""`python -m tutorial_lib instructor`: the instructor guide's measured tables (and the README's
lesson times), kept true.

The guide's agendas, lesson times, peak RAM and per-section minutes are written from
instructor/timings.json, which this command gathers from executed notebooks: the committed
notebooks/ (the cpu run) and reports/<profile>/notebooks/ (after `make course PROFILE=quick`, say).
A profile keeps its last measured numbers until a new run of it is found.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .errors import CourseError
from .plans import LESSONS, NOTEBOOKS
from .report import write_atomic
from .seeds import SEEDS, should_see
from .timings import section_minutes

ROOT = NOTEBOOKS.parent
GUIDE = ROOT / "instructor" / "README.md"
README = ROOT / "README.md"  # its lesson map carries the overview table too
TIMINGS = ROOT / "instructor" / "timings.json"
PROFILES = ("quick", "cpu", "gpu")  # the columns of the tables, in this order

# The agendas: which lessons, and the minutes planned around each lesson's measured run.
HALF_DAY = ("00", "01", "03", "04", "09")  # prompting, SFT, LoRA, quantization: what a laptop runs
FULL_DAY = tuple(LESSONS)  # every lesson
TALK_MIN = 10  # planned: the instructor introduces the lesson's idea before the room runs it
EXERCISE_MIN = 15  # planned: the lesson's exercises, graded with `python -m tutorial_lib grade`
BREAK_MIN = 15  # planned: a break after this many minutes of agenda ...
BREAK_EVERY_MIN = 100  # ... roughly
LUNCH_MIN = 45  # planned: the full day's lunch, at the first break after three hours
START = 9 * 60  # the day starts at 09:00
OS_HEADROOM_GIB = 2.0  # RAM the system, the browser and JupyterLab need beside the kernel
LAPTOP_SIZES_GB = (8, 16, 32, 64)  # the RAM laptops are sold with


def measure(folder: Path, profile: str) -> dict[str, dict]:
    """Return {notebook stem: {minutes, peak_ram_gib, sections}} for the timed notebooks in
    folder."""
    found = {}
    for stem in LESSONS.values():
        path = folder / f"{stem}.ipynb"
        sections = section_minutes(path) if path.exists() else None
        if sections is None:
            continue
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("course", {})
        if meta.get("profile", "cpu") != profile or meta.get("dry_run"):
            continue
        peak = meta.get("peak_ram_gib") or recorded_peak(ROOT / "reports" / profile, stem)
        found[stem] = {
            "minutes": round(sum(m for _, m in sections), 2),
            "peak_ram_gib": peak,
            "sections": [[name, round(minutes, 2)] for name, minutes in sections],
        }
    return found


def recorded_peak(report: Path, stem: str) -> float | None:
    """Return the peak RAM (GiB) a lesson's record() wrote into a report folder, else None."""
    results = report / "results" / f"{stem}.json"
    if not results.exists():
        return None
    return json.loads(results.read_text()).get("peak memory", {}).get("RAM GiB")


def gather(timings: dict | None = None) -> dict[str, dict]:
    """Return timings updated with every executed notebook found: notebooks/ for cpu, and
    reports/<profile>/notebooks/ for each profile."""
    timings = {p: dict(v) for p, v in (timings or {}).items()}
    for profile in PROFILES:
        folders = [ROOT / "reports" / profile / "notebooks"]
        if profile == "cpu":
            folders = [NOTEBOOKS]  # the committed outputs are the cpu run the guide describes
        known = timings.setdefault(profile, {})
        for folder in folders:
            for stem, entry in measure(folder, profile).items():
                before = known.get(stem, {})
                if entry["peak_ram_gib"] is None and before.get("minutes") == entry["minutes"]:
                    entry["peak_ram_gib"] = before.get("peak_ram_gib")  # the same run's peak
                known[stem] = entry
    return timings


def _minutes(value: float | None) -> str:
    """Return minutes as the tables print them, or a dash when not measured."""
    return "—" if value is None else f"{value:.1f}"


def _clock(minutes: float) -> str:
    """Return minutes since midnight as HH:MM."""
    minutes = int(round(minutes))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def agenda(timings: dict, lessons: tuple[str, ...], lunch: bool) -> str:
    """Return an agenda table: each lesson's slot from its measured cpu minutes plus the planned
    talk and exercises, with breaks."""
    cpu = timings.get("cpu", {})
    rows = ["| start | lesson | run (cpu, measured) | talk + exercises (planned) | end |",
            "|---|---|---|---|---|"]
    clock, since_break, had_lunch = START, 0.0, not lunch
    for lesson in lessons:
        stem = LESSONS[lesson]
        run = cpu.get(stem, {}).get("minutes")
        slot = math.ceil((run or 0) + TALK_MIN + EXERCISE_MIN)
        rows.append(f"| {_clock(clock)} | {stem} | {_minutes(run)} min | "
                    f"{TALK_MIN} + {EXERCISE_MIN} min | {_clock(clock + slot)} |")
        clock, since_break = clock + slot, since_break + slot
        if since_break >= BREAK_EVERY_MIN and lesson != lessons[-1]:
            pause, name = BREAK_MIN, "break"
            if not had_lunch and clock - START >= 180:
                pause, name, had_lunch = LUNCH_MIN, "lunch", True
            rows.append(f"| {_clock(clock)} | *{name}* | | | {_clock(clock + pause)} |")
            clock, since_break = clock + pause, 0.0
    rows.append(f"\nEnds at {_clock(clock)}: {(clock - START) / 60:.1f} hours in all.")
    return "\n".join(rows)


def overview(timings: dict) -> str:
    """Return the table of each lesson's measured minutes per profile and peak RAM."""
    rows = ["| lesson | " + " | ".join(f"{p} (min)" for p in PROFILES) + " | peak RAM, cpu (GiB) |",
            "|---|" + "---|" * len(PROFILES) + "---|"]
    for stem in LESSONS.values():
        cells = [_minutes(timings.get(p, {}).get(stem, {}).get("minutes")) for p in PROFILES]
        peak = timings.get("cpu", {}).get(stem, {}).get("peak_ram_gib")
        rows.append(f"| {stem} | " + " | ".join(cells) + f" | {_minutes(peak)} |")
    totals = [sum(v.get("minutes", 0) for v in timings.get(p, {}).values()) for p in PROFILES]
    rows.append("| **all** | " + " | ".join(f"{t:.0f}" if t else "—" for t in totals) + " | |")
    return "\n".join(rows)


def laptop(timings: dict) -> str:
    """Return the sentence on the minimum laptop, from the largest measured peak RAM."""
    peaks = {s: v["peak_ram_gib"] for s, v in timings.get("cpu", {}).items() if v["peak_ram_gib"]}
    if not peaks:
        return "Peak RAM has not been measured yet: run `make course PROFILE=cpu`."
    stem = max(peaks, key=peaks.get)
    need = peaks[stem] + OS_HEADROOM_GIB
    size = next((gb for gb in LAPTOP_SIZES_GB if gb * 1e9 >= need * 2**30), LAPTOP_SIZES_GB[-1])
    return (
        f"The largest peak RAM measured in the cpu profile is {peaks[stem]:.1f} GiB ({stem}; "
        f"{len(peaks)} of {len(LESSONS)} lessons measured). With {OS_HEADROOM_GIB:.0f} GiB for the "
        f"system, the browser and JupyterLab, that is {need:.1f} GiB: a laptop with {size} GB of "
        "RAM (the quick profile needs less). The timings above were measured on 2 CPU cores."
    )


def sections(timings: dict) -> str:
    """Return one table per lesson: its sections with measured minutes per profile."""
    out = []
    for stem in LESSONS.values():
        names: list[str] = []
        for profile in PROFILES:
            for name, _ in timings.get(profile, {}).get(stem, {}).get("sections", []):
                if name not in names:
                    names.append(name)
        out.append(f"### {stem}\n")
        if not names:
            out.append("Not measured yet.\n")
            continue
        out.append("| section | " + " | ".join(f"{p} (min)" for p in PROFILES) + " |")
        out.append("|---|" + "---|" * len(PROFILES))
        for name in names:
            cells = [dict(timings.get(p, {}).get(stem, {}).get("sections", [])).get(name)
                     for p in PROFILES]
            out.append(f"| {name} | " + " | ".join(_minutes(c) for c in cells) + " |")
        out.append("")
    return "\n".join(out).rstrip()


def blocks(timings: dict, seeds: dict | None = None) -> dict[str, str]:
    """Return the generated blocks of the guide, by name (seeds: instructor/seeds.json)."""
    return {
        "half-day": agenda(timings, HALF_DAY, lunch=False),
        "full-day": agenda(timings, FULL_DAY, lunch=True),
        "overview": overview(timings),
        "laptop": laptop(timings),
        "sections": sections(timings),
        "should-see": should_see(seeds or {}),
    }


def fill(text: str, generated: dict[str, str]) -> str:
    """Return the guide's text with each `<!-- generated:NAME -->` block replaced."""
    for name, body in generated.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- end:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise CourseError(f"The block <!-- generated:{name} --> is missing. Put it back.")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def update_guide(check: bool = False) -> bool:
    """Return True if the guide, the README's table and the timings are up to date (check) or were
    rewritten."""
    old = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    timings = gather(old)
    generated = blocks(timings, json.loads(SEEDS.read_text()) if SEEDS.exists() else {})
    texts = {GUIDE: fill(GUIDE.read_text(encoding="utf-8"), generated),
             README: fill(README.read_text(encoding="utf-8"), {"overview": generated["overview"]})}
    if check:
        stale = [p.name for p, t in texts.items() if t != p.read_text(encoding="utf-8")]
        if timings != old or stale:
            print("The instructor guide's tables are stale: python -m tutorial_lib instructor")
        return timings == old and not stale
    write_atomic(TIMINGS, json.dumps(timings, indent=1, ensure_ascii=False) + "\n")
    for path, text in texts.items():
        write_atomic(path, text)
    print(f"Wrote {GUIDE.relative_to(ROOT)}, the README's lesson times and "
          f"{TIMINGS.relative_to(ROOT)}")
    return True
