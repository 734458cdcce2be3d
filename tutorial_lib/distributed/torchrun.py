"""Running a module as several local processes under torchrun, and reading why a run failed."""

from __future__ import annotations

import socket
import subprocess
import sys

from ..errors import CourseError

# what a process needs to train on the CPU: DeepSpeed's CPU accelerator (gloo), no GPU, one thread
CPU_ENV = {"CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
SHM_COMM_OP = "deepspeed_shm_comm"  # DeepSpeed's CPU shared-memory all-reduce, a C++ op


def skip_shm_comm_build() -> None:
    """Keep DeepSpeed from compiling SHM_COMM_OP when it starts (about a minute on a machine's
    first run): only its inference all-reduce uses it; training's collectives go through gloo."""
    import deepspeed.ops

    deepspeed.ops.__compatible_ops__[SHM_COMM_OP] = False


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now, for torchrun's rendezvous."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def error_tail(output: str) -> str:
    """Return the lines of a failed multi-process run that name the failing rank's own error.

    Those are the first error line of the output and the six lines before it; without an error
    line, the output's last 25 lines.
    """
    lines = output.splitlines()
    errors = [
        i
        for i, line in enumerate(lines)
        if ("Error: " in line or "Exception: " in line) and "ChildFailed" not in line
    ]
    return "\n".join(lines[max(0, errors[0] - 6) : errors[0] + 1] if errors else lines[-25:])


def torchrun(
    args: list[str], env: dict[str, str], timeout: float, what: str
) -> subprocess.CompletedProcess:
    """Return the finished `python -m torch.distributed.run ARGS` on 127.0.0.1, output captured.

    A run past `timeout` seconds raises CourseError naming `what`.
    """
    rendezvous = ["--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    cmd = [sys.executable, "-m", "torch.distributed.run", *rendezvous, *args]
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise CourseError(
            f"{what} ran past {timeout} s; pass a larger timeout= or check for a hung rank."
        ) from e
