"""The shared plots draw what they are given: one bar, line or marker per value."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from tutorial_lib.plots import (
    curves_plot,
    grouped_bars,
    log2_histogram,
    tradeoff_plot,
    zero_memory_vs_gpus,
)  # noqa: E402


def test_grouped_bars_one_bar_per_value_and_gaps_for_missing():
    fig = grouped_bars(
        {"stage 0": {"paper": 2, "measured": 2}, "stage 3": {"paper": 3}}, ylabel="Φ"
    )
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights[:2] == [2, 3] and heights[2] == 2 and np.isnan(heights[3])  # series by series
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stage 0", "stage 3"]


def test_log2_histogram_leaves_zeros_out_and_marks_each_value():
    fig = log2_histogram(
        np.array([0.0, 2.0**-3, -(2.0**-3), 1.0]), {"one": 1.0, "tiny": 2.0**-24}, bins=4
    )
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 3  # the zero is left out, signs are dropped
    assert [line.get_xdata()[0] for line in ax.lines] == [0.0, -24.0]


def test_zero_memory_curves_follow_the_formula():
    fig = zero_memory_vs_gpus(7.5e9, [1, 64], budget_gb=80)
    lines = fig.axes[0].lines
    assert len(lines) == 5  # four stages and the budget
    assert np.allclose(lines[0].get_ydata(), [120, 120]) and np.allclose(
        lines[3].get_ydata(), [120, 120 / 64]
    )


def test_curves_plot_one_line_per_curve_and_the_reference():
    fig = curves_plot(
        {"a": ([1, 2], [3, 4]), "b": ([1, 2], [5, 6])},
        "x",
        "y",
        "t",
        logy=True,
        reference=("ref", 2.5),
    )
    ax = fig.axes[0]
    assert [list(line.get_ydata()) for line in ax.lines[:2]] == [[3, 4], [5, 6]]
    assert (
        list(ax.lines[2].get_ydata()) == [2.5, 2.5]
        and ax.get_yscale() == "log"
        and ax.get_xscale() == "linear"
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "ref"]


def test_tradeoff_plot_one_marker_per_point():
    fig = tradeoff_plot({"fp32": (513.0, 17.1), "nf4": (165.0, 21.6)}, "MB", "perplexity", "t")
    ax = fig.axes[0]
    assert [tuple(c.get_offsets()[0]) for c in ax.collections] == [(513.0, 17.1), (165.0, 21.6)]
    assert ax.get_xlim()[0] == 0
