# %% [markdown]
# # 08 · ZeRO and distributed training
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/08_zero_and_distributed.ipynb)
#
# Every lesson so far trained on one device. This one asks where training memory goes and what to do when a
# model no longer fits: the answer the field settled on is **data parallelism with the model states
# sharded**, ZeRO. This lesson:
#
# 1. counts the memory of training with Adam, (2 + 2 + K)Φ, and checks the count on the bundled model,
# 2. runs **DeepSpeed ZeRO stages 0–3 for real** as a 2-process job and weighs what each process holds,
#    next to the paper's formulas and DeepSpeed's own estimators,
# 3. counts the elements every collective moves in one step and compares them with the paper's 2Φ / 2Φ / 2Φ / 3Φ,
# 4. looks at ZeRO-Offload, mixed precision (an fp16 gradient underflow, cured by loss scaling) and
#    gradient checkpointing's memory-for-time trade,
# 5. ends with the course's answer to "my model no longer fits one machine": shipped DeepSpeed configs and
#    the command that runs lesson 03's fine-tuning on several GPUs or nodes, run here on 2 CPU processes.

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
# The multi-process jobs run a tiny Llama (2 layers, hidden 64, a few million parameters, most of them in the two
# 49k-token embedding matrices): the byte counts follow the same formulas at any size, and four ZeRO runs then take
# seconds each. Sections 2, 7 and 8 use the bundled model itself.
#
# **Units.** Every MB in this lesson is 10⁶ bytes and every GB 10⁹ bytes, in prose, tables and plots, as in the ZeRO paper (Rajbhandari et al., 2020). (The training tables of lessons 03–07 count MB as 2²⁰ bytes.)

# %%
import json
import time

from tutorial_lib import lesson_plan, load_data, load_model, record
from tutorial_lib.distributed.launch import launch_command, run_sft_launch
from tutorial_lib.distributed.probe import ds_config, run_zero_probe
from tutorial_lib.distributed.zero import (
    GB,
    PAPER_COMM_OPTIONS,
    check_setup,
    communication_summary,
    communication_volume,
    deepspeed_estimates,
    measured_vs_formula,
    zero_table,
)
from tutorial_lib.generation import forward_ms
from tutorial_lib.memory import SavedTensors
from tutorial_lib.models import count_parameters
from tutorial_lib.plots import grouped_bars, log2_histogram, zero_memory_vs_gpus
from tutorial_lib.report import project_root

import pandas as pd
import torch
from tqdm.auto import tqdm

plan = lesson_plan("08", profile, source=data, dry_run=dry_run, seed=seed)

cfg = plan.sizes  # batch and seq_len of sections 2, 7, 8; the ZeRO probe's and the SFT run's processes
model, tok = load_model(plan, dtype="float32")  # fp32 here, whatever the profile: section 2 weighs fp32 training
phi = count_parameters(model)
print(f"{plan.name} profile | {plan.model}: Φ = {phi / 1e6:.1f} M parameters | {cfg}")

# %% [markdown]
# ## 2. Where training memory goes: (2 + 2 + K)Φ
#
# **Exercises:** [exercises/08_zero_and_distributed.py](../exercises/08_zero_and_distributed.py) — run `python -m tutorial_lib grade 08` to check them.
#
# Mixed-precision training with Adam (Rajbhandari et al., *ZeRO*, 2020) keeps, for each of the Φ parameters:
#
# | what | bytes per parameter |
# | --- | --- |
# | fp16/bf16 weights (forward and backward run in them) | 2 |
# | fp16/bf16 gradients | 2 |
# | optimizer states: fp32 master weights, Adam momentum and variance | K = 4 + 4 + 4 = 12 |
#
# so (2 + 2 + K)Φ = 16Φ bytes of **model states**, on every GPU of plain data parallelism. Activations, temporary
# buffers and fragmentation come on top. ZeRO shards the model states over the N data-parallel GPUs:
# stage 1 the optimizer states (P_os), stage 2 also the gradients (P_os+g), stage 3 also the weights (P_os+g+p).
# The formula is three lines, one per kind of model state, each divided by N from the stage that shards it:

# %%
# Same as tutorial_lib.distributed.zero (a test keeps the two identical): edit it and re-run to experiment.
ADAM_K = 12  # bytes of optimizer state per parameter: fp32 master weight + momentum + variance


def model_state_bytes(
    n_params: float,
    stage: int,
    n_gpus: int,
    k: float = ADAM_K,
    param_bytes: float = 2,
    grad_bytes: float = 2,
) -> dict[str, float]:
    """Return the per-GPU bytes of {params, grads, optimizer, total} at this ZeRO stage (the paper's
    formulas).

    stage 0: (2 + 2 + K)Φ;  stage 1: 2Φ + 2Φ + KΦ/N;  stage 2: 2Φ + (2 + K)Φ/N;
    stage 3: (2 + 2 + K)Φ/N.
    """
    check_setup(n_params, n_gpus, stage, k=k, param_bytes=param_bytes, grad_bytes=grad_bytes)
    params = n_params * param_bytes / (n_gpus if stage >= 3 else 1)
    grads = n_params * grad_bytes / (n_gpus if stage >= 2 else 1)
    optimizer = n_params * k / (n_gpus if stage >= 1 else 1)
    return {
        "params": params,
        "grads": grads,
        "optimizer": optimizer,
        "total": params + grads + optimizer,
    }


# %%
totals = [model_state_bytes(7.5e9, stage, n_gpus=64)["total"] / GB for stage in range(4)]
assert [round(t, 1) for t in totals] == [120.0, 31.4, 16.6, 1.9]  # the ZeRO paper's Figure 1
paper = pd.DataFrame(zero_table(7.5e9, n_gpus=64)).round(1)  # the same formula, part by part
paper

# %% [markdown]
# Those are the paper's numbers (Rajbhandari et al., 2020) for a 7.5B-parameter model on 64 GPUs: 120 GB per GPU for plain data
# parallelism, which fits no GPU, down to 1.9 GB with all three shardings. (The paper's GB are 10⁹ bytes.)
# The curve over N shows why stage 3 is the one that scales: its memory falls as 1/N, the others level off
# at what they do not shard.

# %%
fig_scaling = zero_memory_vs_gpus(7.5e9, [2**i for i in range(11)], budget_gb=80, title="7.5B parameters, mixed-precision Adam")

# %% [markdown]
# ### Check the count on the bundled model
#
# Our lessons train in fp32, where the weights and gradients take 4 bytes each and Adam's two moments 8:
# no separate master copy is needed, so K = 8 and the total is again 16 bytes per parameter. One real
# optimizer step on the bundled model, then we weigh each tensor:

# %%
texts = load_data("general_text", source=plan.source)["train"]["text"][: cfg.batch]
batch = tok(texts, return_tensors="pt", truncation=True, max_length=cfg.seq_len, padding="max_length")
batch["labels"] = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
batch = batch.to(model.device)
model.train()
model.config.use_cache = False
loss = model(**batch).loss
loss.backward()
grads_fp32 = torch.cat([p.grad.flatten() for p in model.parameters()]).cpu()  # kept for section 7
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
optimizer.step()


def tensor_bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


measured = {
    "weights": tensor_bytes(model.parameters()),
    "gradients": tensor_bytes(p.grad for p in model.parameters()),
    "Adam states": tensor_bytes(v for s in optimizer.state.values() for v in s.values() if v.dim() > 0),
}
bundled = pd.DataFrame(
    {"measured MB": {k: v / 1e6 for k, v in measured.items()}, "bytes per parameter": {k: v / phi for k, v in measured.items()}}
)
bundled.loc["total"] = bundled.sum()
assert abs(bundled.loc["total", "bytes per parameter"] - 16) < 1e-6
print(f"{bundled.loc['total', 'measured MB'] / 1e3:.2f} GB of model states for {phi / 1e6:.0f} M parameters")
bundled.round(2)

# %% [markdown]
# Exactly 4 + 4 + 8 = 16 bytes per parameter, before a single activation. A model a thousand times larger needs
# a thousand times that, and no single GPU holds it: this is the memory ZeRO shards.
#
# ## 3. Data parallelism: DP and DDP
#
# Data parallelism gives every worker a full copy of the model and a different slice of the batch; after backward
# the gradients are averaged so every copy takes the same step. PyTorch has had two versions:
#
# | | `nn.DataParallel` (DP) | `DistributedDataParallel` (DDP) |
# | --- | --- | --- |
# | processes | one Python process, one thread per GPU | one process per GPU (or CPU worker), any number of machines |
# | each step | scatter the batch from GPU 0, **copy the model to every GPU**, gather outputs and the loss back on GPU 0 | nothing copied: each process keeps its replica in sync by averaging gradients |
# | gradient sync | summed onto GPU 0, weights broadcast again | **all-reduce** in buckets, overlapped with the backward pass |
# | limits | the GIL; GPU 0 does more work and holds more memory | one node's failure stops the job |
#
# DDP is what everything else builds on, DeepSpeed included: ZeRO stage 0 below is DDP with DeepSpeed's engine.
# Its one collective is the all-reduce, which a ring implementation splits into a reduce-scatter and an
# all-gather, each moving about Φ elements per GPU: **2Φ per step**.
#
# ## 4. ZeRO stages 0–3 with DeepSpeed, for real
#
# `run_zero_probe(stage)` launches `torch.distributed.run` with 2 processes on this machine (the `gloo`
# backend on CPU; `nccl` between GPUs). Each process builds the tiny Llama, hands it to `deepspeed.initialize`
# with the config below, trains a few steps, then weighs what it holds: its weights (at stage 3 only its shard),
# its gradients, DeepSpeed's fp32 master weights and Adam's moments. The config, for stage 2:

# %%
print(json.dumps(ds_config(2, zero_options=PAPER_COMM_OPTIONS[2]), indent=1))

# %% [markdown]
# `PAPER_COMM_OPTIONS` sets two switches that make DeepSpeed communicate as the paper describes (section 5 shows
# why they matter). The probe is plumbing: `main` in `tutorial_lib/distributed/probe.py`, which each
# process runs. Each process
#
# 1. joins the job (`deepspeed.init_distributed`, gloo) and wraps DeepSpeed's communication backend so that
#    it counts the elements every collective moves,
# 2. builds the tiny Llama (embeddings untied, so that every weight belongs to one module) and hands it to
#    `deepspeed.initialize` with the config above,
# 3. trains 3 steps on random tokens (a different batch on each rank), counting the collectives of the
#    last step only, and weighs its gradients between that step's backward and its optimizer step,
# 4. weighs what it holds (its weights, at stage 3 only its shard; the fp32 master weights; Adam's
#    moments) and writes it all to a JSON file, which `run_zero_probe` reads back.

# %%
runs = {}
for stage in tqdm(range(4), desc="ZeRO jobs (2 processes each)"):
    start = time.perf_counter()
    runs[stage] = run_zero_probe(stage, nproc=cfg.nproc, zero_options=PAPER_COMM_OPTIONS[stage])
    print(f"stage {stage}: {time.perf_counter() - start:.0f} s, losses {[round(x, 2) for x in runs[stage][0]['losses']]}")
runs["bf16"] = run_zero_probe(3, nproc=cfg.nproc, bf16=True)
probe_phi = runs[0][0]["n_params"]
assert all(r["n_params"] == probe_phi for ranks in runs.values() for r in ranks)
zero_memory = pd.DataFrame([measured_vs_formula(ranks[0]) for ranks in runs.values()])
zero_memory.round(2)

# %% [markdown]
# Every measured column equals the formula's, rank by rank (the table shows rank 0; the assertion below checks
# both). Three details the formulas hide, all visible in the run:
#
# - **fp32 stages 1–3 have K = 12, not 8.** ZeRO keeps its own fp32 master copy of each shard even when the
#   model's weights are already fp32, so sharding the optimizer costs 4 extra bytes per parameter before it saves
#   anything; with N = 2 processes stage 1 holds 4 + 4 + 12/2 = 14 bytes per parameter against stage 0's 16.
# - **Gradients at stages 0–1 are counted at their peak.** Stage 1 keeps the whole gradient until backward ends,
#   then frees what it does not own; stage 2 reduces buckets during backward and keeps only its partition. (With
#   DeepSpeed's default 5·10⁸-element bucket the whole tiny model is one bucket, so here the full gradient
#   exists for a moment even at stage 2; on a 7.5B model the peak is one bucket.)
# - **The bf16 row is the paper's accounting**: 2 bytes of weight, 2 of gradient, 12 of optimizer state.

# %%
for ranks in runs.values():
    for r in ranks:
        assert abs(measured_vs_formula(r)["measured / formula"] - 1) < 0.05, measured_vs_formula(r)
zero_memory[["stage", "precision", "total MB", "total MB (formula)", "measured / formula"]].round(3)

# %% [markdown]
# ### DeepSpeed's own estimators
#
# DeepSpeed ships `estimate_zero2_model_states_mem_needs` and `estimate_zero3_model_states_mem_needs`. They do not
# use the paper's formula: stage 2 counts 2Φ + 18Φ/N on the GPU (fp16 gradients, fp32 gradients, master
# weights and Adam: 2 + 4 + 4 + 8 = 18, against the paper's 2 + 12), and stage 3 adds 4 bytes for each parameter of
# the largest layer, gathered whole during its forward. For 7.5B parameters on 64 GPUs (8 nodes of 8), with a
# 4096 × 50k embedding as the largest layer:

# %%
est = deepspeed_estimates(int(7.5e9), n_gpus_per_node=8, n_nodes=8, largest_layer_params=4096 * 50_000)
estimators = pd.DataFrame(
    [
        {"stage": 2, "paper GB per GPU": model_state_bytes(7.5e9, 2, 64)["total"] / GB, "DeepSpeed GB per GPU": est["zero2"]["gpu_bytes"] / GB},
        {"stage": 3, "paper GB per GPU": model_state_bytes(7.5e9, 3, 64)["total"] / GB, "DeepSpeed GB per GPU": est["zero3"]["gpu_bytes"] / GB},
    ]
).round(2)
estimators

# %% [markdown]
# ## 5. Communication volume
#
# Sharding is not free: someone has to send each GPU the pieces it does not hold. The probe wraps every
# collective of `deepspeed.comm` (all-reduce, reduce, reduce-scatter, all-gather, broadcast) and records the
# elements it covers during one training step. The paper counts an all-reduce as 2Φ (a reduce-scatter and an
# all-gather) and every other collective once; a ring moves (N − 1)/N of that per GPU, which the paper rounds to 1.

# %%
runs["stage 2, DeepSpeed defaults"] = run_zero_probe(2, nproc=cfg.nproc)
runs["stage 3, DeepSpeed defaults"] = run_zero_probe(3, nproc=cfg.nproc)
comm_rows, volumes = [], {}
for name, ranks in runs.items():
    if name == "bf16":
        continue
    r = ranks[0]
    summary = communication_summary(r["collectives"], r["n_params"])
    label = f"stage {name}, paper options" if isinstance(name, int) else name
    volumes[label] = summary[-1]["volume_phi"]
    comm_rows.append(
        {
            "run": label,
            "collectives (elements / Φ)": ", ".join(
                f"{s['op']} {s['elements'] / r['n_params']:.2f}" for s in summary[:-1] if s["elements"] > 1
            ),
            "volume (Φ)": summary[-1]["volume_phi"],
            "paper (Φ)": communication_volume(1, r["stage"]),
        }
    )
communication = pd.DataFrame(comm_rows).round(3)
communication

# %% [markdown]
# (One-element all-reduces, DeepSpeed's check for inf/NaN gradients, are left out of the list; they are in the volume.)
# With the paper's options the counts are the paper's: stage 0 all-reduces the gradients (2Φ); stages 1 and 2
# **reduce** each gradient bucket only to the process that owns it (Φ) and all-gather the updated weights (Φ): 2Φ,
# no more than plain data parallelism. Stage 3 all-gathers every weight before it is used in forward, again in
# backward, and reduce-scatters the gradients: 3Φ, 1.5× the traffic. (A weight two modules share, like a tied
# embedding, is gathered once per module that uses it.)
#
# DeepSpeed's defaults make different trades:
#
# - `use_multi_rank_bucket_allreduce: true` **all-reduces** each gradient bucket at stages 1–2 and each process
#   keeps its part: 2Φ instead of Φ, so 3Φ in all. One all-reduce is often faster than N reduces, even with more bytes.
# - `stage3_max_live_parameters` and `stage3_max_reuse_distance` (10⁹ each) let stage 3 **keep gathered weights**
#   between forward and backward while fewer than 10⁹ are live: the whole tiny model stays gathered, so its weights
#   cross the wire once (2Φ in all) but are not sharded during the step. On a model above 10⁹ parameters the
#   weights are released and gathered again.

# %%
bars = {f"stage {s}": {"paper": communication_volume(1, s), "measured, paper options": volumes[f"stage {s}, paper options"]} for s in range(4)}
for s in (2, 3):
    bars[f"stage {s}"]["measured, DeepSpeed defaults"] = volumes[f"stage {s}, DeepSpeed defaults"]
fig_comm = grouped_bars(bars, ylabel="elements moved per step (× Φ)", title="Communication per training step")

# %% [markdown]
# ## 6. ZeRO-Offload: the optimizer on the CPU
#
# When sharding over the GPUs one has is not enough, ZeRO-Offload moves the fp32 optimizer states (the K = 12 of
# 16 bytes) and the Adam update itself to CPU memory: each step sends the fp16 gradients down and the updated fp16
# weights back up (2Φ + 2Φ over PCIe), and the CPU runs Adam (DeepSpeed's vectorised `DeepSpeedCPUAdam`).
# ZeRO-3 can offload the weights too. DeepSpeed's estimators, for 7.5B parameters on one node of 8 GPUs:

# %%
one_node = deepspeed_estimates(int(7.5e9), n_gpus_per_node=8, largest_layer_params=4096 * 50_000)
offload = pd.DataFrame(
    [{"config": name, "GPU GB per GPU": v["gpu_bytes"] / GB, "CPU GB per node": v["cpu_bytes"] / GB} for name, v in one_node.items()]
).round(1)
gpu_gb = offload.set_index("config")["GPU GB per GPU"]
print(f"stage 2: {gpu_gb['zero2']} -> {gpu_gb['zero2_offload']} GB per GPU with the optimizer offloaded; "
      f"stage 3: {gpu_gb['zero3']} -> {gpu_gb['zero3_offload']} GB with the weights offloaded too")
offload

# %% [markdown]
# Offloading the optimizer at stage 2 leaves only the fp16 weights (2Φ) on each GPU, and full offload at stage 3
# only the largest layer, gathered: paid for with hundreds of GB of CPU memory per node and PCIe traffic every step. `configs/zero3_offload.json` is the shipped config. On this CPU-only machine the optimizer already lives in
# CPU memory, so there is nothing to measure; on a GPU compare `torch.cuda.max_memory_allocated()` of the SFT run in
# section 9 with `configs/zero3.json` and with `configs/zero3_offload.json`.
#
# ## 7. Mixed precision: fp16 underflow and loss scaling
#
# Training in 16-bit halves the weights and activations and runs on tensor cores, but fp16 has 5 exponent bits:
# its smallest positive number is the subnormal 2⁻²⁴, anything below 2⁻²⁵ (half of it) rounds to zero, and
# anything above 65504 overflows. bf16 keeps fp32's 8 exponent bits and gives up
# mantissa instead:

# %%
formats = pd.DataFrame(
    [
        {
            "dtype": str(dt).replace("torch.", ""),
            "largest": torch.finfo(dt).max,
            "smallest normal": torch.finfo(dt).tiny,
            "smallest subnormal": torch.finfo(dt).smallest_normal * torch.finfo(dt).eps,
            "relative precision (eps)": torch.finfo(dt).eps,
        }
        for dt in (torch.float32, torch.float16, torch.bfloat16)
    ]
).set_index("dtype")
formats

# %% [markdown]
# The gradients of section 2 are real ones, of the bundled model on English text. What happens to them in fp16?

# %%
g = grads_fp32[grads_fp32 != 0]
fp16_zero = 2.0**-25  # half the smallest fp16 subnormal: below it, a value rounds to 0
fig_grads = log2_histogram(
    g.numpy(),
    {"fp16 rounds to 0 below": fp16_zero, "fp16 smallest normal": torch.finfo(torch.float16).tiny, "fp16 largest": 65504},
    title=f"|gradient| of the bundled model, {g.numel() / 1e6:.0f} M entries",
)
below = grads_fp32.abs() < fp16_zero
n_embedding = model.get_input_embeddings().weight.numel()  # the first parameter, so the first entries
assert next(model.parameters()) is model.get_input_embeddings().weight
print(f"{below.float().mean():.1%} of the entries round to 0 in fp16; {below[:n_embedding].sum() / below.sum():.1%} of those are embedding rows")


# %% [markdown]
# The line above prints how many gradient entries sit below fp16's range, and what share of them are embedding
# rows: rows of tokens absent from the batch, which get gradient only through the softmax over the 49k-token vocabulary (the
# embedding is tied to the output layer). **Loss scaling** multiplies the loss by S before backward,
# so every gradient is S times larger (the chain rule is linear), casts them to fp16, and divides by S in fp32
# before the optimizer step. These are the lines:

# %%
def through_fp16(grad: torch.Tensor, scale: float) -> torch.Tensor:
    scaled = (grad * scale).half()  # what backward in fp16 would hold
    return scaled.float() / scale  # unscaled in fp32 for the optimizer


rows = []
for scale in (1, 2**8, 2**16, 2**24):
    back = through_fp16(g, scale)
    finite = torch.isfinite(back) & (back != 0)
    rows.append(
        {
            "dtype": "fp16",
            "loss scale": f"2^{scale.bit_length() - 1}",
            "% flushed to 0": 100 * (back == 0).float().mean().item(),
            "% overflowed to inf": 100 * torch.isinf(back).float().mean().item(),
            "median relative error of the rest": ((back - g).abs() / g.abs())[finite].median().item(),
        }
    )
bf16_back = g.bfloat16().float()
rows.append(
    {
        "dtype": "bf16",
        "loss scale": "2^0",
        "% flushed to 0": 100 * (bf16_back == 0).float().mean().item(),
        "% overflowed to inf": 100 * torch.isinf(bf16_back).float().mean().item(),
        "median relative error of the rest": ((bf16_back - g).abs() / g.abs()).median().item(),
    }
)
underflow = pd.DataFrame(rows)
underflow

# %% [markdown]
# With no scaling, fp16 zeroes the share of this model's gradient entries in the table's first row (and more lose
# most of their digits as subnormals): those weights do not learn. Read down the fp16 rows: a larger scale brings more of them into range, until too large a scale makes the
# biggest gradients overflow to inf. That is why `torch.amp.GradScaler` is *dynamic*: it starts high, skips the step
# and halves S whenever a gradient is inf or NaN, and doubles S after 2000 clean steps. bf16 has fp32's range:
# nothing underflows, each value keeps about 3 significant digits, and no scaler is needed. That is why
# the `gpu` profile trains in bf16 on GPUs with bf16 units (A100, L4, H100), and in fp16 with this dynamic
# scaler and fp32 master weights on a T4 or V100, which have none (`tutorial_lib.precision.choose_precision`
# decides, and prints why).
#
# ### Autocast: 16-bit compute where it is safe
#
# `torch.autocast` runs matrix multiplications in bf16 (or fp16) and keeps reductions such as softmax and the loss in
# fp32. On NVIDIA GPUs with bf16 tensor cores (A100, L4, H100 and later) that runs the matrix multiplications on
# tensor cores, usually much faster than fp32; a T4 or V100 has fp16 tensor cores but no bf16 ones, so there
# autocast should use fp16 (with the scaler above). On a CPU it depends on the chip, so measure:

# %%
model.eval()
ids = batch["input_ids"][:1]
fp32_ms = forward_ms(model, ids, repeats=3)
with torch.autocast(plan.device, dtype=torch.bfloat16):
    bf16_ms = forward_ms(model, ids, repeats=3)
autocast = pd.DataFrame([{"compute": "fp32", "forward ms": fp32_ms}, {"compute": "bf16 autocast", "forward ms": bf16_ms}])
print(f"{ids.shape[1]} tokens on {plan.device}: bf16 autocast takes {bf16_ms / fp32_ms:.2f}x the fp32 time")
autocast.round(1)

# %% [markdown]
# ## 8. Gradient checkpointing: memory for time
#
# Backward needs the activations forward computed. **Gradient checkpointing** keeps only each transformer block's
# input and recomputes the block during backward: roughly one extra forward pass (about a third more compute) for
# activation memory that no longer grows with depth. `SavedTensors` (in `tutorial_lib/memory.py`) measures it:
# a context manager that installs `torch.autograd.graph.saved_tensors_hooks` and adds up the bytes
# (`numel × element_size`) of every tensor autograd saves for backward while it is open. A tensor saved inside a
# checkpointed block is not saved at all (the block is recomputed in backward), so it does not count; a tensor
# saved twice counts twice.

# %%
model.train()
ckpt_rows = []
for checkpointing in (False, True):
    if checkpointing:
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    with SavedTensors() as saved:
        loss = model(**batch).loss
    loss.backward()
    ckpt_rows.append(
        {"gradient checkpointing": checkpointing, "activations saved MB": saved.bytes / 1e6, "forward + backward s": time.perf_counter() - start}
    )
model.activation_checkpointing_disable()
checkpointing = pd.DataFrame(ckpt_rows)
saved_ratio = checkpointing["activations saved MB"][0] / checkpointing["activations saved MB"][1]
time_ratio = checkpointing["forward + backward s"][1] / checkpointing["forward + backward s"][0]
print(f"batch {tuple(batch['input_ids'].shape)}: {saved_ratio:.1f}x less activation memory for {time_ratio:.2f}x the time")
checkpointing.round(2)

# %% [markdown]
# What checkpointing cannot remove is what lies outside the blocks: the logits over a 49k-token vocabulary and the
# loss's softmax, saved whole. At long sequences those dominate what is left.
#
# ## 9. When the model no longer fits one machine
#
# The course's answer is the same SFT as lesson 03, launched as several processes with a DeepSpeed config.
# `configs/` ships `zero1.json`, `zero2.json`, `zero3.json`, `zero3_offload.json` and `accelerate_zero2.yaml`
# (`configs/README.md` explains every key). The `"auto"` values are filled in by the Trainer from the profile, so the
# config and the training arguments cannot disagree:

# %%
configs = project_root() / "configs"
print((configs / "zero2.json").read_text())

# %% [markdown]
# The commands, for one machine with 8 GPUs, for 2 machines of 8 (run on each, with its `--node_rank`), and through
# `accelerate`:

# %%
for cmd in (
    launch_command("configs/zero2.json", nproc=8),
    launch_command("configs/zero3.json", nproc=8, nnodes=2),
    launch_command("configs/zero2.json", nproc=8, launcher="deepspeed"),
    launch_command("configs/zero2.json", nproc=2, launcher="accelerate"),
):
    print(" ".join(cmd), end="\n\n")

# %% [markdown]
# Here the same entry point runs for real on 2 CPU processes with ZeRO-2 (gloo instead of NCCL; the `cpu` profile
# fine-tunes the bundled model, `quick` a tiny one). Rank 0 saves the result atomically as safetensors.

# %%
start = time.perf_counter()
sft = run_sft_launch("configs/zero2.json", nproc=cfg.sft_nproc, model=cfg.sft_model, max_steps=cfg.sft_steps,
                     profile=plan.name, dry_run=plan.dry_run)
print(f"{time.perf_counter() - start:.0f} s including start-up")
sft

# %% [markdown]
# ## 10. Record the results
#
# The report card gets the measured-against-formula memory table, the communication table and the
# precision and checkpointing measurements.

# %%
record(
    plan,
    numbers={
        "bundled model parameters": phi,
        "bundled model fp32 Adam bytes per parameter (measured)": bundled.loc["total", "bytes per parameter"],
        "probe model parameters": probe_phi,
        "ZeRO probe processes": cfg.nproc,
        "fp16 gradients flushed to 0 without scaling (%)": rows[0]["% flushed to 0"],
        "fp16 gradients flushed to 0 at scale 2^16 (%)": rows[2]["% flushed to 0"],
        "checkpointing activation memory ratio": saved_ratio,
        "checkpointing time ratio": time_ratio,
        "bf16 autocast / fp32 forward time": bf16_ms / fp32_ms,
        "SFT under ZeRO-2, final loss": sft["final_loss"],
    },
    tables={
        "ZeRO memory per rank: measured vs formula": zero_memory,
        "communication per step": communication,
        "7.5B on 64 GPUs (paper)": paper,
        "DeepSpeed estimators vs paper": estimators,
        "fp16 underflow and loss scaling": underflow,
        "gradient checkpointing": checkpointing,
    },
    figures={"scaling": fig_scaling, "communication": fig_comm, "gradients": fig_grads},
)
