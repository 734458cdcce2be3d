"""Profiles: one notebook, three sizes (`quick` for CI, `cpu` for laptops, `gpu` for Colab)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import torch

from .errors import CourseError
from .precision import choose_precision


@dataclass(frozen=True)
class Profile:
    """The sizes a lesson runs at; profiles change sizes, never the code path."""

    name: str  # "quick" | "cpu" | "gpu"
    model: str  # registry name of the model the lessons load
    device: str  # "cpu" or "cuda"
    dtype: str  # weights' dtype: "float32", or "auto" (chosen by the GPU's capability)
    eval_examples: int  # held-out examples per evaluation
    train_examples: int  # training examples a lesson uses
    train_steps: int  # optimizer steps per training run
    # examples per optimizer step (a 135M step on 2 CPU cores takes seconds per example)
    train_batch_size: int
    batch_size: int  # prompts per batch in batched generation and scoring
    max_seq_len: int  # tokens per training example after truncation
    max_new_tokens: int  # tokens generated per answer
    seeds: int  # repeats where a lesson shows spread over seeds or orderings
    memory_gb: float  # memory the plans must fit in, GiB (a laptop's RAM; a T4's 15 GiB)

    @property
    def torch_dtype(self) -> torch.dtype:
        """Return the torch dtype of the weights: `dtype`, or the device's choice if "auto"."""
        if self.dtype != "auto":
            return getattr(torch, self.dtype)
        return choose_precision(self.device, verbose=False).torch_dtype

    @property
    def train_precision(self) -> str:
        """Return the trainer's mixed-precision mode: "bf16", "fp16" or "fp32".

        A fixed `dtype` sets it (bfloat16 -> bf16, float16 -> fp16, else fp32); "auto" leaves it
        to choose_precision for the device.
        """
        if self.dtype != "auto":
            return {"bfloat16": "bf16", "float16": "fp16"}.get(self.dtype, "fp32")
        return choose_precision(self.device, verbose=False).mode


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        model="smollm2-135m-instruct",
        device="cpu",
        dtype="float32",
        eval_examples=8,
        train_examples=32,
        train_steps=2,
        train_batch_size=2,
        batch_size=8,
        max_seq_len=256,
        max_new_tokens=24,
        seeds=2,
        memory_gb=8,
    ),
    "cpu": Profile(
        name="cpu",
        model="smollm2-135m-instruct",
        device="cpu",
        dtype="float32",
        eval_examples=64,
        train_examples=400,
        train_steps=12,
        train_batch_size=4,
        batch_size=16,
        max_seq_len=384,
        max_new_tokens=64,
        seeds=3,
        memory_gb=8,
    ),
    "gpu": Profile(
        name="gpu",
        model="smollm2-360m-instruct",
        device="cuda",
        dtype="auto",
        eval_examples=200,
        train_examples=2000,
        train_steps=150,
        train_batch_size=16,
        batch_size=32,
        max_seq_len=512,
        max_new_tokens=128,
        seeds=5,
        memory_gb=15,
    ),
}


def get_profile(name: str | None = None, *, need_device: bool = True, **overrides) -> Profile:
    """Return the Profile `name`, else $COURSE_PROFILE's, else `gpu` with CUDA and `cpu` without.

    Only a notebook's first cell (and the command line) should call this with name=None; helpers
    take the plan or profile they are given. need_device=False plans the gpu profile on a machine
    without CUDA (for `python -m tutorial_lib plan` and dry runs). Keyword overrides replace single
    fields, e.g. get_profile("cpu", eval_examples=100).
    """
    name = (
        name or os.environ.get("COURSE_PROFILE") or ("gpu" if torch.cuda.is_available() else "cpu")
    )
    name = name.strip().lower()
    if name not in PROFILES:
        raise CourseError(
            f"Unknown course profile '{name}'. Choose one of {', '.join(PROFILES)}: `quick` (CI, "
            "seconds), `cpu` (a laptop, minutes), `gpu` (Colab or a workstation with CUDA). Set it "
            "with the notebook's `profile` parameter or COURSE_PROFILE=cpu, or leave both unset to "
            "pick automatically."
        )
    if name == "gpu" and need_device and not torch.cuda.is_available():
        raise CourseError(
            "The gpu profile needs a CUDA GPU, and PyTorch sees none on this machine "
            f"(torch {torch.__version__}). Use profile 'cpu' here; on Colab choose "
            "Runtime > Change runtime type > GPU; on a workstation install a CUDA build of "
            "PyTorch. "
            "To try the gpu code path on a CPU, run the notebook with dry_run = True."
        )
    profile = PROFILES[name]
    unknown = set(overrides) - set(profile.__dataclass_fields__)
    if unknown:
        raise CourseError(
            f"Profile has no field(s) {sorted(unknown)}; its fields are "
            f"{list(profile.__dataclass_fields__)}."
        )
    return replace(profile, **overrides)
