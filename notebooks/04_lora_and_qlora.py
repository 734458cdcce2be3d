# %% [markdown]
# # 04 · LoRA and QLoRA
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/04_lora_and_qlora.ipynb)
#
# Full fine-tuning (lesson 03) updates every weight and keeps four copies of them in memory. LoRA
# (Hu et al., 2021) freezes the model and learns a low-rank *update* ΔW = B·A for a few weight matrices.
# We write it from scratch, check it against `peft`, and then measure on the same summarization task:
#
# 1. full fine-tuning vs LoRA: trainable parameters, memory, step time, ROUGE, checkpoint size,
# 2. the rank *r* (a sweep) and which layers get LoRA (attention q, v vs every linear layer),
# 3. merging the update into the weights: the same outputs from a base-sized model; swapping adapters,
# 4. fine-tuning on rationales (step-by-step answers) vs answers only — lesson 02's question, now with training,
# 5. QLoRA (Dettmers et al., 2023): LoRA on a base model stored in 4-bit NF4.

# %% tags=["parameters"]
profile = None  # "quick" | "cpu" | "gpu"; None: $COURSE_PROFILE, else gpu with CUDA and cpu without
data = "local"  # "local": the course's own datasets; "hub": the public sets they stand in for (online)
dry_run = False  # True: the plan's code path on a CPU, tiny model, one step (make gpu-dryrun)
use_cached = False  # True: each training run loads the cached result of this same code (checkpoints/) instead of training
save_cache = False  # True: also cache each training result there (python -m tutorial_lib cache does this)
seed = 0  # the run's seed: what is trained starts from it, samples and draws come from it

# %%
if "google.colab" in str(get_ipython()):  # On Colab: clone and install the course
    from urllib.request import urlopen  # no restart needed; elsewhere: `make setup`
    exec(urlopen("https://raw.githubusercontent.com/llm-finetuning-hands-on/course/main/tutorial_lib/colab.py").read(), {})

# %% [markdown]
# ## 1. Setup
#
# Each method trains with the same budget (steps × dialogues per step) and is scored on the same held-out
# dialogues, so two methods are compared example by example: the verdicts print the difference with
# its interval. LoRA trains with a learning rate ten times that of full fine-tuning, a fixed setting
# of this lesson and the usual practice for LoRA.
#
# The dialogues and word problems are made by the course, standing in for DialogSum (Chen et al.,
# 2021) and GSM8K (Cobbe et al., 2021); set `data = "hub"` in the parameters cell (online) to run the
# same cells on them. Ours are shaped like them (lengths, steps, three references per test dialogue),
# but both real sets are harder: their dialogues, summaries and problems are written by people, far
# less regular than ours.

# %%
import copy
import shutil
import tempfile
from pathlib import Path

from tutorial_lib import generate, lesson_plan, load_data, load_model, record
from tutorial_lib.evaluation import arithmetic_accuracy, reference_lists, rouge_eval
from tutorial_lib.generation import forward_ms
from tutorial_lib.memory import folder_mb
from tutorial_lib.metrics import correct_per_example, extract_answer, rouge_per_example
from tutorial_lib.models import count_parameters
from tutorial_lib.peft_methods import lora_config, replace_linears
from tutorial_lib.plots import loss_curves
from tutorial_lib.saving import save_pretrained_atomic
from tutorial_lib.sft_data import arithmetic_dataset, summary_dataset, summary_prompt
from tutorial_lib.stats import compare, interval, verdict
from tutorial_lib.training import TrainConfig, train

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import Markdown, display
from peft import PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import BitsAndBytesConfig

plan = lesson_plan("04", profile, source=data, dry_run=dry_run, use_cached=use_cached, save_cache=save_cache, seed=seed)
torch.manual_seed(plan.seed)
full_cfg = TrainConfig.from_profile(plan, lr=1e-4)
lora_cfg = TrainConfig.from_profile(plan, lr=1e-3)
n_train, n_eval = plan.train_examples, plan.eval_examples
ranks = plan.sizes.ranks
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
out = Path(tempfile.mkdtemp(prefix="course-04-"))  # checkpoints and adapters of this run

dialogs = load_data("dialogsum", source=plan.source)
model, tok = load_model(plan)
train_data = summary_dataset(dialogs["train"].select(range(n_train)), tokenizer=tok,
                             max_seq_len=plan.max_seq_len)  # inputs cut, never targets
eval_rows = dialogs["test"].select(range(n_eval))
model_name = f"{model.config.name_or_path.split('/')[-1]} ({count_parameters(model) / 1e6:.0f} M parameters)"
print(model_name, f"| {n_train} training dialogues, {n_eval} held-out | ranks {ranks}")

# %% [markdown]
# ## 2. LoRA from scratch
#
# **Exercises:** [exercises/04_lora_and_qlora.py](../exercises/04_lora_and_qlora.py) — run `python -m tutorial_lib grade 04` to check them.
#
# A frozen linear layer computes *y = Wx*. LoRA adds a trainable low-rank path, *y = Wx + (α/r)·B A x*,
# with *A* (r × in) Gaussian and *B* (out × r) zero, so training starts exactly at the pretrained model.
# This class is the whole method; `merged()` folds the update into *W* once training is done
# (section 5 does the same with `peft`):

# %%
# Same as tutorial_lib.peft_methods (a test keeps the two identical): edit it and re-run to experiment.
from torch import nn


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


# %% [markdown]
# We put it into the attention's query and value projections of every layer (`replace_linears` swaps
# each of those `nn.Linear` modules for `LoRALinear(linear)`), and build `peft`'s LoRA on a second copy
# with the same settings. After copying `peft`'s weights into ours (and giving *B*
# random values, so the check is not trivially 0 = 0) both models must compute the same logits:

# %%
ours = copy.deepcopy(model).requires_grad_(False)  # frozen: only the lora_A, lora_B added below train
replaced = replace_linears(ours, ("q_proj", "v_proj"), lambda linear: LoRALinear(linear, r=8, alpha=16))
ref = get_peft_model(copy.deepcopy(model), lora_config(r=8, alpha=16, targets=("q_proj", "v_proj")))
with torch.no_grad():
    for name in replaced:
        peft_layer = ref.base_model.model.get_submodule(name)
        peft_layer.lora_B["default"].weight.normal_(std=0.02)
        ours.get_submodule(name).lora_A.copy_(peft_layer.lora_A["default"].weight)
        ours.get_submodule(name).lora_B.copy_(peft_layer.lora_B["default"].weight)
    ids = tok(summary_prompt(eval_rows[0]["dialogue"]), return_tensors="pt").input_ids.to(model.device)
    diff = (ours(ids).logits - ref(ids).logits).abs().max().item()
cfg_ = model.config
kv = cfg_.num_key_value_heads * cfg_.hidden_size // cfg_.num_attention_heads
by_hand = cfg_.num_hidden_layers * 8 * ((cfg_.hidden_size + cfg_.hidden_size) + (cfg_.hidden_size + kv))
print(f"{len(replaced)} layers replaced; max |logit difference| vs peft = {diff:.2e}")
print(f"trainable: ours {count_parameters(ours, True):,}, peft {count_parameters(ref, True):,}, "
      f"by hand layers x r x ((in + out_q) + (in + out_v)) = {by_hand:,}")
assert diff < 1e-4 and count_parameters(ours, True) == count_parameters(ref, True) == by_hand
del ours, ref


# %% [markdown]
# ## 3. Full fine-tuning vs LoRA
#
# Both runs start from a fresh copy of the model. Besides ROUGE we measure the trainable parameters, the
# bytes of model state (weights that train + their gradients + Adam's two moments), the peak memory of the
# training loop, the time per step, and the size of what must be saved to keep the result.

# %%
def fit(name, cfg, data=train_data, peft_config=None, base=None):
    """Train a fresh copy of the base model (or `base`); return (model, run) with ROUGE filled in."""
    m = base if base is not None else load_model(plan)[0]
    if peft_config is not None:
        m = get_peft_model(m, peft_config)
    run = train(m, tok, data, cfg, name=name)
    if data is train_data:
        scores, summaries[name] = rouge_eval(m, tok, eval_rows, plan)
        run.scores.update(scores)
    return m, run


summaries = {}  # method -> its summaries of eval_rows, scored per dialogue for the verdicts
base_rouge, summaries["base model"] = rouge_eval(model, tok, eval_rows, plan)
full_model, full = fit("full fine-tuning", full_cfg)
full.scores["checkpoint MB"] = folder_mb(save_pretrained_atomic(out / "full", full_model))
del full_model
lora_model, lora = fit("LoRA r=8 (q, v)", lora_cfg, peft_config=lora_config(8, 16))
lora.scores["checkpoint MB"] = folder_mb(save_pretrained_atomic(out / "lora-summary", lora_model))
methods = pd.DataFrame([{"method": "base model", "rougeL": base_rouge["rougeL"]}, full.row(), lora.row()])
methods

# %%
fig_loss = loss_curves([full, lora], title="Full fine-tuning vs LoRA")
plt.show()
print(f"LoRA trains {lora.trainable_pct:.2f}% of the parameters; its model state is "
      f"{full.state_mb / lora.state_mb:.0f}x smaller and its checkpoint "
      f"{full.scores['checkpoint MB'] / lora.scores['checkpoint MB']:.0f}x smaller.")
assert lora.state_mb < full.state_mb / 100 and lora.scores["checkpoint MB"] < full.scores["checkpoint MB"] / 50

# %%
references = reference_lists(eval_rows)
rouge_l = {name: rouge_per_example(texts, references)["rougeL"] for name, texts in summaries.items()}
display(Markdown("\n".join("- " + v for v in [
    verdict(rouge_l[lora.name], rouge_l["base model"], lora.name, "the base model", "ROUGE-L"),
    verdict(rouge_l[full.name], rouge_l[lora.name], full.name, lora.name, "ROUGE-L"),
])))

# %% [markdown]
# The *state* column is exact arithmetic on tensors; *peak MB* is what the operating system saw the
# process grow by during training (on a GPU: the CUDA allocator's peak), which adds activations — the same
# for both methods, since LoRA still back-propagates through every layer. That is also why a LoRA step is
# not faster in proportion to its trainable parameters: the forward and backward passes through the
# frozen model remain.
#
# ## 4. Rank and target modules
#
# How large must *r* be? Hu et al. (2021) found ranks as small as 1 or 2 on the query and value
# projections of GPT-3 175B about as good as larger ones on WikiSQL and MultiNLI. We sweep *r* with
# α = 2r (so the update's scale stays fixed) and then give LoRA to every linear layer instead of q and v.

# %%
sweep = {8: lora}
for r in ranks:
    if r not in sweep:
        sweep[r] = fit(f"LoRA r={r} (q, v)", lora_cfg, peft_config=lora_config(r, 2 * r))[1]
all_linear_model, all_linear = fit("LoRA r=8 (all linear)", lora_cfg, peft_config=lora_config(8, 16, targets=ALL_LINEAR))
all_linear.scores["checkpoint MB"] = folder_mb(save_pretrained_atomic(out / "lora-all-linear", all_linear_model))
del all_linear_model
rank_table = pd.DataFrame([sweep[r].row() | {"r": r} for r in sorted(sweep)] + [all_linear.row() | {"r": 8}])
rouge_l = {name: rouge_per_example(texts, references)["rougeL"] for name, texts in summaries.items()}
rank_table["ROUGE-L 95% CI"] = [f"{interval(rouge_l[m]).low:.3f} to {interval(rouge_l[m]).high:.3f}" for m in rank_table["method"]]
lo, hi = min(sweep), max(sweep)
print(f"r={lo} -> r={hi}: {sweep[hi].trainable / sweep[lo].trainable:.0f}x the parameters, "
      f"ROUGE-L {sweep[lo].scores['rougeL']:.3f} -> {sweep[hi].scores['rougeL']:.3f}; "
      f"all linear layers at r=8: {all_linear.scores['rougeL']:.3f} (full fine-tuning {full.scores['rougeL']:.3f})")
display(Markdown("\n".join("- " + v for v in [
    verdict(rouge_l[sweep[hi].name], rouge_l[sweep[lo].name], f"r={hi}", f"r={lo}", "ROUGE-L"),
    verdict(rouge_l[all_linear.name], rouge_l[lora.name], "all linear layers", "q, v only (r=8)", "ROUGE-L"),
    verdict(rouge_l[all_linear.name], rouge_l[full.name], "LoRA on all linear layers", "full fine-tuning", "ROUGE-L"),
])))
rank_table[["method", "r", "trainable", "trainable %", "step s", "rouge1", "rougeL", "ROUGE-L 95% CI"]]

# %%
fig_rank, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
rs = sorted(sweep)
ci = [interval(rouge_l[sweep[r].name]) for r in rs]
ax.errorbar(rs, [c.mean for c in ci], yerr=[[c.mean - c.low for c in ci], [c.high - c.mean for c in ci]],
            marker="o", capsize=4, label="LoRA on q, v (95% CI)")
ax.axhline(base_rouge["rougeL"], color="grey", ls=":", label="base model")
ax.axhline(full.scores["rougeL"], color="black", ls="--", label="full fine-tuning")
ax.set_xscale("log", base=2)
ax.set_xlabel("LoRA rank r")
ax.set_ylabel("ROUGE-L F1 on held-out dialogues")
ax.set_title("Score vs rank")
ax.legend(fontsize=8)
ax2.plot(rs, [sweep[r].trainable / 1e6 for r in rs], color="tab:orange", marker="s")
ax2.set_xscale("log", base=2)
ax2.set_xlabel("LoRA rank r")
ax2.set_ylabel("trainable parameters (millions)")
ax2.set_title("Trainable parameters vs rank")
fig_rank.suptitle("LoRA rank sweep")
fig_rank.tight_layout()
plt.show()

# %% [markdown]
# The trainable count grows linearly with *r* (right panel); compare how the score moves with it (left
# panel, with each rank's interval) and read the verdicts above: they say whether this run tells the
# largest rank from the smallest, and LoRA on every linear layer (attention and MLP) from LoRA on q and
# v only, or from full fine-tuning. Where a verdict says "within noise", the evaluation set is too
# small to separate the two, whichever row is higher. The LoRA paper's explanation is that the update
# has a low *intrinsic* rank (Hu et al., 2021).
#
# ## 5. Merge: no inference overhead; swap adapters
#
# After training, *W + (α/r)·BA* is a matrix of the same shape as *W*: `merge_and_unload` folds the update
# in and returns a plain model. Its outputs equal the unmerged LoRA model's, and it runs exactly the base
# model's computation, while the unmerged model adds two thin matmuls per adapted layer on every token. We
# time one forward pass over a batch of whole prompts (the median of several): the *prefill*, the pass
# that reads the prompts before the first new token. That is not the per-token latency of generation,
# where each step feeds one new token per prompt and reuses the cache; the adapter's share of the work
# is the same in both.

# %%
prompts = [summary_prompt(r["dialogue"]) for r in eval_rows][:4]
batch = tok(prompts, return_tensors="pt", padding=True).input_ids.to(model.device)
with torch.no_grad():
    unmerged_logits = lora_model(batch).logits
unmerged = {"ms": forward_ms(lora_model, batch), "parameters": count_parameters(lora_model),
            "text": list(generate(lora_model, tok, prompts, max_new_tokens=24, progress=False))}
merged = lora_model.merge_and_unload()
with torch.no_grad():
    merge_diff = (merged(batch).logits - unmerged_logits).abs().max().item()
merged_text = list(generate(merged, tok, prompts, max_new_tokens=24, progress=False))
latency = pd.DataFrame({"model": ["base", "LoRA unmerged", "LoRA merged"],
                        "prefill ms (batch of prompts)": [forward_ms(model, batch), unmerged["ms"], forward_ms(merged, batch)],
                        "parameters": [count_parameters(model), unmerged["parameters"], count_parameters(merged)]})
print(f"max |logit difference| merged vs unmerged: {merge_diff:.2e}; same summaries: {merged_text == unmerged['text']}")
assert merge_diff < 1e-3 and count_parameters(merged) == count_parameters(model)
latency.round(1)

# %% [markdown]
# Compare the three timings: the low-rank path adds r·(in + out) multiply-adds per adapted layer and
# token, about the same share of the model's work as LoRA's share of its parameters (printed in
# section 3), so on this model the rows may differ by no more than the timing noise; run the cell again
# to see how much they move. What merging guarantees exactly is above: the merged model *is* a
# base-sized model with the same outputs. The unmerged overhead grows with the rank and the number of
# adapted layers, and on a GPU, where each extra small kernel costs launch time. Because an adapter is
# small (its checkpoint size is in section 3), one base model in memory can serve many tasks: load
# several adapters and switch per request. We will add a second adapter (arithmetic) in the next section
# and swap between the two.
#
# ## 6. Fine-tuning on rationales
#
# Lesson 02 measured how far this model can be *prompted* into reasoning. Can it be *trained* into it?
# Two LoRA runs on the arithmetic word problems, same budget: the targets are either the step-by-step
# rationale ("There are 6 * 9 = 54 plants. … The answer is 162.") or the answer alone ("The answer is 162.").

# %%
problems = load_data("arithmetic", source=plan.source)
arith_train = problems["train"].select(range(n_train))
arith_eval = problems["test"].select(range(n_eval))
rationale_runs = {}
for with_rationale in (True, False):
    name = "rationales" if with_rationale else "answers only"
    m, run = fit(f"LoRA on {name}", lora_cfg, data=arithmetic_dataset(arith_train, with_rationale),
                 peft_config=lora_config(8, 16))
    acc, texts = arithmetic_accuracy(m, tok, arith_eval, max_new_tokens=2 * plan.max_new_tokens, batch_size=plan.batch_size)
    run.scores["accuracy"] = acc
    rationale_runs[name] = (run, texts)
    if with_rationale:
        save_pretrained_atomic(out / "lora-arithmetic", m)
    del m
print(arith_eval[0]["question"])
for name, (run, texts) in rationale_runs.items():
    print(f"\n[{name}] accuracy {run.scores['accuracy']:.2f}\n{texts[0]}")
formatted = {name: sum("The answer is" in t for t in texts) / len(texts) for name, (_, texts) in rationale_runs.items()}
print("\nanswers in the trained format ('The answer is N'): " + ", ".join(f"{n} {f:.0%}" for n, f in formatted.items()))
arith_correct = {name: correct_per_example([extract_answer(t) for t in texts], arith_eval["answer"])
                 for name, (_, texts) in rationale_runs.items()}
display(Markdown(verdict(arith_correct["rationales"], arith_correct["answers only"], "training on rationales",
                         "training on answers only", "accuracy")))

# %% [markdown]
# Two things are measured above: the *form* (the share of answers in the trained format: the
# rationale model should write steps and end with "The answer is N", the other answer at once) and
# the *accuracy*, with the verdict on the difference between the two targets. This run trains one
# model size with one small budget, so it cannot say why the accuracy is what it is: model size,
# training budget and data could each limit it, and the `gpu` profile changes the first two. STaR
# (Zelikman et al., 2022) reports that training GPT-J (6B parameters) on its own correct rationales
# improves accuracy on CommonsenseQA and GSM8K over training on answers alone.

# %% [markdown]
# Now the adapter swap: one base model, two adapters loaded by name, `set_adapter` picks which one answers.
# The cell checks that switching the adapter changes the answers to the same inputs; read the table to see
# what each adapter does with its own task's input and with the other task's.

# %%
base_for_swap, _ = load_model(plan)
multi = PeftModel.from_pretrained(base_for_swap, out / "lora-summary", adapter_name="summary")
multi.load_adapter(out / "lora-arithmetic", adapter_name="arithmetic")
questions = [summary_prompt(eval_rows[1]["dialogue"]), arith_eval[1]["question"]]
swap = {}
for adapter in ("summary", "arithmetic"):
    multi.set_adapter(adapter)
    swap[f"adapter: {adapter}"] = list(generate(multi, tok, questions, max_new_tokens=plan.max_new_tokens, progress=False))
assert swap["adapter: summary"] != swap["adapter: arithmetic"] or plan.dry_run  # one step on a random model: alike
with pd.option_context("display.max_colwidth", 200):
    display(pd.DataFrame(swap, index=["a dialogue to summarise", "an arithmetic problem"]))

# %% [markdown]
# ## 7. QLoRA: LoRA on a 4-bit base
#
# QLoRA stores the frozen base weights in 4-bit NormalFloat (NF4, quantiles of a normal distribution, in
# blocks of 64 with their own scale) and de-quantises them on the fly for each matmul; only the LoRA
# matrices are trained. `bitsandbytes` runs this on CPUs as well as GPUs. The embedding and output layer
# (their share of this model's parameters is printed below) stay in full precision, so the saving is
# smaller than the eightfold of fp32 → 4-bit. The adapter is saved like LoRA's, and a save refuses
# weights that hold NaN or inf.
# Following the QLoRA paper, `trl` keeps the adapters in bf16, so their state takes half of LoRA's fp32 bytes.

# %%
compute = torch.float32 if plan.device == "cpu" else plan.torch_dtype
nf4 = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                         bnb_4bit_compute_dtype=compute)
q_base, _ = load_model(plan, quantization_config=nf4)
weights_mb = {"fp32 / bf16 base": model.get_memory_footprint() / 2**20, "NF4 base": q_base.get_memory_footprint() / 2**20}
q_base = prepare_model_for_kbit_training(q_base, use_gradient_checkpointing=False)
q_model, qlora = fit("QLoRA r=8 (q, v), NF4 base", lora_cfg, peft_config=lora_config(8, 16), base=q_base)
qlora.scores["checkpoint MB"] = folder_mb(save_pretrained_atomic(out / "qlora-summary", q_model))  # refuses NaN
print({k: round(v, 1) for k, v in weights_mb.items()},
      f"| embedding and output layer: {model.get_input_embeddings().weight.numel() / count_parameters(model):.0%} of the parameters")
pd.DataFrame([lora.row() | {"weights MB": weights_mb["fp32 / bf16 base"]}, qlora.row() | {"weights MB": weights_mb["NF4 base"]}])

# %% [markdown]
# ## 8. Results

# %%
summary = pd.DataFrame([{"method": "base model", "trainable": 0, "trainable %": 0.0, **base_rouge},
                        full.row(), lora.row(), all_linear.row(), qlora.row()])
rouge_l = {name: rouge_per_example(texts, references)["rougeL"] for name, texts in summaries.items()}
summary["ROUGE-L 95% CI"] = [f"{interval(rouge_l[m]).low:.3f} to {interval(rouge_l[m]).high:.3f}" for m in summary["method"]]
summary = summary[["method", "trainable", "trainable %", "step s", "peak MB", "state MB", "rouge1", "rouge2", "rougeL",
                   "ROUGE-L 95% CI", "checkpoint MB"]]
rationale_table = pd.DataFrame([run.row() for run, _ in rationale_runs.values()])[["method", "step s", "accuracy"]]
display(rationale_table)
print(f"QLoRA's base weights: {weights_mb['NF4 base']:.0f} MB vs {weights_mb['fp32 / bf16 base']:.0f} MB; "
      f"its step takes {qlora.step_s / lora.step_s:.2f}x LoRA's; ROUGE-L {qlora.scores['rougeL']:.3f} vs {lora.scores['rougeL']:.3f}.")
display(Markdown(verdict(rouge_l[qlora.name], rouge_l[lora.name], "QLoRA", "LoRA", "ROUGE-L")))
summary.round(3)

# %%
record(
    plan,
    numbers={
        "model": model_name,
        "training dialogues": n_train,
        "held-out dialogues": n_eval,
        "LoRA vs peft max logit difference": diff,
        "merged vs unmerged max logit difference": merge_diff,
        **{f"prefill ms {m}": float(s) for m, s in zip(latency["model"], latency["prefill ms (batch of prompts)"])},
        **{f"rank {r} rougeL": sweep[r].scores["rougeL"] for r in sorted(sweep)},
        **{f"arithmetic accuracy, LoRA on {n}": run.scores["accuracy"] for n, (run, _) in rationale_runs.items()},
        **{f"{k} weights MB": v for k, v in weights_mb.items()},
    },
    tables={"full FT vs LoRA vs QLoRA": summary, "rank sweep": rank_table[["method", "r", "trainable", "rougeL"]],
            "rationales vs answers only": rationale_table, "merge latency": latency},
    figures={"rank_sweep": fig_rank, "loss_full_vs_lora": fig_loss},
    effects={f"{lora.name} - base, ROUGE-L": compare(rouge_l[lora.name], rouge_l["base model"]),
             f"{lora.name} - full fine-tuning, ROUGE-L": compare(rouge_l[lora.name], rouge_l[full.name]),
             "QLoRA - LoRA, ROUGE-L": compare(rouge_l[qlora.name], rouge_l[lora.name])},
)
shutil.rmtree(out, ignore_errors=True)  # the full checkpoint is half a gigabyte
