import pytest

from tutorial_lib import CourseError, generate
from tutorial_lib.generation import chat_text

PROMPTS = [
    "What is the capital of France?",
    "Name a colour.",
    "Count from one to five.",
    "Say hello in a long friendly sentence.",
]


def test_chat_text_ends_where_the_answer_starts(tiny):
    _, tok = tiny
    text = chat_text(tok, "Hi", system="Be brief.")
    assert text.startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert text.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_batched_greedy_equals_one_prompt_at_a_time(smol):
    model, tok = smol
    batched = generate(model, tok, PROMPTS, max_new_tokens=12, batch_size=4)
    single = [generate(model, tok, [p], max_new_tokens=12)[0] for p in PROMPTS]
    assert list(batched) == single  # left padding and the attention mask change nothing
    assert batched.calls == 1 and 0 < batched.new_tokens <= 4 * 12


def test_order_is_kept_across_batches(smol):
    model, tok = smol
    out = generate(model, tok, PROMPTS, max_new_tokens=6, batch_size=2)
    assert len(out) == 4 and out.calls == 2
    assert out[0] == generate(model, tok, PROMPTS[:1], max_new_tokens=6)[0]


def test_sampling_is_seeded(tiny):
    model, tok = tiny
    a = generate(model, tok, ["Hi"] * 3, do_sample=True, temperature=1.0, max_new_tokens=5, seed=1)
    b = generate(model, tok, ["Hi"] * 3, do_sample=True, temperature=1.0, max_new_tokens=5, seed=1)
    assert list(a) == list(b) and len(set(a)) > 1  # same seed, same samples; rows differ


def test_a_bare_string_is_a_clear_error(tiny):
    model, tok = tiny
    with pytest.raises(CourseError, match="list of prompts"):
        generate(model, tok, "Hi")


def test_stop_strings_end_answers_early(smol):
    model, tok = smol
    prompts = ["Count: 1, 2, 3,", "Count: 5, 6, 7,"]
    full = generate(model, tok, prompts, chat=False, max_new_tokens=12)
    stopped = generate(model, tok, prompts, chat=False, max_new_tokens=12, stop=[","])
    assert all("," not in s for s in stopped)
    # the same text, cut at the stop string
    assert all(f.startswith(s) for f, s in zip(full, stopped))
    assert stopped.new_tokens < full.new_tokens
