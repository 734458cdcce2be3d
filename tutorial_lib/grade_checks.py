"""The checks behind `python -m tutorial_lib grade`: one per exercise, on tiny fixtures.

A check calls the learner's function and returns a short note when it is right, or raises Wrong
with a hint (what was expected, what came back). Expected values are worked out by hand in the
comments, or computed here by an independent formula; nothing depends on the package's lesson
modules, so a learner's answer is compared with the idea, not with the package's copy of it.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable

import torch
import torch.nn.functional as F

Check = Callable[[Callable], str]
NF4 = (  # QLoRA's NormalFloat4 levels (bitsandbytes' table)
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0,
)  # fmt: skip


class Wrong(Exception):
    """A learner's answer that is not right; the message is the hint the grader prints."""


def show(x: object) -> str:
    """Return a short text of a value: small tensors as rounded lists, large ones by shape."""
    if isinstance(x, torch.Tensor):
        if x.numel() > 12:
            return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
        return str(torch.round(x.detach().double(), decimals=4).tolist())
    text = repr(x)
    return text if len(text) < 120 else text[:117] + "..."


def tensor_like(got: object, want: torch.Tensor, what: str, atol: float = 1e-4) -> None:
    """Return None if `got` has want's shape and values (within atol), else raise Wrong."""
    if not isinstance(got, torch.Tensor):
        raise Wrong(f"{what}: expected a tensor of shape {tuple(want.shape)}, got {show(got)}")
    if got.shape != want.shape:
        raise Wrong(f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}")
    g, w = got.detach().double(), want.double()
    same_inf = (g == w) | (g - w).abs().le(atol + 1e-4 * w.abs())
    if not bool(same_inf.all()):
        if want.numel() > 12:
            i = int((~same_inf).flatten().nonzero()[0])
            raise Wrong(
                f"{what}: at flat index {i} expected {w.flatten()[i].item():.5g}, "
                f"got {g.flatten()[i].item():.5g}"
            )
        raise Wrong(f"{what}: expected {show(want)}, got {show(got)}")


def number(got: object, want: float, what: str, tol: float = 1e-4) -> None:
    """Return None if `got` is a number within tol of want, else raise Wrong."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise Wrong(f"{what}: expected a number ({want:.5g}), got {show(got)}")
    if not abs(got - want) <= tol:
        raise Wrong(f"{what}: expected {want:.5g}, got {got:.5g}")


def prediction(got: object, truth: float, unit: str, rel: float = 0.05, tol: float = 0.0) -> str:
    """Return the note for a prediction within rel (relative) or tol (absolute) of the truth,
    else raise Wrong saying how far off it was."""
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise Wrong(f"return your prediction as a number, got {show(got)}")
    got = float(got)
    off = got - truth
    answer = f"the answer is {truth:,.6g} {unit}".rstrip()
    if abs(off) <= max(tol, rel * abs(truth)):
        return f"({answer}; you said {got:,.6g})"
    share = f" ({off / truth:+.0%})" if truth else ""
    raise Wrong(f"{answer}; you said {got:,.6g}, off by {off:+,.6g}{share}")


def bundled_model() -> torch.nn.Module:
    """Return the bundled model's architecture (SmolLM2-135M's config.json) on the meta device."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, tie_word_embeddings=True,
    )  # fmt: skip
    with torch.device("meta"):
        return LlamaForCausalLM(config)


def bundled_params() -> int:
    """Return the bundled model's number of parameters (tied embeddings counted once)."""
    return sum(p.numel() for p in bundled_model().parameters())


# --- 00 setup and tour -------------------------------------------------------------------------

# Position 0's logits are equal (p = 1/3 each), position 1's are log(1, 2, 1) (p = 1/4, 1/2, 1/4).
LOGITS_00 = torch.tensor([[[0.0, 0.0, 0.0], [0.0, math.log(2), 0.0], [5.0, 0.0, 0.0]]])
IDS_00 = torch.tensor([[2, 1, 0]])  # token 1 follows position 0, token 0 follows position 1


def check_next_token_logprobs(fn: Callable) -> str:
    """Return '' if fn gives log p(next token) at each position, else raise Wrong."""
    want = torch.tensor([[math.log(1 / 3), math.log(1 / 4)]])
    tensor_like(fn(LOGITS_00.clone(), IDS_00.clone()), want, "log-probs of the 3-token fixture")
    logits, ids = torch.randn(2, 5, 7), torch.randint(0, 7, (2, 5))
    want = -F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")
    tensor_like(fn(logits, ids), want, "log-probs of a random (2, 5, 7) batch")
    return ""


def check_perplexity(fn: Callable) -> str:
    """Return '' if fn gives exp(mean NLL) over the unmasked next tokens, else raise Wrong."""
    number(
        fn(LOGITS_00.clone(), IDS_00.clone(), torch.ones(1, 3)),
        math.sqrt(12),
        "perplexity, no padding",
    )
    mask = torch.tensor([[1, 1, 0]])  # only token 1 (p = 1/3) counts
    number(
        fn(LOGITS_00.clone(), IDS_00.clone(), mask), 3.0, "perplexity with the last token masked"
    )
    return ""


def check_bf16_megabytes(fn: Callable) -> str:
    """Return the note of the bf16 size prediction (2 bytes per parameter), else raise Wrong."""
    return prediction(fn(), 2 * bundled_params() / 1e6, "MB")


# --- 01 in-context learning --------------------------------------------------------------------


def check_select_balanced(fn: Callable) -> str:
    """Return '' if fn picks k distinct, label-balanced, seeded random indices, else raise Wrong."""
    labels = ["pos", "neg", "neu"] * 6 + ["pos"] * 6
    for k in (2, 6, 7):
        got = fn(list(labels), k, seed=1)
        if not isinstance(got, list) or len(got) != k or len(set(got)) != k:
            raise Wrong(f"k={k}: expected a list of {k} distinct indices, got {show(got)}")
        if not all(isinstance(i, int) and 0 <= i < len(labels) for i in got):
            raise Wrong(f"k={k}: every index must be an int from 0 to {len(labels) - 1}")
        counts = Counter(labels[i] for i in got)
        if any(not k // 3 <= counts[c] <= k // 3 + 1 for c in ("pos", "neg", "neu")):
            raise Wrong(
                f"k={k} over 3 labels: each label {k // 3} or {k // 3 + 1} times, "
                f"got {dict(counts)}"
            )
    if fn(list(labels), 4, seed=3) != fn(list(labels), 4, seed=3):
        raise Wrong("the same seed gave two different selections; use random.Random(seed)")
    if len({tuple(sorted(fn(list(labels), 3, seed=s))) for s in range(8)}) == 1:
        raise Wrong("every seed gave the same demonstrations; draw them at random")
    return ""


def check_few_shot_prompt(fn: Callable) -> str:
    """Return '' if fn writes the review/sentiment template exactly, else raise Wrong."""
    demos = [("Loved it.", "positive"), ("Dull.", "negative")]
    want = (
        "Review: Loved it.\nSentiment: positive\n\nReview: Dull.\nSentiment: negative\n\n"
        "Review: Fine acting.\nSentiment:"
    )
    got = fn(demos, "Fine acting.")
    if got != want:
        raise Wrong(f"expected {want!r}, got {show(got)}")
    if fn([], "Fine acting.") != "Review: Fine acting.\nSentiment:":
        raise Wrong("with no demonstrations expected just 'Review: Fine acting.\\nSentiment:'")
    return ""


def check_label_by_logprobs(fn: Callable) -> str:
    """Return '' if fn picks the label whose token has the higher log-prob, else raise Wrong."""
    logprobs = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]))
    got = fn(logprobs, {"positive": 1, "negative": 2})  # row 0: 0.2 < 0.3, row 1: 0.3 > 0.2
    if got != ["negative", "positive"]:
        raise Wrong(
            f"expected ['negative', 'positive'] (token 3 is the best of neither), got {show(got)}"
        )
    return ""


def check_predict_demo_tokens(fn: Callable) -> str:
    """Return the note of the token-count prediction (the bundled tokenizer), else raise Wrong."""
    from .models import load_tokenizer

    guess = fn()  # first: a stub is 'not started' before anything loads
    tokenizer = load_tokenizer()
    text = "Review: A gripping, beautifully acted film.\nSentiment: positive"
    ids = tokenizer(text, add_special_tokens=False).input_ids
    shown = " ".join(repr(tokenizer.decode([i])) for i in ids)
    try:
        return f"{prediction(guess, len(ids), 'tokens', rel=0.25)}: {shown}"
    except Wrong as wrong:
        raise Wrong(f"{wrong}: {shown}") from None


# --- 02 chain of thought -----------------------------------------------------------------------


def check_extract_answer(fn: Callable) -> str:
    """Return '' if fn reads the number after the last 'the answer is', else raise Wrong."""
    cases = {
        "The answer is 42.": 42,
        "3 + 4 = 7, so the answer is 7. Wait: 3 * 4 = 12, the answer is 12": 12,
        "THE ANSWER IS: $1,250.": 1250,
        "Going down 5 floors, the answer is -3.": -3,
        "The answer is 5. Hmm, the answer is unclear.": 5,
        "I think it is 12.": None,
        "": None,
    }
    for text, want in cases.items():
        got = fn(text)
        if got != want or isinstance(got, bool):
            raise Wrong(f"for {text!r} expected {want!r}, got {show(got)}")
    return ""


def check_majority_vote(fn: Callable) -> str:
    """Return '' if fn returns the most common non-None answer, ties to the first, else Wrong."""
    cases = [([3, 5, 3, None, 5], 3), ([None, 7, 7, 2], 7), ([None, None], None), ([], None),
             ([4], 4), ([1, 2, 2, None, None, None], 2)]  # fmt: skip
    for answers, want in cases:
        got = fn(list(answers))
        if got != want:
            raise Wrong(f"for {answers} expected {want!r}, got {show(got)}")
    return ""


def check_predict_vote_accuracy(fn: Callable) -> str:
    """Return the note of the 5-vote accuracy prediction: P(Binomial(5, 0.6) >= 3)."""
    truth = sum(math.comb(5, i) * 0.6**i * 0.4 ** (5 - i) for i in range(3, 6))
    return prediction(fn(), truth, "", tol=0.03)


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
    from .models import tiny_model

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


# --- 06 reward modeling ------------------------------------------------------------------------


def check_bradley_terry_loss(fn: Callable) -> str:
    """Return '' if fn gives mean -log sigmoid(r_chosen - r_rejected), stably, else Wrong."""
    # -log sigmoid(1) = 0.31326, -log sigmoid(0) = log 2 = 0.69315: mean 0.50320
    chosen = torch.tensor([1.0, 0.0], requires_grad=True)
    loss = fn(chosen, torch.tensor([0.0, 0.0]))
    number(loss, 0.50320, "loss of margins (1, 0)")
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise Wrong("return a tensor that keeps the gradient (the reward model trains on it)")
    number(
        fn(torch.tensor([-100.0]), torch.tensor([100.0])),
        200.0,
        "loss of margin -200 (use F.logsigmoid: log(sigmoid(x)) underflows)",
        tol=1e-3,
    )
    return ""


def check_pairwise_accuracy(fn: Callable) -> str:
    """Return '' if fn gives the share of pairs with r_chosen > r_rejected, else raise Wrong."""
    chosen, rejected = torch.tensor([2.0, 1.0, 0.0, 3.0]), torch.tensor([1.0, 1.0, 1.0, 0.0])
    number(fn(chosen, rejected), 0.5, "accuracy (a tie counts as wrong)")
    return ""


def check_ranking_to_pairs(fn: Callable) -> str:
    """Return '' if fn lists every (better, worse) pair of a ranking in order, else Wrong."""
    want = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    got = fn(["a", "b", "c", "d"])
    if not isinstance(got, list) or [tuple(p) for p in got] != want:
        raise Wrong(f"for ranking ['a', 'b', 'c', 'd'] expected {want}, got {show(got)}")
    if fn(["only"]) != []:
        raise Wrong("a ranking of one response has no pairs: expected []")
    return ""


def check_predict_initial_bt_loss(fn: Callable) -> str:
    """Return the note of the prediction for equal rewards: -log sigmoid(0) = log 2."""
    return prediction(fn(), -F.logsigmoid(torch.tensor(0.0)).item(), "nats", tol=0.02)


# --- 07 RLHF with PPO --------------------------------------------------------------------------


def check_kl_shaped_rewards(fn: Callable) -> str:
    """Return '' if fn gives -beta KL per token plus the score at the last token, else Wrong."""
    logprobs = torch.tensor([[-1.0, -1.0, -1.0], [-2.0, -2.0, -2.0]])
    ref = torch.tensor([[-1.5, -1.0, -0.5], [-2.0, -1.0, -3.0]])  # KL (0.5, 0, -0.5), (0, -1, -)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    want = torch.tensor([[-0.05, 0.0, 1.05], [0.0, 2.1, 0.0]])  # -0.1 KL, score at the last real
    got = fn(torch.tensor([1.0, 2.0]), logprobs, ref, mask, 0.1)
    tensor_like(got, want, "rewards (scores 1 and 2, kl_coef 0.1, row 2 padded at the end)")
    return ""


def check_gae(fn: Callable) -> str:
    """Return '' if fn computes GAE advantages and returns (A + V), padding 0, else raise Wrong."""
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 5.0]])
    values = torch.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    # gamma 1, lam 0.5. Row 1: deltas (0, 0, 0.5) -> A = (0.125, 0.25, 0.5); row 2: deltas (0, 0.5)
    got = fn(rewards, values, mask, 1.0, 0.5)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (advantages, returns), got {show(got)}")
    tensor_like(
        got[0],
        torch.tensor([[0.125, 0.25, 0.5], [0.25, 0.5, 0.0]]),
        "advantages (gamma 1, lam 0.5)",
    )
    tensor_like(
        got[1],
        torch.tensor([[0.625, 0.75, 1.0], [0.75, 1.0, 0.0]]),
        "returns = advantages + values",
    )
    # gamma 0.5, lam 1, rewards (1, 1), values 0: A_1 = 1, A_0 = 1 + 0.5 * 1 = 1.5
    got = fn(torch.ones(1, 2), torch.zeros(1, 2), torch.ones(1, 2), 0.5, 1.0)
    tensor_like(got[0], torch.tensor([[1.5, 1.0]]), "advantages (gamma 0.5, lam 1)")
    return ""


def ppo_fixture() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (logprobs, old_logprobs, advantages) of the notebook's 4-token example."""
    old = torch.log(torch.full((1, 4), 0.5))
    new = torch.log(torch.tensor([[0.5, 0.9, 0.3, 0.9]]))  # ratios 1.0, 1.8, 0.6, 1.8
    return new, old, torch.tensor([[1.0, 1.0, 1.0, -1.0]])


def check_clipped_surrogate_loss(fn: Callable) -> str:
    """Return '' if fn gives PPO's clipped loss as a masked mean, else raise Wrong."""
    # per token max(-A r, -A clip(r)): -1, -1.2, -0.6, 1.8 -> mean -0.25; first three -0.9333
    new, old, adv = ppo_fixture()
    new.requires_grad_(True)
    loss = fn(new, old, adv, torch.ones(1, 4), 0.2)
    number(loss, -0.25, "loss of the 4-token example (eps 0.2)")
    number(
        fn(new, old, adv, torch.tensor([[1.0, 1.0, 1.0, 0.0]]), 0.2),
        -2.8 / 3,
        "loss with the last token masked",
    )
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise Wrong("return a tensor that keeps the gradient of logprobs")
    return ""


def check_predict_clipped_tokens(fn: Callable) -> str:
    """Return the note of the prediction of how many tokens the clip switches off."""
    new, old, adv = ppo_fixture()
    ratio = (new - old).exp()
    clipped = (-adv * ratio.clamp(0.8, 1.2)) > (-adv * ratio)
    return prediction(fn(), int(clipped.sum()), "token(s)", rel=0.0)


# --- 08 ZeRO and distributed -------------------------------------------------------------------


def check_zero_bytes_per_rank(fn: Callable) -> str:
    """Return '' if fn gives ZeRO's per-rank model-state bytes, else raise Wrong."""
    # the ZeRO paper's Figure 1: 7.5 B parameters on 64 GPUs
    for stage, want in enumerate((120e9, 31.40625e9, 16.640625e9, 1.875e9)):
        number(fn(7.5e9, stage, 64), want, f"stage {stage}, 7.5e9 parameters, 64 ranks", tol=1e3)
    number(fn(1e6, 1, 4, k=8), 6e6, "stage 1, 1e6 parameters, 4 ranks, K=8", tol=1)
    return ""


def check_through_fp16(fn: Callable) -> str:
    """Return '' if fn scales, casts to fp16 and unscales in fp32, else raise Wrong."""
    grad = torch.tensor([1e-8, 1.0, 1e-3])
    for scale in (1.0, 2.0**16):
        want = (grad * scale).half().float() / scale  # flushed to 0 at scale 1, inf at 2^16
        got = fn(grad.clone(), scale)
        tensor_like(got, want, f"loss scale {scale:g}", atol=0)
        if got.dtype != torch.float32:
            raise Wrong(f"return float32 (what the optimizer sees), got {got.dtype}")
    return ""


def check_predict_stage3_megabytes(fn: Callable) -> str:
    """Return the note of the stage-3 prediction: 16 bytes per parameter over 4 ranks."""
    return prediction(fn(), 16 * bundled_params() / 4 / 1e6, "MB per rank")


# --- 09 quantization ---------------------------------------------------------------------------


def check_absmax_quantize(fn: Callable) -> str:
    """Return '' if fn gives int8 codes round(w / scale) with scale max|w| / 127, else Wrong."""
    w = torch.tensor([0.5, -1.27, 0.0, 0.633, 1.0])  # scale 0.01
    got = fn(w.clone())
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (codes, scale), got {show(got)}")
    q, scale = got
    number(scale, 0.01, "scale = max|w| / 127", tol=1e-6)
    tensor_like(q, torch.tensor([50, -127, 0, 63, 100]), "codes", atol=0)
    if q.dtype != torch.int8:
        raise Wrong(f"codes must be torch.int8, got {q.dtype}")
    return ""


def check_zeropoint_quantize(fn: Callable) -> str:
    """Return '' if fn maps [min, max] onto the uint8 codes 0..255, else raise Wrong."""
    w = torch.tensor([-1.0, 0.0, 1.55, 1.0])  # scale 2.55 / 255 = 0.01, zero = 100
    got = fn(w.clone())
    if not isinstance(got, tuple) or len(got) != 3:
        raise Wrong(f"expected a tuple (codes, scale, zero), got {show(got)}")
    q, scale, zero = got
    number(scale, 0.01, "scale = (max - min) / 255", tol=1e-6)
    number(zero, 100, "zero = round(-min / scale)", tol=0)
    tensor_like(q, torch.tensor([0, 100, 255, 200]), "codes", atol=0)
    if q.dtype != torch.uint8:
        raise Wrong(f"codes must be torch.uint8, got {q.dtype}")
    return ""


def check_nf4_quantize(fn: Callable) -> str:
    """Return '' if fn finds each weight's nearest NF4 level after per-block absmax, else Wrong."""
    # block 1 / 2.0 -> (1, -0.5, 0, 0.25); block 2 / 0.1 -> (1, 1, -1, 0.5)
    w = torch.tensor([2.0, -1.0, 0.0, 0.5, 0.1, 0.1, -0.1, 0.05])
    got = fn(w.clone(), 4)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (codes, absmax), got {show(got)}")
    codes, absmax = got
    tensor_like(
        absmax.flatten() if isinstance(absmax, torch.Tensor) else absmax,
        torch.tensor([2.0, 0.1]),
        "absmax per block of 4",
    )
    tensor_like(
        codes,
        torch.tensor([15, 2, 7, 10, 15, 15, 0, 12]),
        "codes (indices into NF4_LEVELS)",
        atol=0,
    )
    w = torch.randn(64)
    blocks = w.reshape(-1, 16)
    scaled = blocks / blocks.abs().amax(1, keepdim=True)
    want = (scaled.unsqueeze(-1) - torch.tensor(NF4)).abs().argmin(-1).flatten()
    tensor_like(fn(w, 16)[0], want, "codes of 64 random weights, blocks of 16", atol=0)
    return ""


def check_predict_absmax_error(fn: Callable) -> str:
    """Return the note of the worst round-off prediction: half a step, scale / 2."""
    return prediction(fn(), 2.54 / 127 / 2, "(half a step)", rel=0.1)


CHECKS: dict[str, dict[str, Check]] = {
    "00_setup_and_tour": {
        "next_token_logprobs": check_next_token_logprobs,
        "perplexity": check_perplexity,
        "predict_bf16_megabytes": check_bf16_megabytes,
    },
    "01_in_context_learning": {
        "select_balanced": check_select_balanced,
        "few_shot_prompt": check_few_shot_prompt,
        "label_by_logprobs": check_label_by_logprobs,
        "predict_demo_tokens": check_predict_demo_tokens,
    },
    "02_chain_of_thought": {
        "extract_answer": check_extract_answer,
        "majority_vote": check_majority_vote,
        "predict_vote_accuracy": check_predict_vote_accuracy,
    },
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
    "06_reward_modeling": {
        "bradley_terry_loss": check_bradley_terry_loss,
        "pairwise_accuracy": check_pairwise_accuracy,
        "ranking_to_pairs": check_ranking_to_pairs,
        "predict_initial_bt_loss": check_predict_initial_bt_loss,
    },
    "07_rlhf_ppo": {
        "kl_shaped_rewards": check_kl_shaped_rewards,
        "gae": check_gae,
        "clipped_surrogate_loss": check_clipped_surrogate_loss,
        "predict_clipped_tokens": check_predict_clipped_tokens,
    },
    "08_zero_and_distributed": {
        "zero_bytes_per_rank": check_zero_bytes_per_rank,
        "through_fp16": check_through_fp16,
        "predict_stage3_megabytes": check_predict_stage3_megabytes,
    },
    "09_quantization": {
        "absmax_quantize": check_absmax_quantize,
        "zeropoint_quantize": check_zeropoint_quantize,
        "nf4_quantize": check_nf4_quantize,
        "predict_absmax_error": check_predict_absmax_error,
    },
}
