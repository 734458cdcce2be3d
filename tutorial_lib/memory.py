"""Measured memory: the peak a block of code adds, the bytes of model state, and estimates.

The peak is the CUDA allocator's, or the rise of resident memory on a CPU.
"""

from __future__ import annotations

import ctypes
import gc
import threading
from dataclasses import dataclass
from pathlib import Path

import psutil
import torch

from .errors import CourseError
from .models import model_shape


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    return psutil.Process().memory_info().rss / 2**20


def release_memory() -> None:
    """Return None after handing freed memory back to the system (GC, CUDA cache, malloc_trim).

    The next run's memory rise then starts from a clean baseline.
    """
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc (macOS): the baseline just stays a little high
        pass


class PeakMemory:
    """Context manager measuring peak memory: CUDA's allocator peak, or resident memory's rise."""

    def __init__(self, device: str = "cpu", interval: float = 0.02):
        self.device, self.interval, self.peak_mb = device, interval, 0.0

    def __enter__(self) -> PeakMemory:
        release_memory()
        if self.device == "cuda":
            torch.cuda.reset_peak_memory_stats()
            self._start = torch.cuda.memory_allocated() / 2**20
            return self
        self._start = self._peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, rss_mb())

    def __exit__(self, *exc) -> None:
        if self.device == "cuda":
            self.peak_mb = torch.cuda.max_memory_allocated() / 2**20 - self._start
            return
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self._peak, rss_mb()) - self._start


def state_mb(model: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> float:
    """Return MB held by trainable parameters, their gradients and the optimizer's state tensors."""
    total = 0
    for p in model.parameters():
        if p.requires_grad:
            total += 2 * p.numel() * p.element_size()  # the weight and its gradient
    if optimizer is not None:
        for state in optimizer.state.values():
            total += sum(t.numel() * t.element_size() for t in state.values() if torch.is_tensor(t))
    return total / 2**20


class SavedTensors:
    """Context manager adding up the bytes autograd saves for backward (the activations) inside.

    Tensors saved inside a gradient-checkpointed block are not saved at all (the block is recomputed
    in backward), so they do not count; a tensor saved twice counts twice.
    """

    def __init__(self):
        self.bytes = 0

    def _pack(self, t: torch.Tensor) -> torch.Tensor:
        self.bytes += t.numel() * t.element_size()
        return t

    def __enter__(self) -> SavedTensors:
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._hooks.__exit__(*exc)

    @property
    def mb(self) -> float:
        """Return the saved bytes in MB."""
        return self.bytes / 2**20


# --- planning: memory estimated before anything runs ----------------------------------------------

GiB = 2**30
# values autograd keeps per token, layer and hidden unit (see estimate_memory)
ACTIVATION_VALUES = 17


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory of a lesson's heaviest step, in GiB, by what holds it."""

    weights_gb: float  # the model(s) held, in their dtype (PPO: policy and reward model)
    gradients_gb: float  # one gradient per trainable weight
    optimizer_gb: float  # Adam's two moments per trainable weight, fp32
    activations_gb: float  # what autograd saves for backward, plus the logits (or the KV cache)

    @property
    def total_gb(self) -> float:
        """Return the sum of the four parts."""
        return self.weights_gb + self.gradients_gb + self.optimizer_gb + self.activations_gb

    def describe(self) -> str:
        """Return the four parts as one short line."""
        return (
            f"weights {self.weights_gb:.1f}, gradients {self.gradients_gb:.1f}, "
            f"optimizer {self.optimizer_gb:.1f}, activations {self.activations_gb:.1f}"
        )


def estimate_memory(
    model: str, *, training: str, batch: int, seq_len: int, half: bool
) -> MemoryEstimate:
    """Return the estimated peak memory of a step of `model` (a registry name) on `batch` sequences.

    training: "none" (inference: weights and KV cache), "full" (every weight trains with Adam),
    "peft" (about 1% trains), "ppo" (a LoRA policy plus a reward model of the same size). half=True:
    16-bit weights for inference and 16-bit activations under mixed precision (fp32 master weights,
    as the trainer keeps them); False: fp32 throughout. Activations follow Korthikanti et al.
    (2022): about 34·s·b·h bytes per layer in 16-bit with a fused attention kernel that keeps no s×s
    scores; the logits and their gradient add 2·b·s·V fp32 values.
    """
    if training not in ("none", "full", "peft", "ppo"):
        raise CourseError(f"Unknown training kind '{training}': use none, full, peft or ppo.")
    shape = model_shape(model)
    act_bytes = 2 if half else 4
    tokens = batch * seq_len
    if training == "none":
        weights = shape.params * act_bytes
        kv_cache = 2 * shape.layers * shape.hidden * tokens * act_bytes  # upper bound (GQA shares)
        return MemoryEstimate(weights / GiB, 0.0, 0.0, (kv_cache + batch * shape.vocab * 4) / GiB)
    trainable = shape.params if training == "full" else 0.01 * shape.params
    weights = shape.params * (4 if training == "full" or not half else 2)
    if training == "ppo":
        weights *= 2  # the reward model is as large as the policy; the reference shares its base
    saved = ACTIVATION_VALUES * shape.hidden * shape.layers * tokens * act_bytes
    logits = 2 * tokens * shape.vocab * 4
    return MemoryEstimate(
        weights / GiB, 4 * trainable / GiB, 8 * trainable / GiB, (saved + logits) / GiB
    )


def folder_mb(folder: str | Path) -> float:
    """Return the size on disk of all files under `folder`, in MB."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20
