"""HTML pages of a recommendation: the analysts' page (the district table and the coordination
curve) and the voters' page (look up a polling station, get the pick).

Self-contained like every page (:mod:`smartvote.pages.common`): the chart is an embedded PNG, styles
are inline, and a Content-Security-Policy forbids every request. The voters' page needs a
script for the lookup; it is inlined and allowed by its SHA-256 alone, so that nothing else
can run, and whoever asks about which station is known to no one but the reader's device.
"""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup  # noqa: E402
from matplotlib.figure import Figure

from smartvote.engine.coordinate import CoordinationCurve  # noqa: E402
from smartvote.engine.forecast import EngineRun  # noqa: E402
from smartvote.engine.recommend import DistrictPick  # noqa: E402
from smartvote.pages.common import asset, png_data_uri, render  # noqa


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
    """The voters' page: the election's stations (region, number, district) are embedded with
    every district's pick, and looked up on the reader's device."""
    script = asset("engine/lookup.js")
    picks = {d.district: d for d in run.recommendation.districts}
    stations = run.forecast.stations
    known = stations[stations["district"].isin(list(picks))].sort_values(["region", "number"])
    regions = sorted(known["region"].unique(), key=_region_key)
    coordination = f"{100 * run.recommendation.q:.0f}%"
    data = {
        "stations": {
            r: {str(n): d for n, d in zip(g["number"], g["district"], strict=True)}
            for r, g in known.groupby("region")
        },
        "picks": {label: _pick_json(pick) for label, pick in picks.items()},
        "text": {
            "district": "district",
            "probability": f"chance to beat the ruling candidate (coordination {coordination})",
            "unknown": "No such station in this election's list; check the number (and the region).",
        },
    }
    numbers = known.groupby(["district", "region"])["number"].agg(list)
    table = [  # in the run's order of districts (city-smd-2 before city-smd-10)
        {
            "district": d.district,
            "pick": d.name,
            "region": region,
            "stations": number_ranges(numbers[d.district, region]),
        }
        for d in run.recommendation.districts
        for region in regions
        if (d.district, region) in numbers.index
    ]
    return render(
        "engine/voter.html.j2",
        election=run.forecast.election,
        regions=regions,
        q=run.recommendation.q,
        table=table,
        data=data,
        script=Markup(script),
        script_hash="sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode(),
    )


def _region_key(name: str) -> str:
    """Alphabetical as a reader looks for it: "город Москва" under М, not after every capital."""
    return name.casefold().removeprefix("город ").strip()


def _pick_json(pick: DistrictPick) -> dict[str, object]:
    probability = None if pick.probability is None else f"{100 * pick.probability:.0f}%"
    party = "" if pick.party.casefold() == pick.name.casefold() else pick.party  # party level: name = party
    return {"name": pick.name, "party": party, "probability": probability, "flags": list(pick.flags)}


def number_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5, 7, 8]`` -> ``"1–3, 5, 7–8"``: station numbers as short runs."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in runs)
