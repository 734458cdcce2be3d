"""Benchmarks: `python -m tutorial_lib.bench generation` (batched vs single) and `... bench sft` (helper vs plain trl)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import torch
from peft import LoraConfig, get_peft_model
from trl import SFTConfig, SFTTrainer

from .data import load_data
from .generation import generate
from .models import load_model, tiny_model
from .report import record
from .training import TrainConfig, summary_dataset, train


def bench_generation(n_prompts: int = 32, new_tokens: int = 32, batch_size: int = 32) -> dict[str, float]:
    """Return tokens/s of batched generation and of a loop of single generate calls over the same prompts."""
    torch.manual_seed(0)
    model, tokenizer = load_model()
    questions = load_data("instructions")["test"].select(range(n_prompts))
    prompts = [f"{r['instruction']}\n{r['input']}".strip() for r in questions]
    generate(model, tokenizer, prompts[:2], max_new_tokens=4, progress=False)  # warm-up
    single = [generate(model, tokenizer, [p], max_new_tokens=new_tokens, progress=False) for p in prompts]
    batched = generate(model, tokenizer, prompts, max_new_tokens=new_tokens, batch_size=batch_size, progress=False)
    loop_tokens, loop_seconds = sum(s.new_tokens for s in single), sum(s.seconds for s in single)
    same = sum(s[0] == b for s, b in zip(single, batched))
    result = {
        "prompts": n_prompts,
        "loop_tokens_per_s": loop_tokens / loop_seconds,
        "batched_tokens_per_s": batched.new_tokens / batched.seconds,
        "loop_seconds": loop_seconds,
        "batched_seconds": batched.seconds,
        "identical_outputs": same,
    }
    result["speedup"] = result["batched_tokens_per_s"] / result["loop_tokens_per_s"]
    return result


def _lora() -> LoraConfig:
    """Return the LoRA config both sides of the SFT benchmark use."""
    return LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")


def _plain_sft_tokens_per_s(model, tokenizer, data, cfg: TrainConfig) -> float:
    """Return tokens/s of plain trl SFTTrainer LoRA training, configured by hand with the same settings."""
    with tempfile.TemporaryDirectory() as tmp:
        args = SFTConfig(
            output_dir=tmp,
            max_steps=cfg.steps,
            per_device_train_batch_size=cfg.batch_size,
            learning_rate=cfg.lr,
            lr_scheduler_type="linear",
            max_length=cfg.max_seq_len,
            completion_only_loss=True,
            activation_checkpointing=False,  # trl's default is on; the course turns it on only when asked
            bf16=cfg.bf16,  # trl's default is on, even on CPUs without bf16 units
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            seed=cfg.seed,
            use_cpu=cfg.device == "cpu",
            include_num_input_tokens_seen="non_padding",
        )
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=_lora())
        start = time.perf_counter()
        trainer.train()
        return trainer.state.num_input_tokens_seen / (time.perf_counter() - start)


def bench_sft(steps: int = 6, batch_size: int = 4, tiny: bool = False) -> dict[str, float]:
    """Return tokens/s of the same LoRA SFT run through tutorial_lib.training, through plain SFTTrainer, and packed."""
    load = tiny_model if tiny else load_model
    rows = load_data("dialogsum")["train"].select(range(steps * batch_size * 2))
    data = summary_dataset(rows)
    cfg = TrainConfig(steps=steps, batch_size=batch_size, lr=1e-4, max_seq_len=256)
    model, tokenizer = load()
    train(get_peft_model(model, _lora()), tokenizer, data, TrainConfig(steps=1, batch_size=batch_size), "warm-up")
    model, tokenizer = load()
    ours = train(get_peft_model(model, _lora()), tokenizer, data, cfg, "tutorial_lib").tokens_per_s
    model, tokenizer = load()
    plain = _plain_sft_tokens_per_s(model, tokenizer, data, cfg)
    model, tokenizer = load()
    packed_cfg = TrainConfig(steps=steps, batch_size=1, lr=1e-4, max_seq_len=256 * batch_size, packing=True)
    packed = train(get_peft_model(model, _lora()), tokenizer, data, packed_cfg, "packed").tokens_per_s
    return {"tutorial_lib": ours, "plain_sft": plain, "ratio": ours / plain, "packed": packed, "packing_gain": packed / ours}


def main(argv: list[str] | None = None) -> int:
    """Return 0 after running the benchmark named in argv and printing its numbers."""
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib.bench")
    sub = parser.add_subparsers(dest="which", required=True)
    gen = sub.add_parser("generation", help="batched generation vs a loop of single generate calls")
    gen.add_argument("--prompts", type=int, default=32)
    gen.add_argument("--new-tokens", type=int, default=32)
    gen.add_argument("--batch-size", type=int, default=32)
    sft = sub.add_parser("sft", help="LoRA SFT through tutorial_lib.training vs plain trl SFTTrainer, and with packing")
    sft.add_argument("--steps", type=int, default=6)
    sft.add_argument("--batch-size", type=int, default=4)
    sft.add_argument("--tiny", action="store_true", help="a tiny random model instead of the bundled one (seconds)")
    args = parser.parse_args(argv)
    if args.which == "sft":
        r = bench_sft(args.steps, args.batch_size, args.tiny)
        print(f"LoRA SFT, {args.steps} steps of {args.batch_size} dialogues, {torch.get_num_threads()} threads")
        print(f"tutorial_lib.training.train: {r['tutorial_lib']:7.1f} tokens/s")
        print(f"plain trl SFTTrainer:        {r['plain_sft']:7.1f} tokens/s")
        print(f"ratio: {r['ratio']:.2f}x (target >= 0.95x: the helper adds no overhead)")
        print(f"packed rows of {256 * args.batch_size} tokens: {r['packed']:7.1f} tokens/s, {r['packing_gain']:.2f}x unpacked")
        if not args.tiny:  # the report card of the current profile shows the ratio beside the lessons
            record("bench_sft", numbers={"steps": args.steps, "batch size": args.batch_size, **r})
        return 0
    r = bench_generation(args.prompts, args.new_tokens, args.batch_size)
    print(f"{r['prompts']} prompts, {args.new_tokens} new tokens max, greedy, {torch.get_num_threads()} threads")
    print(f"loop of single calls: {r['loop_tokens_per_s']:7.1f} tokens/s ({r['loop_seconds']:.1f} s)")
    print(f"batched (batch {args.batch_size}):  {r['batched_tokens_per_s']:7.1f} tokens/s ({r['batched_seconds']:.1f} s)")
    print(f"speed-up: {r['speedup']:.1f}x; identical outputs: {r['identical_outputs']}/{r['prompts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
