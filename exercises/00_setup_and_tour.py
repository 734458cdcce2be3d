"""Lesson 00 · Setup and a tour of the model — exercises.

Implement each function (replace `raise NotImplementedError`), then check your work:
    python -m tutorial_lib grade 00      (or: make grade LESSON=00)
"""

from __future__ import annotations

import torch


def next_token_logprobs(logits: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
    """Return the log-probability the model gave each actual next token, shape (batch, len - 1).

    logits: (batch, len, vocab), the model's output for input_ids: (batch, len). The logits at
    position t predict token t + 1, so entry [b, t] of the answer is
    log_softmax(logits[b, t])[input_ids[b, t + 1]].
    """
    raise NotImplementedError


def perplexity(
    logits: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
) -> float:
    """Return the perplexity exp(mean negative log-probability of the next tokens), as a float.

    Average over the predicted tokens input_ids[:, 1:] whose attention_mask is 1 (padding does not
    count). You may use next_token_logprobs.
    """
    raise NotImplementedError


def predict_bf16_megabytes() -> float:
    """Predict, then run: how many megabytes (1 MB = 10^6 bytes) do the bundled model's weights take
    in bfloat16? It has about 134.5 million parameters (the tied embedding counted once).

    Return your prediction as a number; section 7 of the notebook measures it.
    """
    raise NotImplementedError
