"""The training core on the tiny model: label mask, a run that lowers the loss, atomic saves, clear errors."""

import copy
import tempfile
import time
from pathlib import Path

import pytest
import torch
from peft import get_peft_model

from tutorial_lib.bench import bench_sft
from tutorial_lib.errors import CourseError
from tutorial_lib.memory import PeakMemory, state_mb
from tutorial_lib.peft_methods import freeze, lora_config, prefix_tuning_config
from tutorial_lib.profiles import get_profile
from tutorial_lib.training import (
    RunResult,
    TrainConfig,
    folder_mb,
    make_trainer,
    save_atomic,
    sft_dataset,
    summary_prompt,
    train,
)

PROMPTS = ["Name a colour.", "Count to three.", "Say hi.", "Name a fruit."]
RESPONSES = ["Blue.", "One, two, three.", "Hi!", "An apple."]
FAST = TrainConfig(steps=12, batch_size=4, lr=1e-2, max_seq_len=64)


def test_loss_mask_covers_the_response_only(tiny):
    model, tok = tiny
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(copy.deepcopy(model), tok, sft_dataset(PROMPTS, RESPONSES), FAST, tmp)
        batch = trainer.data_collator([trainer.train_dataset[1]])
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    in_loss = labels != -100
    assert torch.equal(labels[in_loss], ids[in_loss])  # labels are the inputs themselves, where counted
    first = int(in_loss.nonzero()[0])
    assert in_loss[first:].all(), "the loss covers one contiguous block at the end: the assistant's reply"
    assert tok.decode(ids[:first]).endswith("<|im_start|>assistant\n")
    assert tok.decode(ids[first:]).strip() == "One, two, three.<|im_end|>"


def test_training_lowers_the_loss_and_reports_costs(tiny):
    model = copy.deepcopy(tiny[0])
    result = train(model, tiny[1], sft_dataset(PROMPTS, RESPONSES), FAST, name="full")
    assert len(result.losses) == FAST.steps
    assert result.losses[-1] < 0.7 * result.losses[0]
    assert result.trainable == result.total == sum(p.numel() for p in model.parameters())
    assert result.tokens > FAST.steps * 4 * 10 and result.seconds > 0
    row = result.row()
    assert row["method"] == "full" and row["trainable %"] == 100.0
    assert not model.training


def test_state_bytes_of_lora_with_adam_are_four_copies_of_the_adapter(tiny):
    model = get_peft_model(copy.deepcopy(tiny[0]), lora_config(r=4))
    result = train(model, tiny[1], sft_dataset(PROMPTS, RESPONSES), TrainConfig(steps=1, batch_size=2, max_seq_len=64))
    layers, hidden = tiny[0].config.num_hidden_layers, tiny[0].config.hidden_size
    kv = tiny[0].config.num_key_value_heads * hidden // tiny[0].config.num_attention_heads
    lora = layers * (4 * (hidden + hidden) + 4 * (hidden + kv))  # q: A r*in + B out*r; v likewise with kv outputs
    assert result.trainable == lora
    tensors = layers * 2 * 2  # lora_A and lora_B in q and v of each layer; Adam keeps a 4-byte step count for each
    assert result.state_mb == pytest.approx((4 * lora * 4 + 4 * tensors) / 2**20)  # weight, gradient, Adam's m and v
    assert result.trainable_pct == pytest.approx(100 * lora / result.total)


def test_state_mb_counts_only_trainable_tensors(tiny):
    model = freeze(copy.deepcopy(tiny[0]))
    model.model.norm.weight.requires_grad_(True)
    assert state_mb(model, None) == pytest.approx(2 * model.model.norm.weight.numel() * 4 / 2**20)


def test_prefix_tuning_keeps_gradient_checkpointing_off(tiny, capsys):
    model = get_peft_model(copy.deepcopy(tiny[0]), prefix_tuning_config(4, projection=False))
    cfg = TrainConfig(steps=1, batch_size=2, max_seq_len=64, gradient_checkpointing=True)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(model, tiny[1], sft_dataset(PROMPTS, RESPONSES), cfg, tmp)
        assert trainer.args.activation_checkpointing is False
    assert "Gradient checkpointing stays off" in capsys.readouterr().out


def test_bad_inputs_get_clear_errors(tiny):
    with pytest.raises(CourseError, match="one response per prompt"):
        sft_dataset(PROMPTS, RESPONSES[:2])
    with pytest.raises(CourseError, match="empty"):
        sft_dataset([], [])
    with tempfile.TemporaryDirectory() as tmp, pytest.raises(CourseError, match="no trainable parameters"):
        make_trainer(freeze(copy.deepcopy(tiny[0])), tiny[1], sft_dataset(PROMPTS, RESPONSES), FAST, tmp)


def test_config_follows_the_profile():
    quick = get_profile("quick")
    cfg = TrainConfig.from_profile(quick, lr=1e-3)
    assert (cfg.steps, cfg.batch_size, cfg.max_seq_len, cfg.lr) == (
        quick.train_steps,
        quick.train_batch_size,
        quick.max_seq_len,
        1e-3,
    )
    assert summary_prompt("A: hi\nB: hello").endswith("\n\nA: hi\nB: hello")


def test_adapter_save_reload_and_a_failed_save_keeps_the_good_one(tiny, tmp_path):
    model = get_peft_model(copy.deepcopy(tiny[0]), lora_config(r=4))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_()
    folder = save_atomic(model, tmp_path / "adapter")
    assert (folder / "adapter_model.safetensors").exists() and folder_mb(folder) < 1
    good = (folder / "adapter_model.safetensors").read_bytes()

    def broken(path: Path) -> None:
        (path / "adapter_model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_atomic(model, folder, save=broken)
    assert (folder / "adapter_model.safetensors").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"], "no half-written folders left behind"

    from peft import PeftModel

    reloaded = PeftModel.from_pretrained(copy.deepcopy(tiny[0]), folder)
    ids = tiny[1]("Hello there", return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.allclose(reloaded(ids).logits, model(ids).logits, atol=1e-5)


def test_run_result_rates():
    r = RunResult(name="x", trainable=5, total=20, seconds=2.0, tokens=100, peak_mb=1.0, state_mb=1.0, losses=[1.0, 0.5])
    assert (r.trainable_pct, r.tokens_per_s, r.step_s) == (25.0, 50.0, 1.0)


def test_bench_sft_runs_both_sides_on_the_tiny_model():
    r = bench_sft(steps=1, batch_size=2, tiny=True)
    assert r["tutorial_lib"] > 0 and r["plain_sft"] > 0 and r["packed"] > 0
    assert r["ratio"] == pytest.approx(r["tutorial_lib"] / r["plain_sft"])


def test_peak_memory_sees_a_large_allocation():
    with PeakMemory("cpu") as mem:
        block = torch.ones(64 * 2**20 // 4)  # 64 MB of float32, touched
        time.sleep(0.1)  # the sampler looks every 20 ms
        del block
    assert 50 < mem.peak_mb < 200


def test_saved_tensors_counts_activations_and_checkpointing_keeps_only_the_input():
    from torch.utils.checkpoint import checkpoint

    from tutorial_lib.memory import SavedTensors

    x = torch.randn(10, 3, requires_grad=True)  # 30 floats = 120 bytes
    block = lambda t: torch.exp(torch.exp(t))  # noqa: E731  each exp saves its 120-byte output for backward
    with SavedTensors() as plain:
        block(x)
    with SavedTensors() as ckpt:
        y = checkpoint(block, x, use_reentrant=False)
    assert plain.bytes == 240 and ckpt.bytes == 120 and plain.mb == 240 / 2**20
    y.sum().backward()  # recomputed in backward: the gradient is still exp(x) * exp(exp(x))
    torch.testing.assert_close(x.grad, torch.exp(x) * torch.exp(torch.exp(x)))
