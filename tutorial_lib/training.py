"""Supervised fine-tuning, thin over trl's SFTTrainer: one `train()` for full fine-tuning, peft and
hand-made modules.

Every run returns a `RunResult`: trainable parameters, peak memory, wall time, tokens/s and the loss
curve, so lessons 03-05 compare methods on the same task, data, budget and metric.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import torch
from datasets import Dataset
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase, Trainer, TrainerCallback
from transformers.trainer_callback import PrinterCallback
from trl import SFTConfig, SFTTrainer

from .data import require_columns, row_columns
from .errors import CourseError
from .generation import generate
from .memory import PeakMemory, release_memory, state_mb
from .metrics import accuracy, exact_match, extract_answer, perplexity, rouge
from .models import count_parameters, save_atomic_folder
from .profiles import Profile

SUMMARY_INSTRUCTION = "Summarize this dialogue in one sentence."
SUMMARY_TOKENS = 48  # the least summary budget; the course's references: <= 44 tokens, p95 38-39


@dataclass
class TrainConfig:
    """The budget and settings of one fine-tuning run; methods compared in a lesson share one."""

    steps: int = 20  # optimizer steps
    batch_size: int = 4  # examples per optimizer step
    lr: float = 5e-5  # peak learning rate (linear warm-up, then linear decay to zero)
    warmup_steps: int = 0  # steps of linear warm-up
    max_seq_len: int = 256  # tokens per example; longer ones are truncated at the end
    packing: bool = False  # concatenate examples into rows of max_seq_len (no padding)
    # recompute activations in backward: less memory, more time
    gradient_checkpointing: bool = False
    weight_decay: float = 0.0  # AdamW weight decay
    seed: int = 0  # data order and any random initialisation
    device: str = "cpu"  # "cpu" or "cuda"
    bf16: bool = False  # bfloat16 mixed precision (GPUs with bf16 units: A100, L4, H100)
    fp16: bool = False  # float16 mixed precision with loss scaling, fp32 master weights (T4, V100)
    # DeepSpeed JSON config (configs/zero*.json) for multi-process runs; see sft_launch
    deepspeed: str | None = None

    @classmethod
    def from_profile(cls, profile: Profile, **overrides) -> TrainConfig:
        """Return the profile's (or plan's) training budget and precision, with keyword
        overrides."""
        mode = profile.train_precision
        base = dict(
            steps=profile.train_steps,
            batch_size=profile.train_batch_size,
            max_seq_len=profile.max_seq_len,
            device=profile.device,
            bf16=mode == "bf16",
            fp16=mode == "fp16",
        )
        return cls(**{**base, **overrides})


@dataclass
class RunResult:
    """What one training run cost and achieved."""

    name: str  # the method, as it appears in tables
    trainable: int  # parameters the optimizer updates
    total: int  # all parameters of the model (frozen ones included)
    seconds: float  # wall time of the training loop
    tokens: int  # non-padding tokens trained on
    peak_mb: float  # CUDA: peak allocated; CPU: rise in resident memory during training
    # trainable parameters + their gradients + optimizer state, counted from the tensors
    state_mb: float
    losses: list[float] = field(default_factory=list)  # training loss at every step
    # evaluation results, filled in by the lesson
    scores: dict[str, float] = field(default_factory=dict)
    # every step's metrics as the trainer logged them (rewards, margins...)
    logs: list[dict] = field(default_factory=list)

    @property
    def trainable_pct(self) -> float:
        """Return the trainable share of all parameters, in percent."""
        return 100.0 * self.trainable / max(self.total, 1)

    @property
    def tokens_per_s(self) -> float:
        """Return training throughput in tokens per second."""
        return self.tokens / max(self.seconds, 1e-9)

    @property
    def step_s(self) -> float:
        """Return the mean seconds per optimizer step."""
        return self.seconds / max(len(self.losses), 1)

    def row(self) -> dict:
        """Return the run as one table row: method, sizes, cost and scores."""
        return {
            "method": self.name,
            "trainable": self.trainable,
            "trainable %": round(self.trainable_pct, 3),
            "step s": round(self.step_s, 2),
            "tokens/s": round(self.tokens_per_s, 1),
            "peak MB": round(self.peak_mb, 1),
            "state MB": round(self.state_mb, 1),
            **{k: round(v, 4) for k, v in self.scores.items()},
        }


# --- data -----------------------------------------------------------------------------------------


def summary_prompt(dialogue: str) -> str:
    """Return the user turn that asks for a dialogue's summary."""
    return f"{SUMMARY_INSTRUCTION}\n\n{dialogue}"


def conversation(prompt: str, response: str) -> list[dict[str, str]]:
    """Return the two chat turns of one example: the prompt as the user's, the response as the
    assistant's."""
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def prompt_completion(prompt: str, response: str) -> dict:
    """Return one conversational prompt-completion record, the format trl trains with loss on the
    completion only."""
    user, assistant = conversation(prompt, response)
    return {"prompt": [user], "completion": [assistant]}


def sft_dataset(prompts: Sequence[str], responses: Sequence[str]) -> Dataset:
    """Return a Dataset of prompt-completion records."""
    if len(prompts) != len(responses):
        raise CourseError(
            f"Got {len(prompts)} prompts but {len(responses)} responses; pass one response per "
            "prompt."
        )
    if not prompts:
        raise CourseError("The training set is empty; pass at least one (prompt, response) pair.")
    return Dataset.from_list([prompt_completion(p, r) for p, r in zip(prompts, responses)])


def instruction_prompt(row: dict) -> str:
    """Return the user turn of an instructions row: the instruction, then its input if it has
    one."""
    return f"{row['instruction']}\n\n{row['input']}".strip()


def chat_tokens(tokenizer: PreTrainedTokenizerBase, prompt: str, response: str) -> int:
    """Return the tokens of one prompt-completion example as trl sees it (chat template and all)."""
    chat = conversation(prompt, response)
    return len(tokenizer.apply_chat_template(chat, tokenize=True, return_dict=True)["input_ids"])


def fit_dialogue(
    tokenizer: PreTrainedTokenizerBase, dialogue: str, summary: str, max_seq_len: int
) -> str | None:
    """Return the longest run of `dialogue`'s first turns (lines) whose summary example fits.

    The example is summary_prompt(turns) + `summary` in the chat template, at most max_seq_len
    tokens. Returns `dialogue` itself when it fits whole, None when not even its first turn does
    (the summary alone is too long, or that turn is).
    """
    turns = dialogue.split("\n")

    def fits(n: int) -> bool:
        return chat_tokens(tokenizer, summary_prompt("\n".join(turns[:n])), summary) <= max_seq_len

    if fits(len(turns)):
        return dialogue
    best, high = 0, len(turns) - 1  # the answer lies in [best, high]; best = 0: no turn fits
    while best < high:
        middle = (best + high + 1) // 2
        if fits(middle):
            best = middle
        else:
            high = middle - 1
    return "\n".join(turns[:best]) if best else None


# one training example before fitting: (prompt, response, the dialogue of a summary prompt or None)
Example = tuple[str, str, str | None]


def fit_examples(
    examples: Sequence[Example], tokenizer: PreTrainedTokenizerBase | None, max_seq_len: int | None
) -> tuple[list[str], list[str]]:
    """Return (prompts, responses) of the examples that fit max_seq_len tokens, dialogues shortened.

    trl truncates a prompt + completion longer than max_length from the end, which cuts the
    completion, the only tokens trained on. Here the input gives way instead: a dialogue loses
    whole turns from its end until its example fits (fit_dialogue); an example that still cannot fit
    (its summary alone is too long), or whose prompt cannot be cut (a question, an instruction), is
    dropped. Prints one line with the counts when any. Without a tokenizer, every example is kept.
    """
    if tokenizer is None and max_seq_len is None:
        return [e[0] for e in examples], [e[1] for e in examples]
    if tokenizer is None or max_seq_len is None:
        raise CourseError("Pass both tokenizer= and max_seq_len= to fit examples, or neither.")
    prompts, responses, shortened = [], [], 0
    for prompt, response, dialogue in examples:
        if dialogue is not None:
            cut = fit_dialogue(tokenizer, dialogue, response, max_seq_len)
            if cut is None:
                continue
            shortened += cut != dialogue
            prompt = summary_prompt(cut)
        elif chat_tokens(tokenizer, prompt, response) > max_seq_len:
            continue
        prompts.append(prompt)
        responses.append(response)
    dropped = len(examples) - len(prompts)
    if examples and not prompts:  # (no examples at all: sft_dataset says the set is empty)
        raise CourseError(
            f"None of the {len(examples)} examples fits max_seq_len={max_seq_len} tokens, even "
            "with its dialogue cut to one turn; raise max_seq_len (e.g. to 512)."
        )
    if shortened or dropped:
        print(
            f"Fitting {len(examples)} examples to max_seq_len={max_seq_len} tokens: shortened "
            f"{shortened} dialogue(s) by their last turns, dropped {dropped} example(s) that "
            "cannot fit."
        )
    return prompts, responses


def summary_examples(rows: Dataset | Sequence[dict]) -> list[Example]:
    """Return dialogsum rows as examples: summary prompt, summary, and the dialogue to fit."""
    return [(summary_prompt(r["dialogue"]), r["summary"], r["dialogue"]) for r in rows]


def summary_dataset(
    rows: Dataset | Sequence[dict],
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_seq_len: int | None = None,
) -> Dataset:
    """Return dialogsum rows as prompt-completion records, fitted to max_seq_len if given."""
    return sft_dataset(*fit_examples(summary_examples(rows), tokenizer, max_seq_len))


def arithmetic_dataset(
    rows: Dataset | Sequence[dict],
    rationale: bool,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_seq_len: int | None = None,
) -> Dataset:
    """Return arithmetic problems as prompt-completion records: step by step, or the answer only.

    Given a tokenizer and max_seq_len, problems too long to fit are dropped (a question is not cut).
    """
    responses = [r["rationale"] if rationale else f"The answer is {r['answer']}." for r in rows]
    examples = [(r["question"], response, None) for r, response in zip(rows, responses)]
    return sft_dataset(*fit_examples(examples, tokenizer, max_seq_len))


def mixed_dataset(
    summaries: Sequence[dict],
    instructions: Sequence[dict],
    seed: int = 0,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_seq_len: int | None = None,
) -> Dataset:
    """Return dialogsum and instructions rows as one shuffled prompt-completion set (FLAN's mixing).

    Given a tokenizer and max_seq_len, dialogues are fitted and instructions too long are dropped.
    """
    tasks = [(instruction_prompt(r), r["response"], None) for r in instructions]
    examples = summary_examples(summaries) + tasks
    return sft_dataset(*fit_examples(examples, tokenizer, max_seq_len)).shuffle(seed=seed)


# --- measuring ------------------------------------------------------------------------------------


class LossBar(TrainerCallback):
    """A progress bar over optimizer steps that shows the latest loss, and keeps every step's
    loss."""

    def __init__(self, name: str):
        self.name, self.losses, self.bar = name, [], None

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = tqdm(total=state.max_steps, desc=f"training {self.name}", unit="step")

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.losses.append(float(logs["loss"]))
            self.bar.set_postfix(loss=f"{self.losses[-1]:.3f}")

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update(1)

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()


# --- training -------------------------------------------------------------------------------------


def is_prefix_method(model: torch.nn.Module) -> bool:
    """Return True for peft models whose method feeds key/value prefixes (prefix tuning, P-tuning
    v2)."""
    config = getattr(model, "peft_config", {}).get("default")
    return config is not None and str(getattr(config, "peft_type", "")).endswith("PREFIX_TUNING")


def trainer_args(cfg: TrainConfig, output_dir: str, gradient_checkpointing: bool) -> dict:
    """Return the trainer arguments every course run shares: optimizer, schedule, sizes, logging,
    precision."""
    return dict(
        output_dir=output_dir,
        max_steps=cfg.steps,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.lr,
        lr_scheduler_type="linear",
        warmup_steps=cfg.warmup_steps,
        weight_decay=cfg.weight_decay,
        max_length=cfg.max_seq_len,
        activation_checkpointing=gradient_checkpointing,  # trl's default would turn it on
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        seed=cfg.seed,
        data_seed=cfg.seed,
        use_cpu=cfg.device == "cpu",
        deepspeed=cfg.deepspeed,
        bf16=cfg.bf16,  # trl's default would turn bf16 on, even on a CPU without bf16 units
        fp16=cfg.fp16,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=True,  # run_trainer() shows its own bar with the loss
    )


def sft_config(cfg: TrainConfig, output_dir: str, gradient_checkpointing: bool) -> SFTConfig:
    """Return the SFTConfig for `cfg`: same optimizer, schedule and sizes for every method, loss on
    the completion."""
    return SFTConfig(
        **trainer_args(cfg, output_dir, gradient_checkpointing),
        packing=cfg.packing,
        completion_only_loss=True,
    )


def make_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    data: Dataset,
    cfg: TrainConfig,
    output_dir: str,
) -> SFTTrainer:
    """Return an SFTTrainer for `model` (full, peft, or with hand-made modules) on prompt-completion
    `data`."""
    checkpointing = cfg.gradient_checkpointing
    if checkpointing and is_prefix_method(model):
        print(
            "Gradient checkpointing stays off: prefix tuning's key/value prefixes do not survive "
            "recomputation."
        )
        checkpointing = False
    # not numel(): ZeRO-3 leaves empty placeholders
    if not any(p.requires_grad for p in model.parameters()):
        raise CourseError(
            "The model has no trainable parameters; unfreeze some, or wrap it with a peft config, "
            "before training."
        )
    # tokenising a few hundred examples takes a blink; keep the output for training
    datasets.disable_progress_bars()
    try:
        trainer = SFTTrainer(
            model=model,
            args=sft_config(cfg, output_dir, checkpointing),
            train_dataset=data,
            processing_class=tokenizer,
        )
    finally:
        datasets.enable_progress_bars()
    trainer.remove_callback(PrinterCallback)  # it would print every step's log dict
    return trainer


def run_trainer(trainer: Trainer, model: PreTrainedModel, name: str, device: str) -> RunResult:
    """Return the RunResult of running `trainer` (any transformers/trl trainer of `model`) with a
    loss bar and probes."""
    log = LossBar(name)
    trainer.add_callback(log)
    with PeakMemory(device) as mem:
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    result = RunResult(
        name=name,
        trainable=count_parameters(model, trainable_only=True),
        total=count_parameters(model),
        seconds=seconds,
        tokens=int(trainer.state.num_input_tokens_seen),
        peak_mb=mem.peak_mb,
        state_mb=state_mb(model, trainer.optimizer),
        losses=log.losses,
        logs=[entry for entry in trainer.state.log_history if "loss" in entry],
    )
    model.eval()
    return result


def train(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    data: Dataset,
    cfg: TrainConfig,
    name: str = "run",
) -> RunResult:
    """Return the RunResult of fine-tuning `model` in place on `data` with the budget `cfg`."""
    torch.manual_seed(cfg.seed)
    with tempfile.TemporaryDirectory(prefix="course-sft-") as tmp:
        result = run_trainer(
            make_trainer(model, tokenizer, data, cfg, tmp), model, name, cfg.device
        )
    release_memory()
    return result


# --- evaluation -----------------------------------------------------------------------------------


def reference_lists(rows: Dataset | Sequence[dict]) -> list[list[str]]:
    """Return each row's reference summaries: its 'references' list, else its one 'summary'."""
    columns = row_columns(rows)
    if "references" not in columns and "summary" not in columns:
        raise CourseError(
            f"The rows have no 'summary' column (a reference summary per dialogue) to score "
            f"against; they have {columns}. Use dialogsum rows (load_data('dialogsum')['test']), "
            "or rename your reference column: ds = ds.rename_column('old', 'summary')."
        )
    key = "references" if "references" in columns else "summary"
    values = rows[key] if isinstance(rows, Dataset) else [r[key] for r in rows]
    return [[v] if isinstance(v, str) else list(v) for v in values]


def summary_token_budget(
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    quantile: float = 0.95,
    floor: int = SUMMARY_TOKENS,
    ceiling: int = 256,
) -> int:
    """Return the tokens to generate per summary of `rows`: a quantile of their references' lengths.

    The nearest-rank quantile over every reference of every row (at least that share of references
    fits), clamped to [floor, ceiling]. The floor, SUMMARY_TOKENS = 48, was the course's fixed
    budget: its own references are at most 44 tokens (95th percentile 39 in train, 38 in test),
    so its numbers stay as they were, while data with longer references (real DialogSum's run
    past 48 tokens now and then) gets its own 95th percentile. Only the set's length distribution
    is read, never one row's length.
    """
    if not 0 < quantile <= 1 or floor > ceiling:
        got = f"quantile={quantile}, floor={floor}, ceiling={ceiling}"
        raise CourseError(f"The budget needs 0 < quantile <= 1 and floor <= ceiling ({got}).")
    texts = [ref for refs in reference_lists(rows) for ref in refs]
    lengths = sorted(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])
    rank = max(math.ceil(quantile * len(lengths)), 1)
    return max(floor, min(ceiling, lengths[rank - 1]))


def summarize(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    profile: Profile,
    **kwargs,
) -> list[str]:
    """Return the model's greedy summaries of `rows`' dialogues.

    Unless max_new_tokens is passed, a summary may take min(profile.max_new_tokens,
    summary_token_budget(rows)) tokens; SUMMARY_TOKENS for rows without reference summaries.
    """
    require_columns(rows, ["dialogue"], "summarize()")
    if "max_new_tokens" not in kwargs:
        has_references = {"references", "summary"} & set(row_columns(rows))
        budget = summary_token_budget(tokenizer, rows) if has_references else SUMMARY_TOKENS
        kwargs["max_new_tokens"] = min(profile.max_new_tokens, budget)
    prompts = [summary_prompt(r["dialogue"]) for r in rows]
    kwargs = {"batch_size": profile.batch_size, **kwargs}
    return list(generate(model, tokenizer, prompts, chat=True, **kwargs))


def rouge_eval(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    profile: Profile,
) -> tuple[dict[str, float], list[str]]:
    """Return (ROUGE-1/2/L F1 of greedy summaries against the references, the summaries).

    Each summary scores against all its row's references (multi-reference ROUGE: the best-matching
    one, by rouge-score's RougeScorer.score_multi). The rows' columns are checked before generating.
    """
    require_columns(rows, ["dialogue"], "rouge_eval()")
    references = reference_lists(rows)
    summaries = summarize(model, tokenizer, rows, profile)
    return rouge(summaries, references), summaries


def general_eval(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    questions: Sequence[dict],
    profile: Profile,
) -> tuple[dict[str, float], list[str]]:
    """Return ({"general ppl", "instructions EM"}, the answers): what fine-tuning on one task may
    cost elsewhere."""
    require_columns(questions, ["instruction", "input", "response"], "general_eval()")
    prompts = [instruction_prompt(q) for q in questions]
    answers = list(
        generate(
            model, tokenizer, prompts, chat=True, max_new_tokens=32, batch_size=profile.batch_size
        )
    )
    ppl = perplexity(model, tokenizer, texts)
    scores = {
        "general ppl": ppl,
        "instructions EM": exact_match(answers, [q["response"] for q in questions]),
    }
    return scores, answers


def arithmetic_accuracy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    max_new_tokens: int,
    batch_size: int,
) -> tuple[float, list[str]]:
    """Return (accuracy of the answers read from greedy generations, the generations) on arithmetic
    problems."""
    require_columns(rows, ["question", "answer"], "arithmetic_accuracy()")
    texts = list(
        generate(
            model,
            tokenizer,
            [r["question"] for r in rows],
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
        )
    )
    return accuracy([extract_answer(t) for t in texts], [r["answer"] for r in rows]), texts


# --- saving ---------------------------------------------------------------------------------------


def save_atomic(
    model: PreTrainedModel, folder: str | Path, save: Callable[[Path], None] | None = None
) -> Path:
    """Return `folder` after saving `model` (a full model or a peft adapter) into it atomically.

    The files are written to a sibling temporary folder and swapped in only once complete, so a save
    that fails half-way leaves the previous good save in place (models.save_atomic_folder).
    """
    return save_atomic_folder(Path(folder), save or (lambda path: model.save_pretrained(path)))


def folder_mb(folder: str | Path) -> float:
    """Return the size on disk of all files under `folder`, in MB."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20
