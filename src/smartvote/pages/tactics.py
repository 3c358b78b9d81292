"""HTML pages of the Smart Voting analyses: one self-contained file per result.

Charts are drawn with matplotlib's object API (no global backend or pyplot state) and
embedded as base64 PNG, the page styles are inline: a page opens offline, from a USB stick,
with no request to any server (nothing to log who read it). Templates:
``smartvote/pages/templates/tactics/*.html.j2`` (Jinja2, autoescaped).
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from smartvote.pages.common import png_data_uri, render  # noqa
from smartvote.tactics.effect import EffectResult  # noqa: E402
from smartvote.tactics.gap import LOST, NO_RULING, TIE, GapResult  # noqa: E402

_SHOWN_MAX = 1.2  # q* above this is drawn at this height and labelled "> 1"


def gap_chart(result: GapResult) -> str:
    """Bars of q* per district, sorted from the easiest to flip; lost districts at 0."""
    rows = [d for d in result.sorted_by_q_star() if d.status != NO_RULING]
    heights = [min(d.q_star or 0.0, _SHOWN_MAX) for d in rows]
    colours = ["#2b8a3e" if d.status in (LOST, TIE) else "#c92a2a" for d in rows]
    figure = Figure(figsize=(max(6.0, min(16.0, 0.25 * len(rows) + 3)), 3.8))
    axes = figure.subplots()
    axes.bar(range(len(rows)), heights, color=colours, width=0.8)
    lost = [i for i, d in enumerate(rows) if d.status in (LOST, TIE)]
    axes.scatter(lost, [0.0] * len(lost), marker="v", color="#2b8a3e", zorder=3, clip_on=False)
    axes.axhline(1.0, color="#495057", linewidth=0.8, linestyle="--")
    axes.set_ylim(0, _SHOWN_MAX + 0.05)
    axes.set_ylabel("q* (share of other non-ruling votes needed)")
    axes.set_xlabel(
        "districts, sorted by q* (green triangles: ruling candidate lost; bars at the top: q* > 1)"
    )
    if len(rows) <= 40:
        axes.set_xticks(range(len(rows)), [str(d.district) for d in rows], rotation=90, fontsize=8)
    else:
        axes.set_xticks([])
    axes.set_title(f"{result.election}: coordination gap")
    return png_data_uri(figure)


def effect_chart(result: EffectResult) -> str:
    """Histograms of the split-ticket of endorsed and not endorsed candidates, with their means."""
    figure = Figure(figsize=(8.0, 3.8))
    axes = figure.subplots()
    values = result.split_endorsed_pp + result.split_other_pp
    low, high = math.floor(min(values)), math.ceil(max(values))
    bins = list(range(low, high + 2))
    axes.hist(result.split_other_pp, bins=bins, alpha=0.6, color="#868e96", label="not endorsed")
    axes.hist(result.split_endorsed_pp, bins=bins, alpha=0.7, color="#1c7ed6", label="endorsed")
    axes.axvline(result.mean_split_other_pp, color="#495057", linestyle="--", linewidth=1)
    axes.axvline(result.mean_split_endorsed_pp, color="#1864ab", linestyle="--", linewidth=1)
    axes.set_xlabel("split-ticket: single-member share - party list share (pp)")
    axes.set_ylabel("candidates")
    axes.legend()
    axes.set_title(", ".join(result.elections) + ": split-ticket of endorsed vs not endorsed")
    return png_data_uri(figure)


def gap_page(result: GapResult, effect: EffectResult | None = None) -> str:
    """The self-contained HTML page of an election's coordination gap, with its endorsement
    effect (split-ticket distribution) when the election has candidate results."""
    return render(
        "tactics/gap.html.j2",
        result=result,
        chart=gap_chart(result),
        rows=result.sorted_by_q_star(),
        effect=effect,
        effect_chart=None if effect is None else effect_chart(effect),
    )


def effect_page(result: EffectResult) -> str:
    """The self-contained HTML page of an endorsement effect."""
    return render("tactics/effect.html.j2", result=result, chart=effect_chart(result))
