"""Lesson plans: sizes declared once per lesson, fitted to the data and to the device's memory."""

import ast
from pathlib import Path

import pytest
import torch

from tutorial_lib import CourseError, get_profile, lesson_plan
from tutorial_lib.__main__ import main
from tutorial_lib.data import local_rows
from tutorial_lib.memory import GiB, estimate_memory
from tutorial_lib.plan_report import measured_minutes, plan_rows
from tutorial_lib.plans import LESSONS, LessonPlan, fits, plan_memory
from tutorial_lib.precision import Precision

PACKAGE = Path(__file__).resolve().parent.parent / "tutorial_lib"


@pytest.mark.parametrize("profile", ["quick", "cpu", "gpu"])
@pytest.mark.parametrize("lesson", list(LESSONS))
def test_plan_command_for_every_profile_and_lesson(profile, lesson, capsys):
    assert main(["plan", "--profile", profile, "--lesson", lesson]) == 0  # no GPU needed for gpu
    out = capsys.readouterr().out
    assert LESSONS[lesson] in out and "GiB" in out


@pytest.mark.parametrize("profile", ["quick", "cpu", "gpu"])
def test_every_plan_uses_only_rows_its_data_has(profile):
    for row in plan_rows(profile):
        assert row["fits"], row
        for use in row["data"].split("; ") if row["data"] else []:
            used, available = use.split(" ")[1].split("/")
            assert int(used) <= int(available), (row["lesson"], use)


def test_gpu_plan_lowers_what_the_data_cannot_hold_with_a_notice(capsys):
    plan = lesson_plan("03", get_profile("gpu", need_device=False))
    n = local_rows("dialogsum", "train")
    assert plan.train_examples <= n
    assert plan.train_steps == plan.train_examples // plan.train_batch_size
    assert "dialogsum/train has 600" in capsys.readouterr().out
    assert any("steps lowered" in notice for notice in plan.notices)


def test_cpu_plans_keep_the_sizes_the_committed_notebooks_ran_with():
    cpu = get_profile("cpu")
    p03, p04, p06, p07 = (lesson_plan(k, cpu) for k in ("03", "04", "06", "07"))
    assert (p03.train_examples, p03.eval_examples, p03.train_steps) == (48, 32, 12)
    assert (p04.train_examples, p04.eval_examples, p04.train_steps, p04.sizes.ranks) == (
        24, 16, 6, (1, 8))
    assert (p06.train_steps, p06.sizes.pairs_per_step, p06.eval_examples) == (12, 8, 64)
    assert (p07.train_steps, p07.sizes.rollouts, p07.eval_examples) == (6, 8, 16)


def test_a_plan_goes_wherever_a_profile_does():
    plan = lesson_plan("05", "quick")
    assert isinstance(plan, LessonPlan) and plan.name == "quick" and plan.lesson == "05"
    assert lesson_plan("06", plan).lesson == "06"  # another lesson's plan, same profile


def test_memory_over_the_device_lowers_the_batch(capsys):
    plan = lesson_plan("08", get_profile("gpu", need_device=False))  # fp32 full FT of 360M
    assert plan.train_batch_size == 4 and plan.sizes.batch == 4  # 8 estimated over the T4
    assert fits(plan) and any("training batch lowered" in n for n in plan.notices)


def test_a_plan_that_cannot_fit_says_what_to_change():
    tiny_gpu = get_profile("gpu", need_device=False, model="smollm2-1.7b-instruct", memory_gb=4)
    with pytest.raises(CourseError, match="even at a training batch of 1.*smaller model"):
        lesson_plan("03", tiny_gpu)


def test_full_training_memory_is_sixteen_bytes_a_parameter_plus_activations():
    est = estimate_memory("smollm2-135m-instruct", training="full", batch=1, seq_len=1, half=False)
    phi = 134.5e6
    assert est.weights_gb == pytest.approx(4 * phi / GiB)
    assert est.gradients_gb == pytest.approx(4 * phi / GiB)
    assert est.optimizer_gb == pytest.approx(8 * phi / GiB)
    by_hand = (17 * 576 * 30 * 1 * 4 + 2 * 1 * 49152 * 4) / GiB  # saved values + logits and grads
    assert est.activations_gb == pytest.approx(by_hand)


def test_unknown_lesson_and_gpu_without_cuda_are_clear_errors(monkeypatch):
    with pytest.raises(CourseError, match="Unknown lesson '12'.*00, 01"):
        lesson_plan("12", "quick")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(CourseError, match="needs a CUDA GPU.*dry_run = True"):
        lesson_plan("03", "gpu")


def test_dry_run_plans_the_gpu_path_on_a_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    plan = lesson_plan("08", "gpu", dry_run=True)
    sizes = (plan.model, plan.device, plan.train_steps, plan.sizes.sft_model)
    assert sizes == ("tiny", "cpu", 1, "tiny")
    assert plan.dry_run and not plan.checks_results
    real = lesson_plan("08", get_profile("gpu", need_device=False))
    assert plan.eval_examples == real.eval_examples


def test_training_on_a_t4_loads_fp32_masters_and_infers_in_fp16(monkeypatch):
    t4 = Precision("fp16", "float16", "float32", "a T4")
    monkeypatch.setattr("tutorial_lib.plans.choose_precision", lambda *a, **k: t4)
    gpu = get_profile("gpu", need_device=False)
    assert lesson_plan("03", gpu, verbose=False).torch_dtype == torch.float32
    assert lesson_plan("01", gpu, verbose=False).torch_dtype == torch.float16


def test_measured_minutes_come_from_the_committed_cpu_notebooks():
    minutes = measured_minutes("03", "cpu")
    assert minutes is not None and 1 < minutes < 60
    assert plan_memory(lesson_plan("03", "cpu")).total_gb < 8


def test_no_helper_reads_the_profile_behind_the_notebook():
    """get_profile() with no name reads $COURSE_PROFILE: only entry points may call it so."""
    entry_points = {"__main__.py", "bench.py", "profiles.py"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in entry_points:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = getattr(node, "func", None)
            name = getattr(called, "id", getattr(called, "attr", ""))
            if isinstance(node, ast.Call) and name == "get_profile":
                if not node.args:
                    offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Constant) and node.value == "COURSE_PROFILE":
                offenders.append(f"{path.name}:{node.lineno} reads $COURSE_PROFILE")
    assert not offenders, offenders
