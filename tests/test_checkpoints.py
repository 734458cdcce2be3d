"""Skip-ahead checkpoints: a run's trained tensors and record, saved, checked and loaded."""

import pytest
import torch
from peft import get_peft_model

from tutorial_lib.checkpoints import load_run, run_dir, save_run, trained_tensors
from tutorial_lib.errors import CourseError
from tutorial_lib.models import tiny_model
from tutorial_lib.peft_methods import lora_config

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
    folder = save_run(run_dir("quick", "04", RECORD["name"], tmp_path), trained, RECORD, SETTINGS)
    assert folder == tmp_path / "quick" / "04" / "lora-r-8-q-v"
    fresh = _lora(seed=2)
    assert load_run(folder, fresh, SETTINGS) == RECORD
    for key, tensor in trained_tensors(trained).items():
        assert torch.equal(dict(fresh.named_parameters())[key], tensor)
    # the frozen base is not in the file: only the adapters are saved
    assert all("lora_" in key for key in trained_tensors(trained))


def test_a_damaged_copy_other_settings_or_another_model_are_refused(tmp_path):
    folder = save_run(run_dir("cpu", "04", "a", tmp_path), _lora(1), RECORD, SETTINGS)
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
    folder = run_dir("cpu", "04", "a", tmp_path)
    save_run(folder, _lora(1), RECORD, SETTINGS)
    broken = _lora(3)
    with torch.no_grad():
        next(p for p in broken.parameters() if p.requires_grad).fill_(float("nan"))
    with pytest.raises(CourseError, match="NaN"):
        save_run(folder, broken, {"name": "broken"}, SETTINGS)
    assert load_run(folder, _lora(2), SETTINGS) == RECORD
