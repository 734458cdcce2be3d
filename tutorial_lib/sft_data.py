"""SFT data: prompt-completion records for trl, fitted to a token budget by cutting dialogues, and
the label mask that puts the loss on the response only.

Lessons 03-05 train on dialogsum summaries, arithmetic problems (with or without a rationale) and a
mix with general instructions; every example is a conversational prompt-completion record, so trl
computes the loss on the completion (the response) only: the labels response_labels() writes out
(a test checks that they agree).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from .errors import CourseError

SUMMARY_INSTRUCTION = "Summarize this dialogue in one sentence."


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


def response_labels(
    input_ids: torch.Tensor, prompt_length: int, attention_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Return the labels that put the loss on the response only: a copy of one example's input_ids
    with -100 at its first prompt_length tokens (the prompt) and where attention_mask is 0 (padding,
    on the right).

    cross_entropy skips every position labelled -100; the other labels are the tokens themselves.
    """
    labels = input_ids.clone()
    labels[:prompt_length] = -100  # the prompt: the model reads it, but is not trained to write it
    if attention_mask is not None:
        labels[attention_mask == 0] = -100  # padding: not text at all
    return labels


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
    examples: Sequence[Example],
    tokenizer: PreTrainedTokenizerBase | None,
    max_seq_len: int | None,
    report: bool = False,
) -> tuple[list[str], list[str]]:
    """Return (prompts, responses) of the examples that fit max_seq_len tokens, dialogues shortened.

    trl truncates a prompt + completion longer than max_length from the end, which cuts the
    completion, the only tokens trained on. Here the input gives way instead: a dialogue loses
    whole turns from its end until its example fits (fit_dialogue); an example that still cannot fit
    (its summary alone is too long), or whose prompt cannot be cut (a question, an instruction), is
    dropped. Prints one line with the counts when any (always, with report=True). Without a
    tokenizer, every example is kept.
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
    if shortened or dropped or report:
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
    report: bool = False,
) -> Dataset:
    """Return dialogsum rows as prompt-completion records, fitted to max_seq_len if given
    (report=True: print how many were shortened or dropped, even none)."""
    return sft_dataset(*fit_examples(summary_examples(rows), tokenizer, max_seq_len, report))


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
