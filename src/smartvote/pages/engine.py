"""HTML pages of a recommendation: the analysts' page (the district table and the coordination
curve) and the voters' page (look up a polling station, get the pick).

Self-contained like every page (:mod:`smartvote.pages.common`): the chart is an embedded PNG, styles
are inline, and a Content-Security-Policy forbids every request. The voters' page is the
publication's lookup (:mod:`smartvote.pages.site`) as one file: its script is inlined and
allowed by its SHA-256 alone, so that nothing else can run, and whoever asks about which
station is known to no one but the reader's device.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from smartvote.engine.coordinate import CoordinationCurve  # noqa: E402
from smartvote.engine.forecast import EngineRun  # noqa: E402
from smartvote.pages.common import png_data_uri, render
from smartvote.pages.site.build import single_page
from smartvote.pages.site.content import ElectionSite, number_ranges

__all__ = ["curve_chart", "number_ranges", "recommendation_page", "voter_page"]


def curve_chart(curve: CoordinationCurve, title: str) -> str:
    """Seats flipped against q: the mean and the 90% band over draws."""
    figure = Figure(figsize=(8.0, 4.0))
    axes = figure.subplots()
    q = [100 * x for x in curve.q]
    axes.fill_between(q, curve.low, curve.high, color="#a5d8ff", label="90% interval")
    axes.plot(q, curve.mean, color="#1864ab", label="mean")
    axes.set_xlabel("coordination q (% of other non-ruling voters moving to the pick)")
    axes.set_ylabel("seats flipped")
    axes.set_xlim(0, 100)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left")
    axes.set_title(title)
    return png_data_uri(figure)


def recommendation_page(run: EngineRun) -> str:
    """The self-contained HTML page of an engine run."""
    election = run.forecast.election
    return render(
        "engine/recommend.html.j2",
        run=run,
        election=election,
        chart=curve_chart(run.curve, f"{election}: seats flipped by coordination"),
        rows=run.recommendation.districts,
        marks=[0, 10, 20, 30, 50, 70, 100],
    )


def voter_page(run: EngineRun) -> str:
    """The voters' page: the publication's lookup as one self-contained file (every station and
    every pick embedded, looked up on the reader's device; :func:`smartvote.pages.site.build.single_page`)."""
    return single_page(ElectionSite(run.forecast.election, run.forecast.election, run))
