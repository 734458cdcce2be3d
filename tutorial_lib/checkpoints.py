"""Skip-ahead checkpoints: a training cell's result saved once, loaded instead of training.

A room that runs late sets `use_cached = True` in a lesson's parameters cell: each training run
then loads what the same code trained before (the trained tensors and the run's record: losses,
scores, timings) from checkpoints/<profile>/<lesson>/, checked against its SHA-256 and against
the run's settings. `python -m tutorial_lib cache` builds them by running the lessons once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from .errors import CourseError
from .saving import save_atomic_folder

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
MODES = ("train", "save", "load")  # train as usual; train and save the result; load it instead


@dataclass(frozen=True)
class SkipAhead:
    """What a lesson's training runs do: train, train and cache the result, or load the cache."""

    mode: str = "train"  # "train", "save" or "load" (MODES)
    folder: str = ""  # the lesson's cache folder: checkpoints/<profile>/<lesson>

    def run_dir(self, name: str) -> Path:
        """Return the folder of the run called `name` in this lesson's cache."""
        return run_dir(Path(self.folder), name)


TRAIN = SkipAhead()  # the default: every run trains


def lesson_cache(profile: str, lesson: str, root: Path = CHECKPOINTS) -> Path:
    """Return a lesson's cache folder: checkpoints/<profile>/<lesson>."""
    return root / profile / lesson


def run_dir(folder: Path, name: str) -> Path:
    """Return the folder of one cached run: the lesson's folder / the run's name as a slug."""
    return folder / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def trained_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Return the tensors training changed: the parameters that require grad, as contiguous
    copies."""
    return {
        key: p.detach().to("cpu").contiguous().clone()
        for key, p in model.named_parameters()
        if p.requires_grad
    }


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_run(
    folder: Path, model: torch.nn.Module, record: dict[str, Any], settings: dict[str, Any]
) -> Path:
    """Return folder after saving, atomically, a run's trained tensors and its record."""
    tensors = trained_tensors(model)
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise CourseError(
            f"Not caching '{folder.name}': {len(bad)} trained tensors hold NaN or inf (first: "
            f"{bad[0]}). Lower the learning rate, then train again; the last good cache is kept."
        )

    def write(tmp: Path) -> None:
        save_file(tensors, str(tmp / "trained.safetensors"))
        meta = {"settings": settings, "record": record,
                "sha256": sha256(tmp / "trained.safetensors")}
        (tmp / "run.json").write_text(json.dumps(meta, indent=1, default=str))

    save_atomic_folder(folder, write)
    return folder


def load_run(folder: Path, model: torch.nn.Module, settings: dict[str, Any]) -> dict[str, Any]:
    """Return the cached run's record after loading its trained tensors into model, checked."""
    meta_path, weights = folder / "run.json", folder / "trained.safetensors"
    if not meta_path.exists() or not weights.exists():
        raise CourseError(
            f"No cached result at {folder}. Build the cache with `python -m tutorial_lib cache "
            "--profile <profile>` (or copy the instructor's checkpoints/ folder here), or set "
            "use_cached = False to train."
        )
    meta = json.loads(meta_path.read_text())
    if sha256(weights) != meta["sha256"]:
        raise CourseError(
            f"{weights} does not match its checksum: the copy is damaged. Copy it again, or "
            "rebuild it with `python -m tutorial_lib cache`."
        )
    cached = json.loads(json.dumps(settings, default=str))
    if meta["settings"] != cached:
        changed = sorted(k for k in cached.keys() | meta["settings"].keys()
                         if cached.get(k) != meta["settings"].get(k))
        raise CourseError(
            f"The cached '{folder.name}' was trained with other settings ({', '.join(changed)}): "
            "set use_cached = False to train with yours, or rebuild the cache."
        )
    tensors = load_file(str(weights))
    params = dict(model.named_parameters())
    wrong = [k for k, t in tensors.items() if k not in params or params[k].shape != t.shape]
    if wrong:
        raise CourseError(
            f"The cached '{folder.name}' does not fit this model ({len(wrong)} tensors, first: "
            f"{wrong[0]}): the model or its adapters differ from the ones cached."
        )
    with torch.no_grad():
        for key, tensor in tensors.items():
            params[key].copy_(tensor.to(params[key].device, params[key].dtype))
    print(f"Loaded the cached '{folder.name}' ({len(tensors)} tensors, checksum verified).")
    return meta["record"]
