"""The label mask of lesson 03: response_labels, by hand and against trl's SFT data pipeline."""

import copy
import tempfile

import torch
from trl import SFTConfig, SFTTrainer

from tutorial_lib.sft_data import response_labels, sft_dataset

PROMPTS = ["Name a colour.", "Count to three, slowly, one number at a time."]
RESPONSES = ["Blue, like the sky on a clear summer afternoon.", "One, two, three."]


def test_response_labels_mask_the_prompt_and_the_padding():
    ids = torch.tensor([11, 12, 13, 21, 22, 0, 0])  # 3 prompt tokens, 2 response tokens, 2 pads
    mask = torch.tensor([1, 1, 1, 1, 1, 0, 0])
    labels = response_labels(ids, 3, mask)
    assert labels.tolist() == [-100, -100, -100, 21, 22, -100, -100]
    assert ids.tolist() == [11, 12, 13, 21, 22, 0, 0], "the input ids are left as they were"
    assert response_labels(ids[:5], 3).tolist() == [-100, -100, -100, 21, 22]  # no padding
    assert response_labels(ids[:5], 0).tolist() == [11, 12, 13, 21, 22]  # no prompt


def test_response_labels_equal_the_labels_of_trls_completion_only_loss(tiny):
    model, tok = tiny
    records = sft_dataset(PROMPTS, RESPONSES)
    with tempfile.TemporaryDirectory() as tmp:
        args = SFTConfig(
            output_dir=tmp,
            completion_only_loss=True,
            max_length=128,
            activation_checkpointing=False,
            report_to=[],
            use_cpu=True,
        )
        trainer = SFTTrainer(
            model=copy.deepcopy(model), args=args, train_dataset=records, processing_class=tok
        )
        examples = [trainer.train_dataset[i] for i in range(len(records))]
        batch = trainer.data_collator(examples)  # padded on the right to the longer example
    assert (batch["attention_mask"] == 0).any(), "the two examples differ in length: one is padded"
    for row, record in enumerate(records):
        prompt_ids = tok.apply_chat_template(record["prompt"], add_generation_prompt=True)
        prompt_length = len(prompt_ids["input_ids"])
        ours = response_labels(batch["input_ids"][row], prompt_length, batch["attention_mask"][row])
        assert torch.equal(ours, batch["labels"][row])
        response = tok.decode(ours[ours != -100])
        assert response.startswith(RESPONSES[row]) and "user" not in response


def test_summary_dataset_reports_its_fitting_even_when_nothing_was_cut(tiny, capsys):
    from tutorial_lib.sft_data import summary_dataset

    rows = [{"dialogue": "#Person1#: Hi.\n#Person2#: Hello.", "summary": "They greet."}]
    assert len(summary_dataset(rows, tokenizer=tiny[1], max_seq_len=512, report=True)) == 1
    printed = capsys.readouterr().out
    assert "shortened 0 dialogue(s)" in printed and "dropped 0 example(s)" in printed
    summary_dataset(rows, tokenizer=tiny[1], max_seq_len=512)
    assert capsys.readouterr().out == ""
