"""The ZeRO probe: DeepSpeed ZeRO run for real on CPU, each rank's model-state bytes measured.

    python -m torch.distributed.run --nproc_per_node 2 -m tutorial_lib.distributed.probe
        --stage 2 --out zero2.json

Each rank trains a random tiny Llama (tiny_model, 2 layers, hidden 64, embeddings untied so that
every weight belongs to one module) for a few fp32 (or --bf16) steps under the gloo backend, then
counts the bytes of the tensors it holds: parameters (stage 3: only its ds_tensor shards), gradients
(after a backward, before the step), the fp32 master weights ZeRO 1-3 keep beside the model's
weights, and Adam's exp_avg and exp_avg_sq. It also counts, during the last step, the elements every
collective moves (all-reduce, reduce, reduce-scatter, all-gather, broadcast) by wrapping the methods
of deepspeed.comm's backend, which all of DeepSpeed's communication goes through. Rank r writes FILE
with ".rank{r}" before its suffix; run_zero_probe() below launches this and reads them back.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import torch

from ..errors import CourseError
from .torchrun import CPU_ENV, error_tail, skip_shm_comm_build, torchrun
from .zero import check_setup

MODULE = "tutorial_lib.distributed.probe"
STEPS = 2  # full training steps before measuring
BATCH, SEQ = 2, 16


def ds_config(stage: int, bf16: bool = False, zero_options: dict | None = None) -> dict:
    """Return a DeepSpeed config of ZeRO `stage` that runs on CPU: fp32 (or bf16), torch's AdamW.

    AdamW is torch's, so no compiled DeepSpeed op is needed. zero_options are extra
    "zero_optimization" keys. fp16 does not run on the CPU accelerator ("Type fp16 is not supported
    on your device."); bf16 does.
    """
    return {
        "train_micro_batch_size_per_gpu": BATCH,
        "gradient_accumulation_steps": 1,
        "optimizer": {"type": "AdamW", "params": {"lr": 1e-3, "torch_adam": True}},
        # stage 3: partition every parameter, however small (the default keeps those under 1e5
        # elements whole)
        "zero_optimization": {
            "stage": stage,
            **({"stage3_param_persistence_threshold": 0} if stage == 3 else {}),
            **(zero_options or {}),
        },
        "fp16": {"enabled": False},
        "bf16": {"enabled": bf16},
        "steps_per_print": 10**9,
        "wall_clock_breakdown": False,
    }


def _nbytes(tensors) -> int:
    """Return the bytes of the tensors among `tensors` (anything else is skipped)."""
    return sum(t.numel() * t.element_size() for t in tensors if torch.is_tensor(t))


def _adam_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Return the bytes of an optimizer's per-parameter state (exp_avg, exp_avg_sq; not step)."""
    return _nbytes(
        v
        for state in optimizer.state.values()
        for v in state.values()
        if torch.is_tensor(v) and v.dim() > 0
    )


def _base_optimizer(engine) -> torch.optim.Optimizer:
    """Return the torch optimizer doing the update: ZeRO 1-3's .optimizer, or stage 0's own."""
    opt = engine.optimizer
    return getattr(opt, "optimizer", opt)


def _master_tensors(engine, stage: int) -> list[torch.Tensor]:
    """Return the fp32 master weights this rank keeps: under ZeRO 1-3, its partitions.

    Stage 0 keeps none in fp32 (the update is in place) and all of them under bf16 (DeepSpeed's
    FP16_UnfusedOptimizer keeps fp32_groups).
    """
    opt = engine.optimizer
    if stage in (1, 2):
        return list(opt.single_partition_of_fp32_groups)
    if stage == 3:
        return list(opt.fp32_partitioned_groups_flat)
    return [p for group in getattr(opt, "fp32_groups", []) for p in group]


def _param_tensors(model: torch.nn.Module, stage: int) -> list[torch.Tensor]:
    """Return the parameter storage this rank holds: all weights (stage 3: its ds_tensor shards)."""
    params = list(model.parameters())
    return [p.ds_tensor for p in params] if stage == 3 else [p.data for p in params]


def _grad_bytes(engine, stage: int) -> int:
    """Return the bytes of gradients this rank holds after engine.backward(), before the step.

    The model's .grad (full size at stage 0) plus the reduced partitions ZeRO 1-2 keep in
    averaged_gradients (both stages free the model's .grad once reduced) or ZeRO-3 keeps per
    parameter in its fp32 gradient partitions.
    """
    opt = engine.optimizer
    held = _nbytes(p.grad for p in engine.module.parameters())
    if stage in (1, 2):
        held += _nbytes(g for grads in opt.averaged_gradients.values() for g in grads)
    if stage == 3:
        held += _nbytes(
            getattr(opt, "_DeepSpeedZeroOptimizer_Stage3__param_id_to_grad_partition", {}).values()
        )
    return held


def _track_peak_grads(model: torch.nn.Module) -> dict[str, int]:
    """Return {"bytes": n}, which hooks keep at the most .grad bytes alive at once during backward.

    Call it before deepspeed.initialize, so these hooks run before ZeRO's own, which reduce and
    free the gradient.
    """
    params, peak = list(model.parameters()), {"bytes": 0}

    def hook(_):
        peak["bytes"] = max(peak["bytes"], _nbytes(p.grad for p in params))

    for p in params:
        p.register_post_accumulate_grad_hook(hook)
    return peak


COLLECTIVES = (  # deepspeed.comm backend methods that move tensor data
    "all_reduce",
    "all_reduce_coalesced",
    "inference_all_reduce",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_coalesced",
    "broadcast",
)


def _elements(op: str, args: tuple, kwargs: dict) -> int:
    """Return the number of elements a collective covers.

    That is the full tensor reduced or broadcast, the input of a reduce-scatter, the output of an
    all-gather (each rank sends (N-1)/N of that in a ring; all-reduce moves it twice).
    """
    a = dict(kwargs)
    if op in ("reduce_scatter_tensor",):
        return (a.get("input_tensor") if "input_tensor" in a else args[1]).numel()
    if op in ("all_gather_into_tensor",):
        return (a.get("output_tensor") if "output_tensor" in a else args[0]).numel()
    if op == "reduce_scatter":
        return sum(t.numel() for t in (a.get("input_list") or args[1]))
    if op in ("all_gather", "all_gather_coalesced"):
        return sum(t.numel() for t in (a.get("tensor_list") or a.get("output_tensors") or args[0]))
    if op == "all_reduce_coalesced":
        return sum(t.numel() for t in (a.get("tensors") or args[0]))
    return (a.get("tensor") if "tensor" in a else args[0]).numel()


def _count_collectives(backend) -> list[tuple[str, int]]:
    """Return the list the wrapped collectives append (op, elements) to while counting is on.

    Counting starts when the list's owner sets backend.counting = True, so initialization broadcasts
    stay out.
    """
    calls: list[tuple[str, int]] = []
    backend.counting = False

    def wrap(op, method):
        def counted(*args, **kwargs):
            if backend.counting:
                calls.append((op, _elements(op, args, kwargs)))
            return method(*args, **kwargs)

        return counted

    for op in COLLECTIVES:
        if hasattr(backend, op):
            setattr(backend, op, wrap(op, getattr(backend, op)))
    return calls


def _batch(vocab: int, seed: int) -> dict[str, torch.Tensor]:
    """Return a batch of random token ids (`seed`), its own labels."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (BATCH, SEQ), generator=g)
    return {"input_ids": ids, "labels": ids}


def main(argv: list[str] | None = None) -> None:
    """Return None after this rank's training steps, its byte counts written to --out (.rank{r})."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", type=int, choices=(0, 1, 2, 3), required=True)
    parser.add_argument(
        "--bf16", action="store_true", help="bf16 weights and gradients, fp32 master and Adam"
    )
    parser.add_argument(
        "--zero-options", default="{}", help='JSON of extra zero_optimization keys, e.g. {"x": 0}'
    )
    parser.add_argument(
        "--out", required=True, help="JSON path; rank r writes it with .rank{r} before the suffix"
    )
    args = parser.parse_args(argv)

    import deepspeed

    from ..models import count_parameters, tiny_model

    skip_shm_comm_build()
    deepspeed.init_distributed(dist_backend="gloo")
    calls = _count_collectives(deepspeed.comm.comm.cdb)
    rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    model, _ = tiny_model(layers=2, hidden=64, tied=False)
    model.train()
    n_params = count_parameters(model)
    peak = _track_peak_grads(model)
    config = ds_config(args.stage, args.bf16, json.loads(args.zero_options))
    engine, *_ = deepspeed.initialize(
        model=model, model_parameters=model.parameters(), config=config
    )

    vocab = model.config.vocab_size
    losses = []
    for step in range(STEPS + 1):
        # count the collectives of the last step only
        deepspeed.comm.comm.cdb.counting = step == STEPS
        loss = engine(**_batch(vocab, 100 * step + rank)).loss
        peak["bytes"] = 0
        engine.backward(loss)
        if step == STEPS:
            peak_grads = peak["bytes"]
            # measured between backward and step, when gradients exist
            grads = _grad_bytes(engine, args.stage)
        engine.step()
        deepspeed.comm.comm.cdb.counting = False
        losses.append(loss.item())

    result = {
        "rank": rank,
        "world_size": world,
        "stage": args.stage,
        "bf16": args.bf16,
        "n_params": n_params,
        "param_bytes": _nbytes(_param_tensors(engine.module, args.stage)),
        "grad_bytes": grads,
        # most model .grad bytes alive at once during the last backward
        "grad_peak_bytes": peak_grads,
        "master_bytes": _nbytes(_master_tensors(engine, args.stage)),
        "adam_bytes": _adam_state_bytes(_base_optimizer(engine)),
        "optimizer_class": type(engine.optimizer).__name__,
        "base_optimizer_class": type(_base_optimizer(engine)).__name__,
        "losses": losses,
        "collectives": calls,  # (op, elements) of every collective in the last step, in order
    }
    result["optimizer_bytes"] = result["master_bytes"] + result["adam_bytes"]
    out = Path(args.out)
    out.with_name(f"{out.stem}.rank{rank}{out.suffix}").write_text(json.dumps(result, indent=1))
    torch.distributed.barrier()


# --- launching it and reading the ranks' results ------------------------------------------------


def run_zero_probe(
    stage: int,
    nproc: int = 2,
    timeout: float = 600,
    bf16: bool = False,
    zero_options: dict | None = None,
) -> list[dict]:
    """Return each rank's measured bytes of a tiny Llama trained under ZeRO `stage` on the CPU.

    Launches `nproc` processes with `python -m torch.distributed.run --nproc_per_node nproc -m
    tutorial_lib.distributed.probe` (gloo backend, fp32, torch AdamW; see main() above) and returns
    one dict per rank, rank order, with n_params, world_size, param_bytes, grad_bytes,
    grad_peak_bytes, master_bytes, adam_bytes, optimizer_bytes (master + adam) and collectives (the
    (op, elements) of every collective in the last step; see zero.communication_summary).
    zero_options are extra "zero_optimization" keys, e.g. PAPER_COMM_OPTIONS[stage]. In fp32
    DeepSpeed keeps 4 bytes of weight and 4 of gradient per parameter, Adam 8 (exp_avg,
    exp_avg_sq) and ZeRO 1-3 a 4-byte fp32 master copy besides: compare with
    model_state_bytes(n_params, stage, nproc, k=fp32_adam_k(stage), param_bytes=4, grad_bytes=4).
    With bf16=True the weights and gradients are bf16 and the bytes are the paper's:
    model_state_bytes(n_params, stage, nproc) with its defaults 2, 2 and K = 12 (stage 0 too: it
    keeps fp32 master weights). fp16 does not run on DeepSpeed's CPU accelerator. DeepSpeed's
    shared-memory comm op is not compiled (skip_shm_comm_build).
    """
    check_setup(1, nproc, stage)
    env = {"DS_ACCELERATOR": "cpu", **os.environ, **CPU_ENV, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "zero.json"
        args = ["--nproc_per_node", str(nproc), "-m", MODULE, "--stage", str(stage)]
        args += ["--out", str(out), "--zero-options", json.dumps(zero_options or {})]
        args += ["--bf16"] if bf16 else []
        proc = torchrun(args, env, timeout, f"The ZeRO-{stage} job")
        results = [json.loads(p.read_text()) for p in sorted(Path(tmp).glob("zero.rank*.json"))]
    if proc.returncode != 0 or len(results) != nproc:
        raise CourseError(
            f"The ZeRO-{stage} job on {nproc} CPU processes failed (exit {proc.returncode}):\n"
            f"{error_tail(proc.stdout + proc.stderr)}\n"
            "Fix: `pip install deepspeed` into this environment, have a C++ compiler (DeepSpeed "
            "builds its CPU comm op), and leave DS_ACCELERATOR unset or `cpu`."
        )
    for r in results:
        r["collectives"] = [tuple(c) for c in r["collectives"]]
    return sorted(results, key=lambda r: r["rank"])


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
