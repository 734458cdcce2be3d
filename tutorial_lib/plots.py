"""Plots the lessons share: training-loss curves and score-against-size charts, each with axes, units and a title."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

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


def reward_histograms(panels: dict[str, tuple[Sequence[float], Sequence[float]]], title: str = "Rewards") -> Figure:
    """Return one histogram panel per entry {title: (chosen rewards, rejected rewards)}, chosen and rejected overlaid."""
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


def training_curves(runs: dict[str, Sequence[dict[str, float]]], keys: Sequence[str], title: str = "") -> Figure:
    """Return a grid with one panel per statistic in `keys`, one line per run {name: per-step statistics}."""
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        for name, history in runs.items():
            ax.plot(range(1, len(history) + 1), [h[key] for h in history], marker="o", markersize=3, label=name)
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
