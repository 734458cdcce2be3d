import copy

import pytest
import torch
from transformers import LlamaForSequenceClassification

from tutorial_lib import CourseError
from tutorial_lib.pvp import (
    LABELS,
    VERBALIZER,
    accuracy_of,
    cloze_logits,
    cloze_prompt,
    correct_of,
    encode_labels,
    fit,
    head_logits,
    last_real,
    verbalizer_ids,
)

TEXTS = [
    "Loved it.",
    "The food was cold and the waiter ignored us for an hour.",
    "A gripping thriller with a great cast.",
    "Boring.",
    "I would not recommend this hotel to anyone.",
    "Fantastic value, friendly staff and a lovely pool.",
]
LABELS_OF_TEXTS = encode_labels(
    ["positive", "negative", "positive", "negative", "negative", "positive"]
)


def classifier_of(tiny, pad: bool = True) -> LlamaForSequenceClassification:
    """Return a random 2-way LlamaForSequenceClassification with the tiny model's config
    (pad_token_id unset if not pad)."""
    model, tok = tiny
    config = copy.deepcopy(model.config)
    config.num_labels = 2
    config.pad_token_id = tok.pad_token_id if pad else None
    torch.manual_seed(0)
    return LlamaForSequenceClassification(config).eval()


def test_cloze_prompt_is_the_review_query():
    assert cloze_prompt("Nice.") == "Review: Nice.\nSentiment:"


def test_verbalizer_words_are_single_tokens(tiny):
    _, tok = tiny
    for word in VERBALIZER.values():
        assert len(tok(" " + word, add_special_tokens=False).input_ids) == 1
    assert len(set(verbalizer_ids(tok))) == len(LABELS) == 2
    with pytest.raises(CourseError, match="more than one token"):
        verbalizer_ids(tok, {"positive": "superlatively", "negative": "bad"})


def test_encode_labels_rejects_unknown_labels():
    assert encode_labels(["negative", "positive"]) == [
        LABELS.index("negative"),
        LABELS.index("positive"),
    ]
    with pytest.raises(CourseError, match="Unknown labels"):
        encode_labels(["neutral"])


def test_last_real_handles_right_and_left_padding():
    right = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
    assert last_real(right).tolist() == [2, 3, 0]
    assert last_real(right.flip(-1)).tolist() == [3, 3, 3]


def test_cloze_logits_are_the_label_columns_of_the_next_token_logits(tiny):
    model, tok = tiny
    ids = verbalizer_ids(tok)
    with torch.no_grad():
        by_hand = model(**tok(cloze_prompt(TEXTS[0]), return_tensors="pt")).logits[0, -1, ids]
        ours = cloze_logits(model, tok, TEXTS[:1], ids)
    assert ours.shape == (1, 2)
    torch.testing.assert_close(ours[0], by_hand, atol=1e-4, rtol=0)


@pytest.mark.parametrize("side", ["right", "left"])
def test_cloze_logits_batched_with_padding_equal_one_by_one(tiny, side):
    model, tok = copy.deepcopy(tiny[0]), copy.deepcopy(tiny[1])
    tok.padding_side = side
    ids = verbalizer_ids(tok)
    with torch.no_grad():
        batched = cloze_logits(model, tok, TEXTS, ids)
        single = torch.cat([cloze_logits(model, tok, [t], ids) for t in TEXTS])
    # the batch really is padded
    assert len({len(tok(cloze_prompt(t)).input_ids) for t in TEXTS}) > 1
    torch.testing.assert_close(batched, single, atol=1e-4, rtol=0)


def test_cloze_logits_pass_gradients(tiny):
    model, tok = tiny
    model = copy.deepcopy(model)
    cloze_logits(model, tok, TEXTS[:2], verbalizer_ids(tok)).sum().backward()
    assert model.model.norm.weight.grad is not None and model.model.norm.weight.grad.abs().sum() > 0


def test_fit_lowers_the_loss_and_changes_only_the_given_params(tiny):
    model, tok = copy.deepcopy(tiny[0]), tiny[1]
    ids = verbalizer_ids(tok)
    trained = list(model.model.layers[-1].parameters()) + [model.model.norm.weight]
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    losses = fit(
        lambda b: cloze_logits(model, tok, b, ids),
        trained,
        TEXTS,
        LABELS_OF_TEXTS,
        steps=20,
        batch_size=3,
        lr=1e-2,
    )
    assert len(losses) == 20
    assert losses[-1] < 0.5 * losses[0]
    trained_ids = {id(p) for p in trained}
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]) != (id(p) in trained_ids), name


def test_fit_rejects_mismatched_labels(tiny):
    with pytest.raises(CourseError, match="labels"):
        fit(lambda b: torch.zeros(len(b), 2), [], TEXTS, [0], steps=1, batch_size=2, lr=1e-3)


def test_head_logits_pool_the_last_real_token(tiny):
    _, tok = tiny
    classifier = classifier_of(tiny)
    with torch.no_grad():
        batched = head_logits(classifier, tok, TEXTS)
        single = torch.cat([head_logits(classifier, tok, [t]) for t in TEXTS])
    assert batched.shape == (len(TEXTS), 2)
    torch.testing.assert_close(batched, single, atol=1e-4, rtol=0)


def test_head_logits_without_pad_token_id_is_a_course_error(tiny):
    with pytest.raises(CourseError, match="pad_token_id"):
        head_logits(classifier_of(tiny, pad=False), tiny[1], TEXTS)


def test_accuracy_of_one_hot_logits():
    labels = [0, 1, 1, 0, 1]
    texts = [str(i) for i in range(len(labels))]
    one_hot = dict(zip(texts, torch.nn.functional.one_hot(torch.tensor(labels), 2).float()))
    assert (
        accuracy_of(lambda b: torch.stack([one_hot[t] for t in b]), texts, labels, batch_size=2)
        == 1.0
    )
    assert (
        accuracy_of(lambda b: torch.stack([1 - one_hot[t] for t in b]), texts, labels, batch_size=2)
        == 0.0
    )


def test_correct_of_gives_one_score_per_text_in_order():
    labels = [0, 1, 1, 0, 1]
    texts = [str(i) for i in range(len(labels))]
    predicted = [0, 1, 0, 0, 0]
    one_hot = dict(zip(texts, torch.nn.functional.one_hot(torch.tensor(predicted), 2).float()))
    correct = correct_of(lambda b: torch.stack([one_hot[t] for t in b]), texts, labels, 2)
    assert correct == [1, 1, 0, 1, 0]
    # batched longest first (less padding), answered in the given order
    texts = ["a", "bbbb", "cc", "ddd", "eeeee"]
    one_hot = dict(zip(texts, torch.nn.functional.one_hot(torch.tensor(predicted), 2).float()))
    seen = []
    def logits(batch):
        seen.append(batch)
        return torch.stack([one_hot[t] for t in batch])
    assert correct_of(logits, texts, labels, 2) == [1, 1, 0, 1, 0]
    assert seen == [["eeeee", "bbbb"], ["ddd", "cc"], ["a"]]
