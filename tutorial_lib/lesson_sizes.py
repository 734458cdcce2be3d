"""Each lesson's sizes, one function per lesson: profile in, sizes out, rows fitted to the data.

`plans.lesson_plan` turns these into a LessonPlan and checks it against the device's memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .data import hub_rows, local_rows
from .profiles import Profile


@dataclass(frozen=True)
class DataUse:
    """Rows a lesson takes from one split of one dataset."""

    dataset: str  # course dataset name, e.g. "dialogsum"
    split: str  # "train" or "test"
    used: int  # rows the lesson takes
    available: int  # rows the split holds (the course copy, or the Hub split when source="hub")


class Fit:
    """Takes rows from the data a lesson uses, lowering what a split cannot hold (with a notice)."""

    def __init__(self, lesson: str, source: str):
        self.lesson, self.source = lesson, source
        self.uses: list[DataUse] = []
        self.notices: list[str] = []

    def rows(self, dataset: str, split: str, asked: int, what: str) -> int:
        """Return `asked`, or the rows `dataset`'s `split` has if fewer (noting the lowering)."""
        have = hub_rows(dataset, split) if self.source == "hub" else local_rows(dataset, split)
        used = min(asked, have)
        if used < asked:
            self.notices.append(f"{what}: {asked} asked, {dataset}/{split} has {have}: "
                                f"using {used}")
        self.uses.append(DataUse(dataset, split, used, have))
        return used

    def steps(self, dataset: str, split: str, steps: int, per_step: int, what: str) -> int:
        """Return the steps of `per_step` rows each that the split can feed (each row seen once)."""
        used = self.rows(dataset, split, steps * per_step, what)
        if used < steps * per_step:
            self.notices.append(f"{what}: steps lowered from {steps} to {max(1, used // per_step)}")
        return max(1, used // per_step)


# --- the lessons: one function each, profile in, sizes out ----------------------------------------


def plan_00(p: Profile, fit: Fit) -> dict:
    """Return lesson 00's sizes: prompts to decode, texts behind each perplexity."""
    quick = p.name == "quick"
    return dict(
        eval_examples=fit.rows("general_text", "test", 4 if quick else 15, "perplexity texts"),
        sizes=dict(
            decode_prompts=2 if quick else 3,
            dialogues=fit.rows("dialogsum", "test", 4 if quick else 20, "perplexity dialogues"),
        ),
    )


def plan_01(p: Profile, fit: Fit) -> dict:
    """Return lesson 01's sizes: test reviews, the demonstration pool, k values, seeds."""
    quick = p.name == "quick"
    return dict(
        eval_examples=fit.rows("sentiment", "test", p.eval_examples, "test reviews"),
        train_examples=fit.rows("sentiment", "train", 800, "demonstration pool"),
        sizes=dict(few=2 if quick else 4, ks=(0, 1, 2) if quick else (0, 1, 4, 8)),
    )


def plan_02(p: Profile, fit: Fit) -> dict:
    """Return lesson 02's sizes: questions per method, the Auto-CoT pool, the CoT settings."""
    quick = p.name == "quick"
    n_eval = fit.rows("arithmetic", "test", max(4, 3 * p.eval_examples // 8), "test questions")
    return dict(
        eval_examples=n_eval,
        train_examples=fit.rows("arithmetic", "train", p.train_examples, "Auto-CoT pool"),
        sizes=dict(
            n_sc=max(2, n_eval // 4),  # questions for self-consistency (N paths each)
            answer_tokens=p.max_new_tokens // 2,
            cot_tokens=3 * p.max_new_tokens // 2,
            n_demos=2 if quick else 3,
            sc_samples=tuple(range(1, 2 * p.seeds, 2)),  # 1, 3, ... up to 2 * seeds - 1
            tot_problems=max(1, p.eval_examples // 32),
            tot_proposals=2 if quick else 3,
            tot_depth=2 if quick else 3,
            step_tokens=p.max_new_tokens // 2,
        ),
    )


def plan_03(p: Profile, fit: Fit) -> dict:
    """Return lesson 03's sizes: each training dialogue seen once; held-out and forgetting sets."""
    steps = fit.steps("dialogsum", "train", p.train_steps, p.train_batch_size, "training dialogues")
    n_train = steps * p.train_batch_size
    return dict(
        training="full",
        train_steps=steps,
        train_examples=n_train,
        eval_examples=fit.rows("dialogsum", "test", max(4, p.eval_examples // 2), "held-out"),
        sizes=dict(
            general_texts=fit.rows("general_text", "test", max(3, p.eval_examples // 4),
                                   "general texts"),
            questions=fit.rows("instructions", "test", max(2, p.eval_examples // 4),
                               "general questions"),
            general_train=fit.rows("instructions", "train", n_train // 2, "mixed-in instructions"),
        ),
    )


def plan_04(p: Profile, fit: Fit) -> dict:
    """Return lesson 04's sizes: half the profile's steps per run, the rank sweep."""
    steps = fit.steps("dialogsum", "train", max(2, p.train_steps // 2), p.train_batch_size,
                      "training dialogues")
    n_train = steps * p.train_batch_size
    n_eval = fit.rows("dialogsum", "test", max(4, p.eval_examples // 4), "held-out dialogues")
    fit.rows("arithmetic", "train", n_train, "arithmetic problems")  # 1,000 rows: never short
    fit.rows("arithmetic", "test", n_eval, "arithmetic test")
    return dict(
        training="full",
        train_steps=steps,
        train_examples=n_train,
        eval_examples=n_eval,
        sizes=dict(
            # the rank sweep: on 2 CPU cores each rank is one more training run
            ranks=(1, 8) if p.device == "cpu" else (1, 2, 4, 8, 16, 32, 64)
        ),
    )


def plan_05(p: Profile, fit: Fit) -> dict:
    """Return lesson 05's sizes: one budget for every method; the pattern-verbalizer part."""
    # lesson 04's steps, but one fewer on 2 CPU cores, where nine trainings of about 8 s a step
    # would take the lesson past 10 minutes
    wanted = {"cpu": p.train_steps // 2 - 1}.get(p.name, max(2, p.train_steps // 2))
    steps = fit.steps("dialogsum", "train", wanted, p.train_batch_size, "training dialogues")
    return dict(
        training="peft",
        train_steps=steps,
        train_examples=steps * p.train_batch_size,
        eval_examples=fit.rows("dialogsum", "test", max(4, p.eval_examples // 4), "held-out"),
        sizes=dict(
            n_virtual=16,  # soft tokens / prefix positions
            n_shots=fit.rows("sentiment", "train", max(8, p.train_examples // 12), "shots"),
            pvp_test=fit.rows("sentiment", "test", p.eval_examples, "test reviews"),
        ),
    )


def plan_06(p: Profile, fit: Fit) -> dict:
    """Return lesson 06's sizes: train_steps steps of 2 x train_batch_size pairs; best-of-n."""
    pairs = 2 * p.train_batch_size
    steps = fit.steps("preferences", "train", p.train_steps, pairs, "training pairs")
    return dict(
        training="full",
        train_steps=steps,
        train_examples=steps * pairs,
        eval_examples=fit.rows("preferences", "test", p.eval_examples, "held-out pairs"),
        sizes=dict(pairs_per_step=pairs, n_max=4 if p.name == "quick" else 8,
                   bon_prompts=max(2, p.eval_examples // 4)),
    )


def plan_07(p: Profile, fit: Fit) -> dict:
    """Return lesson 07's sizes: PPO steps of 2 x train_batch_size rollouts; DPO and GRPO alike."""
    rollouts = 2 * p.train_batch_size
    steps = fit.steps("preferences", "train", max(1, p.train_steps // 2), rollouts, "PPO prompts")
    return dict(
        training="ppo",
        train_steps=steps,
        train_examples=steps * rollouts,
        eval_examples=max(2, p.eval_examples // 4),  # checkable test prompts, at most this many
        sizes=dict(rollouts=rollouts, minibatch=p.train_batch_size,
                   max_new_tokens=min(32, p.max_new_tokens // 2)),
    )


def plan_08(p: Profile, fit: Fit) -> dict:
    """Return lesson 08's sizes: the fp32 gradient batch of sections 2, 7, 8 and the ZeRO runs."""
    batch = max(1, p.train_batch_size // 2)
    seq_len = {"quick": 64, "cpu": 256}.get(p.name, p.max_seq_len)
    gpus = torch.cuda.device_count() if p.device == "cuda" else 0
    return dict(
        training="full",
        dtype="float32",  # section 2 weighs fp32 training, whatever the profile
        train_steps={"gpu": 20}.get(p.name, 2),  # the SFT run of section 9
        train_batch_size=batch,
        max_seq_len=seq_len,
        sizes=dict(
            batch=batch,  # sequences in the gradient batch of sections 2, 7 and 8
            seq_len=seq_len,  # tokens per sequence there
            nproc=2,  # processes in each ZeRO probe job (CPU processes talking over gloo)
            sft_model="tiny" if p.name == "quick" else p.model,  # model of section 9's SFT run
            sft_steps={"gpu": 20}.get(p.name, 2),  # optimizer steps of that run
            sft_nproc=max(gpus, 1) if gpus else 2,  # one process per GPU, else 2 CPU processes
        ),
    )


def plan_09(p: Profile, fit: Fit) -> dict:
    """Return lesson 09's sizes: perplexity texts, sparsities, the distilled student."""
    sizes = {
        "quick": dict(eval_texts=1, sparsities=(0.0, 0.5), distill_texts=2, seq_len=32, top_k=32,
                      student_layers=2, student_hidden=64, student_steps=4, student_batch=2),
        "cpu": dict(eval_texts=7, sparsities=(0.0, 0.1, 0.2, 0.3, 0.5, 0.7), distill_texts=16,
                    seq_len=64, top_k=64, student_layers=2, student_hidden=64, student_steps=150,
                    student_batch=4),
        "gpu": dict(eval_texts=15, sparsities=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
                    distill_texts=62, seq_len=128, top_k=64, student_layers=4, student_hidden=256,
                    student_steps=1000, student_batch=16),
    }[p.name]
    sizes["eval_texts"] = fit.rows("general_text", "test", sizes["eval_texts"], "perplexity texts")
    sizes["distill_texts"] = fit.rows("general_text", "train", sizes["distill_texts"], "teacher")
    return dict(eval_examples=sizes["eval_texts"], sizes=sizes)


PLANS: dict[str, Callable[[Profile, Fit], dict]] = {
    "00": plan_00, "01": plan_01, "02": plan_02, "03": plan_03, "04": plan_04,
    "05": plan_05, "06": plan_06, "07": plan_07, "08": plan_08, "09": plan_09,
}
