"""Lesson 03's SFT under DeepSpeed ZeRO on several GPUs or nodes: config, load, train, save.

    torchrun --nproc_per_node 2 -m tutorial_lib.distributed.launch
        --deepspeed configs/zero2.json --output-dir runs/sft_zero2
    deepspeed --num_gpus 2 --module tutorial_lib.distributed.launch
        --deepspeed configs/zero2.json --output-dir runs/sft_zero2
    accelerate launch --config_file configs/accelerate_zero2.yaml
        -m tutorial_lib.distributed.launch --output-dir runs/sft_zero2

Every process runs this file. DeepSpeed shards the optimizer state (ZeRO-1), also the gradients
(ZeRO-2), also the weights (ZeRO-3) over the processes; the training itself is
training.make_trainer's, as in lesson 03. Rank 0 saves the final model (gathered from all ranks
under ZeRO-3) and prints one JSON line: final loss, steps, world size, seconds. launch_command()
builds these command lines; run_sft_launch() runs one here and returns that JSON. On a machine
without a GPU, set DS_ACCELERATOR=cpu and CUDA_VISIBLE_DEVICES="": the processes then train on the
CPU over gloo.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import CourseError
from ..report import project_root
from .torchrun import CPU_ENV, error_tail, skip_shm_comm_build, torchrun

TINY = "tiny"  # --model value for the random 2-layer Llama (models.tiny_model) the tests train
LAUNCHERS = ("torchrun", "deepspeed", "accelerate")
MODULE = "tutorial_lib.distributed.launch"


def config_path(path: str | Path) -> Path:
    """Return the DeepSpeed config file `path` names: as given, else relative to the course folder.

    So configs/zero2.json works from notebooks/ too.
    """
    path = Path(path)
    if not path.is_file() and not path.is_absolute() and (project_root() / path).is_file():
        path = project_root() / path
    if not path.is_file():
        raise CourseError(
            f"DeepSpeed config '{path}' does not exist. Pass one of configs/zero1.json, "
            "zero2.json, zero3.json or "
            "zero3_offload.json, with a path relative to the folder you launch from (the "
            "repository root)."
        )
    return path


def read_ds_config(path: str | Path) -> dict:
    """Return the DeepSpeed config at `path` as a dict, checked: HF Trainer can run and save it."""
    path = config_path(path)
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise CourseError(
            f"DeepSpeed config '{path}' is not valid JSON ({e}); JSON allows no comments or "
            "trailing commas."
        ) from e
    zero = config.get("zero_optimization", {})
    if zero.get("stage") == 3 and zero.get("stage3_gather_16bit_weights_on_model_save") is not True:
        raise CourseError(
            f"'{path}' is a ZeRO-3 config without \"stage3_gather_16bit_weights_on_model_save\": "
            "true, so the saved model "
            "would hold no weights (each rank keeps only its shard). Add that line under "
            '"zero_optimization".'
        )
    return config


def launch_command(
    config: str,
    nproc: int,
    nnodes: int = 1,
    launcher: str = "torchrun",
    master_addr: str = "$MASTER_ADDR",
    master_port: int = 29500,
    args: Sequence[str] = (),
) -> list[str]:
    """Return the command running this module with DeepSpeed `config` on `nnodes` x `nproc` GPUs.

    Multi-node: torchrun and accelerate run the same command on every node ($NODE_RANK set to 0, 1,
    ... for accelerate), meeting at master_addr:master_port; deepspeed runs once, on the first node,
    and starts the others over ssh from the `hostfile` (one line per node: "name slots=GPUS").
    "$MASTER_ADDR" and "$NODE_RANK" are for the shell to expand.
    """
    read_ds_config(config)
    if launcher not in LAUNCHERS:
        raise CourseError(f"Unknown launcher '{launcher}'; use one of {', '.join(LAUNCHERS)}.")
    if int(nproc) != nproc or int(nnodes) != nnodes or nproc < 1 or nnodes < 1:
        raise CourseError(
            f"Got nproc={nproc}, nnodes={nnodes}; pass whole numbers of processes per node and "
            "nodes, 1 or more."
        )
    script = [MODULE, "--deepspeed", str(config), *args]
    endpoint = ["--master_addr", master_addr, "--master_port", str(master_port)]
    if launcher == "torchrun":
        cmd = ["torchrun", "--nproc_per_node", str(nproc)]
        if nnodes > 1:
            cmd += [
                "--nnodes",
                str(nnodes),
                "--rdzv_backend",
                "c10d",
                "--rdzv_endpoint",
                f"{master_addr}:{master_port}",
            ]
            cmd += ["--rdzv_id", "course-sft"]
        return [*cmd, "-m", *script]
    if launcher == "deepspeed":
        cmd = ["deepspeed", "--num_gpus", str(nproc)]
        if nnodes > 1:
            cmd += ["--hostfile", "hostfile", "--num_nodes", str(nnodes), *endpoint]
        return [*cmd, "--module", *script]
    cmd = ["accelerate", "launch", "--use_deepspeed", "--deepspeed_config_file", str(config)]
    cmd += ["--num_processes", str(nproc * nnodes), "--num_machines", str(nnodes)]
    if nnodes > 1:
        cmd += [
            "--machine_rank",
            "$NODE_RANK",
            "--main_process_ip",
            master_addr,
            "--main_process_port",
            str(master_port),
        ]
        cmd += ["--deepspeed_multinode_launcher", "standard"]
    return [*cmd, "-m", *script]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options.

    --deepspeed defaults to the file an `accelerate launch` config names.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deepspeed",
        default=os.environ.get("ACCELERATE_DEEPSPEED_CONFIG_FILE"),
        help="DeepSpeed JSON",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="quick | cpu | gpu (default: $COURSE_PROFILE, else by hardware)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help=f"registry name or checkpoint folder (default: the profile's), or {TINY}",
    )
    parser.add_argument(
        "--max-steps", type=int, default=None, help="optimizer steps (default: the profile's)"
    )
    parser.add_argument(
        "--output-dir", default="runs/sft", help="where rank 0 saves the fine-tuned model"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="the profile's plan on the CPU, tiny model"
    )
    # `deepspeed` adds it
    parser.add_argument(
        "--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS
    )
    opts = parser.parse_args(argv)
    if not opts.deepspeed:
        raise CourseError(
            "No DeepSpeed config given: pass --deepspeed configs/zero2.json (or launch with an "
            "accelerate config)."
        )
    if opts.max_steps is not None and opts.max_steps < 1:
        raise CourseError(f"--max-steps is {opts.max_steps}; pass 1 or more optimizer steps.")
    return opts


def load(name: str, args) -> tuple:
    """Return (model, tokenizer) for `name`, left where they load (DeepSpeed places the weights).

    ZeRO-3 partitions the weights while from_pretrained loads them.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..models import ensure_pad_token, resolve, tiny_model

    # rank 0 converts the bundled GGUF, once; the others wait
    with args.main_process_first(desc="resolve model"):
        if name == TINY:
            return tiny_model()
        source = resolve(name)
    tokenizer = AutoTokenizer.from_pretrained(source)
    ensure_pad_token(tokenizer)
    # load_model() would also move the weights to one device; under ZeRO-3 from_pretrained
    # partitions them while loading
    return AutoModelForCausalLM.from_pretrained(source, use_safetensors=True), tokenizer


def main(argv: list[str] | None = None) -> dict | None:
    """Return (and print) rank 0's summary of fine-tuning on dialogsum under DeepSpeed; else None.

    Rank 0 also saves the fine-tuned model.
    """
    import deepspeed

    from ..data import load_data
    from ..plans import lesson_plan
    from ..saving import save_atomic_folder
    from ..sft_data import summary_dataset
    from ..training import TrainConfig, make_trainer, sft_config

    opts = parse_args(argv)
    read_ds_config(opts.deepspeed)
    # lesson 03's SFT
    profile = lesson_plan("03", opts.profile, dry_run=opts.dry_run, verbose=False)
    steps = opts.max_steps or profile.train_steps
    cfg = TrainConfig.from_profile(
        profile, lr=1e-4, steps=steps, deepspeed=str(config_path(opts.deepspeed))
    )
    # One process group for DeepSpeed and Trainer: gloo on CPU, nccl on GPUs. ZeRO-3's sharded
    # loading needs it first.
    # Without a GPU, TrainConfig's device "cpu" sets use_cpu=True: accelerate then counts the ranks
    # over gloo, and its
    # Accelerator still hands the model to DeepSpeed (a deepspeed config is given). With
    # use_cpu=False, accelerate 1.15
    # finds no backend without a GPU and counts every process as rank 0 of 1, which DeepSpeed
    # rejects.
    skip_shm_comm_build()
    deepspeed.init_distributed()
    with tempfile.TemporaryDirectory(prefix="course-sft-") as tmp:
        # before loading: ZeRO-3's from_pretrained reads it
        args = sft_config(cfg, tmp, cfg.gradient_checkpointing)
        model, tokenizer = load(opts.model or profile.model, args)
        # lesson 03's task: one-sentence summaries of dialogues
        rows = load_data("dialogsum")["train"]
        # each example once
        rows = rows.select(range(min(len(rows), cfg.steps * cfg.batch_size * args.world_size)))
        trainer = make_trainer(model, tokenizer, summary_dataset(rows), cfg, tmp)
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        # every rank calls save_model: under ZeRO-3 it gathers the shards; only rank 0 writes
        if args.should_save:
            save_atomic_folder(Path(opts.output_dir), lambda path: trainer.save_model(str(path)))
        else:
            trainer.save_model(tmp)
    engine = trainer.model_wrapped  # DeepSpeed's engine around the model
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    summary = {
        "final_loss": losses[-1] if losses else None,
        "steps": trainer.state.global_step,
        "world_size": args.world_size,
        "stage": engine.zero_optimization_stage(),  # as the running engine reports it
        "engine": type(engine).__name__,
        "optimizer": type(engine.optimizer).__name__,
        "seconds": round(seconds, 2),
        "output_dir": str(Path(opts.output_dir).resolve()),
    }
    if args.process_index != 0:
        return None
    print(json.dumps(summary), flush=True)
    return summary


# --- running it from a notebook or a test ---------------------------------------------------------


def _summary(stdout: str) -> dict | None:
    """Return the JSON summary rank 0 printed, or None if there is none."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{") and '"world_size"' in line:
            return json.loads(line)
    return None


def run_sft_launch(
    config: str,
    nproc: int = 2,
    model: str = TINY,
    max_steps: int = 2,
    timeout: float = 600,
    output_dir: str | Path | None = None,
    profile: str = "quick",
    dry_run: bool = False,
) -> dict:
    """Return rank 0's JSON summary of this module run by torchrun as `nproc` processes.

    The processes train with DeepSpeed `config`. Without a GPU they run on the CPU:
    DS_ACCELERATOR=cpu (gloo), CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS=1. The model is saved to
    output_dir (default runs/sft_<config name> in the course folder).
    """
    import torch

    output_dir = output_dir or project_root() / "runs" / f"sft_{Path(config).stem}"
    args = [
        "--profile",
        profile,
        "--model",
        model,
        "--max-steps",
        str(max_steps),
        "--output-dir",
        str(output_dir),
    ]
    args += ["--dry-run"] if dry_run else []
    cmd = launch_command(config, nproc, args=args)[1:]  # torchrun's arguments
    env = dict(os.environ)
    if not torch.cuda.is_available():
        env = {"DS_ACCELERATOR": "cpu", **env, **CPU_ENV}
    proc = torchrun(cmd, env, timeout, f"The DeepSpeed SFT run ({config})")
    summary = _summary(proc.stdout)
    if proc.returncode != 0 or summary is None:
        raise CourseError(
            f"The DeepSpeed SFT run ({config}, {nproc} processes) failed (exit "
            f"{proc.returncode}):\n"
            f"{error_tail(proc.stdout + proc.stderr)}\n"
            "Fix what the error names; on a machine without a GPU leave DS_ACCELERATOR unset or "
            "`cpu`."
        )
    return summary


if __name__ == "__main__":
    main()
