"""Plots the lessons share: training-loss curves and score-against-size charts, each with axes, units and a title."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
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
