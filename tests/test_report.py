import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from tutorial_lib import lesson_plan, record
from tutorial_lib.report import markdown_table, write_report


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


def test_markdown_table():
    assert markdown_table([{"a": 1, "b": 0.123456}]) == "| a | b |\n|---|---|\n| 1 | 0.1235 |"
