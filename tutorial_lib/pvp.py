"""Pattern-verbalizer pairs vs a classification head: few-shot classification trained two ways."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from tqdm.auto import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .errors import CourseError
from .models import ensure_pad_token, resolve
from .prompting import LABEL_WORDS, TEMPLATES, Template, label_token_ids

# label -> the word the LM should predict for it (PET)
VERBALIZER: dict[str, str] = LABEL_WORDS["positive/negative"]
LABELS: list[str] = list(VERBALIZER)  # class index -> label, the order of every logits column


def cloze_prompt(text: str, template: Template = TEMPLATES["review"]) -> str:
    """Return the pattern: the review as a query whose next word is the label word.

    For example 'Review: ...\\nSentiment:'.
    """
    return template.query.format(input=text)


def encode_labels(labels: Sequence[str]) -> list[int]:
    """Return the class index (position in LABELS) of each string label."""
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise CourseError(
            f"Unknown labels {unknown}: expected one of {LABELS}. Check the dataset's label column."
        )
    return [LABELS.index(label) for label in labels]


def verbalizer_ids(
    tokenizer: PreTrainedTokenizerBase, verbalizer: dict[str, str] = VERBALIZER
) -> list[int]:
    """Return the token id of each label word (with its leading space), in label order.

    Each label word must be one token.
    """
    long = [
        w
        for w in verbalizer.values()
        if len(tokenizer(" " + w, add_special_tokens=False).input_ids) != 1
    ]
    if long:
        raise CourseError(
            f"The label words {long} are more than one token, so one next-token logit cannot score "
            "them. "
            "Choose words that are a single token after a space (e.g. 'positive'/'negative', "
            "'good'/'bad')."
        )
    return label_token_ids(tokenizer, list(verbalizer.values()), space=True)


def _batch(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], device: torch.device
) -> dict[str, torch.Tensor]:
    """Return the padded batch (tokenizer's padding side), position ids skipping left padding."""
    if isinstance(texts, str) or not texts:
        raise CourseError("Expected a non-empty list of texts; wrap a single text in a list.")
    batch = tokenizer(list(texts), return_tensors="pt", padding=True).to(device)
    batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
    return batch


def last_real(mask: torch.Tensor) -> torch.Tensor:
    """Return the index of each mask row's last non-pad position (right or left padding)."""
    return mask.shape[1] - 1 - mask.flip(-1).argmax(-1)


def cloze_logits(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    label_ids: Sequence[int],
) -> torch.Tensor:
    """Return (texts, labels) next-token logits of the label words after each text's cloze prompt.

    The logits keep their gradient (the lesson trains through them).
    """
    batch = _batch(tokenizer, [cloze_prompt(t) for t in texts], model.device)
    # the LM head is applied below, at one position per row
    hidden = model.get_decoder()(**batch).last_hidden_state
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    last = hidden[rows, last_real(batch["attention_mask"])]
    return model.get_output_embeddings()(last)[:, list(label_ids)]


def head_logits(
    classifier: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]
) -> torch.Tensor:
    """Return (texts, labels) logits of a sequence-classification model.

    The model's head reads each text's last non-pad token.
    """
    pad = classifier.config.get_text_config().pad_token_id
    if pad is None:
        raise CourseError(
            "classifier.config.pad_token_id is not set, so the head cannot find each text's last "
            "token in a batch. "
            "Set it: classifier.config.pad_token_id = tokenizer.pad_token_id (load_classifier() "
            "does)."
        )
    if pad != tokenizer.pad_token_id:
        raise CourseError(
            f"classifier.config.pad_token_id ({pad}) differs from the tokenizer's pad id "
            f"({tokenizer.pad_token_id}), "
            "so the head would pool the wrong token. Set classifier.config.pad_token_id = "
            "tokenizer.pad_token_id."
        )
    return classifier(**_batch(tokenizer, texts, classifier.device)).logits


def load_classifier(
    model_name_or_path: str, n_labels: int, dtype: torch.dtype = torch.float32, device: str = "cpu"
) -> tuple[PreTrainedModel, AutoTokenizer]:
    """Return (classifier, tokenizer): the model with a new random n_labels-way `score` head.

    Takes the names load_model() takes; the classifier is in eval mode on `device` (the lesson
    passes its plan's), its pad_token_id set.
    """
    name, source = model_name_or_path, resolve(model_name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        ensure_pad_token(tokenizer)
        classifier = AutoModelForSequenceClassification.from_pretrained(
            source,
            num_labels=n_labels,
            dtype=dtype,
            use_safetensors=True,
            pad_token_id=tokenizer.pad_token_id,
        )
    except OSError as e:
        raise CourseError(
            f"Could not load '{name}' from '{source}' ({e.__class__.__name__}: {str(e)[:200]}). "
            "Use a model name from tutorial_lib.models.REGISTRY or a folder with a saved "
            "checkpoint."
        ) from e
    classifier.config.pad_token_id = tokenizer.pad_token_id
    return classifier.to(device).eval(), tokenizer


def minibatches(n: int, batch_size: int, seed: int = 0) -> Iterator[list[int]]:
    """Return an endless iterator of index batches, each pass over range(n) reshuffled.

    The last batch of a pass may be smaller.
    """
    if n < 1 or batch_size < 1:
        raise CourseError(
            f"Need at least one example and batch_size >= 1 (got {n} examples, "
            f"batch_size={batch_size})."
        )
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(n, generator=generator).tolist()
        yield from (order[i : i + batch_size] for i in range(0, n, batch_size))


def fit(
    logits_fn: Callable[[list[str]], torch.Tensor],
    params: list[torch.nn.Parameter],
    texts: Sequence[str],
    labels: list[int],
    steps: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
) -> list[float]:
    """Return the loss of each of `steps` AdamW steps that train `params` with `logits_fn`.

    Each step's loss is the cross-entropy of logits_fn(batch texts) against the batch's labels.
    """
    if len(texts) != len(labels):
        raise CourseError(
            f"fit() got {len(texts)} texts but {len(labels)} labels; pass one label index per text."
        )
    optimizer = torch.optim.AdamW(params, lr=lr)
    targets = torch.tensor(labels)
    batches = minibatches(len(texts), batch_size, seed)
    losses = []
    bar = tqdm(range(steps), desc="training", leave=False)
    for _ in bar:
        batch = next(batches)
        logits = logits_fn([texts[i] for i in batch])
        loss = torch.nn.functional.cross_entropy(logits.float(), targets[batch].to(logits.device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return losses


@torch.no_grad()
def correct_of(
    logits_fn: Callable[[list[str]], torch.Tensor],
    texts: Sequence[str],
    labels: Sequence[int],
    batch_size: int,
) -> list[int]:
    """Return 1 for each text whose highest logit is at its label's index, else 0 (in order).

    Texts are batched longest first, so each batch pads to a similar length (reviews vary); no
    autograd graph is kept.
    """
    if not texts or len(texts) != len(labels):
        raise CourseError(
            f"accuracy_of() needs the same non-zero number of texts and labels (got {len(texts)}, "
            f"{len(labels)})."
        )
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    correct = [0] * len(texts)
    for start in range(0, len(texts), batch_size):
        batch = order[start : start + batch_size]
        predicted = logits_fn([texts[i] for i in batch]).argmax(-1).cpu().tolist()
        for i, p in zip(batch, predicted):
            correct[i] = int(p == labels[i])
    return correct


def accuracy_of(
    logits_fn: Callable[[list[str]], torch.Tensor],
    texts: Sequence[str],
    labels: Sequence[int],
    batch_size: int,
) -> float:
    """Return the fraction of texts whose highest logit is at their label's index."""
    correct = correct_of(logits_fn, texts, labels, batch_size)
    return sum(correct) / len(correct)
