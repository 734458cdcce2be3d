"""Training runs, thin over trl: one trainer built one way, one run loop, one RunResult.

Every run of the course (SFT, reward model, DPO, GRPO here and in `reward` and
`preference_optimization`; the course's own PPO in `ppo_trainer`) returns a `RunResult`:
trainable parameters, peak memory, wall time, tokens/s and the loss curve, so lessons compare
methods on the same task, data, budget and metric. A budget comes from a lesson plan with
`TrainConfig.from_profile(plan)`; `build_trainer` makes any trl trainer from it and
`run_training` runs it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import datasets
import torch
from datasets import Dataset
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase, Trainer, TrainerCallback
from transformers.trainer_callback import PrinterCallback
from trl import SFTConfig, SFTTrainer

from .checkpoints import TRAIN, SkipAhead, load_run, save_run
from .errors import CourseError
from .memory import PeakMemory, release_memory, state_mb
from .models import adapter_config, count_parameters
from .profiles import Profile


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
    # DeepSpeed JSON config (configs/zero*.json) for multi-process runs; see distributed.launch
    deepspeed: str | None = None
    # train; or train and cache the result; or load the cached result (a plan's use_cached)
    skip_ahead: SkipAhead = TRAIN

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
            skip_ahead=getattr(profile, "skip_ahead", TRAIN),
            seed=getattr(profile, "seed", 0),
        )
        return cls(**{**base, **overrides})

    def budget(self) -> dict:
        """Return the settings that make a run what it is (not where or in what precision it
        ran): what a cached run must match."""
        where = ("device", "bf16", "fp16", "deepspeed", "gradient_checkpointing", "skip_ahead")
        return {k: v for k, v in asdict(self).items() if k not in where}


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

    @classmethod
    def measured(
        cls, name: str, model: torch.nn.Module, optimizer: torch.optim.Optimizer, **numbers
    ) -> RunResult:
        """Return the RunResult of `model` trained by `optimizer`: its parameter counts and state
        counted from the tensors, the other fields (seconds, tokens, peak_mb, losses...) given."""
        return cls(
            name=name,
            trainable=count_parameters(model, trainable_only=True),
            total=count_parameters(model),
            state_mb=state_mb(model, optimizer),
            **numbers,
        )

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


# --- building and running a trainer ---------------------------------------------------------------


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


def require_trainable(model: torch.nn.Module) -> None:
    """Return None if the optimizer has something to update in `model`; raise CourseError if not."""
    # not numel(): ZeRO-3 leaves empty placeholders
    if not any(p.requires_grad for p in model.parameters()):
        raise CourseError(
            "The model has no trainable parameters; unfreeze some, or wrap it with a peft config, "
            "before training."
        )


def build_trainer(
    trainer_class: type[Trainer], model: torch.nn.Module, drops: str | None = None, **kwargs
) -> Trainer:
    """Return trainer_class(model=model, **kwargs), built quietly: no dataset progress bars, no
    per-step log printing (run_trainer shows its own bar).

    `drops` says which preference pairs the trainer drops (e.g. "longer than max_seq_len=256
    tokens"); given, the count it dropped is printed, and a CourseError raised if it dropped all.
    """
    require_trainable(model)
    # tokenising a few hundred examples takes a blink; keep the output for training
    datasets.disable_progress_bars()
    try:
        trainer = trainer_class(model=model, **kwargs)
    finally:
        datasets.enable_progress_bars()
    trainer.remove_callback(PrinterCallback)  # it would print every step's log dict
    if drops is not None:
        check_kept(trainer, len(kwargs["train_dataset"]), drops)
    return trainer


def check_kept(trainer: Trainer, rows: int, why: str) -> None:
    """Return None after printing how many of `rows` pairs the trainer dropped `why` (if any);
    raise CourseError if it dropped them all."""
    kept, name = len(trainer.train_dataset), type(trainer).__name__
    if kept == 0:
        raise CourseError(f"{name} dropped all {rows} pairs {why}; raise TrainConfig.max_seq_len.")
    if kept < rows:
        print(f"{name} dropped {rows - kept} of {rows} pairs {why}.")


def run_trainer(trainer: Trainer, model: PreTrainedModel, name: str, device: str) -> RunResult:
    """Return the RunResult of running `trainer` (any transformers/trl trainer of `model`) with a
    loss bar and probes."""
    log = LossBar(name)
    trainer.add_callback(log)
    with PeakMemory(device) as mem:
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    result = RunResult.measured(
        name,
        model,
        trainer.optimizer,
        seconds=seconds,
        tokens=int(trainer.state.num_input_tokens_seen),
        peak_mb=mem.peak_mb,
        losses=log.losses,
        logs=[entry for entry in trainer.state.log_history if "loss" in entry],
    )
    model.eval()
    return result


def run_training(
    make: Callable[[str], Trainer], model: PreTrainedModel, cfg: TrainConfig, name: str
) -> RunResult:
    """Return the RunResult of training `model` in place with the trainer make(output_dir) builds.

    Seeded with cfg.seed before the trainer is built, its output folder temporary. trl's DPO and
    GRPO trainers give a peft model a frozen "ref" adapter as their reference; one added for this
    run is deleted after it (save_pretrained would save it too). cfg.skip_ahead "load" loads the
    cached run of this name into `model` instead of training; "save" caches it after training.
    """
    if cfg.skip_ahead.mode == "load":
        return RunResult(**load_run(cfg.skip_ahead.run_dir(name), model, cfg.budget()))
    had_ref_adapter = "ref" in getattr(model, "peft_config", {})
    torch.manual_seed(cfg.seed)
    with tempfile.TemporaryDirectory(prefix="course-") as tmp:
        result = run_trainer(make(tmp), model, name, cfg.device)
    if not had_ref_adapter and "ref" in getattr(model, "peft_config", {}):
        model.delete_adapter("ref")
        result.total = count_parameters(model)
    release_memory()
    if cfg.skip_ahead.mode == "save":
        save_run(cfg.skip_ahead.run_dir(name), model, asdict(result), cfg.budget())
    return result


# --- supervised fine-tuning -----------------------------------------------------------------------


def peft_type(model: torch.nn.Module) -> str:
    """Return the peft method of `model`'s default adapter ("PeftType.LORA", ...), "" if none."""
    return str(getattr(adapter_config(model), "peft_type", ""))


def is_prefix_method(model: torch.nn.Module) -> bool:
    """Return True for peft models whose method feeds key/value prefixes (prefix tuning, P-tuning
    v2)."""
    return peft_type(model).endswith("PREFIX_TUNING")


def virtual_tokens(model: torch.nn.Module) -> int:
    """Return how many soft tokens a peft prompt-learning model puts in front of the input (0 for
    other models: prefix tuning's prefixes are keys and values, not positions of the input)."""
    if peft_type(model).endswith(("PROMPT_TUNING", "P_TUNING")):
        return adapter_config(model).num_virtual_tokens
    return 0


def completion_loss(
    model: torch.nn.Module, inputs: dict, num_items: int | torch.Tensor | None = None
) -> torch.Tensor:
    """Return the next-token loss summed over the labelled positions, divided by `num_items` (by
    their count if None), projecting to the vocabulary only where some row has a label."""
    labels = inputs["labels"][:, 1:]  # position t predicts token t + 1
    positions = (labels != -100).any(dim=0).nonzero().squeeze(1)
    kwargs = {k: v for k, v in inputs.items() if k != "labels"}
    keep = positions + virtual_tokens(model)
    logits = model(**kwargs, use_cache=False, logits_to_keep=keep).logits
    targets = labels[:, positions]
    loss = torch.nn.functional.cross_entropy(
        logits.float().flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="sum"
    )
    count = (targets != -100).sum() if num_items is None else num_items
    return loss / torch.as_tensor(count, device=loss.device).clamp(min=1)


class CompletionSFTTrainer(SFTTrainer):
    """trl's SFTTrainer with `completion_loss`: off CUDA, trl's fused head scores every position
    of the padded batch (with entropy and top-1 metrics), a third of a LoRA step on 2 cores."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """Return the completion loss of `inputs`; the course's runs have no eval loop, so no
        caller asks for the outputs."""
        if return_outputs:
            raise CourseError("CompletionSFTTrainer returns the loss only; it has no outputs.")
        return completion_loss(model, inputs, num_items_in_batch)


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
    """Return a CompletionSFTTrainer for `model` (full, peft, or with hand-made modules) on
    prompt-completion `data`."""
    checkpointing = cfg.gradient_checkpointing
    if checkpointing and is_prefix_method(model):
        print(
            "Gradient checkpointing stays off: prefix tuning's key/value prefixes do not survive "
            "recomputation."
        )
        checkpointing = False
    args = sft_config(cfg, output_dir, checkpointing)
    return build_trainer(
        CompletionSFTTrainer, model, args=args, train_dataset=data, processing_class=tokenizer
    )


def train(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    data: Dataset,
    cfg: TrainConfig,
    name: str = "run",
) -> RunResult:
    """Return the RunResult of fine-tuning `model` in place on `data` with the budget `cfg`."""
    return run_training(
        lambda out: make_trainer(model, tokenizer, data, cfg, out), model, cfg, name
    )
