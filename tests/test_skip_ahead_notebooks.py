"""Skip-ahead in the lessons that train (03-07): the parameters reach the plan, and a lesson run
once with save_cache then with use_cached loads every training run instead of training."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from tutorial_lib.checkpoints import lesson_cache
from tutorial_lib.runner import run_course

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TRAINING = ["03", "04", "05", "06", "07"]


def _sources(lesson: str) -> list[str]:
    path = next(NOTEBOOKS.glob(f"{lesson}_*.ipynb"))
    return [c.source for c in nbformat.read(path, 4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("lesson", TRAINING)
def test_the_skip_ahead_parameters_reach_the_lessons_plan(lesson):
    sources = _sources(lesson)
    parameters = sources[0]
    assert "use_cached = False" in parameters and "save_cache = False" in parameters
    setup = next(s for s in sources if "lesson_plan(" in s)
    assert "use_cached=use_cached" in setup and "save_cache=save_cache" in setup
    # the course's own PPO loop takes the plan's skip-ahead; trl's runs take it from TrainConfig
    for source in sources:
        for call in source.split("PPOTrainer(")[1:]:
            assert "skip_ahead=plan.skip_ahead" in call.split("\n\n")[0], call[:200]


@pytest.mark.slow
def test_a_lesson_cached_once_then_loads_its_training_runs():
    folder = lesson_cache("quick-dry-run", "06")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        run_course(["06"], "quick", dry_run=True, save_cache=True)
        cached = sorted(p.name for p in folder.iterdir())
        assert cached, "lesson 06 cached no training run"
        for run in cached:
            assert json.loads((folder / run / "run.json").read_text())["sha256"]
        report = run_course(["06"], "quick", dry_run=True, use_cached=True)
        executed = report.parent / "notebooks" / "06_reward_modeling.ipynb"
        text = executed.read_text()
        assert text.count("Loaded the cached") == len(cached)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
