import pytest
import torch

from tutorial_lib import CourseError, get_profile
from tutorial_lib.profiles import PROFILES


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert get_profile().name == "quick"
    assert get_profile("cpu").name == "cpu"  # an explicit name wins


def test_auto_profile_without_cuda(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_profile().name == "cpu"


def test_profiles_only_change_sizes():
    quick, cpu = PROFILES["quick"], PROFILES["cpu"]
    assert quick.eval_examples < cpu.eval_examples and quick.train_steps < cpu.train_steps
    assert get_profile("quick").torch_dtype == torch.float32


def test_overrides_replace_single_fields():
    assert get_profile("quick", eval_examples=3).eval_examples == 3
    with pytest.raises(CourseError, match="no field"):
        get_profile("quick", evals=3)


def test_nonsense_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "nonsense")
    with pytest.raises(CourseError, match="Unknown course profile 'nonsense'.*quick.*cpu.*gpu"):
        get_profile()


def test_gpu_profile_without_cuda_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(CourseError, match="needs a CUDA GPU.*profile 'cpu'.*dry_run"):
        get_profile("gpu")
    assert get_profile("gpu", need_device=False).name == "gpu"  # planning needs no GPU
