"""Two library notices a learner can do nothing about, filtered out by name and nothing else.

- bitsandbytes, on a CPU with AVX-512 bf16 units, logs at import that it could not load an
  optional 4-bit kernel from the Hugging Face Hub (the `kernels` package); its own CPU code runs.
- peft reads transformers' `is_gradient_checkpointing`, which transformers 5 deprecates with a
  FutureWarning that names the machine's install paths.

The package installs the filters when it is imported, so the notebooks import it before peft.
"""

from __future__ import annotations

import logging
import warnings

BNB_LOGGER = "bitsandbytes.backends.cpu.ops"  # where bitsandbytes logs the missing-kernel notice
BNB_NOTICE = "Failed to load CPU gemm_4bit_forward from kernels-community"


class _DropMissingKernelNotice(logging.Filter):
    """Drops bitsandbytes' notice that the optional Hub kernel is missing, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(BNB_NOTICE)


def quiet_library_notices() -> None:
    """Return None after filtering out (once) the two notices above."""
    logger = logging.getLogger(BNB_LOGGER)
    if not any(isinstance(f, _DropMissingKernelNotice) for f in logger.filters):
        logger.addFilter(_DropMissingKernelNotice())
    warnings.filterwarnings(
        "ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning
    )
