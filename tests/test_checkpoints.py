"""Skip-ahead checkpoints: a run's trained tensors and record, saved, checked and loaded."""

import copy
from dataclasses import asdict, replace

import pytest
import torch
from peft import get_peft_model

from tutorial_lib.checkpoints import (
    SkipAhead,
    lesson_cache,
    load_run,
    run_dir,
    save_run,
    trained_tensors,
)
from tutorial_lib.errors import CourseError
from tutorial_lib.models import save_tiny, tiny_model
from tutorial_lib.peft_methods import (
    add_adapters,
    lora_config,
    prefix_tuning_config,
    prompt_tuning_config,
    tune_norms_only,
)
from tutorial_lib.plans import lesson_plan
from tutorial_lib.ppo import PPOConfig
from tutorial_lib.ppo_trainer import PPOTrainer
from tutorial_lib.preference_optimization import train_dpo
from tutorial_lib.reward import load_reward_model
from tutorial_lib.training import TrainConfig

SETTINGS = {"steps": 2, "lr": 1e-3, "model": "tiny"}
RECORD = {"name": "LoRA r=8 (q, v)", "losses": [2.5, 2.25], "scores": {"rougeL": 0.25}}


def _lora(seed: int):
    model, _ = tiny_model(seed=0)
    model = get_peft_model(model, lora_config(8, 16))
    torch.manual_seed(seed)
    with torch.no_grad():  # "training": move the adapters away from their initial values
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p))
    return model


def test_a_run_round_trips_only_its_trained_tensors(tmp_path):
    trained = _lora(seed=1)
    folder = lesson_cache("quick", "04", root=tmp_path)
    folder = save_run(run_dir(folder, RECORD["name"]), trained, RECORD, SETTINGS)
    assert folder == tmp_path / "quick" / "04" / "lora-r-8-q-v"
    fresh = _lora(seed=2)
    assert load_run(folder, fresh, SETTINGS) == RECORD
    for key, tensor in trained_tensors(trained).items():
        assert torch.equal(dict(fresh.named_parameters())[key], tensor)
    # the frozen base is not in the file: only the adapters are saved
    assert all("lora_" in key for key in trained_tensors(trained))


def _full(model):
    return model  # full fine-tuning (03, 04): every weight is trained


def _norms(model):
    tune_norms_only(model)
    return model


def _adapters(model):
    add_adapters(model, bottleneck=4)
    return model


def _reward(_model):
    return load_reward_model(str(save_tiny()))[0]  # 06: the backbone with a new scalar head


# what each of lessons 03-07 trains, as the lesson builds it
KINDS = {
    "full": _full,
    "LoRA": lambda m: get_peft_model(m, lora_config(8, 16)),
    "prompt tuning": lambda m: get_peft_model(m, prompt_tuning_config(4)),
    "prefix tuning": lambda m: get_peft_model(m, prefix_tuning_config(4, True, hidden=8)),
    "deep prompts": lambda m: get_peft_model(m, prefix_tuning_config(4, projection=False)),
    "bottleneck adapter": _adapters,
    "norm scales": _norms,
    "reward model": _reward,
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_run_the_lessons_cache_loads_back(tmp_path, kind):
    torch.manual_seed(0)
    trained = KINDS[kind](tiny_model(seed=0)[0])
    with torch.no_grad():  # "training": move every trained tensor away from its start
        for p in trained.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p))
    folder = save_run(run_dir(tmp_path, kind), trained, RECORD, SETTINGS)
    torch.manual_seed(1)
    fresh = KINDS[kind](tiny_model(seed=0)[0])
    assert load_run(folder, fresh, SETTINGS) == RECORD
    expected = trained_tensors(trained)
    assert expected, f"{kind}: nothing trainable to cache"
    loaded = dict(fresh.named_parameters())
    for key, tensor in expected.items():
        assert torch.equal(loaded[key], tensor), key


def test_a_damaged_copy_other_settings_or_another_model_are_refused(tmp_path):
    folder = save_run(run_dir(tmp_path, "a"), _lora(1), RECORD, SETTINGS)
    with pytest.raises(CourseError, match="other settings .*steps"):
        load_run(folder, _lora(2), {**SETTINGS, "steps": 3})
    other, _ = tiny_model(seed=0)  # no adapters: the cached tensors do not fit it
    with pytest.raises(CourseError, match="does not fit this model"):
        load_run(folder, other, SETTINGS)
    weights = folder / "trained.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
    with pytest.raises(CourseError, match="checksum"):
        load_run(folder, _lora(2), SETTINGS)
    with pytest.raises(CourseError, match="python -m tutorial_lib cache"):
        load_run(tmp_path / "missing", _lora(2), SETTINGS)


def test_a_run_with_nan_is_not_cached_and_the_last_good_one_stays(tmp_path):
    folder = run_dir(tmp_path, "a")
    save_run(folder, _lora(1), RECORD, SETTINGS)
    broken = _lora(3)
    with torch.no_grad():
        next(p for p in broken.parameters() if p.requires_grad).fill_(float("nan"))
    with pytest.raises(CourseError, match="NaN"):
        save_run(folder, broken, {"name": "broken"}, SETTINGS)
    assert load_run(folder, _lora(2), SETTINGS) == RECORD


PAIRS = [
    {"prompt": "Say hello.", "chosen": "Hello! Nice to meet you.", "rejected": "meh"},
    {"prompt": "Name a colour.", "chosen": "Blue is a lovely colour.", "rejected": "no"},
]


def test_a_lessons_plan_says_whether_its_runs_train_save_or_load():
    plan = lesson_plan("04", "quick", use_cached=True, verbose=False)
    assert plan.skip_ahead == SkipAhead("load", str(lesson_cache("quick", "04")))
    assert TrainConfig.from_profile(plan).skip_ahead == plan.skip_ahead
    assert lesson_plan("04", "quick", verbose=False).skip_ahead.mode == "train"
    assert lesson_plan("04", "quick", save_cache=True, verbose=False).skip_ahead.mode == "save"
    with pytest.raises(CourseError, match="choose one"):
        lesson_plan("04", "quick", use_cached=True, save_cache=True, verbose=False)


def test_a_trainer_run_is_cached_then_loaded_instead_of_trained(tmp_path):
    model, tok = tiny_model(seed=0)
    cfg = TrainConfig(steps=2, batch_size=2, lr=1e-3, max_seq_len=64)
    save = SkipAhead("save", str(tmp_path))
    trained = get_peft_model(copy.deepcopy(model), lora_config(r=4))
    result = train_dpo(trained, tok, PAIRS, replace(cfg, skip_ahead=save), name="DPO")
    fresh = get_peft_model(copy.deepcopy(model), lora_config(r=4))
    loaded = train_dpo(fresh, tok, PAIRS, replace(cfg, skip_ahead=SkipAhead("load", str(tmp_path))),
                       name="DPO")
    assert asdict(loaded) == asdict(result)  # the run's record: losses, logs, sizes, time
    for key, tensor in trained_tensors(trained).items():
        assert torch.equal(dict(fresh.named_parameters())[key], tensor)
    with pytest.raises(CourseError, match="other settings .*lr"):
        train_dpo(get_peft_model(copy.deepcopy(model), lora_config(r=4)), tok, PAIRS,
                  replace(cfg, lr=1e-4, skip_ahead=SkipAhead("load", str(tmp_path))), name="DPO")


def _zero_reward(prompts, completions, **kwargs) -> list[float]:
    return [0.0] * len(completions)


def test_a_ppo_run_is_cached_then_loaded_with_its_history(tmp_path):
    config = PPOConfig(batch_size=2, minibatch_size=2, ppo_epochs=1, max_new_tokens=4, lr=1e-3)
    prompts = ["Say hello.", "Name a colour."]

    def trainer(mode: str) -> PPOTrainer:
        model, tok = tiny_model(seed=1)
        return PPOTrainer(model, tok, _zero_reward, config, ref_model=copy.deepcopy(model),
                          skip_ahead=SkipAhead(mode, str(tmp_path)))

    saved = trainer("save")
    result = saved.train(prompts, steps=1)
    loader = trainer("load")
    assert asdict(loader.train(prompts, steps=1)) == asdict(result)
    assert loader.history == saved.history
    for key, tensor in trained_tensors(saved.model).items():
        assert torch.equal(dict(loader.model.named_parameters())[key], tensor)
