"""Lesson plans: a lesson's sizes for a profile (lesson_sizes), checked against data and memory.

A notebook starts with `plan = lesson_plan("03", profile)`; every size it uses comes from the plan,
and every helper it calls receives the plan (or a number from it), never the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import torch

from .checkpoints import TRAIN, SkipAhead, lesson_cache
from .errors import CourseError
from .lesson_sizes import PLANS, DataUse, Fit
from .memory import MemoryEstimate, estimate_memory
from .models import TINY
from .precision import choose_precision
from .profiles import Profile, get_profile

LESSONS: dict[str, str] = {
    "00": "00_setup_and_tour",
    "01": "01_in_context_learning",
    "02": "02_chain_of_thought",
    "03": "03_supervised_finetuning",
    "04": "04_lora_and_qlora",
    "05": "05_prefix_and_prompt_tuning",
    "06": "06_reward_modeling",
    "07": "07_rlhf_ppo",
    "08": "08_zero_and_distributed",
    "09": "09_quantization",
}
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
HEADROOM = 0.85  # share of the device's memory a plan may fill: CUDA context, fragmentation, Python


@dataclass(frozen=True)
class LessonPlan(Profile):
    """A profile's sizes made concrete for one lesson: what it trains and evaluates on, and extras.

    The inherited Profile fields hold the lesson's own values (e.g. train_steps is the steps this
    lesson runs), so a plan goes wherever a Profile is taken.
    """

    lesson: str = ""  # "00" … "09"
    source: str = "local"  # where the data comes from: "local" (the course copy) or "hub"
    dry_run: bool = False  # the gpu code path on a CPU: tiny model, one step, few new tokens
    training: str = "none"  # what the peak memory is spent on: "none", "full", "peft", "ppo"
    sizes: SimpleNamespace = field(default_factory=SimpleNamespace)  # the lesson's own sizes
    data: tuple[DataUse, ...] = ()  # rows used of rows available, per split
    notices: tuple[str, ...] = ()  # what was lowered to fit, and why
    skip_ahead: SkipAhead = TRAIN  # train, train and cache, or load the cached runs
    seed: int = 0  # initialisation, data order and sampling (`python -m tutorial_lib seeds`)

    @property
    def torch_dtype(self) -> torch.dtype:
        """Return the weights' dtype: for a lesson that trains under fp16 autocast, fp32 masters."""
        if self.dtype != "auto":
            return getattr(torch, self.dtype)
        precision = choose_precision(self.device, verbose=False)
        return precision.train_torch_dtype if self.training != "none" else precision.torch_dtype

    def describe(self) -> str:
        """Return one line: the lesson, profile, model, precision, device and main sizes."""
        data = ", ".join(f"{u.dataset}/{u.split} {u.used} of {u.available}" for u in self.data)
        return (f"lesson {self.lesson}, {self.name} profile{' (dry run)' if self.dry_run else ''}: "
                f"{self.model}, {str(self.torch_dtype).removeprefix('torch.')} on {self.device} | "
                f"{self.eval_examples} evaluation examples | data ({self.source}): {data}"
                + (f" | seed {self.seed}" if self.seed else ""))

    @property
    def checks_results(self) -> bool:
        """Return True where the lesson's numeric claims must hold (not quick, not a dry run)."""
        return self.name != "quick" and not self.dry_run


# --- making, fitting and printing a plan ---------------------------------------------------------


def lesson_number(lesson: str) -> str:
    """Return the two-digit number of `lesson` ("3", "03" or "03_supervised_finetuning" -> "03")."""
    key = str(lesson).split("_")[0].zfill(2)
    if key not in LESSONS:
        raise CourseError(
            f"Unknown lesson '{lesson}'. The lessons are {', '.join(LESSONS)} "
            f"({', '.join(LESSONS.values())})."
        )
    return key


def dry_run_plan(plan: LessonPlan) -> LessonPlan:
    """Return `plan` on the CPU with the tiny test model, one optimizer step and 8 new tokens."""
    sizes = dict(vars(plan.sizes))
    sizes.update({k: 1 for k in ("student_steps", "sft_steps") if k in sizes})
    sizes.update({k: TINY for k in ("sft_model",) if k in sizes})
    return replace(plan, model=TINY, device="cpu", dtype="float32", train_steps=1,
                   max_new_tokens=8, sizes=SimpleNamespace(**sizes), dry_run=True)


def lesson_plan(
    lesson: str,
    profile: str | Profile | None = None,
    *,
    source: str | None = None,
    dry_run: bool | None = None,
    verbose: bool = True,
    use_cached: bool = False,
    save_cache: bool = False,
    seed: int | None = None,
) -> LessonPlan:
    """Return lesson `lesson`'s plan for `profile` (a name, a Profile, or another lesson's plan).

    Sizes the data cannot hold are lowered with a printed notice; a plan whose estimated peak memory
    exceeds the device's raises a CourseError that says what to change. dry_run=True plans the
    gpu code path for a CPU (tiny model, one step): the gpu profile then needs no CUDA.
    use_cached=True: the lesson's training runs load their cached results (checkpoints/) instead of
    training; save_cache=True: they train and cache them (`python -m tutorial_lib cache`).
    seed: the run's seed (default 0, or that of the plan passed as `profile`).
    """
    if use_cached and save_cache:
        raise CourseError("use_cached and save_cache are both True: choose one (load, or train "
                          "and save).")
    key = lesson_number(lesson)
    if isinstance(profile, LessonPlan):
        source = profile.source if source is None else source
        dry_run = profile.dry_run if dry_run is None else dry_run
        seed = profile.seed if seed is None else seed
        profile = profile.name
    source, dry_run = source or "local", bool(dry_run)
    if source not in ("local", "hub"):
        raise CourseError(f"Unknown data source '{source}': use 'local' (offline) or 'hub'.")
    base = profile if isinstance(profile, Profile) else get_profile(profile,
                                                                     need_device=not dry_run)
    plan, lowered = _build(key, base, source, dry_run), []
    while not fits(plan) and base.train_batch_size > 1:
        base, before = replace(base, train_batch_size=base.train_batch_size // 2), plan
        plan = _build(key, base, source, dry_run)
        lowered.append(f"estimated memory over {HEADROOM:.0%} of {plan.memory_gb:g} GiB: training "
                       f"batch lowered from {before.train_batch_size} to {plan.train_batch_size}")
    estimate = plan_memory(plan)
    if not fits(plan):
        raise CourseError(
            f"Lesson {key} in the {plan.name} profile needs about {estimate.total_gb:.1f} GiB "
            f"({estimate.describe()}) even at a training batch of 1, more than the "
            f"{plan.memory_gb:g} GiB this profile plans for. Use a smaller model "
            f"(get_profile('{plan.name}', model='smollm2-135m-instruct')) or a shorter sequence "
            f"(get_profile('{plan.name}', max_seq_len=256)), and pass that profile to lesson_plan."
        )
    mode = "load" if use_cached else "save" if save_cache else "train"
    folder = lesson_cache(f"{plan.name}{'-dry-run' if plan.dry_run else ''}", key)
    plan = replace(plan, notices=tuple(lowered) + plan.notices,
                   skip_ahead=SkipAhead(mode, str(folder)), seed=seed or 0)
    if verbose:
        if plan.dtype == "auto" and torch.cuda.is_available():  # a plan made to run here
            choose_precision(plan.device)  # prints its choice and why
        for notice in plan.notices:
            print(f"Plan {key} ({plan.name}): {notice}.")
    return plan


def _build(key: str, base: Profile, source: str, dry_run: bool) -> LessonPlan:
    """Return lesson `key`'s plan made from profile `base`, its rows fitted to the data."""
    fit = Fit(key, source)
    values = PLANS[key](base, fit)
    values["sizes"] = SimpleNamespace(**values.get("sizes", {}))
    fields = {f: getattr(base, f) for f in Profile.__dataclass_fields__}
    plan = LessonPlan(**{**fields, **values}, lesson=key, source=source,
                      data=tuple(fit.uses), notices=tuple(fit.notices))
    return dry_run_plan(plan) if dry_run else plan


def fits(plan: LessonPlan) -> bool:
    """Return True if `plan`'s estimated peak leaves HEADROOM of the device's memory unused."""
    return plan_memory(plan).total_gb <= HEADROOM * plan.memory_gb


def plan_memory(plan: LessonPlan) -> MemoryEstimate:
    """Return the estimated peak memory of `plan`'s heaviest step."""
    return estimate_memory(
        plan.model,
        training=plan.training,
        batch=plan.train_batch_size if plan.training != "none" else plan.batch_size,
        seq_len=plan.max_seq_len,
        half=plan.device == "cuda" and plan.dtype != "float32",
    )
