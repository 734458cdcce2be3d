"""The grader's checks for lessons 03–05: supervised fine-tuning, LoRA, prefix and prompt tuning."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .common import Check, Wrong, bundled_model, prediction, show, tensor_like

# --- 03 supervised fine-tuning -----------------------------------------------------------------


def check_response_labels(fn: Callable) -> str:
    """Return '' if fn masks the prompt and the padding with -100, else raise Wrong."""
    ids = torch.tensor([[5, 6, 7, 8, 0, 0], [9, 10, 11, 12, 13, 14]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    want = torch.tensor([[-100, -100, 7, 8, -100, -100], [-100, -100, -100, -100, 13, 14]])
    kept = ids.clone()
    tensor_like(fn(ids, [2, 4], mask), want, "labels (prompts of 2 and 4 tokens)", atol=0)
    if not torch.equal(ids, kept):
        raise Wrong("input_ids were changed in place; return a new tensor (input_ids.clone())")
    return ""


def check_pack(fn: Callable) -> str:
    """Return '' if fn concatenates with EOS and cuts full blocks, else raise Wrong."""
    seqs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]  # stream: 1 2 3 0 4 5 0 6 7 8 9 0
    for block, want in ((4, [[1, 2, 3, 0], [4, 5, 0, 6], [7, 8, 9, 0]]),
                        (5, [[1, 2, 3, 0, 4], [5, 0, 6, 7, 8]])):  # fmt: skip
        got = fn([list(s) for s in seqs], block, 0)
        if not isinstance(got, list) or [list(map(int, b)) for b in got] != want:
            raise Wrong(f"block_size={block}, eos_id=0: expected {want}, got {show(got)}")
    return ""


def check_predict_initial_loss(fn: Callable) -> str:
    """Return the note of the untrained model's loss prediction, measured on the tiny model."""
    from ..models import tiny_model

    guess = fn()  # first: a stub is 'not started' before anything loads
    model, tokenizer = tiny_model(seed=0)
    text = "The quick brown fox jumps over the lazy dog. Then it sleeps under a warm sun."
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        loss = model(ids, labels=ids).loss.item()
    return prediction(guess, loss, "nats per token", tol=0.5)


# --- 04 LoRA and QLoRA -------------------------------------------------------------------------

W_04 = torch.eye(2)
A_04 = torch.tensor([[1.0, 1.0]])  # r = 1
B_04 = torch.tensor([[1.0], [2.0]])


def check_lora_forward(fn: Callable) -> str:
    """Return '' if fn computes W x + (alpha / r) B A x, else raise Wrong."""
    # x = (1, 2): W x = (1, 2), A x = 3, B A x = (3, 6), alpha / r = 2 -> (7, 14)
    x = torch.tensor([[1.0, 2.0]])
    tensor_like(
        fn(x, W_04.clone(), A_04.clone(), B_04.clone(), 2.0),
        torch.tensor([[7.0, 14.0]]),
        "r=1, alpha=2 fixture",
    )
    x, W, A, B = torch.randn(2, 3, 6), torch.randn(5, 6), torch.randn(4, 6), torch.randn(5, 4)
    tensor_like(
        fn(x, W, A, B, 8.0),
        x @ W.T + 2.0 * (x @ A.T @ B.T),
        "r=4, alpha=8 (alpha / r = 2), x of shape (2, 3, 6)",
    )
    return ""


def check_lora_merge(fn: Callable) -> str:
    """Return '' if fn returns W + (alpha / r) B A without changing W, else raise Wrong."""
    W = W_04.clone()
    tensor_like(
        fn(W, A_04.clone(), B_04.clone(), 2.0),
        torch.tensor([[3.0, 2.0], [4.0, 5.0]]),
        "merged weight, r=1, alpha=2",
    )
    if not torch.equal(W, W_04):
        raise Wrong("W was changed in place; return a new tensor, leave the base weight as it is")
    W, A, B = torch.randn(5, 6), torch.randn(4, 6), torch.randn(5, 4)
    tensor_like(fn(W, A, B, 16.0), W + 4.0 * B @ A, "merged weight, r=4, alpha=16")
    return ""


def check_predict_lora_params(fn: Callable) -> str:
    """Return the note of the LoRA parameter-count prediction: r (in + out) per adapted layer."""
    guess = fn()  # first: a stub is 'not started' before anything loads
    model = bundled_model()
    truth = sum(8 * (m.in_features + m.out_features) for name, m in model.named_modules()
                if name.endswith(("q_proj", "v_proj")))  # fmt: skip
    return prediction(guess, truth, "parameters", rel=0.02)


# --- 05 prefix and prompt tuning ---------------------------------------------------------------


def check_soft_prompt_forward(fn: Callable) -> str:
    """Return '' if fn prepends the soft prompt to every row and extends the mask, else Wrong."""
    embeds = torch.arange(12.0).reshape(2, 3, 2)
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    soft = torch.tensor([[-1.0, -2.0], [-3.0, -4.0]], requires_grad=True)
    got = fn(embeds, mask, soft)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (embeds, attention_mask), got {show(got)}")
    want = torch.cat([soft.detach().expand(2, 2, 2), embeds], dim=1)
    tensor_like(got[0], want, "embeddings (2 soft tokens before 3 real ones)")
    tensor_like(got[1], torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]), "attention mask", atol=0)
    got[0].sum().backward()
    if soft.grad is None:
        raise Wrong("no gradient reaches the soft prompt; do not detach or copy it")
    return ""


def check_bottleneck_adapter(fn: Callable) -> str:
    """Return '' if fn computes x + up(silu(down(x))), else raise Wrong."""
    # down(x) = 1 + 1 = 2, silu(2) = 2 sigmoid(2) = 1.76159, up -> (1.76159, 0), plus x
    x = torch.tensor([[1.0, 1.0]])
    args = torch.tensor([[1.0, 1.0]]), torch.zeros(1), torch.tensor([[1.0], [0.0]]), torch.zeros(2)
    tensor_like(fn(x, *args), torch.tensor([[2.76159, 1.0]]), "hidden 2, bottleneck 1 fixture")
    x, dw, db, uw, ub = (torch.randn(3, 8), torch.randn(4, 8), torch.randn(4), torch.randn(8, 4),
                         torch.randn(8))  # fmt: skip
    tensor_like(
        fn(x, dw, db, uw, ub),
        x + F.linear(F.silu(F.linear(x, dw, db)), uw, ub),
        "hidden 8, bottleneck 4, random weights",
    )
    return ""


def check_predict_prompt_tuning_params(fn: Callable) -> str:
    """Return the note of the prompt-tuning parameter prediction: 20 vectors of the hidden size."""
    guess = fn()  # first: a stub is 'not started' before anything loads
    hidden = bundled_model().config.hidden_size
    return prediction(guess, 20 * hidden, "parameters", rel=0.02)


CHECKS: dict[str, dict[str, Check]] = {
    "03_supervised_finetuning": {
        "response_labels": check_response_labels,
        "pack": check_pack,
        "predict_initial_loss": check_predict_initial_loss,
    },
    "04_lora_and_qlora": {
        "lora_forward": check_lora_forward,
        "lora_merge": check_lora_merge,
        "predict_lora_params": check_predict_lora_params,
    },
    "05_prefix_and_prompt_tuning": {
        "soft_prompt_forward": check_soft_prompt_forward,
        "bottleneck_adapter": check_bottleneck_adapter,
        "predict_prompt_tuning_params": check_predict_prompt_tuning_params,
    },
}
