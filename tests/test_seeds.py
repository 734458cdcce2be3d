"""Seeds: a plan's seed reaches the trainers, and the guide's range table is gathered from runs."""

import json

import nbformat
import pytest

from tutorial_lib import seeds
from tutorial_lib.instructor import blocks
from tutorial_lib.plans import LESSONS, NOTEBOOKS, lesson_plan
from tutorial_lib.reward import reward_model_dir
from tutorial_lib.training import TrainConfig

EFFECT = "LoRA r=8 (q, v) - base, ROUGE-L"


def test_a_plans_seed_reaches_its_trainers_and_the_plans_made_from_it():
    plan = lesson_plan("04", "quick", seed=2, verbose=False)
    assert plan.seed == 2 and TrainConfig.from_profile(plan).seed == 2
    assert plan.describe().endswith("| seed 2")
    plan06 = lesson_plan("06", plan, verbose=False)  # how lesson 07 plans 06's reward model
    assert plan06.seed == 2 and reward_model_dir(plan06).name == "quick-seed-2"
    default = lesson_plan("04", "quick", verbose=False)
    assert default.seed == 0 and "seed" not in default.describe()
    assert TrainConfig.from_profile(default).budget()["seed"] == 0  # a cached run keys on it


def _results(root, seed: int, difference: float, verdict: str) -> None:
    folder = root / "reports" / f"quick-seed-{seed}" / "results"
    folder.mkdir(parents=True)
    row = {"difference": difference, "95% CI": "+0.010 to +0.200", "n": 8, "verdict": verdict}
    (folder / "04_lora_and_qlora.json").write_text(json.dumps({"effects": {EFFECT: row}}))
    (folder / "00_setup_and_tour.json").write_text(json.dumps({"effects": {}}))


def test_each_effects_range_over_seeds_is_gathered_into_the_guides_table(tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "ROOT", tmp_path)
    for seed, diff, verdict in [(0, 0.12, "shown"), (1, -0.02, "within noise"), (2, 0.3, "shown")]:
        _results(tmp_path, seed, diff, verdict)
    path = tmp_path / "seeds.json"
    seeds.gather("quick", [0, 1], path)
    data = seeds.gather("quick", [2], path)  # a later seed adds to the earlier ones
    assert set(data["quick"]["04_lora_and_qlora"][EFFECT]) == {"0", "1", "2"}
    assert "00_setup_and_tour" not in data["quick"]
    table = blocks({}, data)["should-see"]
    assert f"| 04_lora_and_qlora | {EFFECT} | quick | 3 | -0.020 to +0.300 | 2 of 3 |" in table


def test_fewer_than_three_seeds_are_provisional_and_none_says_how_to_measure():
    runs = {str(s): {"difference": d, "verdict": "shown"} for s, d in [(0, 0.1), (1, 0.2)]}
    table = seeds.should_see({"cpu": {"06_reward_modeling": {"trained - untrained": runs}}})
    assert "| 2 (provisional) | +0.100 to +0.200 | 2 of 2 |" in table
    assert "python -m tutorial_lib seeds" in seeds.should_see({})


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_every_lessons_seed_parameter_reaches_its_plan_and_its_draws(lesson):
    path = next(NOTEBOOKS.glob(f"{lesson}_*.ipynb"))
    sources = [c.source for c in nbformat.read(path, 4).cells if c.cell_type == "code"]
    assert "\nseed = 0 " in "\n" + sources[0]  # the parameters cell
    setup = next(s for s in sources if "lesson_plan(" in s)
    assert "seed=seed)" in setup
    code = "\n".join(sources)
    assert "manual_seed(0)" not in code and "seed=0, progress" not in code
    for call in code.split("PPOTrainer(")[1:]:
        assert "seed=plan.seed" in call.split("\n")[0]
