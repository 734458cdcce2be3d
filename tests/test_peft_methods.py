import copy

import pytest
import torch
from peft import PeftModel, get_peft_model

from tutorial_lib import CourseError
from tutorial_lib.models import count_parameters
from tutorial_lib.peft_methods import (
    add_adapters,
    add_lora,
    linear_biases,
    lora_config,
    merge_lora,
    nearest_tokens,
    prefix_tuning_config,
    prompt_tuning_config,
    replace_linears,
    soft_prompt,
    tune_norms_only,
)

TEXT = ["The cat sat on the mat.", "Fine-tuning a small model"]


def batch_of(tok) -> dict:
    """Return a right-padded batch of TEXT with labels (padding masked out)."""
    batch = tok(TEXT, return_tensors="pt", padding=True)
    batch["labels"] = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    return batch


def logits(model, tok) -> torch.Tensor:
    """Return the model's logits on TEXT."""
    with torch.no_grad():
        return model(**tok(TEXT, return_tensors="pt", padding=True)).logits


def dims(config) -> tuple[int, int, int, int]:
    """Return (layers, hidden, q_out, kv_out): q_proj has one head_dim per attention head, k/v_proj
    one per KV head."""
    head_dim, layers = config.hidden_size // config.num_attention_heads, config.num_hidden_layers
    return (
        layers,
        config.hidden_size,
        config.num_attention_heads * head_dim,
        config.num_key_value_heads * head_dim,
    )


def test_from_scratch_lora_equals_peft_lora(tiny):
    model, tok = tiny
    torch.manual_seed(1)
    reference = get_peft_model(copy.deepcopy(model), lora_config(r=4, alpha=8))
    for name, p in reference.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)  # non-zero B, so the update really contributes
    ours = copy.deepcopy(model)
    add_lora(ours, r=4, alpha=8)
    state = {
        n.replace("base_model.model.", "").replace(".default.weight", ""): p
        for n, p in reference.named_parameters()
    }
    with torch.no_grad():
        for name, p in ours.named_parameters():
            if "lora_" in name:
                p.copy_(state[name])
    assert not torch.allclose(logits(reference, tok), logits(model, tok), atol=1e-3)
    torch.testing.assert_close(logits(ours, tok), logits(reference, tok), atol=1e-5, rtol=0)


def test_lora_at_init_is_the_base_model_and_merging_keeps_the_outputs(tiny):
    model, tok = tiny
    lora = copy.deepcopy(model)
    names = add_lora(lora, r=4, alpha=8, targets=("q_proj", "v_proj"))
    assert names == [
        f"model.layers.{i}.self_attn.{p}" for i in range(2) for p in ("q_proj", "v_proj")
    ]
    assert torch.equal(logits(lora, tok), logits(model, tok))  # B = 0: the update is exactly zero
    with torch.no_grad():
        for name, p in lora.named_parameters():
            if "lora_B" in name:
                p.normal_(std=0.1)
    unmerged = logits(lora, tok)
    assert merge_lora(lora) == 4
    assert not any("lora_" in name for name, _ in lora.named_parameters())
    torch.testing.assert_close(logits(lora, tok), unmerged, atol=1e-5, rtol=0)


def test_lora_trainable_counts_match_the_hand_count(tiny):
    model, _ = tiny
    layers, hidden, q_out, kv_out = dims(model.config)
    r = 8
    # A is (r, in), B is (out, r), for q and v
    hand = layers * (r * (hidden + q_out) + r * (hidden + kv_out))
    ours = copy.deepcopy(model)
    add_lora(ours, r=r, targets=("q_proj", "v_proj"))
    assert count_parameters(ours, trainable_only=True) == hand == 2 * (8 * 128 + 8 * 96)
    assert {name.split(".")[-1] for name, p in ours.named_parameters() if p.requires_grad} == {
        "lora_A",
        "lora_B",
    }
    a = torch.cat([p.flatten() for name, p in ours.named_parameters() if name.endswith("lora_A")])
    assert a.std().item() == pytest.approx(1 / r, rel=0.1)  # peft's "gaussian" init: std 1/r
    reference = get_peft_model(copy.deepcopy(model), lora_config(r=r))
    assert count_parameters(reference, trainable_only=True) == hand
    assert count_parameters(ours) == count_parameters(model) + hand


def test_prompt_and_prefix_trainable_counts_match_the_hand_count(tiny):
    model, _ = tiny
    layers, hidden, _, kv_dim = dims(model.config)
    n, h = 8, 128
    prompt = get_peft_model(copy.deepcopy(model), prompt_tuning_config(n))
    assert count_parameters(prompt, trainable_only=True) == n * hidden
    # peft sizes each key/value prefix for grouped-query attention: num_key_value_heads * head_dim
    # (32 here), not hidden
    prefix = get_peft_model(copy.deepcopy(model), prefix_tuning_config(n, projection=False))
    assert count_parameters(prefix, trainable_only=True) == n * layers * 2 * kv_dim
    # with projection, peft's token_dim is kv_dim too: embedding (n, kv_dim), Linear(kv_dim, h),
    # Tanh, Linear(h, layers*2*kv_dim)
    projected = get_peft_model(
        copy.deepcopy(model), prefix_tuning_config(n, projection=True, hidden=h)
    )
    out = layers * 2 * kv_dim
    assert (
        count_parameters(projected, trainable_only=True)
        == n * kv_dim + kv_dim * h + h + h * out + out
    )


@pytest.mark.parametrize("method", ["prompt", "prefix", "prefix_zero", "prefix_projection"])
def test_prompt_methods_train_only_the_prompt(tiny, method):
    model, tok = tiny
    config = {
        "prompt": prompt_tuning_config(8),
        "prefix": prefix_tuning_config(8, projection=False),
        "prefix_zero": prefix_tuning_config(8, projection=False, zero_init=True),
        "prefix_projection": prefix_tuning_config(8, projection=True),
    }[method]
    torch.manual_seed(0)
    peft_model = get_peft_model(copy.deepcopy(model), config).train()
    batch = batch_of(tok)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-2)
    losses = []
    for step in range(5):
        loss = peft_model(**batch).loss
        assert torch.isfinite(loss)
        loss.backward()
        if step == 0:
            with_grad = {name for name, p in peft_model.named_parameters() if p.grad is not None}
            assert with_grad and all(name.startswith("prompt_encoder.") for name in with_grad)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_prompt_tuning_text_init_copies_the_text_embeddings(tiny, tmp_path):
    model, tok = tiny
    tok.save_pretrained(tmp_path)  # peft loads the tokenizer itself, by name or folder
    text = "Classify the sentiment of this movie review"
    peft_model = get_peft_model(copy.deepcopy(model), prompt_tuning_config(4, text, str(tmp_path)))
    ids = tok(text)["input_ids"][:4]
    assert len(tok(text)["input_ids"]) > 4
    assert torch.equal(soft_prompt(peft_model), model.get_input_embeddings().weight[ids])
    with pytest.raises(CourseError, match="tokenizer_name_or_path"):
        prompt_tuning_config(4, text)


def test_soft_prompt_needs_prompt_tuning(tiny):
    model, _ = tiny
    with pytest.raises(CourseError, match="prompt-tuning"):
        soft_prompt(get_peft_model(copy.deepcopy(model), lora_config()))


def test_nearest_tokens_finds_the_token_itself(tiny):
    model, tok = tiny
    weight = model.get_input_embeddings().weight
    ids = tok(" Paris")["input_ids"] + tok(" hello")["input_ids"]
    nearest = nearest_tokens(weight[ids], weight, tok, k=3)
    assert [row[0] for row in nearest] == [tok.decode([i]) for i in ids]
    assert all(len(row) == 3 for row in nearest)


def test_adapter_is_the_identity_at_init_and_trains(tiny):
    model, tok = tiny
    layers, hidden, _, _ = dims(model.config)
    adapted = copy.deepcopy(model)
    assert add_adapters(adapted, bottleneck=16) == layers
    assert count_parameters(adapted, trainable_only=True) == layers * (
        hidden * 16 + 16 + 16 * hidden + hidden
    )
    assert torch.equal(logits(adapted, tok), logits(model, tok))
    optimizer = torch.optim.AdamW([p for p in adapted.parameters() if p.requires_grad], lr=1e-2)
    adapted(**batch_of(tok)).loss.backward()
    optimizer.step()
    assert not torch.allclose(logits(adapted, tok), logits(model, tok))


def test_norm_only_tuning_and_no_linear_biases(tiny):
    model, _ = tiny
    layers, hidden, _, _ = dims(model.config)
    assert linear_biases(model) == 0  # no biases, so BitFit becomes norm-only tuning
    normed = copy.deepcopy(model)
    # input/post-attention norms per layer, plus the final norm
    assert tune_norms_only(normed) == (2 * layers + 1) * hidden
    assert all("norm" in name for name, p in normed.named_parameters() if p.requires_grad)


def test_unknown_target_names_the_available_linears(tiny):
    model, _ = tiny
    with pytest.raises(CourseError, match="query.*q_proj.*v_proj"):
        replace_linears(copy.deepcopy(model), ("query",), lambda linear: linear)


@pytest.mark.parametrize("method", ["lora", "prompt"])
def test_saved_adapter_reloads_with_the_same_logits(tiny, tmp_path, method):
    model, tok = tiny
    config = lora_config(r=4) if method == "lora" else prompt_tuning_config(4)
    torch.manual_seed(0)
    peft_model = get_peft_model(copy.deepcopy(model), config)
    with torch.no_grad():
        for p in peft_model.parameters():
            if p.requires_grad:
                p.normal_(std=0.1)  # as if trained: a LoRA B of zero would make the check trivial
    peft_model.save_pretrained(tmp_path)
    reloaded = PeftModel.from_pretrained(copy.deepcopy(model), tmp_path)
    base = logits(model, tok)
    # prompt tuning prepends 4 positions
    assert not torch.allclose(logits(peft_model, tok)[:, -base.shape[1] :], base, atol=1e-3)
    torch.testing.assert_close(logits(reloaded, tok), logits(peft_model, tok), atol=1e-6, rtol=0)
