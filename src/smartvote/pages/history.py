"""The page over time: one row per imported election, and the figure of the trend.

It takes the rows of ``smartvote history`` (dicts, see
:class:`smartvote.pipelines.forensics.HistoryRow`), never the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from smartvote.atomic import atomic_files
from smartvote.pages.common import png_base64, render
from smartvote.pages.report.figures import ANOMALY_COLOUR, LEADER_COLOUR, png
from smartvote.pages.report.formatting import millions, num, pct


def history_figure(rows: list[dict[str, Any]]) -> Figure:
    """Integer excess z and anomalous votes per election (left), official and clean turnout and
    leader's share (right): the trend in one look."""
    labels = [r["election_id"].replace("russia-", "") for r in rows]
    x = np.arange(len(rows))
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.bar(x, [r["anomalous_votes"] / 1e6 for r in rows], color=ANOMALY_COLOUR, alpha=0.6)
    left.set_ylabel("Anomalous votes (millions, Shpilkin)")
    twin = left.twinx()
    twin.plot(x, [r["integer_z"] for r in rows], "ko-", label="integer test z")
    twin.set_ylabel("Integer test z")
    for key, style, label in (
        ("turnout_pct", "--", "turnout, official"),
        ("clean_turnout_pct", "-", "turnout, clean"),
        ("leader_pct", "--", "leader, official"),
        ("clean_leader_pct", "-", "leader, clean"),
    ):
        colour = "#636363" if key.endswith("turnout_pct") else LEADER_COLOUR
        right.plot(x, [r[key] for r in rows], style, color=colour, marker="o", label=label)
    right.set_ylabel("%")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    return fig


def write_history(rows: list[dict[str, Any]], out: Path) -> Path:
    """Write ``history.html`` (the figure embedded) and ``history.png`` into ``out`` at once."""
    image = png(history_figure(rows))
    html = render(
        "report/history.html.j2", rows=rows, image=png_base64(image), pct=pct, num=num, millions=millions
    )
    with atomic_files(out) as staging:
        (staging / "history.png").write_bytes(image)
        (staging / "history.html").write_text(html, encoding="utf-8")
    return out / "history.html"
