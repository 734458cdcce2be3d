"""Knowledge distillation on a CPU budget: a teacher's top-k next-token distributions computed once,
then a small student trained on them (or on the plain next-token labels, for comparison) with the
same data, steps and seed.

Keeping only the teacher's k most likely tokens per position ("top-k distillation") turns the
teacher's share of every step into a lookup: the teacher runs once over the training tokens, the
student's steps cost only the student. The teacher's k probabilities are renormalised to sum to one;
the student's are its full softmax over the vocabulary, read at those k tokens, so mass it puts
elsewhere still costs it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .metrics import perplexity


@dataclass
class StudentConfig:
    """How a student is trained; the distilled and the plain student share one."""

    steps: int = 200  # optimizer steps
    batch_size: int = 8  # chunks of seq_len tokens per step
    # AdamW peak learning rate (linear warm-up over a tenth of the steps, then cosine to zero)
    lr: float = 3e-3
    temperature: float = 2.0  # softens teacher and student distributions in the distillation term
    # weight of the distillation term; 1 - alpha goes to the next-token cross-entropy
    alpha: float = 0.5
    eval_every: int = 25  # steps between held-out perplexity measurements
    seed: int = 0  # batch order


@dataclass
class StudentRun:
    """What one student run measured."""

    name: str  # "distilled" or "plain", as in the tables
    seconds: float  # wall time of the training loop, evaluations excluded
    losses: list[float] = field(default_factory=list)  # training loss at every step
    # steps at which held-out perplexity was measured
    eval_steps: list[int] = field(default_factory=list)
    eval_perplexity: list[float] = field(default_factory=list)  # held-out perplexity at those steps


def token_chunks(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], seq_len: int
) -> torch.Tensor:
    """Return the texts' tokens (each text then a blank line) in rows of seq_len, (n_chunks,
    seq_len); the tail is dropped."""
    ids = torch.tensor(
        [i for text in texts for i in tokenizer(text + "\n\n").input_ids], dtype=torch.long
    )
    n = ids.numel() // seq_len
    if n == 0:
        raise CourseError(
            f"The texts hold {ids.numel()} tokens, fewer than seq_len={seq_len}; pass more text or "
            "a smaller seq_len."
        )
    return ids[: n * seq_len].reshape(n, seq_len)


@torch.no_grad()
def teacher_topk(
    teacher: PreTrainedModel,
    chunks: torch.Tensor,
    k: int,
    batch_size: int = 8,
    progress: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (float32 logits, int64 token ids) of the teacher's k most likely next tokens at every
    position, (n, seq_len, k)."""
    if not 1 <= k <= teacher.config.vocab_size:
        raise CourseError(
            f"k={k!r} must be between 1 and the vocabulary size ({teacher.config.vocab_size}); "
            "32-64 is plenty."
        )
    values, indices = [], []
    for start in tqdm(
        range(0, len(chunks), batch_size), desc="teacher top-k", disable=not progress, leave=False
    ):
        logits = teacher(chunks[start : start + batch_size].to(teacher.device)).logits.float()
        top = logits.topk(k, dim=-1)
        values.append(top.values.cpu())
        indices.append(top.indices.cpu())
    return torch.cat(values), torch.cat(indices)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    temperature: float = 2.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Return Hinton et al.'s T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the
    (unmasked) positions.

    Logits are (..., vocab) and mask (...) marks the positions that count; the teacher is detached.
    The T^2 keeps the gradient's size independent of T (softening divides it by about T^2), as in
    Distilling the Knowledge in a Neural Network (2015).
    """
    if student_logits.shape != teacher_logits.shape:
        raise CourseError(
            f"Student logits {tuple(student_logits.shape)} and teacher logits "
            f"{tuple(teacher_logits.shape)} differ; "
            "distil between models that share a tokenizer, on the same batch."
        )
    log_student = F.log_softmax(student_logits.float() / _checked(temperature), dim=-1)
    log_teacher = F.log_softmax(teacher_logits.detach().float() / temperature, dim=-1)
    return softened_kl(log_teacher, log_student, temperature, mask)


def topk_distillation_loss(
    student_logits: torch.Tensor,
    top_values: torch.Tensor,
    top_indices: torch.Tensor,
    temperature: float = 2.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Return T^2 * KL(teacher top-k || student), averaged over the (unmasked) positions.

    The teacher's distribution is softmax(top_values / T), renormalised over its k tokens; the
    student's is log_softmax(student_logits / T) over the whole vocabulary, read at top_indices.
    With k = vocabulary size this is distillation_loss exactly.
    """
    check_topk_inputs(student_logits, top_values, top_indices, temperature)
    log_teacher = F.log_softmax(top_values.float() / temperature, dim=-1)
    # the student's full softmax, read at the teacher's k tokens
    log_student = F.log_softmax(student_logits.float() / temperature, dim=-1)
    log_student = log_student.gather(-1, top_indices)
    return softened_kl(log_teacher, log_student, temperature, mask)


def _checked(temperature: float) -> float:
    """Return temperature, or raise a CourseError if it is not positive."""
    if temperature <= 0:
        raise CourseError(
            f"temperature must be positive (1 is plain softmax, 2-4 is usual); got {temperature!r}."
        )
    return temperature


def check_topk_inputs(
    student_logits: torch.Tensor,
    top_values: torch.Tensor,
    top_indices: torch.Tensor,
    temperature: float,
) -> None:
    """Raise CourseError unless the teacher's top-k matches the student's logits on every dimension
    but the last and the temperature is positive."""
    if student_logits.shape[:-1] != top_values.shape[:-1] or top_values.shape != top_indices.shape:
        raise CourseError(
            f"Student logits {tuple(student_logits.shape)}, teacher values "
            f"{tuple(top_values.shape)} and indices "
            f"{tuple(top_indices.shape)} must agree on every dimension but the last; pass the "
            "teacher's top-k of the same batch."
        )
    _checked(temperature)


def softened_kl(
    log_teacher: torch.Tensor,
    log_student: torch.Tensor,
    temperature: float,
    mask: torch.Tensor | None,
) -> torch.Tensor:
    """Return T^2 * KL(teacher || student) from log-probabilities (..., k), averaged over the
    (unmasked) positions."""
    kl = (log_teacher.exp() * (log_teacher - log_student)).sum(dim=-1)  # one value per position
    if mask is not None:
        kl = (kl * mask).sum() / mask.sum().clamp(min=1)
    return kl.mean() * temperature**2


def _lr_factor(step: int, steps: int) -> float:
    """Return the learning-rate multiplier at `step` (0-based): linear warm-up over steps // 10,
    then cosine to zero."""
    warmup = max(1, steps // 10)
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train_student(
    student: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    chunks: torch.Tensor,
    cfg: StudentConfig,
    eval_texts: Sequence[str],
    teacher: tuple[torch.Tensor, torch.Tensor] | None = None,
    name: str | None = None,
) -> StudentRun:
    """Return the StudentRun of training `student` in place on `chunks`, with the teacher's top-k or
    (None) without.

    With a teacher the loss is alpha * topk_distillation_loss + (1 - alpha) * next-token
    cross-entropy; without, the cross-entropy alone. Batches are drawn with cfg.seed, so two runs
    see the same chunks in the same order. Held-out perplexity on eval_texts (windows of the chunks'
    length, each token scored once) is measured before training, every cfg.eval_every steps and at
    the end.
    """
    if teacher is not None and teacher[0].shape[:2] != chunks.shape:
        raise CourseError(
            f"The teacher's top-k covers {tuple(teacher[0].shape[:2])} positions but the chunks "
            f"are {tuple(chunks.shape)}; "
            "compute teacher_topk on these chunks."
        )
    run = StudentRun(name or ("distilled" if teacher is not None else "plain"), 0.0)
    device, seq_len = student.device, chunks.shape[1]
    generator = torch.Generator().manual_seed(cfg.seed)
    optimizer = torch.optim.AdamW(student.parameters(), lr=cfg.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: _lr_factor(step, cfg.steps)
    )

    def evaluate(step: int) -> None:
        student.eval()
        run.eval_steps.append(step)
        run.eval_perplexity.append(
            perplexity(
                student, tokenizer, eval_texts, window=seq_len, stride=seq_len, progress=False
            )
        )
        student.train()

    evaluate(0)
    bar = tqdm(range(1, cfg.steps + 1), desc=f"student ({run.name})", leave=False)
    for step in bar:
        start = time.perf_counter()
        rows = torch.randint(len(chunks), (cfg.batch_size,), generator=generator)
        ids = chunks[rows].to(device)
        logits = student(ids).logits
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), ids[:, 1:].flatten())
        if teacher is not None:
            kd = topk_distillation_loss(
                logits, teacher[0][rows].to(device), teacher[1][rows].to(device), cfg.temperature
            )
            loss = cfg.alpha * kd + (1 - cfg.alpha) * loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        run.seconds += time.perf_counter() - start
        run.losses.append(loss.item())
        bar.set_postfix(loss=f"{run.losses[-1]:.3f}")
        if step % cfg.eval_every == 0 or step == cfg.steps:
            evaluate(step)
    student.eval()
    return run
