"""The report's figures, drawn with matplotlib's object API (never shown, never global state).

Each ``*_figure`` function takes an :class:`~smartvote.pages.report.analysis.Analysis` and the
reader's :class:`~smartvote.pages.messages.Messages`, and returns a matplotlib
:class:`~matplotlib.figure.Figure`; :func:`png` renders one to bytes. Every word a figure shows
comes from the catalogue (``figure.*``), and numbers are written in the reader's notation, so a
Russian page shows Russian figures (one file per language: only the words differ, the data are
the same).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, SymLogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from smartvote.forensics.integer import integer_histogram
from smartvote.forensics.shpilkin import N_BINS
from smartvote.pages.messages import Messages
from smartvote.pages.messages.numbers import decimal, integer, votes
from smartvote.pages.report.analysis import Analysis, choice_label

LEADER_COLOUR = "#1f4e9c"
ANOMALY_COLOUR = "#d62728"
OTHER_COLOURS = ("#e6550d", "#31a354", "#756bb1", "#636363", "#bcbd22", "#17becf", "#8c564b")
#: Choices below this share of the ballots are drawn together as "the rest" in the curves.
MIN_CURVE_SHARE = 0.03
DPI = 110
#: The crowd the comet's dots are sized for (a federal election, ~95,000 stations): fewer
#: stations draw larger dots. A drawing parameter, not a fact of any election.
CROWDING_REFERENCE_STATIONS = 95_000


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _percent(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return 100.0 * num / np.where(den > 0, den, 1)


def _title(analysis: Analysis, t: Messages) -> str:
    """The election's name in the reader's language (the catalogue's, else the data's)."""
    return t.table.get(f"election.{analysis.election.election_id}", analysis.election.title)


def comet_figure(analysis: Analysis, t: Messages) -> Figure:
    """Turnout against the leader's share, one small translucent dot per station.

    Honest counts make one compact cloud; ballot stuffing and rewritten protocols draw the
    "comet tail" towards 100% turnout and 100% share (Kobak et al. 2016, figure 1).
    """
    a = analysis.arrays
    shown = a.has_protocol & (a.registered > 0) & (a.boxes > 0)
    figure = Figure(figsize=(7, 6))
    ax = figure.subplots()
    ordinary = shown & ~a.remote
    # Dots of a federal election (~95,000 stations) are tiny and faint; a city's are larger.
    crowding = np.sqrt(CROWDING_REFERENCE_STATIONS / max(1, int(ordinary.sum())))
    ax.scatter(
        _percent(a.issued, a.registered)[ordinary],
        _percent(a.leader, a.boxes)[ordinary],
        s=min(5.0, 0.6 * crowding),
        alpha=min(0.5, 0.12 * crowding),
        color=LEADER_COLOUR,
        linewidths=0,
        rasterized=True,
    )
    handles = [_marker("o", LEADER_COLOUR, t("figure.comet.stations", n=integer(ordinary.sum(), t)))]
    remote = shown & a.remote
    if remote.any():
        ax.scatter(
            _percent(a.issued, a.registered)[remote],
            _percent(a.leader, a.boxes)[remote],
            s=18,
            marker="D",
            color=ANOMALY_COLOUR,
        )
        handles.append(_marker("D", ANOMALY_COLOUR, t("figure.comet.remote", n=integer(remote.sum(), t))))
    ax.set(
        xlim=(0, 100),
        ylim=(0, 100),
        xlabel=t("figure.turnout_pct"),
        ylabel=t("figure.comet.y", leader=_leader(analysis)),
    )
    ax.set_title(t("figure.comet.title", title=_title(analysis, t)))
    ax.legend(handles=handles, loc="upper left", frameon=False)
    ax.grid(alpha=0.3)
    return figure


def _marker(shape: str, colour: str, label: str) -> Line2D:
    return Line2D([], [], marker=shape, linestyle="", color=colour, markersize=5, label=label)


def histograms_figure(analysis: Analysis, t: Messages) -> Figure:
    """Stations per 0.1 pp of turnout and of the leader's share, integer percentages marked.

    The counts are jittered by U(-0.5, 0.5) (seeded) as in the published figures, so that
    spikes at simple fractions of small stations disappear and only the integer peaks remain.
    """
    a = analysis.arrays
    figure = Figure(figsize=(10, 6.5))
    top, bottom = figure.subplots(2, 1)
    rng = np.random.default_rng(analysis.seed)
    panels = (
        (top, a.issued, a.registered, t("figure.turnout")),
        (bottom, a.leader, a.boxes, _leader(analysis)),
    )
    for ax, num, den, what in panels:
        use = a.has_protocol
        centres, values, whole = integer_histogram(num[use], den[use], rng=rng)
        _draw_histogram(ax, centres, values, whole, t)
        ax.set(xlabel=t("figure.histograms.x", what=what), ylabel=t("figure.stations"))
    top.set_title(t("figure.histograms.title", title=_title(analysis, t)))
    figure.tight_layout()
    return figure


def _draw_histogram(
    ax: Axes, centres: np.ndarray, values: np.ndarray, whole: np.ndarray, t: Messages
) -> None:
    edges = np.append(centres - 0.05, centres[-1] + 0.05)
    ax.stairs(values, edges, color="#555555", linewidth=0.6)
    ax.plot(
        centres[whole], values[whole], "o", ms=2.5, color=ANOMALY_COLOUR, label=t("figure.histograms.integer")
    )
    nonzero = np.flatnonzero(values)
    low, high = (centres[nonzero[0]], centres[nonzero[-1]]) if len(nonzero) else (0.0, 100.0)
    ax.set_xlim(max(0.0, low - 1), min(100.0, high + 1))
    _clip_end_bin(ax, centres, values, t)
    ax.legend(loc="upper left", frameon=False)
    ax.grid(alpha=0.3)


def _clip_end_bin(ax: Axes, centres: np.ndarray, values: np.ndarray, t: Messages) -> None:
    """Keep the 100% bin (stations at exactly 100%, often many) from flattening the rest."""
    inner = values[:-1].max(initial=0.0)
    if values[-1] > 1.5 * inner > 0:
        ax.set_ylim(0, 1.3 * inner)
        ax.annotate(
            t("figure.histograms.end", n=integer(values[-1], t)),
            (centres[-1], 1.22 * inner),
            ha="right",
            color=ANOMALY_COLOUR,
        )


def shpilkin_figure(analysis: Analysis, t: Messages) -> Figure:
    """Votes per 1 pp turnout bin for each choice, the leader's clean curve and the anomaly.

    Above the reference peak the leader's honest curve is ``rho`` times everyone else's; what
    the official curve adds on top of it (shaded) is Shpilkin's anomalous vote.
    """
    result = analysis.shpilkin
    bins = result.bins
    k = np.arange(N_BINS)
    figure = Figure(figsize=(10, 5.5))
    ax = figure.subplots()
    for (name, curve), colour in zip(_other_curves(analysis), OTHER_COLOURS, strict=False):
        ax.plot(k, curve / 1e3, color=colour, linewidth=1.2, label=name)
    leader = bins.leader / 1e3
    clean = leader - result.anomalous_per_bin / 1e3
    ax.plot(
        k,
        leader,
        color=LEADER_COLOUR,
        linewidth=2.2,
        label=t("figure.shpilkin.official", leader=_leader(analysis)),
    )
    ax.plot(
        k,
        clean,
        color=LEADER_COLOUR,
        linewidth=1.4,
        linestyle="--",
        label=t("figure.shpilkin.clean", leader=_leader(analysis), rho=decimal(result.fit.rho, 3, t)),
    )
    ax.fill_between(
        k,
        clean,
        leader,
        where=leader > clean,
        color=ANOMALY_COLOUR,
        alpha=0.35,
        label=t("figure.shpilkin.anomalous", votes=votes(result.anomalous_votes, t)),
    )
    ax.axvline(result.fit.peak, color="black", linewidth=0.8, linestyle=":")
    ax.annotate(
        t("figure.shpilkin.peak", peak=result.fit.peak),
        (result.fit.peak, ax.get_ylim()[1] * 0.95),
        xytext=(4, 0),
        textcoords="offset points",
    )
    ax.set(xlim=(0, 100), xlabel=t("figure.shpilkin.x"), ylabel=t("figure.shpilkin.y"))
    ax.set_title(t("figure.shpilkin.title", title=_title(analysis, t)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _other_curves(analysis: Analysis) -> list[tuple[str, np.ndarray]]:
    """Each other choice with at least :data:`MIN_CURVE_SHARE` of the votes, largest first."""
    result = analysis.shpilkin
    totals = result.bins.choices.sum(axis=1)
    order = np.argsort(-totals, kind="stable")
    ballots = max(1, int(result.bins.leader.sum() + result.bins.others.sum()))
    names = analysis.arrays.choice_names
    return [
        (choice_label(names[i]), result.bins.choices[i])
        for i in order
        if i != analysis.arrays.leader_column and totals[i] >= MIN_CURVE_SHARE * ballots
    ]


def _leader(analysis: Analysis) -> str:
    return choice_label(analysis.leader)


def fingerprint_figure(analysis: Analysis, t: Messages) -> Figure:
    """Klimek et al.'s fingerprint: stations per 1% x 1% cell of turnout (valid ballots over
    registered voters) and the leader's share, observed, as fit (b) simulates it, without fraud
    (f_i = f_e = 0), and the observed minus the fitted (log colour scales)."""
    section = analysis.fingerprint
    if section is None:
        raise ValueError("no fingerprint fit to draw (too few stations): see figures_for")
    figure = Figure(figsize=(11, 9.5), layout="constrained")
    axes = figure.subplots(2, 2, sharex=True, sharey=True)
    top = max(1.0, float(section.observed.counts.max()))
    fitted = t(
        "figure.fingerprint.fitted",
        fi=decimal(section.fit.params.incremental, 3, t),
        fe=decimal(section.fit.params.extreme, 4, t),
        distance=decimal(section.fitted_distance, 3, t),
    )
    panels = (
        (axes[0, 0], section.observed.counts, t("figure.fingerprint.observed")),
        (axes[0, 1], section.fitted.counts, fitted),
        (
            axes[1, 0],
            section.fair.counts,
            t("figure.fingerprint.fair", distance=decimal(section.fair_distance, 3, t)),
        ),
    )
    for ax, counts, title in panels:
        image = ax.imshow(
            np.ma.masked_equal(counts.T, 0), origin="lower", extent=(0, 100, 0, 100),
            norm=LogNorm(1, top), cmap="viridis", interpolation="nearest",
        )  # fmt: skip
        ax.set_title(title, fontsize=9)
    figure.colorbar(image, ax=axes[0, :], label=t("figure.fingerprint.cells"), shrink=0.8)
    residual = section.observed.counts - section.fitted.counts
    limit = max(1.0, float(np.abs(residual).max()))
    image = axes[1, 1].imshow(
        residual.T, origin="lower", extent=(0, 100, 0, 100), cmap="RdBu_r",
        norm=SymLogNorm(1, vmin=-limit, vmax=limit), interpolation="nearest",
    )  # fmt: skip
    axes[1, 1].set_title(t("figure.fingerprint.residual"), fontsize=9)
    figure.colorbar(image, ax=axes[1, :], label=t("figure.stations"), shrink=0.8)
    # one label per axis for the whole grid: a long leader's name fits the figure's height, where
    # each row's own label was cut at the height of one panel
    figure.supxlabel(t("figure.fingerprint.x"))
    figure.supylabel(t("figure.fingerprint.y", leader=_leader(analysis)))
    figure.suptitle(t("figure.fingerprint.title", title=_title(analysis, t)))
    return figure


#: The report's figures: file stem -> drawing function, in the order of the report (a figure
#: whose section could not run, see :func:`figures_for`, is left out).
FIGURES: dict[str, Callable[[Analysis, Messages], Figure]] = {
    "comet": comet_figure,
    "histograms": histograms_figure,
    "shpilkin": shpilkin_figure,
    "fingerprint": fingerprint_figure,
}


def ranking_figure(analysis: Analysis, t: Messages) -> Figure:
    """The ranking's top units: each signal's share of the combined z, a map-free bar chart."""
    assert analysis.practitioners is not None
    table = analysis.practitioners.ranking.table.head(20).iloc[::-1]
    columns = [c for c in table.columns if c.startswith("z_")]
    fig = Figure(figsize=(8, 0.3 * len(table) + 1.2))
    ax = fig.subplots()
    left = np.zeros(len(table))
    for colour, col in zip(OTHER_COLOURS, columns, strict=False):
        part = table[col].to_numpy() / np.sqrt(len(columns))
        ax.barh(np.arange(len(table)), part, left=np.where(part >= 0, left, 0), color=colour, label=col[2:])
        left = left + np.maximum(part, 0)
    ax.set_yticks(np.arange(len(table)), [str(u)[:40] for u in table.index], fontsize=8)
    ax.set_xlabel(t("figure.ranking.x"))
    ax.legend(loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def online_figure(analysis: Analysis, t: Messages) -> Figure:
    """The leader's share online against paper, one dot per district or region, with the diagonal."""
    assert analysis.practitioners is not None and analysis.practitioners.remote is not None
    table = analysis.practitioners.remote.table
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    ax.scatter(table["paper_pct"], table["online_pct"], s=18, color=LEADER_COLOUR)
    ax.plot([0, 100], [0, 100], "k--", linewidth=0.6)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.set_xlabel(t("figure.online.paper", leader=_leader(analysis)))
    ax.set_ylabel(t("figure.online.online", leader=_leader(analysis)))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def practitioner_figures(analysis: Analysis) -> dict[str, Callable[[Analysis, Messages], Figure]]:
    """The practitioners' figures this analysis can draw (none without the practitioners' tests)."""
    p = analysis.practitioners
    if p is None:
        return {}
    return {"ranking": ranking_figure, **({"online": online_figure} if p.remote is not None else {})}


def figures_for(analysis: Analysis) -> dict[str, Callable[[Analysis, Messages], Figure]]:
    """The figures this analysis can draw: no fingerprint without its fit (too few stations)."""
    drawn = {k: v for k, v in FIGURES.items() if k != "fingerprint" or analysis.fingerprint is not None}
    return {**drawn, **practitioner_figures(analysis)}
