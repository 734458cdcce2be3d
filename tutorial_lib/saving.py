"""Saves that never lose a learner's work: written atomically, and refused when weights hold NaN."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from .errors import CourseError


def save_atomic_folder(target: Path, save: Callable[[Path], Any]) -> Path:
    """Return `target`, written atomically by `save(tmp)` into a temporary sibling folder.

    The temporary folder is swapped in once complete, so a save that fails half-way leaves the
    previous good folder in place.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    old = target.with_name(f".{target.name}-old")
    try:
        save(tmp)
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
    except BaseException:
        if old.exists() and not target.exists():
            old.rename(target)  # put the last good save back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


def check_finite(model: torch.nn.Module, what: str = "The model") -> None:
    """Raise a CourseError naming the first floating-point weight that holds NaN or inf."""
    for name, tensor in model.state_dict().items():
        if (
            torch.is_tensor(tensor)
            and tensor.is_floating_point()
            and not bool(torch.isfinite(tensor).all())
        ):
            raise CourseError(
                f"{what} holds NaN or inf in {name}, so it is not saved: training diverged or "
                "overflowed. Lower the learning rate, or train in float32 (bf16=False), and "
                "train again; a checkpoint with NaN would only spread them."
            )


def save_pretrained_atomic(folder: str | Path, *parts: Any) -> Path:
    """Return `folder` after save_pretrained of each of `parts` into it, atomically.

    `parts` are what has a save_pretrained (a model, a peft adapter, a tokenizer); the folder is
    written by save_atomic_folder. A model holding NaN or inf is refused (check_finite): nothing
    is written.
    """
    for part in parts:
        if isinstance(part, torch.nn.Module):
            check_finite(part, f"{type(part).__name__} to save in {Path(folder).name}")
    return save_atomic_folder(
        Path(folder), lambda tmp: [part.save_pretrained(tmp) for part in parts]
    )
