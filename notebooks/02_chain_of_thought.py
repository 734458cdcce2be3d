# %% [markdown]
# # 02 · Chain of thought
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/02_chain_of_thought.ipynb)
#
# A model can be asked for an answer directly, or asked to write its reasoning first. On problems whose
# answer can be checked (the course's arithmetic word problems, integer answers) we measure:
#
# 1. direct answering vs few-shot chain of thought (CoT) with worked demos from the training set,
# 2. zero-shot CoT in the two phases of Kojima et al. (2022),
# 3. self-consistency (Wang et al., 2023): sample N reasoning paths, take a majority vote; accuracy vs N,
# 4. Auto-CoT (Zhang et al., 2022): demos built by the model itself from clustered questions,
# 5. a small tree-of-thought search (Yao et al., 2023) and what it costs,
# 6. why all of this is *emergent*: what the papers report at scale next to what our small model does.
#
# Every method's cost (batched model calls, prompt and generated tokens, seconds) sits beside its
# accuracy, and the verdicts of section 7 say which differences this run can tell apart from noise.

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
# ## 1. Setup: model, problems, settings
#
# All sizes come from the profile; the code path is the same in every profile. Reasoning needs more
# tokens than an answer, so `cot_tokens` is derived from the profile's answer length in one place.
#
# The word problems are made by the course (integer answers, a few steps each), standing in for
# GSM8K (Cobbe et al., 2021: 8.5K grade-school problems that take 2 to 8 steps). Set `data = "hub"`
# in the parameters cell (online) to run the same cells on GSM8K's test set. It is hard for far larger
# models than ours: with standard prompting PaLM 540B solved 17.9% of its test problems, with
# chain-of-thought prompting 56.9% (Wei et al., 2022).

# %%
from tutorial_lib import generate, lesson_plan, load_data, load_model, record
from tutorial_lib.chain_of_thought import (
    ANSWER_TRIGGER,
    STOP,
    TRIGGER,
    CoTConfig,
    answers_of,
    auto_cot_demos,
    cluster_questions,
    few_shot_cot_prompt,
    first_answer,
    propose_steps,
    result_row,
    self_consistency,
    total_cost,
    tree_of_thought,
    value_scores,
    vote_accuracy,
    zero_shot_rationale,
)
from tutorial_lib.models import count_parameters, load_embedder

import matplotlib.pyplot as plt
import pandas as pd
import torch

plan = lesson_plan("02", profile, source=data, dry_run=dry_run, seed=seed)
torch.manual_seed(plan.seed)
S = plan.sizes
cfg = CoTConfig(
    answer_tokens=S.answer_tokens,
    cot_tokens=S.cot_tokens,
    n_demos=S.n_demos,
    sc_samples=S.sc_samples,   # 1, 3, ... up to 2 * seeds - 1
    temperature=0.7,
    tot_problems=S.tot_problems,
    tot_proposals=S.tot_proposals,
    tot_breadth=2,
    tot_depth=S.tot_depth,
    step_tokens=S.step_tokens,
)
n_eval = plan.eval_examples  # questions in the main comparison
n_sc = S.n_sc                # questions for self-consistency (N paths each)

model, tok = load_model(plan)
ds = load_data("arithmetic", source=plan.source)
test = ds["test"].select(range(n_eval))
questions, gold = test["question"], test["answer"]
model_name = f"{model.config.name_or_path.split('/')[-1]} ({count_parameters(model) / 1e6:.0f} M parameters)"
print(model_name, "|", cfg, "| questions:", n_eval)
print(questions[0], "->", gold[0])

# %% [markdown]
# ## 2. Direct answer vs few-shot chain of thought
#
# All prompts are plain text in the "Q: … / A: …" format of the papers, continued by the model
# (`chat=False`). The direct prompt ends with "The answer is", so the model must answer at once. The
# few-shot CoT prompt first shows worked problems from the training set, each with its step-by-step
# rationale, so the model imitates reasoning before the answer.
#
# Each answer is read the way its method asks for it, and only from the model's own turn: the text
# before any turn it invents next (a line starting "Q:", "A:", "B:", …; generation also stops at
# "Q:"). The direct prompt ends with "The answer is", so its answer is the first number the model
# writes; a chain of thought's answer is the number after its first "The answer is". A text that
# gives none is wrong and is counted in the `unparseable` column. `batches` counts batched model
# calls (one call runs a batch of prompts), so it depends on the batch size, not on the questions.

# %%
manual_demos = list(zip(ds["train"]["question"][: cfg.n_demos], ds["train"]["rationale"][: cfg.n_demos]))
print(few_shot_cot_prompt(questions[0], manual_demos[:1]))

direct_out = generate(model, tok, [f"Q: {q}\nA: The answer is" for q in questions], chat=False,
                      max_new_tokens=cfg.answer_tokens, stop=STOP)
direct_pred = answers_of(direct_out, "first number")  # the prompt ends with "The answer is"
fs_out = generate(model, tok, [few_shot_cot_prompt(q, manual_demos) for q in questions], chat=False,
                  max_new_tokens=cfg.cot_tokens, stop=STOP)
fs_pred = answers_of(fs_out)
rows = [result_row("direct answer", direct_pred, gold, direct_out),
        result_row(f"few-shot CoT ({cfg.n_demos} dataset demos)", fs_pred, gold, fs_out)]
print("few-shot CoT, first answer:\n" + first_answer(fs_out[0]))
pd.DataFrame(rows)

# %% [markdown]
# ## 3. Zero-shot CoT, in two phases
#
# Kojima et al. (2022) need no demos at all. **Phase 1** (reasoning extraction) appends one sentence to
# the question; **phase 2** (answer extraction) appends the generated reasoning and a trigger that asks
# for the number; the answer is the first number the model writes after it. Phase 2 also rescues
# reasoning cut off by the token limit. These are the two prompts:

# %%
phase1 = [f"Q: {q}\nA: {TRIGGER}" for q in questions]                                    # reasoning extraction
reasoning = generate(model, tok, phase1, chat=False, max_new_tokens=cfg.cot_tokens, stop=STOP)
phase2 = [f"{p} {first_answer(r)}\n{ANSWER_TRIGGER}" for p, r in zip(phase1, reasoning)]  # answer extraction
zs_answer = generate(model, tok, phase2, chat=False, max_new_tokens=cfg.answer_tokens, stop=STOP)
zs_pred = answers_of(zs_answer, "first number")  # the first number after the extraction prompt

zs_cost = total_cost(reasoning, zs_answer)
rows.append(result_row("zero-shot CoT (2 phases)", zs_pred, gold, zs_cost))
print(phase2[0])
print(f"-> the model writes {zs_answer[0]!r}; the answer read: {zs_pred[0]}")
pd.DataFrame(rows)

# %% [markdown]
# ## 4. Self-consistency: many paths, one vote
#
# **Exercises:** [exercises/02_chain_of_thought.py](../exercises/02_chain_of_thought.py) — run `python -m tutorial_lib grade 02` to check them.
#
# Instead of one greedy reasoning path, sample N paths with temperature and keep the answer most
# paths agree on. The vote counts the answers, ignoring paths with no answer, and gives a tie to the
# answer seen first, so the same paths always give the same vote:

# %%
# Same as tutorial_lib.chain_of_thought (a test keeps the two identical): edit it and re-run to experiment.
from collections import Counter
from collections.abc import Sequence


def majority_vote(answers: Sequence[int | None]) -> int | None:
    """Return the most common non-None answer; ties go to the answer seen first; None if every
    answer is None."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    best = max(counts.values())
    return next(a for a in answers if a is not None and counts[a] == best)


# %% [markdown]
# `self_consistency` repeats each question's prompt N times in ONE batched `generate` call; the
# curve votes over the first n of the N paths (`vote_accuracy`, with the same vote), so one
# sampling run gives every point.

# %%
n_max = cfg.sc_samples[-1]
sc_prompts = [few_shot_cot_prompt(q, manual_demos) for q in questions[:n_sc]]
samples, sc_out = self_consistency(model, tok, sc_prompts, n_max, cfg, seed=plan.seed)
sc_gold = gold[:n_sc]
assert len(sc_out) == n_sc * n_max                    # N paths per question: N times the generations
print("question 1, sampled answers:", samples[0], "-> vote", majority_vote(samples[0]), "| gold", sc_gold[0])

curve = pd.DataFrame([{"N": n, "accuracy": vote_accuracy(samples, sc_gold, n),
                       "new tokens (approx.)": round(sc_out.new_tokens * n / n_max)} for n in cfg.sc_samples])
greedy_same = sum(p == g for p, g in zip(fs_pred[:n_sc], sc_gold)) / n_sc
assert all(0 <= a <= 1 for a in curve["accuracy"])
fig_sc, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(curve["N"], curve["accuracy"], "o-", label="self-consistency (majority of N sampled paths)")
ax.axhline(greedy_same, color="gray", ls="--", label="greedy few-shot CoT, same questions")
ax.set_xlabel("N (sampled reasoning paths per question)")
ax.set_ylabel("accuracy")
ax.set_ylim(-0.02, 1.02)
ax.set_title(f"Self-consistency on {n_sc} problems, {model_name}")
ax.legend(fontsize=8)
plt.show()
sc_row = result_row(f"self-consistency, N={n_max} (first {n_sc} questions)",
                    [majority_vote(s) for s in samples], sc_gold, sc_out)
rows.append(sc_row)
curve

# %% [markdown]
# ## 5. Auto-CoT: let the model write its own demos
#
# Zhang et al. (2022) replace hand-written demos with model-written ones, chosen for *diversity*:
# embed the training questions, cluster them with k-means into as many clusters as demos, and from
# each cluster take the question nearest the centroid. Its rationale is the model's own zero-shot CoT.
# Simple heuristics drop bad demos: a long question, too many steps, or an incomplete rationale (one
# that invents a next turn, or never states "The answer is N" itself, as one cut by the token limit).
# We generate rationales for the two nearest questions per cluster so a fallback exists; a cluster
# with no complete demo gets none, and the cell prints how many were kept.

# %%
pool = ds["train"].select(range(plan.train_examples))
embedder = load_embedder()
emb = embedder.encode(pool["question"], normalize_embeddings=True)
clusters = cluster_questions(emb, cfg.n_demos)
candidates = [i for members in clusters for i in members[:2]]
cand_reasoning = generate(model, tok, [f"Q: {pool['question'][i]}\nA: {TRIGGER}" for i in candidates], chat=False,
                          max_new_tokens=cfg.cot_tokens, stop=STOP)
rationales = {i: zero_shot_rationale(r) for i, r in zip(candidates, cand_reasoning)}
auto_demos = auto_cot_demos(pool["question"], clusters, rationales)
if auto_demos:
    print(f"{len(auto_demos)} demos kept from {len(clusters)} clusters; the first:\n\n{auto_demos[0]}")
else:
    print(f"No demo kept from {len(clusters)} clusters (every candidate rationale was dropped): "
          "the few-shot prompt below falls back to the dataset demos.")

auto_out = generate(model, tok, [few_shot_cot_prompt(q, auto_demos or manual_demos) for q in questions], chat=False,
                    max_new_tokens=cfg.cot_tokens, stop=STOP)
auto_cost = total_cost(auto_out, cand_reasoning)  # building the demos is part of the price
auto_pred = answers_of(auto_out)
auto_name = (f"Auto-CoT ({len(auto_demos)} model-written demos)" if auto_demos
             else "Auto-CoT (none kept: dataset demos)")
rows.append(result_row(auto_name, auto_pred, gold, auto_cost))
table = pd.DataFrame(rows)
assert table["accuracy"].between(0, 1).all()
table

# %% [markdown]
# ## 6. A small tree-of-thought search
#
# Chain of thought commits to one path. Tree of thoughts (Yao et al., 2023) keeps several: from each
# kept state (question + steps so far) the model **proposes** a few next steps (sampled), the model
# itself **scores** each new state with a value prompt ("Is the reasoning so far correct? Answer sure,
# likely or impossible:" → the expected value of its next-token probabilities for the three words), and
# only the best b states per problem survive to the next level. The keep-best-b step is one line:
#
# ```python
# beams[b] = sorted(children_of_b, key=value, reverse=True)[:breadth]
# ```
#
# All proposals of a level go in one batched call, all scores in one forward pass. At the end, the best
# state gets Kojima's answer-extraction prompt.

# %%
tot_q, tot_gold = questions[: cfg.tot_problems], gold[: cfg.tot_problems]
beams, tot_cost = tree_of_thought(
    [f"Q: {q}\nA: {TRIGGER}" for q in tot_q],
    propose=lambda states: propose_steps(model, tok, states, cfg.tot_proposals, cfg, seed=plan.seed),
    score=lambda states: value_scores(model, tok, states),
    breadth=cfg.tot_breadth, depth=cfg.tot_depth,
)
assert all(len(b) <= cfg.tot_breadth for b in beams)
final = generate(model, tok, [f"{b[0]}\n{ANSWER_TRIGGER}" for b in beams], chat=False, max_new_tokens=cfg.answer_tokens, stop=STOP)
tot_pred = answers_of(final, "first number")  # the answer-extraction prompt, as zero-shot CoT
tot_cost = total_cost(tot_cost, final)
print(beams[0][0] + "\n" + ANSWER_TRIGGER)
print(f"-> the model writes {final[0]!r}; the answer read: {tot_pred[0]}")

tot_table = pd.DataFrame([
    result_row(f"tree of thoughts (k={cfg.tot_proposals}, b={cfg.tot_breadth}, depth {cfg.tot_depth})",
               tot_pred, tot_gold, tot_cost),
    {**result_row("zero-shot CoT, same problems", zs_pred[: cfg.tot_problems], tot_gold, zs_cost),
     "batches": "(shared batch)", "prompt tokens": "", "new tokens": "", "seconds": ""},
])
tot_table

# %% [markdown]
# Per problem, the search generates `depth × b × k` steps (fewer at the first level, which starts
# from one state) and scores as many states, against one reasoning path and one answer for
# zero-shot CoT. Its model calls are batched per level, so the number of batches grows with depth,
# not with the number of problems.
#
# ## 7. Emergence: what the papers report, and what we measured
#
# What the papers report (their numbers, not ours):
#
# | paper | model | benchmark | result as reported |
# | --- | --- | --- | --- |
# | Wei et al. 2022, *Chain-of-thought prompting* | LaMDA, GPT-3, PaLM families | GSM8K | CoT helps only from roughly 100B parameters; smaller models write fluent but illogical chains and do no better, often worse, than standard prompting |
# | Kojima et al. 2022, *Large language models are zero-shot reasoners* | text-davinci-002 | MultiArith | zero-shot 17.7% → zero-shot CoT 78.7% |
# | Wang et al. 2023, *Self-consistency* | PaLM 540B, GPT-3 code-davinci-002 and others | GSM8K and others | majority vote over sampled paths adds several points over greedy CoT (+17.9 points on GSM8K for PaLM 540B, Wang et al. 2023) |
#
# Our numbers, measured above:

# %%
from tutorial_lib.metrics import correct_per_example
from tutorial_lib.stats import compare, interval, verdict

from IPython.display import Markdown, display

correct = {"direct answer": correct_per_example(direct_pred, gold), rows[1]["method"]: correct_per_example(fs_pred, gold),
           "zero-shot CoT (2 phases)": correct_per_example(zs_pred, gold), rows[-1]["method"]: correct_per_example(auto_pred, gold)}
sc_correct = correct_per_example([majority_vote(s) for s in samples], sc_gold)  # its own, smaller set of problems
ci = {m: interval(c) for m, c in correct.items()} | {sc_row["method"]: interval(sc_correct)}
table["95% CI"] = [f"{ci[m].low:.2f} to {ci[m].high:.2f}" for m in table["method"]]
acc = table.set_index("method")["accuracy"]
display(Markdown("\n".join(f"- {verdict(correct[m], correct['direct answer'], m, 'the direct answer', 'accuracy')}"
                           for m in list(correct)[1:])))
ratio = table["new tokens"].iloc[1] / max(table["new tokens"].iloc[0], 1)
print(f"{model_name}, {n_eval} problems: few-shot CoT generated {ratio:.1f}x the tokens of the direct answer.")
cost = table.assign(**{"new tokens / problem": (table["new tokens"] / n_eval).round(1)})
cost[["method", "accuracy", "95% CI", "unparseable", "batches", "new tokens", "seconds"]]

# %% [markdown]
# The verdicts above are computed from this run's answers: a method beat the direct answer only
# where the interval of the difference excludes zero and McNemar's exact test on the problems the two
# disagree on agrees (its p-value is printed beside it); otherwise this run cannot tell the two apart, whichever row is
# higher. The papers' gains come from models hundreds to thousands of times larger than
# SmolLM2-135M. Read the samples above to see what a small model's reasoning looks like: check its
# steps' arithmetic and whether its numbers come from the question; its cost in generated tokens
# is the ratio printed above. In the `gpu` profile `load_model()` loads the larger model the profile
# names (with the Hub reachable), and the same cells fill the same table: compare the two report
# cards to see how far a larger model moves it.
#
# ## 8. Record the results

# %%
record(
    plan,
    numbers={
        "model": model_name,
        "problems": n_eval,
        **{f"accuracy: {m}": float(a) for m, a in acc.items()},
        **{f"self-consistency accuracy, N={n}": float(a) for n, a in zip(curve["N"], curve["accuracy"])},
        "tree of thoughts accuracy": float(tot_table["accuracy"][0]),
        "tree of thoughts batches": tot_cost.calls,
        "tree of thoughts new tokens": tot_cost.new_tokens,
    },
    tables={"methods: accuracy and cost": table, "self-consistency: accuracy vs N": curve,
            "tree of thoughts vs zero-shot CoT": tot_table},
    figures={"self_consistency": fig_sc},
    effects={f"{rows[1]['method']} - direct answer, accuracy": compare(correct[rows[1]["method"]], correct["direct answer"])},
)
