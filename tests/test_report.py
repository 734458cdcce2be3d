import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from tutorial_lib import lesson_plan, record
from tutorial_lib.report import markdown_table, write_report
from tutorial_lib.stats import compare


def test_record_then_write_report(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_REPORT_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_PROFILE", "cpu")  # the plan's profile wins over the environment
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    path = record(
        lesson_plan("00", "quick"),
        {"perplexity": 12.3456789},
        tables={"sizes": [{"dtype": "fp32", "GB": 0.5}]},
        figures={"probs": fig},
        effects={"sampled - greedy, accuracy": compare([1, 1, 0, 1] * 10, [0, 0, 0, 1] * 10),
                 "top-k - greedy, accuracy": compare([1, 0, 1, 0], [0, 1, 1, 0])},
    )
    saved = json.loads(path.read_text())
    assert saved["profile"] == "quick" and saved["numbers"]["perplexity"] == 12.3456789
    assert (tmp_path / saved["figures"]["probs"]).exists()
    (tmp_path / "timings.json").write_text(
        json.dumps({"00_setup_and_tour.ipynb": {"status": "ok", "wall_s": 3.0}})
    )
    report = write_report(tmp_path).read_text()
    assert "| perplexity | 12.35 |" in report
    assert saved["peak memory"]["RAM GiB"] > 0  # the kernel's peak resident memory
    assert "| notebook | status | wall_s | RAM GiB |" in report
    assert "| 00_setup_and_tour.ipynb | ok | 3 |" in report
    assert "![probs](figures/00_setup_and_tour_probs.png)" in report
    # the headline effects: each with its paired interval and a verdict
    assert "| lesson | effect | difference | 95% CI | n | verdict |" in report
    shown = "| sampled - greedy, accuracy | 0.5 | +0.350 to +0.650 | 40 | shown |"
    assert shown in report
    assert "| top-k - greedy, accuracy | 0 |" in report and "within noise |" in report


def test_markdown_table():
    assert markdown_table([{"a": 1, "b": 0.123456}]) == "| a | b |\n|---|---|\n| 1 | 0.1235 |"
