import pytest
from datasets import Dataset, DatasetDict

from tutorial_lib import CourseError, data, hub_data, load_data, schemas
from tutorial_lib.hub_data import map_hub_rows
from tutorial_lib.schemas import SCHEMAS, check_schema


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
    with pytest.raises(
        CourseError, match="missing column\\(s\\) 'text'.*rename_column\\('old', 'text'\\)"
    ):
        check_schema(ds, "sentiment")


def test_missing_files_say_how_to_rebuild(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(CourseError, match="build_datasets"):
        load_data("sentiment")


def test_hub_download_offline_is_a_clear_error(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(CourseError, match="needs internet.*load_data\\(name\\)"):
        load_data("dialogsum", source="hub")


# Rows shaped like the public Hub datasets, mapped to the course's columns (the code Colab users run
# online).
HUB_ROWS = {
    "sentiment": {"text": "A fine film.", "label": 1},
    "arithmetic": {
        "question": "Tom has 3 bags of 4 apples. How many?",
        "answer": "3*4=<<3*4=12>>12 apples.\n#### 12",
    },
    "dialogsum": {
        "id": "x",
        "dialogue": "#Person1#: Hi.\n#Person2#: Hello.",
        "summary": "They greet.",
        "topic": "greeting",
    },
    "instructions": {
        "instruction": "Name a fruit.",
        "context": "",
        "response": "An apple.",
        "category": "brainstorming",
    },
    "preferences": {
        "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?\n\nAssistant: "
                  "Paris.",
        "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?\n\nAssistant: "
                    "Go away.",
    },
    "general_text": {"text": " The Eiffel Tower is a wrought-iron lattice tower in Paris. " * 5},
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_hub_rows_map_to_the_course_schema(name):
    _, _, test_split, _ = hub_data.HUB_SOURCES[name]
    splits = {"train": [HUB_ROWS[name]] * 20}
    if test_split != "train":
        splits[test_split] = [HUB_ROWS[name]] * 2
    mapped = map_hub_rows(name, DatasetDict({k: Dataset.from_list(v) for k, v in splits.items()}))
    check_schema(mapped, name)
    assert set(mapped) == {"train", "test"} and mapped["test"].num_rows > 0


def test_hub_mappers_by_hand():
    assert hub_data.map_imdb({"text": "x", "label": 0})["label"] == "negative"
    gsm = hub_data.map_gsm8k(HUB_ROWS["arithmetic"])
    assert gsm["answer"] == 12 and gsm["rationale"] == "3*4=12 apples.\nThe answer is 12."
    hh = hub_data.map_hh_rlhf(HUB_ROWS["preferences"])
    assert hh == {
        "prompt": "Human: Hi\n\nAssistant: Hello!\n\nHuman: Capital of France?",
        "chosen": "Paris.",
        "rejected": "Go away.",
        "failure": "",
    }
    single = {
        k: "\n\nHuman: Capital of France?\n\nAssistant: " + v
        for k, v in [("chosen", "Paris."), ("rejected", "No.")]
    }
    assert hub_data.map_hh_rlhf(single)["prompt"] == "Capital of France?"


# --- the Hub mappings on rows shaped like the real ones (column names, splits, quirks) ------------

TURNS = [
    "#Person1#: Good morning. I'd like to open a savings account, please.",
    "#Person2#: Certainly. Do you have some identification with you?",
    "#Person1#: Yes, here is my passport and a letter from my landlord.",
    "#Person2#: Thank you. How much would you like to deposit today?",
    "#Person1#: Five hundred dollars, and then a hundred every month if I can manage it.",
    "#Person2#: Fine. The interest rate is two percent a year, paid every three months.",
]
DIALOGUE = "\n".join(TURNS)
LONG_DIALOGUE = "\n".join(TURNS * 8)  # 48 turns, far beyond a 256-token training row
LONG_SUMMARY = (
    "#Person1# goes to the bank to open a savings account, shows #Person2# a passport and a letter "
    "from the landlord, deposits five hundred dollars, plans to add a hundred dollars every month, "
    "and learns that the account pays two percent interest a year, paid every three months, which "
    "#Person1# thinks is fair, so #Person1# signs the forms and asks for a card to be posted home."
)
SUMMARIES = [
    "#Person1# opens a savings account with #Person2# and deposits five hundred dollars.",
    "#Person1# wants a savings account; #Person2# checks #Person1#'s ID and explains the interest.",
    "#Person2# helps #Person1# open a savings account paying two percent a year.",
]


def dialogsum_hub(test: list[dict]) -> DatasetDict:
    """knkarthick/dialogsum as published: id, dialogue, summary, topic in train and validation."""
    train = [
        {"id": "train_0", "dialogue": DIALOGUE, "summary": SUMMARIES[0], "topic": "bank account"},
        {
            "id": "train_1",
            "dialogue": LONG_DIALOGUE,
            "summary": LONG_SUMMARY,
            "topic": "bank account",
        },
    ]
    validation = [{"id": "dev_0", "dialogue": DIALOGUE, "summary": SUMMARIES[1], "topic": "bank"}]
    splits = {"train": train, "validation": validation, "test": test}
    return DatasetDict({k: Dataset.from_list(v) for k, v in splits.items()})


def test_dialogsum_test_split_with_three_references_maps_to_references():
    wide = {
        "id": "test_0",
        "dialogue": DIALOGUE,
        **{f"summary{i + 1}": s for i, s in enumerate(SUMMARIES)},
    }
    wide |= {"topic1": "bank account", "topic2": "savings", "topic3": "open an account"}
    mapped = map_hub_rows("dialogsum", dialogsum_hub([wide]))
    check_schema(mapped, "dialogsum")
    assert mapped["test"].column_names == ["dialogue", "summary", "references"]
    assert mapped["test"][0] == {
        "dialogue": DIALOGUE,
        "summary": SUMMARIES[0],
        "references": SUMMARIES,
    }
    train = mapped["train"]
    assert train["references"] == [[SUMMARIES[0]], [LONG_SUMMARY]]  # one reference per train row
    assert (
        train[1]["dialogue"] == LONG_DIALOGUE and train[1]["summary"] == LONG_SUMMARY
    )  # not cut here


def test_dialogsum_test_rows_repeated_once_per_reference_are_merged():
    copies = [  # the same dialogue once per reference, as a CSV export stores it
        {"id": f"test_{d}_{i + 1}", "dialogue": dialogue, "summary": s, "topic": "bank"}
        for d, dialogue in enumerate([DIALOGUE, "#Person1#: Hi.\n#Person2#: Hello."])
        for i, s in enumerate(SUMMARIES)
    ]
    copies[1]["dialogue"] += " \n"  # stray whitespace does not split a dialogue
    test = map_hub_rows("dialogsum", dialogsum_hub(copies))["test"]
    assert test.num_rows == 2
    assert test["references"] == [SUMMARIES, SUMMARIES] and test["summary"] == [SUMMARIES[0]] * 2


def test_local_dialogsum_test_rows_carry_three_references_and_train_rows_one():
    ds = load_data("dialogsum")
    test, train = ds["test"], ds["train"]
    assert test.column_names == ["dialogue", "summary", "references"]
    assert all(len(refs) == 3 and refs[0] == summary
               for refs, summary in zip(test["references"], test["summary"]))
    assert train.column_names == ["dialogue", "summary", "references"]
    assert all(refs == [summary] for refs, summary in zip(train["references"], train["summary"]))


def test_dialogsum_row_without_any_summary_is_a_clear_error():
    with pytest.raises(CourseError, match="no 'summary' column.*it has \\['dialogue', 'id'\\]"):
        hub_data.map_dialogsum({"id": "x", "dialogue": DIALOGUE})
    with pytest.raises(CourseError, match="no reference summary"):
        hub_data.map_dialogsum({"dialogue": DIALOGUE, "summary1": " ", "summary2": None})


GSM8K = [
    {
        "question": "A shop sells 12 boxes of 103 pens. How many pens does it sell?",
        "answer": "Each box has 103 pens, so 12 boxes have 12*103=<<12*103=1236>>1236.\n#### 1,236",
    },
    {
        "question": "The temperature was 4 degrees and fell by 7 degrees. What is it now?",
        "answer": "It is now 4-7=<<4-7=-3>>-3 degrees.\n#### -3",
    },
]


def test_gsm8k_comma_and_negative_answers_and_calculator_annotations():
    big, negative = (hub_data.map_gsm8k(r) for r in GSM8K)
    assert big == {
        "question": GSM8K[0]["question"],
        "rationale": "Each box has 103 pens, so 12 boxes have 12*103=1236.\nThe answer is 1236.",
        "answer": 1236,
    }
    assert negative["answer"] == -3 and negative["rationale"].endswith(
        "4-7=-3 degrees.\nThe answer is -3."
    )


def test_gsm8k_rows_without_a_whole_final_answer_are_skipped_with_a_line(capsys):
    broken = [
        {"question": "Q?", "answer": "No final line."},
        {"question": "Q?", "answer": "x\n#### 2.5"},
    ]
    hub = DatasetDict(train=Dataset.from_list(GSM8K + broken), test=Dataset.from_list(GSM8K))
    mapped = map_hub_rows("arithmetic", hub)
    assert mapped["train"]["answer"] == [1236, -3] and mapped["test"].num_rows == 2
    out = capsys.readouterr().out
    assert out.startswith("Skipped 2 of 4 rows of openai/gsm8k 'train' the course cannot map.")
    assert "no final '#### N' line" in out
    with pytest.raises(CourseError, match="not a whole number"):
        hub_data.map_gsm8k(broken[1])


IMDB_REVIEW = (
    "I went in expecting very little.<br /><br />The first hour drags, but the last act is superb: "
    "the score, the camera work and the lead's quiet performance all come together.<br />"
    "<br />Recommended. " * 20
)


def test_imdb_labels_and_br_tags():
    hub = DatasetDict(
        train=Dataset.from_list(
            [{"text": IMDB_REVIEW, "label": 1}, {"text": "Dull.<br />Avoid.", "label": 0}]
        ),
        test=Dataset.from_list([{"text": "Awful<br/>acting.", "label": 0}]),
    )
    mapped = map_hub_rows("sentiment", hub)
    assert mapped["train"]["label"] == ["positive", "negative"]
    assert (
        mapped["train"][1]["text"] == "Dull. Avoid."
        and mapped["test"][0]["text"] == "Awful acting."
    )
    long = mapped["train"][0]["text"]
    assert (
        "<br" not in long
        and "  " not in long
        and long.startswith("I went in expecting very little. The first")
    )
    with pytest.raises(CourseError, match="label -1.*'unsupervised' split"):
        hub_data.map_imdb({"text": "No label.", "label": -1})


HH_PROMPT = (
    "\n\nHuman: What should I pack for a weekend of hiking?"
    "\n\nAssistant: Where are you going, and what will the weather be?"
    "\n\nHuman: The Lake District, and it may rain."
)


def test_hh_rlhf_multi_turn_pair_shares_its_prompt():
    row = {
        "chosen": HH_PROMPT + "\n\nAssistant: A waterproof jacket, boots, a map and spare socks.",
        "rejected": HH_PROMPT + "\n\nAssistant: Just go, it will be fine.",
    }
    assert hub_data.map_hh_rlhf(row) == {
        "prompt": HH_PROMPT.strip(),
        "chosen": "A waterproof jacket, boots, a map and spare socks.",
        "rejected": "Just go, it will be fine.",
        "failure": "",
    }


def test_hh_rlhf_malformed_pairs_are_clear_errors_and_skipped(capsys):
    good = {
        "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!",
        "rejected": "\n\nHuman: Hi\n\nAssistant: What?",
    }
    no_answer = {"chosen": "\n\nHuman: Hi", "rejected": "\n\nHuman: Hi\n\nAssistant: What?"}
    two_talks = {
        "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!",
        "rejected": "\n\nHuman: Bye\n\nAssistant: Bye.",
    }
    with pytest.raises(CourseError, match="'chosen' transcript has no '\\\\n\\\\nAssistant:' turn"):
        hub_data.map_hh_rlhf(no_answer)
    with pytest.raises(CourseError, match="two different conversations"):
        hub_data.map_hh_rlhf(two_talks)
    with pytest.raises(CourseError, match="no 'rejected' column"):
        hub_data.map_hh_rlhf({"chosen": good["chosen"]})
    hub = DatasetDict(
        train=Dataset.from_list([good, no_answer, two_talks]), test=Dataset.from_list([good])
    )
    mapped = map_hub_rows("preferences", hub)
    assert mapped["train"]["prompt"] == ["Hi"] and mapped["train"]["chosen"] == ["Hello!"]
    assert "Skipped 2 of 3 rows of Anthropic/hh-rlhf 'train'" in capsys.readouterr().out


def test_dolly_empty_context_category_and_the_90_10_split():
    rows = [
        {
            "instruction": f"Name a city in country {i}.",
            "context": "",
            "response": f"City {i}.",
            "category": "open_qa",
        }
        for i in range(19)
    ] + [
        {
            "instruction": "When was the tower finished?",
            "context": "The tower was begun in 1887 and finished in 1889. ",
            "response": "In 1889.",
            "category": "closed_qa",
        }
    ]
    mapped = map_hub_rows("instructions", DatasetDict(train=Dataset.from_list(rows)))
    assert (mapped["train"].num_rows, mapped["test"].num_rows) == (
        18,
        2,
    )  # 10% held out, rounded up
    every = list(mapped["train"]) + list(mapped["test"])
    closed = next(r for r in every if r["task"] == "closed_qa")
    assert (
        closed["input"] == "The tower was begun in 1887 and finished in 1889."
        and closed["response"] == "In 1889."
    )
    assert sum(r["input"] == "" for r in every) == 19


WIKI_PARAGRAPH = (
    " The tower is 330 metres ( 1 @,@ 083 ft ) tall , about the same height as an 81 @-@ storey "
    "building , and the tallest structure in Paris . Its base is square , measuring 125 metres "
    "( 410 ft ) on each side . It was the first structure to reach 300 @.@ 5 metres . \n"
)
WIKITEXT = [
    "",
    " = Eiffel Tower = \n",
    "",
    WIKI_PARAGRAPH,
    " A short line . \n",
    "",
    " = = History = = \n",
    "",
]


def test_wikitext_headings_blank_lines_and_tokenised_punctuation():
    hub = DatasetDict(
        {
            s: Dataset.from_list([{"text": t} for t in WIKITEXT])
            for s in ("train", "validation", "test")
        }
    )
    mapped = map_hub_rows("general_text", hub)
    assert mapped["test"]["text"] == [
        "The tower is 330 metres (1,083 ft) tall, about the same height as an 81-storey "
        "building, and the tallest structure in Paris. Its base is square, measuring 125 metres "
        "(410 ft) on each side. It was the first structure to reach 300.5 metres."
    ]
    assert hub_data.map_wikitext({"text": " = = = Later years = = = \n"}) == {"text": ""}


def test_hub_mapping_errors_name_the_split_and_the_column():
    with pytest.raises(
        CourseError, match="knkarthick/dialogsum has no 'test' split.*\\['train'\\]"
    ):
        map_hub_rows("dialogsum", DatasetDict(train=Dataset.from_list([HUB_ROWS["dialogsum"]])))
    renamed = DatasetDict(
        {s: Dataset.from_list([{"review": "Fine.", "label": 1}]) for s in ("train", "test")}
    )
    with pytest.raises(CourseError, match="No row of stanfordnlp/imdb 'train'.*no 'text' column"):
        map_hub_rows("sentiment", renamed)
    with pytest.raises(CourseError, match="Unknown dataset 'imdb'"):
        map_hub_rows("imdb", renamed)


# --- row counts: the Hub's (from the cards) and the course's own (from the files) ---------------


def test_hub_rows_after_the_mapping():
    assert [hub_data.hub_rows("dialogsum", s) for s in ("train", "test")] == [12_460, 500]
    assert [hub_data.hub_rows("arithmetic", s) for s in ("train", "test")] == [7_473, 1_319]
    assert [hub_data.hub_rows("sentiment", s) for s in ("train", "test")] == [25_000, 25_000]
    assert [hub_data.hub_rows("preferences", s) for s in ("train", "test")] == [160_800, 8_552]
    train, test = (hub_data.hub_rows("instructions", s) for s in ("train", "test"))
    assert (train, test) == (13_509, 1_502) and train + test == 15_011
    wikitext_lines = hub_data.HUB_SPLIT_ROWS["general_text"]["test"]
    assert hub_data.hub_rows("general_text", "test") < wikitext_lines
    with pytest.raises(CourseError, match="Unknown split 'validation'.*train, test"):
        hub_data.hub_rows("dialogsum", "validation")
    with pytest.raises(CourseError, match="Unknown dataset"):
        hub_data.hub_rows("wikitext", "test")


def test_dolly_hub_rows_match_train_test_split():
    parts = Dataset.from_dict({"i": list(range(15_011))}).train_test_split(
        test_size=hub_data.DOLLY_TEST_SHARE, seed=0
    )
    assert (parts["train"].num_rows, parts["test"].num_rows) == (
        hub_data.hub_rows("instructions", "train"),
        hub_data.hub_rows("instructions", "test"),
    )


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_local_rows_count_the_file_lines(name):
    ds = load_data(name)
    assert [data.local_rows(name, s) for s in ("train", "test")] == [
        ds["train"].num_rows,
        ds["test"].num_rows,
    ]


def test_local_rows_errors(monkeypatch, tmp_path):
    with pytest.raises(CourseError, match="Unknown dataset 'imdb'"):
        data.local_rows("imdb", "train")
    (tmp_path / "sentiment").mkdir()
    (tmp_path / "sentiment" / "train.jsonl").write_text(
        '{"text": "a", "label": "positive"}\n\n{"text": "b"}\n'
    )
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data.local_rows("sentiment", "train") == 2  # blank lines are not rows
    with pytest.raises(CourseError, match="no 'test' split.*build_datasets"):
        data.local_rows("sentiment", "test")


def test_require_columns_names_the_missing_column_and_the_fix():
    rows = [
        {"dialogue": "#Person1#: Hi.", "summary": "A greeting."},
        {"dialogue": "#Person1#: Bye."},
    ]
    assert schemas.row_columns(rows) == ["dialogue"]
    with pytest.raises(
        CourseError, match="f\\(\\) needs the column\\(s\\) \\['summary'\\].*rename_column"
    ):
        schemas.require_columns(rows, ["dialogue", "summary"], "f()")
    with pytest.raises(CourseError, match="f\\(\\) got no rows"):
        schemas.require_columns([], ["dialogue"], "f()")


def test_data_dir_is_found_from_the_clone_after_a_non_editable_install(tmp_path, monkeypatch):
    """Installed into site-packages, the package finds the clone's datasets from its notebooks/."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(
        data, "__file__", str(tmp_path / "site-packages" / "tutorial_lib" / "data.py")
    )
    (tmp_path / "clone" / "datasets_cache").mkdir(parents=True)
    (tmp_path / "clone" / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "clone" / "notebooks")
    assert data.data_dir() == tmp_path / "clone" / "datasets_cache"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(CourseError, match="datasets_cache.*COURSE_DATA_DIR"):
        data.data_dir()
