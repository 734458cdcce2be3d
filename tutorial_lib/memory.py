"""Measured memory: the peak a block of code adds (CUDA allocator or resident memory), and the bytes of model state."""

from __future__ import annotations

import ctypes
import gc
import threading

import psutil
import torch


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    return psutil.Process().memory_info().rss / 2**20


def release_memory() -> None:
    """Return freed memory to the system, so the next run's memory rise starts from a clean baseline."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc (macOS): the baseline just stays a little high
        pass


class PeakMemory:
    """Context manager measuring peak memory: CUDA's allocator peak, or the rise of resident memory on CPU."""

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
    """Context manager adding up the bytes autograd saves for backward (the activations) while it is open.

    Tensors saved inside a gradient-checkpointed block are not saved at all (the block is recomputed in backward),
    so they do not count; a tensor saved twice counts twice.
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
