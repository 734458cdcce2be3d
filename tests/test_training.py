"""The training core on the tiny model: label mask, a run that lowers the loss, atomic saves, clear
errors."""

import copy
import tempfile
import time
from pathlib import Path

import pytest
import torch
from peft import get_peft_model

from tutorial_lib import evaluation
from tutorial_lib.bench import bench_sft
from tutorial_lib.data import load_data
from tutorial_lib.errors import CourseError
from tutorial_lib.evaluation import SUMMARY_TOKENS, rouge_eval, summary_token_budget
from tutorial_lib.memory import PeakMemory, folder_mb, state_mb
from tutorial_lib.peft_methods import (
    freeze,
    lora_config,
    prefix_tuning_config,
    prompt_tuning_config,
)
from tutorial_lib.profiles import get_profile
from tutorial_lib.saving import save_atomic_folder, save_pretrained_atomic
from tutorial_lib.sft_data import (
    arithmetic_dataset,
    chat_tokens,
    mixed_dataset,
    sft_dataset,
    summary_dataset,
    summary_prompt,
)
from tutorial_lib.training import (
    RunResult,
    TrainConfig,
    completion_loss,
    make_trainer,
    train,
)

PROMPTS = ["Name a colour.", "Count to three.", "Say hi.", "Name a fruit."]
RESPONSES = ["Blue.", "One, two, three.", "Hi!", "An apple."]
FAST = TrainConfig(steps=12, batch_size=4, lr=1e-2, max_seq_len=64)


def test_loss_mask_covers_the_response_only(tiny):
    model, tok = tiny
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(
            copy.deepcopy(model), tok, sft_dataset(PROMPTS, RESPONSES), FAST, tmp
        )
        batch = trainer.data_collator([trainer.train_dataset[1]])
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    in_loss = labels != -100
    # labels are the inputs themselves, where counted
    assert torch.equal(labels[in_loss], ids[in_loss])
    first = int(in_loss.nonzero()[0])
    assert in_loss[first:].all(), (
        "the loss covers one contiguous block at the end: the assistant's reply"
    )
    assert tok.decode(ids[:first]).endswith("<|im_start|>assistant\n")
    assert tok.decode(ids[first:]).strip() == "One, two, three.<|im_end|>"


@pytest.mark.parametrize("method", ["full", "lora", "prompt tuning", "prefix tuning"])
def test_completion_loss_and_its_gradients_are_the_models_own(tiny, method):
    configs = {"lora": lora_config(r=4), "prompt tuning": prompt_tuning_config(3),
               "prefix tuning": prefix_tuning_config(3, projection=False)}
    torch.manual_seed(0)
    model = copy.deepcopy(tiny[0])
    if method in configs:
        model = get_peft_model(model, configs[method])
    for p in model.parameters():  # LoRA's B and deep prompts start at zero: no gradient to compare
        if p.requires_grad and not p.any():
            torch.nn.init.normal_(p, std=0.02)
    ids = torch.randint(5, 200, (3, 20))
    mask = torch.ones_like(ids)
    mask[1, 15:] = 0  # a padded row
    labels = ids.masked_fill(mask == 0, -100)
    labels[:, :8] = -100  # the prompts
    labels[0, :12] = -100  # rows whose completions start at different places
    inputs = dict(input_ids=ids, attention_mask=mask, labels=labels)
    params = [p for p in model.parameters() if p.requires_grad]
    own = model(**inputs).loss
    ours = completion_loss(model, inputs)
    assert ours.item() == pytest.approx(own.item(), rel=1e-5)
    for a, b in zip(torch.autograd.grad(own, params), torch.autograd.grad(ours, params)):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-6)
    n = int((labels[:, 1:] != -100).sum())
    halved = completion_loss(model, inputs, num_items=2 * n)  # gradient accumulation's divisor
    assert halved.item() == pytest.approx(own.item() / 2, rel=1e-5)


def test_training_lowers_the_loss_and_reports_costs(tiny):
    model = copy.deepcopy(tiny[0])
    result = train(model, tiny[1], sft_dataset(PROMPTS, RESPONSES), FAST, name="full")
    assert len(result.losses) == FAST.steps
    assert result.losses[-1] < 0.7 * result.losses[0]
    assert result.trainable == result.total == sum(p.numel() for p in model.parameters())
    assert result.tokens > FAST.steps * 4 * 10 and result.seconds > 0
    row = result.row()
    assert row["method"] == "full" and row["trainable %"] == 100.0
    assert not model.training


def test_state_bytes_of_lora_with_adam_are_four_copies_of_the_adapter(tiny):
    model = get_peft_model(copy.deepcopy(tiny[0]), lora_config(r=4))
    result = train(
        model,
        tiny[1],
        sft_dataset(PROMPTS, RESPONSES),
        TrainConfig(steps=1, batch_size=2, max_seq_len=64),
    )
    layers, hidden = tiny[0].config.num_hidden_layers, tiny[0].config.hidden_size
    kv = tiny[0].config.num_key_value_heads * hidden // tiny[0].config.num_attention_heads
    # q: A r*in + B out*r; v likewise with kv outputs
    lora = layers * (4 * (hidden + hidden) + 4 * (hidden + kv))
    assert result.trainable == lora
    # lora_A and lora_B in q and v of each layer; Adam keeps a 4-byte step count for each
    tensors = layers * 2 * 2
    # weight, gradient, Adam's m and v
    assert result.state_mb == pytest.approx((4 * lora * 4 + 4 * tensors) / 2**20)
    assert result.trainable_pct == pytest.approx(100 * lora / result.total)


def test_state_mb_counts_only_trainable_tensors(tiny):
    model = freeze(copy.deepcopy(tiny[0]))
    model.model.norm.weight.requires_grad_(True)
    assert state_mb(model, None) == pytest.approx(2 * model.model.norm.weight.numel() * 4 / 2**20)


def test_prefix_tuning_keeps_gradient_checkpointing_off(tiny, capsys):
    model = get_peft_model(copy.deepcopy(tiny[0]), prefix_tuning_config(4, projection=False))
    cfg = TrainConfig(steps=1, batch_size=2, max_seq_len=64, gradient_checkpointing=True)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(model, tiny[1], sft_dataset(PROMPTS, RESPONSES), cfg, tmp)
        assert trainer.args.activation_checkpointing is False
    assert "Gradient checkpointing stays off" in capsys.readouterr().out


def test_bad_inputs_get_clear_errors(tiny):
    with pytest.raises(CourseError, match="one response per prompt"):
        sft_dataset(PROMPTS, RESPONSES[:2])
    with pytest.raises(CourseError, match="empty"):
        sft_dataset([], [])
    with (
        tempfile.TemporaryDirectory() as tmp,
        pytest.raises(CourseError, match="no trainable parameters"),
    ):
        make_trainer(
            freeze(copy.deepcopy(tiny[0])), tiny[1], sft_dataset(PROMPTS, RESPONSES), FAST, tmp
        )


def test_config_follows_the_profile():
    quick = get_profile("quick")
    cfg = TrainConfig.from_profile(quick, lr=1e-3)
    assert (cfg.steps, cfg.batch_size, cfg.max_seq_len, cfg.lr) == (
        quick.train_steps,
        quick.train_batch_size,
        quick.max_seq_len,
        1e-3,
    )
    assert summary_prompt("A: hi\nB: hello").endswith("\n\nA: hi\nB: hello")


def test_adapter_save_reload_and_a_failed_save_keeps_the_good_one(tiny, tmp_path):
    model = get_peft_model(copy.deepcopy(tiny[0]), lora_config(r=4))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_()
    folder = save_pretrained_atomic(tmp_path / "adapter", model)
    assert (folder / "adapter_model.safetensors").exists() and folder_mb(folder) < 1
    good = (folder / "adapter_model.safetensors").read_bytes()

    def broken(path: Path) -> None:
        (path / "adapter_model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_atomic_folder(folder, broken)
    assert (folder / "adapter_model.safetensors").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"], (
        "no half-written folders left behind"
    )

    from peft import PeftModel

    reloaded = PeftModel.from_pretrained(copy.deepcopy(tiny[0]), folder)
    ids = tiny[1]("Hello there", return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.allclose(reloaded(ids).logits, model(ids).logits, atol=1e-5)


def test_run_result_rates():
    r = RunResult(
        name="x",
        trainable=5,
        total=20,
        seconds=2.0,
        tokens=100,
        peak_mb=1.0,
        state_mb=1.0,
        losses=[1.0, 0.5],
    )
    assert (r.trainable_pct, r.tokens_per_s, r.step_s) == (25.0, 50.0, 1.0)


def test_bench_sft_runs_both_sides_on_the_tiny_model():
    r = bench_sft(steps=1, batch_size=2, tiny=True)
    assert r["tutorial_lib"] > 0 and r["plain_sft"] > 0 and r["packed"] > 0
    assert r["ratio"] == pytest.approx(r["tutorial_lib"] / r["plain_sft"])


def test_peak_memory_sees_a_large_allocation():
    with PeakMemory("cpu") as mem:
        block = torch.ones(64 * 2**20 // 4)  # 64 MB of float32, touched
        time.sleep(0.1)  # the sampler looks every 20 ms
        del block
    assert 50 < mem.peak_mb < 200


def test_saved_tensors_counts_activations_and_checkpointing_keeps_only_the_input():
    from torch.utils.checkpoint import checkpoint

    from tutorial_lib.memory import SavedTensors

    x = torch.randn(10, 3, requires_grad=True)  # 30 floats = 120 bytes
    block = lambda t: torch.exp(torch.exp(t))  # noqa: E731  each exp saves its 120-byte output for backward
    with SavedTensors() as plain:
        block(x)
    with SavedTensors() as ckpt:
        y = checkpoint(block, x, use_reentrant=False)
    assert plain.bytes == 240 and ckpt.bytes == 120 and plain.mb == 240 / 2**20
    y.sum().backward()  # recomputed in backward: the gradient is still exp(x) * exp(exp(x))
    torch.testing.assert_close(x.grad, torch.exp(x) * torch.exp(torch.exp(x)))


# --- fitting examples to max_seq_len: the input gives way, never the target -----------------------

SHORT = {
    "dialogue": "#Person1#: Hi, Sam.\n#Person2#: Hello!",
    "summary": "#Person1# and #Person2# greet.",
}
TURNS = [
    f"#Person{1 + i % 2}#: This is turn number {i} of a long talk about the weather."
    for i in range(40)
]
LONG_TALK = {"dialogue": "\n".join(TURNS), "summary": "They talk about the weather at length."}
LONG_SUMMARY = {"dialogue": "\n".join(TURNS[:4]), "summary": "They talk about the weather. " * 20}
FIT = 120  # tokens per example: the long talk must lose turns, the long summary cannot fit at all


def targets(trainer) -> list[str]:
    """The trained (labelled) tokens of each example the trainer kept, decoded."""
    tok = trainer.processing_class
    return [
        tok.decode([t for t in ex["labels"] if t != -100]).strip() for ex in trainer.train_dataset
    ]


def test_summary_dataset_shortens_dialogues_by_whole_turns_and_drops_what_cannot_fit(tiny, capsys):
    tok = tiny[1]
    assert chat_tokens(tok, summary_prompt("x"), LONG_SUMMARY["summary"]) > FIT  # the summary alone
    data = summary_dataset([SHORT, LONG_TALK, LONG_SUMMARY], tokenizer=tok, max_seq_len=FIT)
    assert capsys.readouterr().out == (
        f"Fitting 3 examples to max_seq_len={FIT} tokens: shortened 1 dialogue(s) by their last "
        "turns, dropped 1 example(s) that cannot fit.\n"
    )
    assert (
        data.num_rows == 2
        and data[0] == sft_dataset([summary_prompt(SHORT["dialogue"])], [SHORT["summary"]])[0]
    )
    prompt, summary = data[1]["prompt"][0]["content"], data[1]["completion"][0]["content"]
    kept = prompt.removeprefix(summary_prompt("")).split("\n")
    assert (
        summary == LONG_TALK["summary"]
        and 0 < len(kept) < len(TURNS)
        and kept == TURNS[: len(kept)]
    )
    assert chat_tokens(tok, prompt, summary) <= FIT  # fits, and one more turn would not:
    assert chat_tokens(tok, summary_prompt("\n".join(TURNS[: len(kept) + 1])), summary) > FIT


def test_fitted_examples_reach_the_trainer_with_their_whole_target(tiny, capsys):
    model, tok = tiny
    cut = {
        "dialogue": "\n".join(TURNS[:3]),
        "summary": "They talk about the weather. " * 4,
    }  # 100 + 27 tokens
    rows = [SHORT, LONG_TALK, cut]
    cfg = TrainConfig(steps=1, batch_size=2, max_seq_len=FIT)
    with tempfile.TemporaryDirectory() as tmp:
        fitted = make_trainer(
            copy.deepcopy(model),
            tok,
            summary_dataset(rows, tokenizer=tok, max_seq_len=FIT),
            cfg,
            tmp,
        )
        plain = make_trainer(copy.deepcopy(model), tok, summary_dataset(rows), cfg, tmp)
    assert (
        "shortened 2 dialogue(s) by their last turns, dropped 0 example(s)"
        in capsys.readouterr().out
    )
    assert targets(fitted) == [f"{r['summary']}<|im_end|>" for r in rows]  # every target whole
    assert all(len(ex["input_ids"]) <= FIT for ex in fitted.train_dataset)
    # without fitting, trl cuts from the end: the long talk's prompt fills the row, so trl drops it
    # silently; the third keeps only the start of its summary
    short, third = targets(plain)
    assert short == f"{SHORT['summary']}<|im_end|>"
    assert cut["summary"].startswith(third) and len(third) < len(cut["summary"]) - 10


def test_siblings_drop_rows_that_cannot_be_cut_and_print_nothing_when_all_fit(tiny, capsys):
    tok = tiny[1]
    problems = [
        {"question": "What is 2 + 3?", "rationale": "2 + 3 = 5.\nThe answer is 5.", "answer": 5},
        {
            "question": "Add these numbers: " + " + ".join(["1"] * 80) + ".",
            "rationale": "80.",
            "answer": 80,
        },
    ]
    assert (
        arithmetic_dataset(problems, rationale=True, tokenizer=tok, max_seq_len=FIT).num_rows == 1
    )
    assert (
        "shortened 0 dialogue(s) by their last turns, dropped 1 example(s)"
        in capsys.readouterr().out
    )
    questions = [{"instruction": "Name a colour.", "input": "", "response": "Blue."}]
    mixed = mixed_dataset([SHORT, LONG_TALK], questions, tokenizer=tok, max_seq_len=FIT)
    assert mixed.num_rows == 3 and "Fitting 3 examples" in capsys.readouterr().out
    assert summary_dataset([SHORT], tokenizer=tok, max_seq_len=FIT).num_rows == 1
    assert capsys.readouterr().out == ""  # nothing to report


def test_fitting_errors(tiny):
    with pytest.raises(CourseError, match="both tokenizer= and max_seq_len="):
        summary_dataset([SHORT], max_seq_len=FIT)
    with pytest.raises(
        CourseError, match="None of the 1 examples fits max_seq_len=20.*raise max_seq_len"
    ):
        summary_dataset([SHORT], tokenizer=tiny[1], max_seq_len=20)


# --- evaluation: token budget from the data, multi-reference ROUGE, columns checked first -------


def cats(n: int) -> str:
    """A reference of exactly n tokens for the course tokenizer (' cat' is one token)."""
    return " cat" * n


def test_summary_token_budget_is_the_95th_percentile_of_reference_lengths(tiny):
    tok = tiny[1]
    assert len(tok(cats(60), add_special_tokens=False).input_ids) == 60
    rows = [{"dialogue": "d", "summary": cats(n)} for n in range(60, 80)]  # 20 references, 60..79
    assert summary_token_budget(tok, rows) == 78  # nearest rank: the 19th of 20 (ceil(0.95 * 20))
    assert summary_token_budget(tok, rows, quantile=1.0) == 79
    assert summary_token_budget(tok, rows, ceiling=70) == 70
    short = [
        {"dialogue": "d", "references": [cats(10), cats(30)]}
    ]  # every reference of a row counts
    assert (
        summary_token_budget(tok, short) == SUMMARY_TOKENS
        and summary_token_budget(tok, short, floor=1) == 30
    )
    course = load_data("dialogsum")["test"]  # every one of the three references of each row
    p95 = summary_token_budget(tok, course, floor=1)
    assert 30 <= p95 <= 80  # the card's summary lengths, in tokens
    assert summary_token_budget(tok, course) == max(SUMMARY_TOKENS, p95)
    with pytest.raises(CourseError, match="0 < quantile <= 1"):
        summary_token_budget(tok, rows, quantile=95)


def fake_generate(summaries: list[str], calls: list[dict]):
    """A stand-in for generate() that records its arguments and returns fixed summaries."""

    def generate(model, tokenizer, prompts, **kwargs):
        calls.append({"prompts": prompts, **kwargs})
        return summaries[: len(prompts)]

    return generate


def test_rouge_eval_scores_against_every_reference_with_the_data_budget(tiny, monkeypatch):
    calls: list[dict] = []
    generated = fake_generate(["the cat sat", "the cat sat"], calls)
    monkeypatch.setattr(evaluation, "generate", generated)
    rows = [
        {
            "dialogue": "#Person1#: A cat?",
            "summary": "a cat sat down",
            "references": ["a cat sat down", "the cat"],
        },
        {
            "dialogue": "#Person1#: The mat?",
            "summary": "the cat sat on the mat",
            "references": ["the cat sat on the mat"],
        },
    ]
    profile = get_profile("cpu")
    scores, summaries = rouge_eval(tiny[0], tiny[1], rows, profile)
    assert summaries == ["the cat sat", "the cat sat"]
    assert scores["rouge1"] == pytest.approx((4 / 5 + 2 / 3) / 2)  # the best reference: "the cat"
    assert calls[0]["max_new_tokens"] == min(profile.max_new_tokens, SUMMARY_TOKENS)
    long = [{**rows[0], "references": [cats(100)]}]
    rouge_eval(tiny[0], tiny[1], long, get_profile("cpu", max_new_tokens=128))
    assert calls[1]["max_new_tokens"] == 100  # the data's own length, under the profile's cap


def test_rouge_eval_checks_columns_before_generating(tiny, monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(evaluation, "generate", fake_generate([], calls))
    with pytest.raises(
        CourseError, match="no 'summary' column.*they have \\['dialogue', 'topic'\\]"
    ):
        rouge_eval(
            tiny[0],
            tiny[1],
            [{"dialogue": "#Person1#: Hi.", "topic": "greeting"}],
            get_profile("quick"),
        )
    with pytest.raises(
        CourseError, match="rouge_eval\\(\\) needs the column\\(s\\) \\['dialogue'\\]"
    ):
        rouge_eval(
            tiny[0], tiny[1], [{"text": "Hi.", "summary": "A greeting."}], get_profile("quick")
        )
    with pytest.raises(
        CourseError, match="arithmetic_accuracy\\(\\) needs the column\\(s\\) \\['answer'\\]"
    ):
        evaluation.arithmetic_accuracy(
            tiny[0], tiny[1], [{"question": "1 + 1?"}], max_new_tokens=8, batch_size=1
        )
    with pytest.raises(
        CourseError, match="general_eval\\(\\) needs the column\\(s\\) \\['input'\\]"
    ):
        evaluation.general_eval(
            tiny[0],
            tiny[1],
            ["Text."],
            [{"instruction": "Hi", "response": "Hello"}],
            get_profile("quick"),
        )
    assert calls == []  # nothing was generated
