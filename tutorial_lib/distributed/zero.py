"""ZeRO on paper: per-GPU model-state bytes of each stage, communication volume, and DeepSpeed's own
estimates.

Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models".
Mixed-precision Adam keeps, per parameter, 2 bytes of fp16 weight, 2 bytes of fp16 gradient and K =
12 bytes of optimizer state (fp32 master weight, momentum and variance, 4 bytes each): (2 + 2 + K)Φ
bytes on every GPU of plain data parallelism. ZeRO partitions these over the N data-parallel GPUs:
stage 1 the optimizer states (P_os), stage 2 also the gradients (P_os+g), stage 3 also the
parameters (P_os+g+p). Activations, buffers and fragmentation are not model states and are not
counted here.
"""

from __future__ import annotations

from ..errors import CourseError

ADAM_K = 12  # bytes of optimizer state per parameter: fp32 master weight + momentum + variance
# the paper's GB is decimal: 7.5e9 params x 16 bytes = 120 GB exactly (it would be 111.8 GiB)
GB = 1e9
STAGE_NAMES = ("data parallel", "P_os", "P_os+g", "P_os+g+p")
# zero_optimization keys that make DeepSpeed communicate as the paper describes
PAPER_COMM_OPTIONS = {
    0: {},
    # reduce each gradient bucket to the rank that owns it (a reduce-scatter, Φ) instead of
    # all-reducing it (2Φ)
    1: {"use_multi_rank_bucket_allreduce": False},
    2: {"use_multi_rank_bucket_allreduce": False},
    # release every gathered weight after use, so backward gathers it again (the default keeps up to
    # 1e9 live)
    3: {
        "stage3_max_live_parameters": 0,
        "stage3_max_reuse_distance": 0,
        "stage3_prefetch_bucket_size": 0,
    },
}


def check_setup(
    n_params: float, n_gpus: int, stage: int | None = None, **bytes_per_param: float
) -> None:
    """Return None, or raise CourseError if the parameter count, GPU count, stage or a byte count
    per parameter (keyword arguments, e.g. k=12) is not one ZeRO can have."""
    if n_params < 0:
        raise CourseError(
            f"n_params is {n_params}; a model has zero or more parameters, pass its parameter "
            "count Φ."
        )
    if int(n_gpus) != n_gpus or n_gpus < 1:
        raise CourseError(
            f"n_gpus is {n_gpus}; data parallelism needs a whole number of GPUs, 1 or more."
        )
    if stage is not None and stage not in (0, 1, 2, 3):
        raise CourseError(
            f"ZeRO stage {stage!r} does not exist; pass 0 (plain data parallel), 1, 2 or 3."
        )
    if any(v < 0 for v in bytes_per_param.values()):
        got = ", ".join(f"{name}={v}" for name, v in bytes_per_param.items())
        raise CourseError(f"Bytes per parameter must be >= 0; got {got}.")


def model_state_bytes(
    n_params: float,
    stage: int,
    n_gpus: int,
    k: float = ADAM_K,
    param_bytes: float = 2,
    grad_bytes: float = 2,
) -> dict[str, float]:
    """Return the per-GPU bytes of {params, grads, optimizer, total} at this ZeRO stage (the paper's
    formulas).

    stage 0: (2 + 2 + K)Φ;  stage 1: 2Φ + 2Φ + KΦ/N;  stage 2: 2Φ + (2 + K)Φ/N;
    stage 3: (2 + 2 + K)Φ/N.
    """
    check_setup(n_params, n_gpus, stage, k=k, param_bytes=param_bytes, grad_bytes=grad_bytes)
    params = n_params * param_bytes / (n_gpus if stage >= 3 else 1)
    grads = n_params * grad_bytes / (n_gpus if stage >= 2 else 1)
    optimizer = n_params * k / (n_gpus if stage >= 1 else 1)
    return {
        "params": params,
        "grads": grads,
        "optimizer": optimizer,
        "total": params + grads + optimizer,
    }


def zero_table(n_params: float, n_gpus: int, k: float = ADAM_K, unit: float = GB) -> list[dict]:
    """Return one row per stage 0-3 with the per-GPU model-state memory in GB (1e9 bytes, the
    paper's unit).

    Φ = 7.5e9 on N = 64 GPUs gives 120, 31.4, 16.6, 1.9 GB as in the paper's Figure 1 (in GiB it
    would be 111.8, 29.2, 15.5, 1.7, which matches none of them).
    """
    rows = []
    for stage in range(4):
        b = model_state_bytes(n_params, stage, n_gpus, k=k)
        rows.append(
            {
                "stage": stage,
                "partitioned": STAGE_NAMES[stage],
                **{f"{key}_gb": v / unit for key, v in b.items()},
            }
        )
    return rows


def communication_volume(n_params: float, stage: int) -> float:
    """Return the elements each GPU sends per training step at this stage, as the paper counts them:
    2Φ, 2Φ, 2Φ, 3Φ.

    Data parallel all-reduces the gradients as a reduce-scatter (Φ) plus an all-gather (Φ); stages 1
    and 2 do just those two on partitions, so they cost no more. Stage 3 all-gathers the parameters
    twice (forward and backward) and reduce-scatters the gradients once: 3Φ, 1.5x. A ring moves
    (N-1)/N of Φ per collective; the paper rounds it to Φ. Pass n_params=1 for the multiplier of Φ.
    """
    check_setup(n_params, 1, stage)
    return (3.0 if stage == 3 else 2.0) * n_params


def communication_summary(collectives: list[tuple[str, int]], n_params: int) -> list[dict]:
    """Return one row per collective op with its calls, elements and volume in units of Φ, then a
    "total" row.

    `collectives` is a probe's list of (op, elements). The volume counts an all-reduce twice (it is
    a reduce-scatter then an all-gather, as the paper counts it) and every other collective once.
    """
    rows: dict[str, dict] = {}
    for op, elements in collectives:
        row = rows.setdefault(op, {"op": op, "calls": 0, "elements": 0, "volume_phi": 0.0})
        row["calls"] += 1
        row["elements"] += elements
        row["volume_phi"] += (2 if op.startswith("all_reduce") else 1) * elements / n_params
    total = {key: sum(r[key] for r in rows.values()) for key in ("calls", "elements", "volume_phi")}
    return [*rows.values(), {"op": "total", **total}]


def deepspeed_estimates(
    n_params: int,
    n_gpus_per_node: int,
    n_nodes: int = 1,
    largest_layer_params: int = 0,
    additional_buffer_factor: float = 1.5,
) -> dict[str, dict[str, int]]:
    """Return DeepSpeed's own {gpu_bytes, cpu_bytes} estimates (per GPU, per node's CPU) for
    ZeRO-2/3, with and without offload.

    Keys: zero2, zero2_offload (optimizer to CPU), zero3, zero3_offload_optimizer, zero3_offload
    (optimizer and params).
    The functions (deepspeed 0.19, runtime/zero/stage_1_and_2.py and stage3.py), with N = all GPUs,
    n = GPUs per node,
    L = largest_layer_params, b = additional_buffer_factor, and ZeRO-3 with zero_init=True:
      zero2:          GPU 2Φ + int(18Φ/N)        CPU 4Φ·n·b             (the CPU figure is loading
      the model per process)
      zero2_offload:  GPU 2Φ                     CPU Φ·max(4N, 16)·b    (N here is all GPUs, not
      just the node's)
      zero3:          GPU 4L + int(18Φ/N)        CPU 4L·n·b
      zero3_offload_optimizer: GPU 4L + int(2Φ/N)   CPU 16Φ/n_nodes·b
      zero3_offload:  GPU 4L                     CPU 18Φ/n_nodes·b
    Against the paper: stage 2 on GPU is 4Φ/N more (its 18 = 2 fp16 grads + 4 fp32 grads + 4 fp32
    master + 8 Adam,
    per DeepSpeed's comment, where the paper has 2 + 12 = 14); stage 3 is 2Φ/N more (18 vs 16) plus
    4L bytes for the
    gathered fp16 weights and gradients of the largest layer. The factor b = 1.5 only pads the CPU
    figures.
    """
    check_setup(n_params, n_gpus_per_node)
    if (
        int(n_nodes) != n_nodes
        or n_nodes < 1
        or largest_layer_params < 0
        or additional_buffer_factor < 0
    ):
        raise CourseError(
            f"Got n_nodes={n_nodes}, largest_layer_params={largest_layer_params}, "
            "additional_buffer_factor="
            f"{additional_buffer_factor}; pass n_nodes >= 1 and the other two >= 0."
        )
    try:
        from deepspeed.runtime.zero.stage3 import estimate_zero3_model_states_mem_needs as zero3
        from deepspeed.runtime.zero.stage_1_and_2 import (
            estimate_zero2_model_states_mem_needs as zero2,
        )
    except ImportError as e:
        raise CourseError(
            f"DeepSpeed is not importable ({e}); `pip install deepspeed`, or use "
            "model_state_bytes()."
        ) from e
    common = {
        "num_gpus_per_node": n_gpus_per_node,
        "num_nodes": n_nodes,
        "additional_buffer_factor": additional_buffer_factor,
    }
    z3 = {"cpu_offload": True, "zero_init": True, **common}
    raw = {
        "zero2": zero2(n_params, cpu_offload=False, **common),
        "zero2_offload": zero2(n_params, cpu_offload=True, **common),
        "zero3": zero3(
            n_params,
            largest_layer_params,
            **{**z3, "cpu_offload": False, "cpu_offload_params": False},
        ),
        "zero3_offload_optimizer": zero3(
            n_params, largest_layer_params, **{**z3, "cpu_offload_params": False}
        ),
        "zero3_offload": zero3(
            n_params, largest_layer_params, **{**z3, "cpu_offload_params": True}
        ),
    }
    return {name: {"gpu_bytes": int(r[1]), "cpu_bytes": int(r[0])} for name, r in raw.items()}


def fp32_adam_k(stage: int) -> int:
    """Return K, the optimizer-state bytes per parameter, for fp32 training with Adam under
    DeepSpeed at this stage.

    Adam's exp_avg and exp_avg_sq are 8 bytes. Stage 0 updates the model's fp32 weights in place (K
    = 8); ZeRO 1-3 clone an fp32 master partition beside the weights even when they are already fp32
    (K = 12, as in mixed precision).
    """
    check_setup(1, 1, stage)
    return 8 if stage == 0 else 12


def measured_vs_formula(rank: dict) -> dict:
    """Return one table row: a probe rank's measured MB of parameters, gradients and optimizer state
    beside the formula's.

    The formula is the paper's (2, 2, K = 12 bytes) for a bf16 run and fp32's (4, 4, fp32_adam_k)
    otherwise. Gradients are the peak during backward at stages 0-1 (which do not partition them)
    and the partition kept at stages 2-3.
    """
    stage, phi, n = rank["stage"], rank["n_params"], rank["world_size"]
    if rank["bf16"]:
        formula = model_state_bytes(phi, stage, n)
    else:
        formula = model_state_bytes(
            phi, stage, n, k=fp32_adam_k(stage), param_bytes=4, grad_bytes=4
        )
    measured = {
        "params": rank["param_bytes"],
        "grads": rank["grad_peak_bytes"] if stage <= 1 else rank["grad_bytes"],
        "optimizer": rank["optimizer_bytes"],
    }
    measured["total"] = sum(measured.values())
    row = {"stage": stage, "precision": "bf16" if rank["bf16"] else "fp32"}
    for key in measured:
        row[f"{key} MB"] = measured[key] / 1e6
        row[f"{key} MB (formula)"] = formula[key] / 1e6
    row["measured / formula"] = measured["total"] / formula["total"]
    return row
