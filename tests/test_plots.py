"""The shared plots draw what they are given: one bar, line or marker per value."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from tutorial_lib.plots import grouped_bars, log2_histogram, zero_memory_vs_gpus  # noqa: E402


def test_grouped_bars_one_bar_per_value_and_gaps_for_missing():
    fig = grouped_bars({"stage 0": {"paper": 2, "measured": 2}, "stage 3": {"paper": 3}}, ylabel="Φ")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights[:2] == [2, 3] and heights[2] == 2 and np.isnan(heights[3])  # series by series
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stage 0", "stage 3"]


def test_log2_histogram_leaves_zeros_out_and_marks_each_value():
    fig = log2_histogram(np.array([0.0, 2.0**-3, -(2.0**-3), 1.0]), {"one": 1.0, "tiny": 2.0**-24}, bins=4)
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 3  # the zero is left out, signs are dropped
    assert [line.get_xdata()[0] for line in ax.lines] == [0.0, -24.0]


def test_zero_memory_curves_follow_the_formula():
    fig = zero_memory_vs_gpus(7.5e9, [1, 64], budget_gb=80)
    lines = fig.axes[0].lines
    assert len(lines) == 5  # four stages and the budget
    assert np.allclose(lines[0].get_ydata(), [120, 120]) and np.allclose(lines[3].get_ydata(), [120, 120 / 64])
