"""ZeRO formulas: the paper's 7.5B / 64-GPU numbers, the stage formulas by hand, communication,
DeepSpeed's estimators."""

import pytest

from tutorial_lib.distributed.zero import (
    communication_summary,
    communication_volume,
    deepspeed_estimates,
    model_state_bytes,
    zero_table,
)
from tutorial_lib.errors import CourseError


def test_paper_figure_1_numbers():
    rows = zero_table(7.5e9, 64)
    assert [r["stage"] for r in rows] == [0, 1, 2, 3]
    assert [round(r["total_gb"], 1) for r in rows] == [120.0, 31.4, 16.6, 1.9]
    assert rows[3]["total_gb"] == pytest.approx(1.875)  # the paper's Table 1 prints it as 1.88


def test_stage_formulas_by_hand():
    phi, n = 1000, 4
    expected = {  # (params, grads, optimizer) in bytes
        0: (2 * phi, 2 * phi, 12 * phi),
        1: (2 * phi, 2 * phi, 12 * phi / n),
        2: (2 * phi, 2 * phi / n, 12 * phi / n),
        3: (2 * phi / n, 2 * phi / n, 12 * phi / n),
    }
    for stage, (p, g, o) in expected.items():
        b = model_state_bytes(phi, stage, n)
        assert (b["params"], b["grads"], b["optimizer"]) == (p, g, o)
        assert b["total"] == p + g + o
    assert [model_state_bytes(phi, s, n)["total"] for s in range(4)] == [16000, 7000, 5500, 4000]


def test_one_gpu_changes_nothing_and_stages_save_memory():
    for phi in (1000, 7.5e9):
        assert model_state_bytes(phi, 0, 1) == model_state_bytes(phi, 3, 1)
        for n in (2, 8, 64):
            totals = [model_state_bytes(phi, s, n)["total"] for s in range(4)]
            assert all(a > b for a, b in zip(totals, totals[1:]))


def test_communication_volume():
    phi = 7.5e9
    assert [communication_volume(phi, s) for s in range(4)] == [2 * phi, 2 * phi, 2 * phi, 3 * phi]
    assert communication_volume(1, 3) == 3.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: model_state_bytes(1000, 4, 2),
        lambda: model_state_bytes(1000, -1, 2),
        lambda: model_state_bytes(1000, 1, 0),
        lambda: model_state_bytes(-5, 1, 2),
        lambda: model_state_bytes(1000, 1, 2, k=-1),
        lambda: zero_table(1000, 0),
        lambda: communication_volume(1000, 5),
        lambda: communication_volume(-1, 0),
        lambda: deepspeed_estimates(1000, 0),
        lambda: deepspeed_estimates(1000, 2, n_nodes=0),
    ],
)
def test_bad_inputs_raise_course_error(call):
    with pytest.raises(CourseError):
        call()


@pytest.mark.parametrize(
    "phi,per_node,nodes", [(10**9, 8, 1), (7_500_000_000, 16, 4), (1200, 4, 1)]
)
def test_deepspeed_estimators_against_the_paper(phi, per_node, nodes):
    pytest.importorskip("deepspeed")
    n = per_node * nodes
    est = deepspeed_estimates(phi, per_node, nodes)
    # Relationships read off deepspeed/runtime/zero/stage_1_and_2.py and stage3.py (Φ divisible by N
    # here, so int() is exact):
    # ZeRO-2 on GPU: DeepSpeed 2Φ + 18Φ/N = the paper's 2Φ + 14Φ/N plus a 4Φ/N fp32 gradient
    # partition.
    assert est["zero2"]["gpu_bytes"] == model_state_bytes(phi, 2, n)["total"] + 4 * phi // n
    # ZeRO-3 on GPU, largest_layer_params=0: DeepSpeed 18Φ/N = the paper's 16Φ/N + 2Φ/N.
    assert est["zero3"]["gpu_bytes"] == model_state_bytes(phi, 3, n)["total"] + 2 * phi // n
    # Offload: ZeRO-2 keeps only the fp16 weights (2Φ) on GPU; ZeRO-3 keeps 2Φ/N, or nothing once
    # params go too.
    assert est["zero2_offload"]["gpu_bytes"] == model_state_bytes(phi, 2, n)["params"] == 2 * phi
    assert (
        est["zero3_offload_optimizer"]["gpu_bytes"]
        == model_state_bytes(phi, 3, n)["params"]
        == 2 * phi // n
    )
    assert est["zero3_offload"]["gpu_bytes"] == 0
    # CPU: the paper's 16 or 18 bytes per parameter of this node's share, padded by
    # additional_buffer_factor = 1.5.
    assert est["zero3_offload_optimizer"]["cpu_bytes"] == int(phi * 16 * (1 / nodes) * 1.5)
    assert est["zero3_offload"]["cpu_bytes"] == int(phi * 18 * (1 / nodes) * 1.5)
    # N = all GPUs, even across nodes
    assert est["zero2_offload"]["cpu_bytes"] == int(phi * max(4 * n, 16) * 1.5)
    # an fp32 copy per process while loading
    assert est["zero2"]["cpu_bytes"] == int(4 * phi * per_node * 1.5)


def test_deepspeed_largest_layer_adds_4_bytes_per_param_on_gpu():
    pytest.importorskip("deepspeed")
    base, big = (
        deepspeed_estimates(10**9, 8),
        deepspeed_estimates(10**9, 8, largest_layer_params=10**6),
    )
    for name in ("zero3", "zero3_offload_optimizer", "zero3_offload"):
        assert big[name]["gpu_bytes"] - base[name]["gpu_bytes"] == 4 * 10**6
    assert big["zero2"] == base["zero2"]


def _within(measured: float, formula: float, rel: float = 0.05) -> bool:
    return abs(measured - formula) <= rel * formula


@pytest.mark.parametrize("stage", [0, 1, 2, 3])
def test_zero_on_two_cpu_processes_matches_the_formulas(stage):
    """Run DeepSpeed ZeRO for real (torchrun, 2 processes, gloo, fp32, torch AdamW): weigh what each
    rank holds and count the elements its collectives move in one step."""
    pytest.importorskip("deepspeed")
    from tutorial_lib.distributed.probe import run_zero_probe
    from tutorial_lib.distributed.zero import PAPER_COMM_OPTIONS, fp32_adam_k

    ranks = run_zero_probe(stage, nproc=2, timeout=300, zero_options=PAPER_COMM_OPTIONS[stage])
    assert [r["rank"] for r in ranks] == [0, 1] and all(r["world_size"] == 2 for r in ranks)
    for r in ranks:
        phi = r["n_params"]
        f = model_state_bytes(phi, stage, 2, k=fp32_adam_k(stage), param_bytes=4, grad_bytes=4)
        # the acceptance: within 5%
        assert _within(r["optimizer_bytes"], f["optimizer"]), (r, f)
        assert _within(r["param_bytes"], f["params"]), (r, f)
        # Stages 0-1 hold the full gradients during backward; DeepSpeed's stage 1 then frees them
        # once reduced, so
        # afterwards it holds only its partition, like stages 2-3.
        assert _within(r["grad_peak_bytes"] if stage <= 1 else r["grad_bytes"], f["grads"]), (r, f)
        assert _within(r["grad_bytes"], 4 * phi / (1 if stage == 0 else 2)), r
        # exp_avg + exp_avg_sq
        assert r["adam_bytes"] == pytest.approx(8 * phi / (1 if stage == 0 else 2), rel=0.05)
        assert all(0 < loss < 20 for loss in r["losses"])
        ops = {row["op"]: row for row in communication_summary(r["collectives"], phi)}
        assert ops["total"]["volume_phi"] == pytest.approx(
            communication_volume(1, stage), rel=1e-5
        ), ops
        if stage == 0:
            assert ops["all_reduce"]["elements"] == phi + 1  # the gradients, and one overflow flag
        elif stage in (1, 2):  # gradients reduced to their owners, updated weights gathered: Φ + Φ
            assert ops["reduce"]["elements"] == ops["all_gather_into_tensor"]["elements"] == phi
        # weights gathered in forward and again in backward, gradients reduce-scattered: 2Φ + Φ
        else:
            assert (
                ops["all_gather_into_tensor"]["elements"] == 2 * phi
                and ops["reduce_scatter_tensor"]["elements"] == phi
            )
    assert ranks[0]["n_params"] == ranks[1]["n_params"]


def test_zero2_default_all_reduces_the_gradients():
    """DeepSpeed's default stage 2 all-reduces each gradient bucket (2Φ) before keeping its
    partition: 3Φ, not 2Φ."""
    pytest.importorskip("deepspeed")
    from tutorial_lib.distributed.probe import run_zero_probe

    r = run_zero_probe(2, nproc=2, timeout=300)[0]
    ops = {row["op"]: row for row in communication_summary(r["collectives"], r["n_params"])}
    assert ops["all_reduce"]["elements"] == r["n_params"] + 1 and "reduce" not in ops
    assert ops["total"]["volume_phi"] == pytest.approx(3, rel=1e-5)


def test_measured_vs_formula_row():
    from tutorial_lib.distributed.zero import measured_vs_formula

    phi = 1_000_000
    rank = {
        "stage": 2,
        "n_params": phi,
        "world_size": 2,
        "bf16": False,
        "param_bytes": 4 * phi,
        "grad_bytes": 2 * phi,
    }
    rank |= {"grad_peak_bytes": 4 * phi, "optimizer_bytes": 6 * phi}
    row = measured_vs_formula(rank)
    # stage 2 keeps half the 4-byte gradients
    assert row["grads MB"] == 2.0 and row["grads MB (formula)"] == 2.0
    assert row["optimizer MB (formula)"] == 6.0 and row["total MB (formula)"] == 12.0
    assert row["measured / formula"] == 1.0
    # 2 + 2 + 12 bytes, nothing partitioned
    bf16 = measured_vs_formula({**rank, "stage": 0, "bf16": True})
    assert (
        bf16["params MB (formula)"],
        bf16["grads MB (formula)"],
        bf16["optimizer MB (formula)"],
    ) == (2.0, 2.0, 12.0)
    assert bf16["grads MB"] == 4.0  # stage 0 reports the peak


def test_communication_summary_counts_an_all_reduce_twice():
    rows = communication_summary(
        [("all_reduce", 10), ("reduce", 5), ("reduce", 5), ("all_gather_into_tensor", 10)], 10
    )
    assert rows == [
        {"op": "all_reduce", "calls": 1, "elements": 10, "volume_phi": 2.0},
        {"op": "reduce", "calls": 2, "elements": 10, "volume_phi": 1.0},
        {"op": "all_gather_into_tensor", "calls": 1, "elements": 10, "volume_phi": 1.0},
        {"op": "total", "calls": 4, "elements": 30, "volume_phi": 4.0},
    ]


def test_zero_probe_failure_names_the_cause(monkeypatch):
    pytest.importorskip("deepspeed")
    from tutorial_lib.distributed.probe import run_zero_probe
    from tutorial_lib.distributed.zero import fp32_adam_k

    with pytest.raises(CourseError, match="ZeRO stage 5"):
        run_zero_probe(5)
    with pytest.raises(CourseError):
        fp32_adam_k(4)
    monkeypatch.setenv("DS_ACCELERATOR", "nope")
    with pytest.raises(CourseError, match=r"(?s)DS_ACCELERATOR must be one of.*Fix:"):
        run_zero_probe(2, timeout=120)


@pytest.mark.parametrize("stage", [0, 3])
def test_zero_in_bf16_on_cpu_gives_the_papers_bytes(stage):
    """bf16 weights and gradients with fp32 master and Adam: the paper's 2 + 2 + K=12 bytes per
    parameter, unchanged."""
    pytest.importorskip("deepspeed")
    from tutorial_lib.distributed.probe import run_zero_probe

    for r in run_zero_probe(stage, nproc=2, timeout=300, bf16=True):
        f = model_state_bytes(r["n_params"], stage, 2)  # the paper's defaults: 2, 2, K = 12
        assert _within(r["optimizer_bytes"], f["optimizer"]) and _within(
            r["param_bytes"], f["params"]
        ), (r, f)
        assert _within(r["grad_bytes"], f["grads"]), (r, f)


def test_deepspeed_skips_building_its_shared_memory_comm_op():
    pytest.importorskip("deepspeed")
    from deepspeed.comm.torch import build_shm_op

    from tutorial_lib.distributed.torchrun import skip_shm_comm_build

    skip_shm_comm_build()
    assert build_shm_op() is None  # nothing compiled: the probe and the launcher start at once
