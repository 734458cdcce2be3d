"""PEFT methods: LoRA and a bottleneck adapter from scratch, norm-only tuning, and the peft configs
lessons 04-05 compare."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from peft import (
    LoraConfig,
    PeftModel,
    PeftType,
    PrefixTuningConfig,
    PromptTuningConfig,
    PromptTuningInit,
    TaskType,
)
from torch import nn

from .errors import CourseError
from .models import count_parameters


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: y = W x + (alpha / r) * B A x (Hu et al.
    2021)."""

    def __init__(
        self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.base = base.requires_grad_(False)  # the pretrained weight W stays as it is
        like = {"device": base.weight.device, "dtype": base.weight.dtype}
        # Gaussian, std 1/r, as peft's "gaussian"
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features, **like) / r)
        # zero: the update B A starts at 0
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **like))
        self.scale = alpha / r
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the base layer's output plus the scaled low-rank update."""
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scale

    def merged(self) -> nn.Linear:
        """Return a plain nn.Linear with weight W + scale * B @ A: the same outputs at no extra
        inference cost."""
        linear = copy.deepcopy(self.base)
        with torch.no_grad():
            linear.weight += self.scale * self.lora_B @ self.lora_A
        return linear


def freeze(model: nn.Module) -> nn.Module:
    """Return `model` with every parameter frozen (requires_grad=False)."""
    return model.requires_grad_(False)


def replace_linears(
    model: nn.Module, targets: Sequence[str], make: Callable[[nn.Linear], nn.Module]
) -> list[str]:
    """Return the names of the nn.Linear modules named in `targets` (e.g. "q_proj"), after replacing
    each by make(linear)."""
    found = [
        (name, m)
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) and name.split(".")[-1] in targets
    ]
    if not found:
        available = sorted(
            {name.split(".")[-1] for name, m in model.named_modules() if isinstance(m, nn.Linear)}
        )
        raise CourseError(
            f"No nn.Linear named {', '.join(targets)} in the model. Its linear layers are: "
            f"{', '.join(available)}."
        )
    for name, linear in found:
        model.set_submodule(name, make(linear))
    return [name for name, _ in found]


def add_lora(
    model: nn.Module,
    r: int = 8,
    alpha: float = 16,
    targets: Sequence[str] = ("q_proj", "v_proj"),
    dropout: float = 0.0,
) -> list[str]:
    """Return the names of the layers given LoRA; everything else in `model` is frozen, only
    lora_A/lora_B train."""
    freeze(model)
    return replace_linears(model, targets, lambda linear: LoRALinear(linear, r, alpha, dropout))


def merge_lora(model: nn.Module) -> int:
    """Return how many LoRALinear layers were replaced by their merged nn.Linear."""
    names = [name for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    for name in names:
        model.set_submodule(name, model.get_submodule(name).merged())
    return len(names)


class BottleneckAdapter(nn.Module):
    """A residual bottleneck x + up(act(down(x))) (Houlsby et al. 2019), with near-identity init:
    down random, up zero."""

    def __init__(self, hidden: int, bottleneck: int = 16, activation: str = "silu") -> None:
        super().__init__()
        self.down = nn.Linear(hidden, bottleneck)
        self.act = nn.SiLU() if activation == "silu" else nn.GELU()
        self.up = nn.Linear(bottleneck, hidden)
        nn.init.zeros_(self.up.weight)  # up is zero, so at init the adapter returns x exactly
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return x plus the adapter's (initially zero) correction."""
        return x + self.up(self.act(self.down(x)))


class WithAdapter(nn.Module):
    """A module followed by an adapter: returns adapter(inner(x))."""

    def __init__(self, inner: nn.Module, adapter: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.adapter = adapter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the adapter applied to the inner module's output."""
        return self.adapter(self.inner(x))


def add_adapters(model: nn.Module, bottleneck: int = 16, activation: str = "silu") -> int:
    """Return the number of adapters inserted, one after each decoder layer's MLP; all else in
    `model` is frozen."""
    freeze(model)
    layers = model.model.layers  # LlamaForCausalLM -> LlamaModel -> decoder layers
    for layer in layers:
        weight = next(layer.mlp.parameters())
        adapter = BottleneckAdapter(model.config.hidden_size, bottleneck, activation)
        layer.mlp = WithAdapter(layer.mlp, adapter.to(device=weight.device, dtype=weight.dtype))
    return len(layers)


def tune_norms_only(model: nn.Module) -> int:
    """Return the number of trainable parameters after freezing all but the RMSNorm weights."""
    freeze(model)
    for module in model.modules():
        if type(module).__name__.endswith("RMSNorm"):
            module.weight.requires_grad_(True)
    return count_parameters(model, trainable_only=True)


def linear_biases(model: nn.Module) -> int:
    """Return the number of bias parameters in the model's nn.Linear layers (0 for Llama: BitFit has
    nothing to tune)."""
    return sum(
        m.bias.numel() for m in model.modules() if isinstance(m, nn.Linear) and m.bias is not None
    )


def lora_config(
    r: int = 8,
    alpha: float = 16,
    targets: Sequence[str] = ("q_proj", "v_proj"),
    dropout: float = 0.0,
) -> LoraConfig:
    """Return peft's LoraConfig matching add_lora (Gaussian A with std 1/r, zero B, scale alpha /
    r)."""
    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=r,
        lora_alpha=alpha,
        target_modules=list(targets),
        lora_dropout=dropout,
        init_lora_weights="gaussian",
    )


def prompt_tuning_config(
    n_tokens: int, init_text: str | None = None, tokenizer_name_or_path: str | None = None
) -> PromptTuningConfig:
    """Return peft's PromptTuningConfig: n_tokens soft tokens, initialised from init_text's
    embeddings or at random."""
    if init_text is None:
        return PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=n_tokens)
    # peft loads the tokenizer itself, with AutoTokenizer.from_pretrained
    if tokenizer_name_or_path is None:
        raise CourseError(
            "Initialising the prompt from text needs tokenizer_name_or_path (a Hub id or a local "
            "folder)."
        )
    return PromptTuningConfig(
        task_type=TaskType.CAUSAL_LM,
        num_virtual_tokens=n_tokens,
        prompt_tuning_init=PromptTuningInit.TEXT,
        prompt_tuning_init_text=init_text,  # its first n_tokens tokens, repeated if shorter
        tokenizer_name_or_path=tokenizer_name_or_path,
    )


def prefix_tuning_config(
    n_tokens: int, projection: bool, hidden: int = 128, zero_init: bool = False
) -> PrefixTuningConfig:
    """Return peft's PrefixTuningConfig: trainable keys/values for n_tokens positions in every
    layer.

    projection=True is Li & Liang's reparameterisation (an MLP of width `hidden` makes the
    prefixes); projection=False trains one key/value prefix per layer directly (P-tuning v2's deep
    prompt). peft draws those direct prefixes from N(0, 1), which can wreck a pretrained model's
    first outputs; zero_init=True starts them (or the MLP's last layer) at zero instead. The
    prefixes reach the layers as a KV cache, so this cannot be combined with gradient checkpointing.
    """
    return PrefixTuningConfig(
        task_type=TaskType.CAUSAL_LM,
        num_virtual_tokens=n_tokens,
        prefix_projection=projection,
        encoder_hidden_size=hidden,
        init_weights="zero" if zero_init else None,
    )


def soft_prompt(peft_model: PeftModel) -> torch.Tensor:
    """Return a copy of the learned prompt-tuning embeddings, shape (n_tokens, hidden)."""
    if peft_model.active_peft_config.peft_type != PeftType.PROMPT_TUNING:
        raise CourseError(
            "soft_prompt needs a prompt-tuning model, not "
            f"{peft_model.active_peft_config.peft_type}."
        )
    return peft_model.prompt_encoder[peft_model.active_adapter].embedding.weight.detach().clone()


def nearest_tokens(
    vectors: torch.Tensor, embedding_weight: torch.Tensor, tokenizer, k: int = 3
) -> list[list[str]]:
    """Return, for each vector, the k vocabulary tokens whose embeddings have the highest cosine
    similarity."""
    vectors = nn.functional.normalize(vectors.float(), dim=-1)
    vocab = nn.functional.normalize(embedding_weight.detach().float().to(vectors.device), dim=-1)
    top = (vectors @ vocab.T).topk(k, dim=-1).indices
    return [[tokenizer.decode([i]) for i in row.tolist()] for row in top]


