"""Precision by capability: the one function that decides bf16, fp16 or fp32 for a device.

    p = choose_precision("cuda")  # prints "precision: fp16 (Tesla T4, compute capability 7.5: ...)"
    model = AutoModelForCausalLM.from_pretrained(name, dtype=p.train_torch_dtype)  # to train
    SFTConfig(..., **p.trainer_flags())  # bf16= and fp16= for the trainer

- bf16 where the GPU has bf16 units (compute capability 8.0 or newer: A100, L4, H100): the
  weights load in bf16 for inference and training, and the trainer runs bf16 autocast.
- fp16 on a T4 or V100 (7.x): bf16 there is emulated and slow. Inference loads fp16 weights;
  training loads fp32 weights (the master copy the optimizer updates) and the trainer runs fp16
  autocast with loss scaling, since fp16 gradients of small values underflow to zero.
- fp32 on a CPU: bf16 autocast is slow on CPUs without bf16 units, fp16 is not supported there.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import CourseError

ALIASES = {
    "bf16": "bf16",
    "bfloat16": "bf16",
    "fp16": "fp16",
    "float16": "fp16",
    "half": "fp16",
    "fp32": "fp32",
    "float32": "fp32",
    "float": "fp32",
}
DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
BF16_CAPABILITY = (8, 0)  # Ampere and newer have bf16 tensor cores
FP16_CAPABILITY = (7, 0)  # Volta and Turing have fp16 tensor cores


@dataclass(frozen=True)
class Precision:
    """The numeric formats of one device: what weights load as, and what the trainer is told."""

    mode: str  # "bf16" | "fp16" | "fp32": the trainer's mixed-precision flag (see trainer_flags)
    dtype: str  # weights' dtype for inference: "bfloat16" | "float16" | "float32"
    train_dtype: str  # weights' dtype to train: fp32 under fp16 (the master weights), else dtype
    reason: str  # one line: the device and why this mode

    @property
    def torch_dtype(self) -> torch.dtype:
        """Return the torch dtype of the weights for inference."""
        return getattr(torch, self.dtype)

    @property
    def train_torch_dtype(self) -> torch.dtype:
        """Return the torch dtype of the weights for training."""
        return getattr(torch, self.train_dtype)

    def trainer_flags(self) -> dict[str, bool]:
        """Return the `bf16` and `fp16` arguments for transformers' or trl's training config."""
        return {"bf16": self.mode == "bf16", "fp16": self.mode == "fp16"}

    def __str__(self) -> str:
        """Return the line choose_precision prints."""
        return f"precision: {self.mode} ({self.reason})"


def _precision(mode: str, reason: str) -> Precision:
    """Return the Precision of `mode` with its dtypes filled in."""
    dtype = DTYPES[mode]
    return Precision(mode, dtype, "float32" if mode == "fp16" else dtype, reason)


def _normalise(requested: str | None) -> str | None:
    """Return requested as "bf16" | "fp16" | "fp32", None for automatic; CourseError if unknown."""
    if requested is None or requested.strip().lower() == "auto":
        return None
    mode = ALIASES.get(requested.strip().lower())
    if mode is None:
        raise CourseError(
            f"Unknown precision '{requested}'. Use 'bf16', 'fp16' or 'fp32' (or None to choose by "
            "the device): e.g. choose_precision('cuda', 'fp16')."
        )
    return mode


def _bf16_native() -> bool:
    """Return True if the current CUDA GPU does bf16 in hardware (not emulated, as on a T4)."""
    try:
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    except TypeError:  # torch without the argument: it did not count emulation then
        return bool(torch.cuda.is_bf16_supported())


def _gpu(device: str) -> tuple[str, tuple[int, int], bool]:
    """Return the name, compute capability and native bf16 of the CUDA GPU `device` names."""
    if not torch.cuda.is_available():
        raise CourseError(
            f"Device '{device}' needs a CUDA GPU, and PyTorch sees none "
            f"(torch {torch.__version__}). Use device='cpu' here; on Colab choose "
            "Runtime > Change runtime type > GPU."
        )
    index = int(device.split(":")[1]) if ":" in device else 0
    major, minor = torch.cuda.get_device_capability(index)
    try:
        name = torch.cuda.get_device_name(index)
    except Exception:  # the name is only for the message
        name = "CUDA GPU"
    return name, (major, minor), _bf16_native() and (major, minor) >= BF16_CAPABILITY


def choose_precision(device: str, requested: str | None = None, verbose: bool = True) -> Precision:
    """Return the Precision for `device` ("cpu", "cuda", "cuda:N"), printing which and why.

    requested=None (or "auto") chooses by capability: bf16 on GPUs with bf16 units (compute
    capability >= 8.0), fp16 mixed precision on 7.x (T4, V100), fp32 below that and on a CPU.
    requested="bf16" | "fp16" | "fp32" is checked against the device: CourseError, naming the
    precision to use instead, where the device cannot run it.
    """
    mode = _normalise(requested)
    kind = device.split(":")[0].strip().lower()
    if kind == "cpu":
        choice = _cpu(mode)
    elif kind == "cuda":
        choice = _cuda(device, mode)
    else:
        raise CourseError(
            f"Unknown device '{device}' for choose_precision: use 'cpu', 'cuda' or 'cuda:N' "
            "(e.g. the profile's device)."
        )
    if verbose:
        print(choice)
    return choice


def _cpu(mode: str | None) -> Precision:
    """Return the Precision on a CPU for the normalised request `mode`."""
    if mode == "fp16":
        raise CourseError(
            "fp16 mixed precision needs a CUDA GPU (its loss scaling and fp16 kernels do not run "
            "on a CPU). Use 'fp32' on a CPU (the default), or 'bf16' to try autocast (slow "
            "without bf16 units)."
        )
    if mode == "bf16":
        return _precision("bf16", "CPU, as requested; bf16 autocast is slow without bf16 units")
    return _precision("fp32", "CPU: bf16 autocast is slow without bf16 units, fp16 needs a GPU")


def _cuda(device: str, mode: str | None) -> Precision:
    """Return the Precision on the CUDA GPU `device` for the normalised request `mode`."""
    name, cap, bf16 = _gpu(device)
    gpu = f"{name}, compute capability {cap[0]}.{cap[1]}"
    if mode == "bf16" and not bf16:
        instead = "'fp16' (mixed precision with loss scaling) or 'fp32'"
        raise CourseError(
            f"bf16 needs a GPU with bf16 units (compute capability 8.0 or newer: A100, L4, H100); "
            f"this {gpu} has none. Use {instead} instead, or None to choose automatically."
        )
    if mode == "fp32":
        return _precision("fp32", f"{gpu}, as requested")
    if mode == "bf16":
        return _precision("bf16", f"{gpu}, as requested: bf16 units")
    if mode is None and bf16:
        return _precision("bf16", f"{gpu}: bf16 units, the range of fp32 without loss scaling")
    if mode == "fp16":
        return _precision("fp16", f"{gpu}, as requested: fp32 master weights, loss scaling")
    if cap >= FP16_CAPABILITY:
        why = "no bf16 units, so fp16 autocast with fp32 master weights and loss scaling"
        return _precision("fp16", f"{gpu}: {why}")
    return _precision("fp32", f"{gpu}: no tensor cores for fp16 or bf16")
