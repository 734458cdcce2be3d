import pytest
from datasets import Dataset, DatasetDict

from tutorial_lib import CourseError, data, load_data
from tutorial_lib.data import SCHEMAS, check_schema, map_hub_rows


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_course_dataset_loads_with_its_columns(name):
    ds = load_data(name)
    assert set(ds) == {"train", "test"}
    assert ds["train"].num_rows > ds["test"].num_rows > 0
    assert list(SCHEMAS[name]) == [c for c in ds["test"].column_names if c in SCHEMAS[name]]


def test_unknown_dataset_lists_the_course_datasets():
    with pytest.raises(CourseError, match="Unknown dataset 'imdb'.*sentiment.*arithmetic"):
        load_data("imdb")


def test_missing_column_is_named_with_the_fix():
    ds = DatasetDict(train=Dataset.from_list([{"review": "great", "label": "positive"}]))
    with pytest.raises(CourseError, match="missing column\\(s\\) 'text'.*rename_column\\('old', 'text'\\)"):
        check_schema(ds, "sentiment")


def test_missing_files_say_how_to_rebuild(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(CourseError, match="build_datasets"):
        load_data("sentiment")


def test_hub_download_offline_is_a_clear_error(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(CourseError, match="needs internet.*load_data\\(name\\)"):
        load_data("dialogsum", source="hub")


# Rows shaped like the public Hub datasets, mapped to the course's columns (the code Colab users run online).
HUB_ROWS = {
    "sentiment": {"text": "A fine film.", "label": 1},
    "arithmetic": {"question": "Tom has 3 bags of 4 apples. How many?", "answer": "3*4=<<3*4=12>>12 apples.\n#### 12"},
    "dialogsum": {"id": "x", "dialogue": "#Person1#: Hi.\n#Person2#: Hello.", "summary": "They greet.", "topic": "greeting"},
    "instructions": {"instruction": "Name a fruit.", "context": "", "response": "An apple.", "category": "brainstorming"},
    "preferences": {
        "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?\n\nAssistant: Paris.",
        "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?\n\nAssistant: Go away.",
    },
    "general_text": {"text": " The Eiffel Tower is a wrought-iron lattice tower in Paris. " * 5},
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_hub_rows_map_to_the_course_schema(name):
    _, _, test_split, _ = data.HUB_SOURCES[name]
    splits = {"train": [HUB_ROWS[name]] * 20}
    if test_split != "train":
        splits[test_split] = [HUB_ROWS[name]] * 2
    mapped = map_hub_rows(name, DatasetDict({k: Dataset.from_list(v) for k, v in splits.items()}))
    check_schema(mapped, name)
    assert set(mapped) == {"train", "test"} and mapped["test"].num_rows > 0


def test_hub_mappers_by_hand():
    assert data.map_imdb({"text": "x", "label": 0})["label"] == "negative"
    gsm = data.map_gsm8k(HUB_ROWS["arithmetic"])
    assert gsm["answer"] == 12 and gsm["rationale"] == "3*4=12 apples.\nThe answer is 12."
    hh = data.map_hh_rlhf(HUB_ROWS["preferences"])
    assert hh == {
        "prompt": "Human: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?",
        "chosen": "Paris.",
        "rejected": "Go away.",
        "failure": "",
    }
    single = {k: "\n\nHuman: Capital of France?\n\nAssistant: " + v for k, v in [("chosen", "Paris."), ("rejected", "No.")]}
    assert data.map_hh_rlhf(single)["prompt"] == "Capital of France?"
