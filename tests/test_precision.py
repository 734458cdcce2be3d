"""choose_precision: bf16, fp16 or fp32 by the device's capability, the capability checks faked."""

import pytest
import torch

from tutorial_lib.errors import CourseError
from tutorial_lib.precision import Precision, choose_precision

# name -> (compute capability, has bf16 units)
GPUS = {
    "Tesla T4": ((7, 5), False),
    "Tesla V100-SXM2-16GB": ((7, 0), False),
    "NVIDIA A100-SXM4-40GB": ((8, 0), True),
    "NVIDIA H100 80GB HBM3": ((9, 0), True),
}


@pytest.fixture
def gpu(monkeypatch):
    """Return a function that makes torch.cuda report the GPU `name` of GPUS."""

    def fake(name: str) -> None:
        capability, bf16 = GPUS[name]
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: name)
        # torch counts the emulated bf16 of a T4 unless including_emulation=False
        supported = lambda including_emulation=True: bf16 or including_emulation  # noqa: E731
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported)

    return fake


@pytest.mark.parametrize("name", ["NVIDIA A100-SXM4-40GB", "NVIDIA H100 80GB HBM3"])
def test_bf16_where_the_gpu_has_bf16_units(gpu, name, capsys):
    gpu(name)
    p = choose_precision("cuda")
    assert (p.mode, p.dtype, p.train_dtype) == ("bf16", "bfloat16", "bfloat16")
    assert p.trainer_flags() == {"bf16": True, "fp16": False}
    assert p.torch_dtype == p.train_torch_dtype == torch.bfloat16
    line = capsys.readouterr().out
    assert line.startswith("precision: bf16") and name in line and "bf16 units" in line


@pytest.mark.parametrize("name", ["Tesla T4", "Tesla V100-SXM2-16GB"])
def test_fp16_with_fp32_master_weights_on_t4_and_v100(gpu, name, capsys):
    gpu(name)
    p = choose_precision("cuda:0")
    assert (p.mode, p.dtype, p.train_dtype) == ("fp16", "float16", "float32")
    assert p.trainer_flags() == {"bf16": False, "fp16": True}
    assert p.torch_dtype == torch.float16 and p.train_torch_dtype == torch.float32
    line = capsys.readouterr().out
    assert line.startswith("precision: fp16") and name in line
    assert "no bf16 units" in line and "loss scaling" in line and "master weights" in line


def test_fp32_on_a_cpu(capsys):
    p = choose_precision("cpu")
    assert (p.mode, p.dtype, p.train_dtype) == ("fp32", "float32", "float32")
    assert p.trainer_flags() == {"bf16": False, "fp16": False}
    assert capsys.readouterr().out.strip() == str(p) and "CPU" in str(p)


def test_fp32_below_volta(gpu, monkeypatch):
    gpu("Tesla T4")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (6, 1))
    assert choose_precision("cuda", verbose=False).mode == "fp32"


def test_quiet_prints_nothing(capsys):
    choose_precision("cpu", verbose=False)
    assert capsys.readouterr().out == ""


def test_bf16_on_a_t4_is_refused_with_what_to_use(gpu):
    gpu("Tesla T4")
    with pytest.raises(CourseError, match=r"bf16 needs .*8\.0.*Tesla T4.*7\.5.*Use 'fp16'.*'fp32'"):
        choose_precision("cuda", "bf16")


def test_fp16_on_a_cpu_is_refused_with_what_to_use():
    with pytest.raises(CourseError, match=r"fp16 .*needs a CUDA GPU.*Use 'fp32'"):
        choose_precision("cpu", "fp16")


def test_cuda_without_a_gpu_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    wanted = r"needs a CUDA GPU.*device='cpu'.*Runtime > Change runtime type"
    with pytest.raises(CourseError, match=wanted):
        choose_precision("cuda")


def test_unknown_precision_and_device_are_refused():
    with pytest.raises(CourseError, match=r"Unknown precision 'int8'.*'bf16', 'fp16' or 'fp32'"):
        choose_precision("cpu", "int8")
    with pytest.raises(CourseError, match=r"Unknown device 'tpu'.*'cpu', 'cuda' or 'cuda:N'"):
        choose_precision("tpu")


@pytest.mark.parametrize(
    "name, requested, mode",
    [
        ("NVIDIA A100-SXM4-40GB", "fp16", "fp16"),
        ("NVIDIA A100-SXM4-40GB", "float32", "fp32"),
        ("NVIDIA H100 80GB HBM3", "bfloat16", "bf16"),
        ("Tesla T4", "FP32", "fp32"),
        ("Tesla T4", "auto", "fp16"),
    ],
)
def test_a_request_the_device_can_do_is_kept(gpu, name, requested, mode):
    gpu(name)
    p = choose_precision("cuda", requested, verbose=False)
    assert p.mode == mode
    assert ("as requested" in p.reason) == (requested != "auto")


def test_bf16_on_a_cpu_is_allowed_and_says_it_is_slow():
    p = choose_precision("cpu", "bf16", verbose=False)
    assert p.mode == "bf16" and "slow" in p.reason


def test_precision_is_frozen():
    p = choose_precision("cpu", verbose=False)
    assert isinstance(p, Precision)
    with pytest.raises(AttributeError):
        p.mode = "bf16"
