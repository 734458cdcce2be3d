"""Lesson 03 · Supervised fine-tuning — solutions.

Check them with: python -m tutorial_lib grade 03 --solutions
"""

from __future__ import annotations

import torch


def response_labels(
    input_ids: torch.Tensor, prompt_lengths: list[int], attention_mask: torch.Tensor
) -> torch.Tensor:
    """Return the labels for training on the response only: a copy of input_ids (batch, len) with
    -100 at the prompt tokens and at the padding.

    Row b's prompt is its first prompt_lengths[b] tokens; padding is where attention_mask is 0.
    Do not change input_ids itself.
    """
    labels = input_ids.clone()
    positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
    is_prompt = positions < torch.tensor(prompt_lengths).unsqueeze(1)
    return labels.masked_fill(is_prompt | (attention_mask == 0), -100)


def pack(sequences: list[list[int]], block_size: int, eos_id: int) -> list[list[int]]:
    """Return the sequences packed into blocks of exactly block_size token ids.

    Write every sequence followed by eos_id into one stream, cut the stream into consecutive blocks
    of block_size and drop the last block if it is incomplete.
    Example: [[1, 2, 3], [4, 5]], block_size 3, eos_id 0 -> stream 1 2 3 0 4 5 0 -> [[1, 2, 3],
    [0, 4, 5]].
    """
    stream = [token for seq in sequences for token in [*seq, eos_id]]
    full = len(stream) // block_size * block_size
    return [stream[i : i + block_size] for i in range(0, full, block_size)]


def predict_initial_loss() -> float:
    """Predict, then run: a language model with random weights (the package's tiny model, with the
    bundled tokenizer's 49,152 tokens) reads an English sentence before any training. What is its
    cross-entropy loss, in nats per token?

    Return your prediction as a number (right within 0.5 nats), then compare it with the loss
    curve of section 6, where the pretrained bundled model fine-tunes: the gap is what pretraining
    learned.
    """
    return 10.8
