"""Benchmarks: `python -m tutorial_lib.bench generation [--prompts N] [--new-tokens T]`."""

from __future__ import annotations

import argparse
import sys

import torch

from .data import load_data
from .generation import generate
from .models import load_model


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


def main(argv: list[str] | None = None) -> int:
    """Return 0 after running the benchmark named in argv and printing its numbers."""
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib.bench")
    sub = parser.add_subparsers(dest="which", required=True)
    gen = sub.add_parser("generation", help="batched generation vs a loop of single generate calls")
    gen.add_argument("--prompts", type=int, default=32)
    gen.add_argument("--new-tokens", type=int, default=32)
    gen.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    r = bench_generation(args.prompts, args.new_tokens, args.batch_size)
    print(f"{r['prompts']} prompts, {args.new_tokens} new tokens max, greedy, {torch.get_num_threads()} threads")
    print(f"loop of single calls: {r['loop_tokens_per_s']:7.1f} tokens/s ({r['loop_seconds']:.1f} s)")
    print(f"batched (batch {args.batch_size}):  {r['batched_tokens_per_s']:7.1f} tokens/s ({r['batched_seconds']:.1f} s)")
    print(f"speed-up: {r['speedup']:.1f}x; identical outputs: {r['identical_outputs']}/{r['prompts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
