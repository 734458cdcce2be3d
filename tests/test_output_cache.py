"""Evaluate once: cached outputs are the outputs; a change to weights or settings is a miss."""

import torch

from tutorial_lib import evaluation
from tutorial_lib.evaluation import summarize
from tutorial_lib.output_cache import SWITCH, cached_outputs, output_folder, weights_fingerprint
from tutorial_lib.profiles import get_profile

ROWS = [{"dialogue": "#Person1#: Hi, Tom.\n#Person2#: Hi!", "summary": "They greet."},
        {"dialogue": "#Person1#: Lunch?\n#Person2#: Sure, at noon.", "summary": "They plan lunch."}]


def test_summaries_come_back_from_the_cache_unchanged(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    monkeypatch.delenv(SWITCH)
    model, tok = tiny
    profile = get_profile("quick")
    fresh = summarize(model, tok, ROWS, profile, max_new_tokens=6)
    assert len(list(output_folder().glob("*.json"))) == len(ROWS)
    calls = []
    real = evaluation.generate
    monkeypatch.setattr(evaluation, "generate", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert summarize(model, tok, ROWS, profile, max_new_tokens=6) == fresh and not calls
    summarize(model, tok, ROWS, profile, max_new_tokens=7)  # other settings: generated again
    assert len(calls) == 1 and len(calls[0][2]) == len(ROWS)


def test_a_changed_weight_or_an_unseen_prompt_is_a_miss(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    monkeypatch.delenv(SWITCH)
    model, _ = tiny
    seen = []
    def compute(prompts):
        seen.append(list(prompts))
        return [p.upper() for p in prompts]
    assert cached_outputs(model, ["a", "b"], {"n": 1}, compute) == ["A", "B"]
    assert cached_outputs(model, ["b", "c"], {"n": 1}, compute) == ["B", "C"]
    assert seen == [["a", "b"], ["c"]]  # only the unseen prompt is computed
    before, weight = weights_fingerprint(model), next(model.parameters())
    original = weight[0, 0].item()
    with torch.no_grad():
        weight[0, 0] += 1.0
    try:
        assert weights_fingerprint(model) != before
        cached_outputs(model, ["a"], {"n": 1}, compute)
        assert seen[-1] == ["a"]
    finally:
        with torch.no_grad():
            weight[0, 0] = original
    assert weights_fingerprint(model) == before


def test_the_switch_turns_the_cache_off(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    monkeypatch.setenv(SWITCH, "off")
    cached_outputs(tiny[0], ["a"], {}, lambda ps: ps)
    assert not output_folder().exists()


def test_a_folder_in_the_switch_holds_the_outputs(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv(SWITCH, str(tmp_path / "run"))
    cached_outputs(tiny[0], ["a"], {}, lambda ps: ps)
    assert output_folder() == tmp_path / "run" and len(list(output_folder().glob("*.json"))) == 1
