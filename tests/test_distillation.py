"""Top-k distillation: the teacher's top-k cache, the loss checked by hand and against the
full-vocabulary loss, and a student trained with and without the teacher on the same batches."""

import math

import pytest
import torch
import torch.nn.functional as F

from tutorial_lib.distillation import (
    StudentConfig,
    _lr_factor,
    distillation_loss,
    teacher_topk,
    token_chunks,
    topk_distillation_loss,
    train_student,
)
from tutorial_lib.errors import CourseError
from tutorial_lib.models import tiny_model

TEXTS = [
    "The cat sat on the mat, and the dog sat on the log. " * 6,
    "Tea is made from the leaves of a plant. " * 6,
]


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    """Return a reproducible standard-normal tensor."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def tiny():
    """Return (model, tokenizer) of a 1-layer random Llama with the real tokenizer."""
    return tiny_model(seed=0, layers=1, hidden=32)


# --- the full-vocabulary loss (Hinton et al.) -----------------------------------------------------


def test_distillation_loss_is_zero_for_identical_logits():
    logits = randn(2, 5, 11)
    assert distillation_loss(logits, logits.clone(), 2.0).item() == pytest.approx(0.0, abs=1e-6)


def test_distillation_loss_two_classes_by_hand():
    teacher, student = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    a = 1 / (1 + math.exp(-1))  # softmax([2, 0] / 2)[0]; the student's is 1/2
    kl = a * math.log(2 * a) + (1 - a) * math.log(2 * (1 - a))
    assert distillation_loss(student, teacher, temperature=2.0).item() == pytest.approx(
        4 * kl, rel=1e-5
    )


def test_distillation_loss_matches_kl_div_and_respects_the_mask():
    student, teacher = randn(2, 6, 11, seed=1), randn(2, 6, 11, seed=2)
    expected = 9 * F.kl_div(
        F.log_softmax(student / 3, -1).reshape(-1, 11),
        F.log_softmax(teacher / 3, -1).reshape(-1, 11),
        reduction="batchmean",
        log_target=True,
    )
    assert distillation_loss(student, teacher, 3.0).item() == pytest.approx(
        expected.item(), rel=1e-5
    )
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
    masked = distillation_loss(student, teacher, 3.0, mask=mask)
    kept = mask.bool()
    assert masked.item() == pytest.approx(
        distillation_loss(student[kept], teacher[kept], 3.0).item(), rel=1e-5
    )


@pytest.mark.parametrize("temperature", [1.0, 2.0, 10.0])
def test_distillation_gradient_is_t_times_the_softened_difference(temperature):
    student, teacher = randn(11, seed=1).requires_grad_(), randn(11, seed=2)
    distillation_loss(student, teacher, temperature).backward()
    expected = temperature * (
        F.softmax(student.detach() / temperature, -1) - F.softmax(teacher / temperature, -1)
    )
    assert torch.allclose(student.grad, expected, atol=1e-6)


def test_the_t_squared_factor_keeps_the_gradient_scale():
    student, teacher = randn(11, seed=1), randn(11, seed=2)
    student, teacher = (student - student.mean()).requires_grad_(), teacher - teacher.mean()
    # Hinton et al.: at high T the gradient -> (z - v) / N
    distillation_loss(student, teacher, 100.0).backward()
    assert torch.allclose(student.grad, (student.detach() - teacher) / 11, rtol=0.05, atol=1e-3)
    assert not teacher.requires_grad


# --- top-k distillation ---------------------------------------------------------------------------


def test_token_chunks_cut_the_joined_stream(tiny):
    _, tok = tiny
    chunks = token_chunks(tok, TEXTS, 16)
    ids = tok(TEXTS[0] + "\n\n").input_ids + tok(TEXTS[1] + "\n\n").input_ids
    assert chunks.shape == (len(ids) // 16, 16)
    assert chunks.flatten().tolist() == ids[: chunks.numel()]
    with pytest.raises(CourseError, match="seq_len"):
        token_chunks(tok, ["Hi"], 16)


def test_teacher_topk_is_the_largest_logits(tiny):
    model, tok = tiny
    chunks = token_chunks(tok, TEXTS, 16)[:3]
    values, indices = teacher_topk(model, chunks, k=5, batch_size=2, progress=False)
    assert values.shape == indices.shape == (3, 16, 5) and indices.dtype == torch.int64
    with torch.no_grad():
        logits = model(chunks).logits
    assert torch.allclose(values, logits.topk(5, dim=-1).values, atol=1e-5)
    assert torch.equal(logits.gather(-1, indices), values)
    assert (values[..., :-1] >= values[..., 1:]).all()  # largest first
    with pytest.raises(CourseError, match="k=0"):
        teacher_topk(model, chunks, k=0)


def test_topk_loss_with_the_whole_vocabulary_is_the_full_loss():
    student, teacher = randn(2, 5, 11, seed=1), randn(2, 5, 11, seed=2)
    top = teacher.topk(11, dim=-1)
    for temperature in (1.0, 2.0, 4.0):
        full = distillation_loss(student, teacher, temperature)
        assert topk_distillation_loss(
            student, top.values, top.indices, temperature
        ).item() == pytest.approx(full.item(), rel=1e-5)


def test_topk_loss_by_hand():
    student = torch.tensor([[0.0, 0.0, 0.0]])  # uniform: log q = -log 3 for every token
    # the teacher's top 2: token 2, then 0
    values, indices = torch.tensor([[2.0, 0.0]]), torch.tensor([[2, 0]])
    p = 1 / (1 + math.exp(-2))  # teacher renormalised over its top 2 at T = 1
    kl = p * (math.log(p) + math.log(3)) + (1 - p) * (math.log(1 - p) + math.log(3))
    assert topk_distillation_loss(student, values, indices, 1.0).item() == pytest.approx(
        kl, rel=1e-5
    )
    # a student that puts all its mass on the teacher's top 2, in the teacher's proportions, pays
    # nothing
    matched = torch.tensor([[0.0, -1e4, 2.0]])
    assert topk_distillation_loss(matched, values, indices, 1.0).item() == pytest.approx(
        0.0, abs=1e-5
    )


def test_topk_loss_mask_and_gradient():
    student, teacher = randn(2, 4, 9, seed=3).requires_grad_(), randn(2, 4, 9, seed=4)
    top = teacher.topk(3, dim=-1)
    mask = torch.tensor([[1, 1, 0, 0], [0, 0, 0, 1]])
    masked = topk_distillation_loss(student, top.values, top.indices, 2.0, mask=mask)
    kept = mask.bool()
    assert masked.item() == pytest.approx(
        topk_distillation_loss(student[kept], top.values[kept], top.indices[kept], 2.0).item(),
        rel=1e-5,
    )
    masked.backward()
    assert (student.grad[~kept] == 0).all() and (student.grad[kept] != 0).any()


def test_topk_loss_bad_inputs():
    student, top = randn(2, 5, 11), randn(2, 5, 11).topk(4, dim=-1)
    with pytest.raises(CourseError, match="must agree"):
        topk_distillation_loss(student[:, :4], top.values, top.indices)
    with pytest.raises(CourseError, match="temperature"):
        topk_distillation_loss(student, top.values, top.indices, 0.0)


def test_learning_rate_schedule():
    factors = [_lr_factor(step, 20) for step in range(20)]
    assert factors[:2] == [0.5, 1.0]  # warm-up over 20 // 10 = 2 steps
    assert factors[2] == 1.0 and factors[-1] == pytest.approx(
        0.5 * (1 + math.cos(math.pi * 17 / 18))
    )
    assert all(a >= b for a, b in zip(factors[1:], factors[2:]))  # then it only decreases


def test_train_student_with_and_without_the_teacher(tiny):
    teacher, tok = tiny
    chunks = token_chunks(tok, TEXTS, 16)
    top = teacher_topk(teacher, chunks, k=8, progress=False)
    cfg = StudentConfig(steps=6, batch_size=2, lr=1e-2, eval_every=3)
    runs = {}
    for name, cache in (("plain", None), ("plain again", None), ("distilled", top)):
        student, _ = tiny_model(seed=1, layers=1, hidden=32)
        runs[name] = train_student(student, tok, chunks, cfg, TEXTS[:1], teacher=cache, name=name)
    plain = runs["plain"]
    assert plain.eval_steps == [0, 3, 6] and len(plain.losses) == 6 and plain.seconds > 0
    assert plain.losses == runs["plain again"].losses  # same seed: same batches, same numbers
    assert (
        plain.losses[-1] < plain.losses[0] and plain.eval_perplexity[-1] < plain.eval_perplexity[0]
    )
    assert runs["distilled"].losses[0] != plain.losses[0]  # the teacher's term is in the loss
    assert not student.training
    with pytest.raises(CourseError, match="teacher_topk"):
        train_student(student, tok, chunks[:2], cfg, TEXTS[:1], teacher=top)
