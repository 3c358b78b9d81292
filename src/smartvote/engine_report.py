"""HTML page of a recommendation: the district table and the coordination curve.

Self-contained like every page (:mod:`smartvote.pages`): the chart is an
embedded PNG, styles are inline, the page makes no request to any server.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from smartvote.engine_data import EngineRun  # noqa: E402
from smartvote.pages import png_data_uri, templates  # noqa: E402
from smartvote.tactics.coordinate import CoordinationCurve  # noqa: E402

_ENV = templates("smartvote")


def curve_chart(curve: CoordinationCurve, title: str) -> str:
    """Seats flipped against q: the mean and the 90% band over draws."""
    figure, axes = plt.subplots(figsize=(8.0, 4.0))
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
    return _ENV.get_template("engine/recommend.html.j2").render(
        run=run,
        election=election,
        chart=curve_chart(run.curve, f"{election}: seats flipped by coordination"),
        rows=run.recommendation.districts,
        marks=[0, 10, 20, 30, 50, 70, 100],
    )
