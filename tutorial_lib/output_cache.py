"""Evaluate once: a model's greedy outputs kept on disk, so a lesson that scores the same model on
the same prompts with the same settings (lesson 05's base model on the held-out dialogues lesson 04
summarised) reads them instead of generating again.

An entry's key holds the model's weights (a fingerprint of every parameter), the prompt, the
generation settings, the package version and the source of the code that generates: any change to
one of them is a miss. COURSE_OUTPUT_CACHE=off turns the cache off; set to a folder, it keeps the
outputs there (a recorded run starts from an empty one, so its times are a first run's).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import transformers
from transformers import PreTrainedModel

from . import __version__, generation
from .models import cache_dir
from .report import write_atomic

SWITCH = "COURSE_OUTPUT_CACHE"  # "off": always generate; a folder: keep the outputs there


def output_folder() -> Path:
    """Return the folder of cached outputs: $COURSE_OUTPUT_CACHE, else <model cache>/outputs."""
    return Path(os.environ.get(SWITCH) or cache_dir() / "outputs")


@torch.no_grad()
def weights_fingerprint(model: torch.nn.Module) -> str:
    """Return a hash of every parameter's name, shape, dtype, sum and sum of squares."""
    digest = hashlib.sha256()
    for name, p in model.named_parameters():
        values = p.detach().double()
        digest.update(f"{name} {tuple(p.shape)} {p.dtype} {values.sum().item()!r} "
                      f"{values.square().sum().item()!r}\n".encode())
    return digest.hexdigest()


def _code_version() -> str:
    """Return a hash of the package version, the libraries' and the generation code's source."""
    source = Path(generation.__file__).read_bytes()
    return hashlib.sha256(f"{__version__} {torch.__version__} {transformers.__version__} ".encode()
                          + source).hexdigest()


def cached_outputs(
    model: PreTrainedModel,
    prompts: Sequence[str],
    settings: dict,
    compute: Callable[[list[str]], list[str]],
) -> list[str]:
    """Return compute(prompts), reading each prompt's output from the cache where `model` with
    `settings` produced it before; the prompts it had not seen are computed together and stored."""
    if os.environ.get(SWITCH, "").lower() == "off":
        return list(compute(list(prompts)))
    common = json.dumps({"weights": weights_fingerprint(model), "device": str(model.device),
                         "settings": settings, "code": _code_version()}, sort_keys=True)
    paths = [output_folder() / f"{hashlib.sha256((common + p).encode()).hexdigest()}.json"
             for p in prompts]
    outputs = [json.loads(path.read_text())["output"] if path.exists() else None for path in paths]
    missing = [i for i, out in enumerate(outputs) if out is None]
    if missing:
        fresh = list(compute([prompts[i] for i in missing]))
        for i, out in zip(missing, fresh):
            outputs[i] = out
            write_atomic(paths[i], json.dumps({"prompt": prompts[i], "output": out}))
    return outputs
