"""Lesson 08's multi-GPU SFT: the shipped DeepSpeed configs, the launch commands, bad input, and one
real 2-process run."""

import json
import math
from pathlib import Path

import pytest
import yaml

from tutorial_lib.distributed.launch import launch_command, main, read_ds_config, run_sft_launch
from tutorial_lib.distributed.torchrun import error_tail
from tutorial_lib.errors import CourseError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
STAGES = {"zero1.json": 1, "zero2.json": 2, "zero3.json": 3, "zero3_offload.json": 3}
Z2 = str(CONFIGS / "zero2.json")


@pytest.mark.parametrize("name", STAGES)
def test_configs_parse_with_their_stage_and_trainer_autos(name):
    config = read_ds_config(CONFIGS / name)
    assert config["zero_optimization"]["stage"] == STAGES[name]
    for key in (
        "train_micro_batch_size_per_gpu",
        "gradient_accumulation_steps",
        "gradient_clipping",
    ):
        assert config[key] == "auto", key  # HF Trainer fills these from its own arguments
    assert config["optimizer"]["params"]["lr"] == "auto" and config["bf16"]["enabled"] == "auto"
    if STAGES[name] == 3:
        assert config["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True


def test_offload_config_offloads_optimizer_and_params_to_cpu():
    zero = read_ds_config(CONFIGS / "zero3_offload.json")["zero_optimization"]
    assert zero["offload_optimizer"]["device"] == zero["offload_param"]["device"] == "cpu"
    # DeepSpeedCPUAdam
    assert "torch_adam" not in read_ds_config(CONFIGS / "zero3_offload.json")["optimizer"]["params"]


def test_accelerate_config_points_to_zero2():
    config = yaml.safe_load((CONFIGS / "accelerate_zero2.yaml").read_text())
    assert config["distributed_type"] == "DEEPSPEED" and config["num_processes"] == 2
    assert Path(config["deepspeed_config"]["deepspeed_config_file"]).name == "zero2.json"
    # relative to the repo root
    assert (CONFIGS.parent / config["deepspeed_config"]["deepspeed_config_file"]).is_file()


def test_readme_lists_every_config():
    readme = (CONFIGS / "README.md").read_text()
    for path in CONFIGS.iterdir():
        if path.name != "README.md":
            assert path.name in readme, path.name


def test_single_node_commands():
    script = ["-m", "tutorial_lib.distributed.launch", "--deepspeed", Z2, "--profile", "quick"]
    assert launch_command(Z2, 4, args=["--profile", "quick"]) == [
        "torchrun",
        "--nproc_per_node",
        "4",
        *script,
    ]
    assert launch_command(Z2, 4, launcher="deepspeed", args=["--profile", "quick"]) == [
        "deepspeed",
        "--num_gpus",
        "4",
        "--module",
        *script[1:],
    ]
    accelerate = launch_command(Z2, 4, launcher="accelerate", args=["--profile", "quick"])
    assert accelerate[:5] == [
        "accelerate",
        "launch",
        "--use_deepspeed",
        "--deepspeed_config_file",
        Z2,
    ]
    assert (
        accelerate[accelerate.index("--num_processes") + 1] == "4"
        and accelerate[-len(script) :] == script
    )


def test_multi_node_commands_have_node_count_and_rendezvous():
    torchrun = launch_command(Z2, 8, nnodes=2, master_addr="10.0.0.1", master_port=29400)
    assert (
        torchrun[torchrun.index("--nnodes") + 1] == "2"
        and torchrun[torchrun.index("--nproc_per_node") + 1] == "8"
    )
    assert torchrun[torchrun.index("--rdzv_backend") + 1] == "c10d"
    assert (
        torchrun[torchrun.index("--rdzv_endpoint") + 1] == "10.0.0.1:29400"
        and "--rdzv_id" in torchrun
    )

    ds = launch_command(Z2, 8, nnodes=2, launcher="deepspeed", master_addr="10.0.0.1")
    assert (
        ds[ds.index("--num_nodes") + 1] == "2"
        and ds[ds.index("--num_gpus") + 1] == "8"
        and "--hostfile" in ds
    )
    assert (
        ds[ds.index("--master_addr") + 1] == "10.0.0.1"
        and ds[ds.index("--master_port") + 1] == "29500"
    )

    acc = launch_command(Z2, 8, nnodes=2, launcher="accelerate")
    assert (
        acc[acc.index("--num_processes") + 1] == "16"
        and acc[acc.index("--num_machines") + 1] == "2"
    )
    assert (
        acc[acc.index("--machine_rank") + 1] == "$NODE_RANK"
        and acc[acc.index("--main_process_ip") + 1] == "$MASTER_ADDR"
    )
    assert acc[acc.index("--main_process_port") + 1] == "29500"
    for cmd in (torchrun, ds, acc):
        assert cmd[-3:] == ["tutorial_lib.distributed.launch", "--deepspeed", Z2]


def test_bad_input_names_the_problem_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("ACCELERATE_DEEPSPEED_CONFIG_FILE", raising=False)
    with pytest.raises(CourseError, match=r"does not exist.*configs/zero1.json"):
        launch_command(str(tmp_path / "zero9.json"), 2)
    with pytest.raises(CourseError, match="Unknown launcher 'mpirun'"):
        launch_command(Z2, 2, launcher="mpirun")
    with pytest.raises(CourseError, match="whole numbers"):
        launch_command(Z2, 0)
    no_gather = tmp_path / "z3.json"
    no_gather.write_text(json.dumps({"zero_optimization": {"stage": 3}}))
    with pytest.raises(
        CourseError, match=r"stage3_gather_16bit_weights_on_model_save.*Add that line"
    ):
        read_ds_config(no_gather)
    broken = tmp_path / "broken.json"
    broken.write_text('{"zero_optimization": {"stage": 2},}  // comment')
    with pytest.raises(CourseError, match="not valid JSON"):
        read_ds_config(broken)
    with pytest.raises(CourseError, match="Unknown course profile 'huge'"):
        main(["--deepspeed", Z2, "--profile", "huge"])  # checked before any process group starts
    with pytest.raises(CourseError, match="--deepspeed configs/zero2.json"):
        main(["--profile", "quick"])
    with pytest.raises(CourseError, match="does not exist"):
        run_sft_launch(str(tmp_path / "missing.json"))  # fails fast, before launching anything


def test_a_failed_run_reports_the_ranks_own_error():
    output = "\n".join(
        ["noise"] * 30
        + ["[rank1]: Traceback", "[rank1]: tutorial_lib.errors.CourseError: Unknown model 'x'."]
    )
    output += "\ntorch.distributed.elastic.multiprocessing.errors.ChildFailedError: \n" + "\n".join(
        ["tail"] * 30
    )
    tail = error_tail(output)
    assert (
        tail.endswith("CourseError: Unknown model 'x'.")
        and "ChildFailed" not in tail
        and "noise" in tail
    )


def test_zero2_sft_runs_for_real_on_two_processes(tmp_path):
    """torchrun, 2 CPU processes (gloo), HF Trainer + DeepSpeed ZeRO-2 on the tiny Llama, 2 steps of
    lesson 03's SFT."""
    pytest.importorskip("deepspeed")
    out = tmp_path / "sft_zero2"
    summary = run_sft_launch(Z2, nproc=2, model="tiny", max_steps=2, timeout=300, output_dir=out)
    assert summary["world_size"] == 2 and summary["steps"] == 2
    # DeepSpeed ran it, not plain DDP
    assert summary["stage"] == 2 and summary["engine"] == "DeepSpeedEngine"
    assert math.isfinite(summary["final_loss"]) and 0 < summary["final_loss"] < 20
    assert (
        (out / "model.safetensors").is_file()
        and (out / "config.json").is_file()
        and (out / "tokenizer.json").is_file()
    )
    assert not list(tmp_path.glob(".sft_zero2-*"))  # save_atomic left no temporary folder


def test_config_paths_resolve_from_the_notebooks_folder(monkeypatch):
    monkeypatch.chdir(CONFIGS.parent / "notebooks")  # where a notebook runs
    assert read_ds_config("configs/zero2.json")["zero_optimization"]["stage"] == 2
    assert launch_command("configs/zero2.json", nproc=2)[-2:] == [
        "--deepspeed",
        "configs/zero2.json",
    ]
