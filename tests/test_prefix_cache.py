"""The shared-prompt KV cache of generate(): same greedy answers as the plain batch, fewer tokens
run."""

import copy

import pytest
import torch
from peft import get_peft_model

from tutorial_lib import generate
from tutorial_lib.generation import MIN_SHARED_PREFIX, prefix_batch, shared_prefix_length
from tutorial_lib.peft_methods import prefix_tuning_config, prompt_tuning_config

SYSTEM = (
    "You are a patient teacher. Answer every question in one short sentence, plainly, and say so "
    "when you do not know."
)
QUESTIONS = [
    "What is the capital of France?",
    "Name a colour.",
    "Count from one to five, slowly, with a word between each number.",
    "Why?",
    "Say hello in a long friendly sentence to a learner who has just arrived.",
]
PAIRS = [(2, 2), (3, 5), (10, 7), (4, 9), (12, 30), (6, 6), (8, 1), (20, 5), (7, 7), (11, 3)]
DEMOS = "".join(f"Q: {a} + {b}?\nA: {a + b}\n\n" for a, b in PAIRS)  # over 64 shared tokens


def test_shared_prefix_length_on_hand_made_rows():
    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3]]) == 2  # one token left for each row
    assert shared_prefix_length([[1, 2], [1, 2, 3]]) == 1
    assert shared_prefix_length([[7, 2, 3], [1, 2, 3]]) == 0
    assert shared_prefix_length([[1, 2, 3]]) == 0  # a single prompt has nothing to share
    assert shared_prefix_length([[1], [1]]) == 0


def test_prefix_batch_puts_pads_between_prefix_and_rest():
    enc = prefix_batch([[1, 2, 3, 4, 5], [1, 2, 9]], shared=2, pad_id=0, device="cpu")
    assert enc["input_ids"].tolist() == [[1, 2, 3, 4, 5], [1, 2, 0, 0, 9]]
    assert enc["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 0, 0, 1]]
    # generate() numbers positions by counting the mask: the 9 sits at position 2, as unpadded
    assert (enc["attention_mask"].cumsum(-1) - 1)[1, -1] == 2


def test_chat_answers_are_identical_with_and_without_the_prefix(tiny):
    model, tok = tiny
    kwargs = dict(system=SYSTEM, max_new_tokens=8, batch_size=2, progress=False)
    plain = generate(model, tok, QUESTIONS, shared_prefix=False, **kwargs)
    shared = generate(model, tok, QUESTIONS, shared_prefix=True, **kwargs)  # the system prompt
    assert plain.shared_prefix == 0 and shared.shared_prefix > 0
    assert list(shared) == list(plain)
    assert shared.calls == plain.calls == 3
    assert shared.prompt_tokens == plain.prompt_tokens  # same tokens read, padding excluded
    assert shared.new_tokens == plain.new_tokens


def test_beam_search_reuses_the_prefix_too(tiny):
    model, tok = tiny
    kwargs = dict(system=SYSTEM, max_new_tokens=6, num_beams=2, batch_size=3, progress=False)
    plain = generate(model, tok, QUESTIONS, shared_prefix=False, **kwargs)
    assert list(generate(model, tok, QUESTIONS, shared_prefix=True, **kwargs)) == list(plain)


def test_a_short_shared_prefix_is_off_unless_forced(tiny):
    model, tok = tiny
    prompts = ["Q: 1 + 1?\nA:", "Q: 12 + 30?\nA:", "Q: 7?\nA:"]  # 'Q:' is shared, too short
    auto = generate(model, tok, prompts, chat=False, max_new_tokens=6, progress=False)
    forced = generate(
        model, tok, prompts, chat=False, max_new_tokens=6, shared_prefix=True, progress=False
    )
    assert auto.shared_prefix == 0 and 0 < forced.shared_prefix < MIN_SHARED_PREFIX
    assert list(forced) == list(auto)


def test_stop_strings_work_with_the_prefix(tiny):
    model, tok = tiny
    prompts = [DEMOS + q for q in ("Q: 6 + 1?\nA:", "Q: 9 - 4, and then add 2?\nA:")]
    kwargs = dict(chat=False, max_new_tokens=12, progress=False)
    full = generate(model, tok, prompts, **kwargs)
    plain = generate(model, tok, prompts, stop=["::"], shared_prefix=False, **kwargs)
    shared = generate(model, tok, prompts, stop=["::"], **kwargs)
    assert shared.shared_prefix >= MIN_SHARED_PREFIX
    assert list(shared) == list(plain)
    assert all("::" not in s and f.startswith(s) for f, s in zip(full, shared))
    assert shared.new_tokens < full.new_tokens  # generation ended at the stop string


def test_bundled_model_answers_are_identical_with_the_prefix(smol):
    model, tok = smol
    kwargs = dict(system=SYSTEM, max_new_tokens=10, progress=False)
    plain = generate(model, tok, QUESTIONS, shared_prefix=False, **kwargs)
    shared = generate(model, tok, QUESTIONS, shared_prefix=True, **kwargs)
    assert shared.shared_prefix > 0
    assert list(shared) == list(plain)
    stopped = generate(model, tok, QUESTIONS, stop=[","], **kwargs)
    assert list(stopped) == list(
        generate(model, tok, QUESTIONS, stop=[","], shared_prefix=False, **kwargs)
    )


UNEVEN = [
    "Hi.",
    "Tell me, in as much detail as you can manage, how a river carries sand from the mountains "
    "down to the sea, and what happens to it when the water slows at the coast.",
    "Why is the sky blue?",
]


def test_uneven_prompts_are_read_row_by_row_with_the_same_answers(smol):
    model, tok = smol  # the real model: a random one's answers barely depend on the prompt
    kwargs = dict(chat=False, max_new_tokens=8, progress=False)
    alone = [generate(model, tok, [p], **kwargs)[0] for p in UNEVEN]  # no padding at all
    batched = generate(model, tok, UNEVEN, batch_size=3, **kwargs)
    assert batched.row_prefill == 1 and list(batched) == alone
    beams = generate(model, tok, UNEVEN, batch_size=3, num_beams=2, **kwargs)
    assert beams.row_prefill == 1
    assert list(beams) == [generate(model, tok, [p], num_beams=2, **kwargs)[0] for p in UNEVEN]
    assert len(set(alone)) == len(alone)
    even = generate(model, tok, UNEVEN[1:2] * 3, batch_size=3, **kwargs)
    assert even.row_prefill == 0  # no padding: one batched forward


@pytest.mark.parametrize("method", ["prompt tuning", "prefix tuning"])
def test_prompt_learning_models_answer_as_each_prompt_alone(smol, method):
    model, tok = smol  # peft's own batch changes a padded prompt-tuned row's answer on this model
    torch.manual_seed(0)
    if method == "prompt tuning":
        config = prompt_tuning_config(8)
    else:
        config = prefix_tuning_config(8, projection=True)
    tuned = get_peft_model(copy.deepcopy(model), config)
    kwargs = dict(chat=False, max_new_tokens=8, progress=False)
    batched = generate(tuned, tok, UNEVEN, batch_size=3, **kwargs)
    assert batched.row_prefill == 1 and batched.shared_prefix == 0
    assert list(batched) == [generate(tuned, tok, [p], **kwargs)[0] for p in UNEVEN]
    beams = generate(tuned, tok, UNEVEN, batch_size=3, num_beams=2, **kwargs)
    assert list(beams) == [generate(tuned, tok, [p], num_beams=2, **kwargs)[0] for p in UNEVEN]
    assert batched.prompt_tokens == sum(len(tok(p).input_ids) for p in UNEVEN)
