"""Plots the lessons share: training curves, score-against-size charts, histograms and bars.

Each has axes, units and a title.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .distributed.zero import GB, STAGE_NAMES, model_state_bytes
from .training import RunResult


def loss_curves(runs: Sequence[RunResult], title: str = "Training loss") -> Figure:
    """Return a figure with one training-loss curve per run against the optimizer step."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for run in runs:
        ax.plot(range(1, len(run.losses) + 1), run.losses, marker="o", markersize=3, label=run.name)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss on response tokens (nats/token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def reward_histograms(
    panels: dict[str, tuple[Sequence[float], Sequence[float]]], title: str = "Rewards"
) -> Figure:
    """Return a figure of a panel per {title: (chosen rewards, rejected rewards)}, both overlaid."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, (name, (chosen, rejected)) in zip(axes[0], panels.items()):
        values = [*chosen, *rejected]
        bins = np.linspace(min(values), max(values) + 1e-6, 21)
        ax.hist(chosen, bins=bins, alpha=0.6, label="chosen", color="tab:green")
        ax.hist(rejected, bins=bins, alpha=0.6, label="rejected", color="tab:red")
        ax.set_xlabel("reward (scalar head output)")
        ax.set_ylabel("answers")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def best_of_n_plot(curve: dict[int, float], title: str = "Best-of-n") -> Figure:
    """Return a figure of the mean reward of the best of n samples against n (log scale)."""
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    ns = sorted(curve)
    ax.plot(ns, [curve[n] for n in ns], marker="o")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.set_xlabel("n (samples per prompt, keep the best)")
    ax.set_ylabel("mean reward of the kept answer")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def training_curves(
    runs: dict[str, Sequence[dict[str, float]]], keys: Sequence[str], title: str = ""
) -> Figure:
    """Return a grid of a panel per statistic in `keys`, a line per run {name: per-step stats}."""
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        for name, history in runs.items():
            ax.plot(
                range(1, len(history) + 1),
                [h[key] for h in history],
                marker="o",
                markersize=3,
                label=name,
            )
        ax.set_title(key)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    axes.flat[0].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def zero_memory_vs_gpus(
    n_params: float, gpu_counts: Sequence[int], budget_gb: float, title: str = ""
) -> Figure:
    """Return a figure of model-state memory per GPU against GPU count, one line per ZeRO stage.

    The memory (GB) follows the ZeRO paper's formulas; a dashed line marks `budget_gb`.
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for stage, name in enumerate(STAGE_NAMES):
        gb = [model_state_bytes(n_params, stage, n)["total"] / GB for n in gpu_counts]
        ax.plot(gpu_counts, gb, marker="o", markersize=3, label=f"stage {stage}: {name}")
    ax.axhline(
        budget_gb, color="black", linestyle="--", linewidth=1, label=f"{budget_gb:g} GB per GPU"
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("GPUs (data-parallel degree N)")
    ax.set_ylabel("model states per GPU (GB)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def grouped_bars(table: dict[str, dict[str, float]], ylabel: str, title: str = "") -> Figure:
    """Return a bar chart of {group: {series: value}}: a cluster per group, a colour per series."""
    series = list(dict.fromkeys(s for values in table.values() for s in values))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(1.2 + 1.5 * len(table), 3.4))
    for i, name in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(table))]
        ax.bar(xs, [values.get(name, np.nan) for values in table.values()], width, label=name)
    ax.set_xticks(range(len(table)), list(table))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def log2_histogram(
    values: np.ndarray, marks: dict[str, float], title: str = "", bins: int = 120
) -> Figure:
    """Return a histogram of log2|values| (zeros left out), a dashed line at each of `marks`."""
    values = np.abs(np.asarray(values, dtype=np.float64))
    logs = np.log2(values[values > 0])
    fig, ax = plt.subplots(figsize=(6.8, 3.4))
    ax.hist(logs, bins=bins, color="tab:blue", alpha=0.7)
    for i, (name, value) in enumerate(marks.items()):
        ax.axvline(
            np.log2(value),
            color=f"C{i + 1}",
            linestyle="--",
            linewidth=1.2,
            label=f"{name} (2^{np.log2(value):.0f})",
        )
    ax.set_xlabel("log2 |value|")
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def curves_plot(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    title: str,
    logx: bool = False,
    logy: bool = False,
    reference: tuple[str, float] | None = None,
) -> Figure:
    """Return a figure of one line per {label: (xs, ys)}, optional log axes and reference line.

    `reference` (label, y) is drawn as a dashed horizontal line.
    """
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, marker="o", markersize=4, label=label)
    if reference is not None:
        ax.axhline(reference[1], color="gray", linestyle="--", linewidth=1, label=reference[0])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return fig


def tradeoff_plot(
    points: dict[str, tuple[float, float]], xlabel: str, ylabel: str, title: str
) -> Figure:
    """Return a scatter of points {label: (x, y)} in a legend, e.g. size against perplexity."""
    fig, ax = plt.subplots(figsize=(7.2, 3.8))
    markers = "osD^vP*Xh<>"
    for i, (label, (x, y)) in enumerate(points.items()):
        ax.scatter([x], [y], s=55, marker=markers[i % len(markers)], label=label, zorder=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.set_xlim(left=0)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig
