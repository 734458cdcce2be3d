"""Benchmarks: `python -m tutorial_lib.bench generation` (batched vs single), `... sft` (helper vs
plain trl), `... ppo`."""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaForSequenceClassification
from trl import SFTConfig, SFTTrainer

from .chain_of_thought import STOP, few_shot_cot_prompt
from .data import load_data
from .generation import generate
from .models import DEFAULT_MODEL, load_model, tiny_model
from .ppo import PPOConfig
from .ppo_trainer import PPOTrainer
from .preference_optimization import reward_function
from .profiles import get_profile
from .report import record
from .reward import load_reward_model
from .sft_data import summary_dataset
from .training import TrainConfig, train

FEW_SHOT_DEMOS = 8  # k: worked arithmetic demonstrations in front of every few-shot question


def _three_ways(
    model,
    tokenizer,
    prompts: list[str],
    new_tokens: int,
    batch_size: int,
    chat: bool = True,
    stop: list[str] | None = None,
) -> dict[str, float]:
    """Return tokens/s, seconds and agreement of a loop of single calls, the plain batch and the
    batch reusing the shared prompt prefix, over the same prompts."""
    kwargs = dict(max_new_tokens=new_tokens, chat=chat, stop=stop, progress=False)
    generate(model, tokenizer, prompts[:2], **{**kwargs, "max_new_tokens": 2})  # warm-up
    single = [generate(model, tokenizer, [p], **kwargs) for p in prompts]
    plain = generate(
        model, tokenizer, prompts, batch_size=batch_size, shared_prefix=False, **kwargs
    )
    shared = generate(
        model, tokenizer, prompts, batch_size=batch_size, shared_prefix=True, **kwargs
    )
    loop_tokens, loop_seconds = sum(s.new_tokens for s in single), sum(s.seconds for s in single)
    result = {
        "prompts": len(prompts),
        "prompt_tokens": plain.prompt_tokens / len(prompts),  # mean tokens per prompt
        "shared_prefix": shared.shared_prefix,  # tokens run once for the whole batch
        "loop_tokens_per_s": loop_tokens / loop_seconds,
        "batched_tokens_per_s": plain.new_tokens / plain.seconds,
        "shared_tokens_per_s": shared.new_tokens / shared.seconds,
        "loop_seconds": loop_seconds,
        "batched_seconds": plain.seconds,
        "shared_seconds": shared.seconds,
        "identical_outputs": sum(s[0] == b for s, b in zip(single, plain)),  # batch vs loop
        "identical_shared": sum(a == b for a, b in zip(plain, shared)),  # prefix vs plain batch
    }
    result["speedup"] = result["batched_tokens_per_s"] / result["loop_tokens_per_s"]
    result["shared_speedup"] = result["shared_tokens_per_s"] / result["loop_tokens_per_s"]
    result["shared_over_batch"] = result["shared_tokens_per_s"] / result["batched_tokens_per_s"]
    return result


def bench_generation(
    n_prompts: int = 32, new_tokens: int = 32, batch_size: int = 32
) -> dict[str, dict[str, float]]:
    """Return, for the chat prompts and for few-shot arithmetic prompts, tokens/s of a loop of
    single calls, the plain batch and the batch with the shared prefix."""
    torch.manual_seed(0)
    model, tokenizer = load_model()
    questions = load_data("instructions")["test"].select(range(n_prompts))
    prompts = [f"{r['instruction']}\n{r['input']}".strip() for r in questions]
    chat = _three_ways(model, tokenizer, prompts, new_tokens, batch_size)
    arithmetic = load_data("arithmetic")
    demos = [
        (r["question"], r["rationale"]) for r in arithmetic["train"].select(range(FEW_SHOT_DEMOS))
    ]
    few_shot = [
        few_shot_cot_prompt(r["question"], demos)
        for r in arithmetic["test"].select(range(n_prompts))
    ]
    few = _three_ways(model, tokenizer, few_shot, new_tokens, batch_size, chat=False, stop=STOP)
    return {"chat": chat, "few_shot": few}


def _print_generation(title: str, r: dict[str, float], batch_size: int) -> None:
    """Print one case of the generation benchmark: three rows and the speed-ups."""
    print(
        f"{title}: {r['prompts']} prompts of {r['prompt_tokens']:.0f} tokens on average, "
        f"{r['shared_prefix']} of them shared"
    )
    rows = (
        ("loop of single calls", "loop"),
        (f"batch of {batch_size}", "batched"),
        (f"batch of {batch_size}, shared prefix", "shared"),
    )
    for label, key in rows:
        print(
            f"  {label:<32} {r[key + '_tokens_per_s']:7.1f} tokens/s ({r[key + '_seconds']:.1f} s)"
        )
    print(
        f"  speed-up over the loop: batch {r['speedup']:.1f}x, shared prefix "
        f"{r['shared_speedup']:.1f}x; shared prefix over the batch {r['shared_over_batch']:.2f}x"
    )
    print(
        f"  identical outputs: batch vs loop {r['identical_outputs']}/{r['prompts']}, "
        f"shared prefix vs batch {r['identical_shared']}/{r['prompts']}"
    )


def _lora() -> LoraConfig:
    """Return the LoRA config both sides of the SFT benchmark use."""
    return LoraConfig(
        r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"
    )


def _plain_sft_tokens_per_s(model, tokenizer, data, cfg: TrainConfig) -> float:
    """Return tokens/s of plain trl SFTTrainer LoRA training, configured by hand with the same
    settings."""
    with tempfile.TemporaryDirectory() as tmp:
        args = SFTConfig(
            output_dir=tmp,
            max_steps=cfg.steps,
            per_device_train_batch_size=cfg.batch_size,
            learning_rate=cfg.lr,
            lr_scheduler_type="linear",
            max_length=cfg.max_seq_len,
            completion_only_loss=True,
            # trl's default is on; the course turns it on only when asked
            activation_checkpointing=False,
            bf16=cfg.bf16,  # trl's default is on, even on CPUs without bf16 units
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            seed=cfg.seed,
            use_cpu=cfg.device == "cpu",
            include_num_input_tokens_seen="non_padding",
        )
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            peft_config=_lora(),
        )
        start = time.perf_counter()
        trainer.train()
        return trainer.state.num_input_tokens_seen / (time.perf_counter() - start)


def bench_sft(steps: int = 6, batch_size: int = 4, tiny: bool = False) -> dict[str, float]:
    """Return tokens/s of the same LoRA SFT run through tutorial_lib.training, through plain
    SFTTrainer, and packed."""
    load = tiny_model if tiny else load_model
    rows = load_data("dialogsum")["train"].select(range(steps * batch_size * 2))
    data = summary_dataset(rows)
    cfg = TrainConfig(steps=steps, batch_size=batch_size, lr=1e-4, max_seq_len=256)
    model, tokenizer = load()
    train(
        get_peft_model(model, _lora()),
        tokenizer,
        data,
        TrainConfig(steps=1, batch_size=batch_size),
        "warm-up",
    )
    model, tokenizer = load()
    ours = train(get_peft_model(model, _lora()), tokenizer, data, cfg, "tutorial_lib").tokens_per_s
    model, tokenizer = load()
    plain = _plain_sft_tokens_per_s(model, tokenizer, data, cfg)
    model, tokenizer = load()
    packed_cfg = TrainConfig(
        steps=steps, batch_size=1, lr=1e-4, max_seq_len=256 * batch_size, packing=True
    )
    packed = train(
        get_peft_model(model, _lora()), tokenizer, data, packed_cfg, "packed"
    ).tokens_per_s
    return {
        "tutorial_lib": ours,
        "plain_sft": plain,
        "ratio": ours / plain,
        "packed": packed,
        "packing_gain": packed / ours,
    }


def bench_ppo(
    steps: int = 3, batch_size: int = 8, new_tokens: int = 32, tiny: bool = False
) -> dict[str, float]:
    """Return the mean seconds of a PPO step's generation, scoring and optimisation, after one
    warm-up step.

    The policy is the model with LoRA on all linear layers; the reward model is the same backbone
    with an untrained scalar head (its scores are meaningless, its cost is a real reward model's);
    responses are up to new_tokens long.
    """
    policy, tokenizer = tiny_model() if tiny else load_model()
    if tiny:
        config = copy.deepcopy(policy.config)
        config.num_labels = 1
        reward_model = LlamaForSequenceClassification(config).eval()
    else:
        reward_model, _ = load_reward_model(DEFAULT_MODEL, device="cpu")
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    policy = get_peft_model(
        policy, LoraConfig(r=8, lora_alpha=16, target_modules=targets, task_type="CAUSAL_LM")
    )
    cfg = PPOConfig(
        batch_size=batch_size,
        minibatch_size=batch_size // 2,
        ppo_epochs=2,
        max_new_tokens=new_tokens,
        lr=1e-4,
    )
    trainer = PPOTrainer(
        policy, tokenizer, reward_function(reward_model, tokenizer, batch_size), cfg
    )
    prompts = load_data("preferences")["train"]["prompt"][: batch_size * (steps + 1)]
    trainer.train(prompts, steps + 1, name="bench ppo")
    timed = trainer.history[1:]  # the first step warms up the allocator and kernels
    parts = {
        k: sum(h[k] for h in timed) / len(timed) for k in ("generate_s", "score_s", "optimize_s")
    }
    parts["step_s"] = sum(parts.values())
    parts["response_tokens"] = sum(h["length"] for h in timed) / len(timed)
    return parts


def main(argv: list[str] | None = None) -> int:
    """Return 0 after running the benchmark named in argv and printing its numbers."""
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib.bench")
    sub = parser.add_subparsers(dest="which", required=True)
    gen = sub.add_parser(
        "generation",
        help="a loop of single generate calls vs a batch vs a batch with the shared prefix",
    )
    gen.add_argument("--prompts", type=int, default=32)
    gen.add_argument("--new-tokens", type=int, default=32)
    gen.add_argument("--batch-size", type=int, default=32)
    sft = sub.add_parser(
        "sft",
        help="LoRA SFT through tutorial_lib.training vs plain trl SFTTrainer, and with packing",
    )
    sft.add_argument("--steps", type=int, default=6)
    sft.add_argument("--batch-size", type=int, default=4)
    sft.add_argument(
        "--tiny",
        action="store_true",
        help="a tiny random model instead of the bundled one (seconds)",
    )
    ppo = sub.add_parser("ppo", help="seconds per PPO step: generation, scoring, optimisation")
    ppo.add_argument("--steps", type=int, default=3)
    ppo.add_argument("--batch-size", type=int, default=8)
    ppo.add_argument("--new-tokens", type=int, default=32)
    ppo.add_argument(
        "--tiny",
        action="store_true",
        help="a tiny random model instead of the bundled one (seconds)",
    )
    for command in (sft, ppo):  # their numbers go to this profile's report card
        command.add_argument(
            "--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)"
        )
    args = parser.parse_args(argv)
    if args.which == "ppo":
        r = bench_ppo(args.steps, args.batch_size, args.new_tokens, args.tiny)
        print(
            f"PPO step, {args.batch_size} rollouts of up to {args.new_tokens} tokens, 2 epochs, "
            f"{torch.get_num_threads()} threads"
        )
        for part, label in (
            ("generate_s", "generation"),
            ("score_s", "scoring"),
            ("optimize_s", "optimisation"),
        ):
            print(f"{label:<13} {r[part]:7.2f} s  {r[part] / r['step_s']:5.1%}")
        print(
            f"{'whole step':<13} {r['step_s']:7.2f} s  (mean response {r['response_tokens']:.1f} "
            "tokens)"
        )
        if not args.tiny:
            record(
                get_profile(args.profile, need_device=False),
                {"steps": args.steps, "batch size": args.batch_size, **r},
                name="bench_ppo",
            )
        return 0
    if args.which == "sft":
        r = bench_sft(args.steps, args.batch_size, args.tiny)
        print(
            f"LoRA SFT, {args.steps} steps of {args.batch_size} dialogues, "
            f"{torch.get_num_threads()} threads"
        )
        print(f"tutorial_lib.training.train: {r['tutorial_lib']:7.1f} tokens/s")
        print(f"plain trl SFTTrainer:        {r['plain_sft']:7.1f} tokens/s")
        print(f"ratio: {r['ratio']:.2f}x (target >= 0.95x: the helper adds no overhead)")
        print(
            f"packed rows of {256 * args.batch_size} tokens: {r['packed']:7.1f} tokens/s, "
            f"{r['packing_gain']:.2f}x unpacked"
        )
        # the report card of the current profile shows the ratio beside the lessons
        if not args.tiny:
            record(
                get_profile(args.profile, need_device=False),
                {"steps": args.steps, "batch size": args.batch_size, **r},
                name="bench_sft",
            )
        return 0
    r = bench_generation(args.prompts, args.new_tokens, args.batch_size)
    print(f"greedy, {args.new_tokens} new tokens max, {torch.get_num_threads()} threads")
    _print_generation("chat prompts (target: batch >= 4x the loop)", r["chat"], args.batch_size)
    _print_generation(
        f"few-shot arithmetic, k = {FEW_SHOT_DEMOS} (target: shared prefix >= 1.5x the batch)",
        r["few_shot"],
        args.batch_size,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
