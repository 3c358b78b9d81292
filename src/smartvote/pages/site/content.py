"""What the site shows of one election, and its language-neutral data: the station map as runs
of consecutive station numbers of one district, and each district's pick in a reader's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smartvote.engine.coordinate import CoordinationCurve
from smartvote.engine.forecast import EngineRun
from smartvote.engine.recommend import DistrictPick
from smartvote.model import district_of
from smartvote.pages.messages import Messages
from smartvote.pages.messages.numbers import decimal, integer, percent
from smartvote.tactics.parties import party_mapping


@dataclass(frozen=True)
class ElectionSite:
    """One election of the site: the engine's run, the forensic report (its JSON document and
    PNG figures per language, or none), and the names the data has for districts and their
    endorsements."""

    election: str
    title: str
    run: EngineRun
    report: dict[str, Any] | None = None
    figures: dict[str, dict[str, bytes]] = field(default_factory=dict)  # language -> name -> PNG
    names: dict[str, str] = field(default_factory=dict)  # district label -> name
    endorsed: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (candidate, party id)


def election_title(site: ElectionSite, t: Messages) -> str:
    """The election's title in the reader's language (the catalogue's, else the data's)."""
    return t.table.get(f"election.{site.election}", site.title)


def region_key(name: str) -> str:
    """Alphabetical as a reader looks for it: "город Москва" under М, not after every capital."""
    return name.casefold().removeprefix("город ").strip()


def number_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5, 7, 8]`` -> ``"1–3, 5, 7–8"``: station numbers as short runs."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in runs)


def station_lists(site: ElectionSite) -> dict[str, list[tuple[str, str]]]:
    """District label -> (region, its station numbers as runs): the lookup without scripts."""
    stations = site.run.forecast.stations
    return {
        str(label): [
            (str(region), number_ranges(g["number"].tolist()))
            for region, g in group.groupby("region", sort=False)
        ]
        for label, group in stations.sort_values(["region", "number"]).groupby("district", sort=False)
    }


def station_runs(stations: pd.DataFrame, districts: list[str]) -> dict[str, list[int]]:
    """Region -> flat ``[first, last, district index, ...]``: the runs of consecutive station
    numbers in one district, sorted, so that the whole map of a federal election is small
    (a number inside no run is not in the list) and a lookup is a binary search."""
    index = {d: i for i, d in enumerate(districts)}
    known = stations[stations["district"].isin(list(index))]
    out: dict[str, list[int]] = {}
    for region in sorted(known["region"].unique(), key=region_key):
        group = known[known["region"] == region].sort_values("number")
        numbers = group["number"].to_numpy(np.int64)
        codes = group["district"].map(index).to_numpy(np.int64)
        starts = np.flatnonzero(np.concatenate([[True], (np.diff(numbers) != 1) | (np.diff(codes) != 0)]))
        ends = np.append(starts[1:], len(numbers)) - 1
        out[str(region)] = np.column_stack([numbers[starts], numbers[ends], codes[starts]]).ravel().tolist()
    return out


def district_name(label: str, site: ElectionSite, t: Messages) -> str:
    """The district's name from the data (endorsement lists name them), else its number in
    the reader's words: never a bare label such as ``city-smd-1``."""
    if label in site.names:
        return site.names[label]
    number = district_of(label)
    if number is None:
        return t("district.number", number=label)
    kind = "district.city" if label.startswith("city-") else "district.federal"
    return t(kind, number=number)


def candidate_label(name: str, party_id: str, level: str, t: Messages) -> str:
    """A candidate with their party, or at party level the party's name in the reader's language."""
    short = party_mapping().parties[party_id].short if party_id in party_mapping().parties else name
    if level == "party":
        return t.party(party_id, short)
    if not party_id or party_id.casefold() == name.casefold():
        return name
    return f"{name} ({t.party(party_id, short)})"


def candidates(site: ElectionSite, d: int, t: Messages) -> list[dict[str, Any]]:
    """The ballot of district ``d``: label, expected share, and whether ruling or the pick."""
    run = site.run
    field_ = run.forecast.field
    pick = run.recommendation.districts[d]
    out = []
    for s, name in enumerate(field_.names[d]):
        party_id = field_.parties[field_.party[d, s]] if field_.party[d, s] >= 0 else ""
        out.append(
            {
                "label": candidate_label(name, party_id, run.forecast.level, t),
                "share": pick.expected_shares[s],
                "ruling": s == field_.ruling[d],
                "pick": s == pick.pick,
            }
        )
    return out


def _endorsed(site: ElectionSite, label: str, t: Messages) -> str | None:
    if label not in site.endorsed:
        return None
    name, party_id = site.endorsed[label]
    return candidate_label(name, party_id, "candidate", t)


def pick_entry(site: ElectionSite, d: int, t: Messages) -> dict[str, Any]:
    """District ``d``'s recommendation as the lookup and the card show it, in ``t``'s language."""
    run = site.run
    pick: DistrictPick = run.recommendation.districts[d]
    ballot = candidates(site, d, t)
    by_name = {n: ballot[s]["label"] for s, n in enumerate(run.forecast.field.names[d])}
    q = percent(run.recommendation.q, t)
    name = by_name[pick.name]
    if pick.probability is None:
        explanation = t("card.no_ruling", name=name, share=percent(pick.expected_shares[pick.pick], t, 1))
    else:
        explanation = t(
            "card.explanation",
            name=name,
            probability=percent(pick.probability, t),
            q=q,
            without=percent(pick.without_coordination, t),
            full=percent(pick.full_coordination, t),
        )
    return {
        "district": district_name(pick.district, site, t),
        "pick": name,
        "probability": None if pick.probability is None else percent(pick.probability, t),
        "runner_up": None if pick.runner_up is None else by_name[pick.runner_up],
        "runner_up_probability": percent(pick.runner_up_probability, t),
        "ruling": None if pick.ruling is None else by_name[pick.ruling],
        "without": percent(pick.without_coordination, t),
        "full": percent(pick.full_coordination, t),
        "flags": [t(f"flag.{f}") for f in pick.flags],
        "endorsed": _endorsed(site, pick.district, t),
        "explanation": explanation,
        "candidates": sorted(ballot, key=lambda c: -c["share"]),
    }


#: The plot area of the coordination curve's inline SVG (viewBox units): left, top, width, height.
CURVE_BOX = (44.0, 8.0, 256.0, 150.0)
#: The coordination levels the curve's table shows, in percent.
CURVE_MARKS = (0, 10, 20, 30, 50, 70, 100)


def curve_chart(curve: CoordinationCurve) -> dict[str, Any]:
    """The coordination curve as inline-SVG geometry: the 90% band as a polygon, the mean as a
    polyline, and the ticks (the site draws charts as SVG, not images; docs/publish.md)."""
    left, top, width, height = CURVE_BOX
    ceiling = max(1.0, float(max(curve.high)))
    step = max(1, int(np.ceil(ceiling / 5)))
    ceiling = step * int(np.ceil(ceiling / step))

    def point(q: float, seats: float) -> str:
        return f"{left + width * q:.1f},{top + height * (1 - seats / ceiling):.1f}"

    band = [point(q, s) for q, s in zip(curve.q, curve.high, strict=True)]
    band += [point(q, s) for q, s in reversed(list(zip(curve.q, curve.low, strict=True)))]
    return {
        "box": CURVE_BOX,
        "band": " ".join(band),
        "mean": " ".join(point(q, s) for q, s in zip(curve.q, curve.mean, strict=True)),
        "x_ticks": [(left + width * k / 100, k) for k in range(0, 101, 20)],
        "y_ticks": [(top + height * (1 - s / ceiling), s) for s in range(0, ceiling + 1, step)],
    }


def method(site: ElectionSite, t: Messages) -> dict[str, Any]:
    """How the picks were computed, in ``t``'s language: the model's parameters, the analysts'
    adjustments, the coordination curve (chart and table) and the engine's own notes."""
    run = site.run
    scales = run.training.scales
    curve = run.curve
    return {
        "model": t(
            "method.model",
            draws=integer(run.recommendation.draws, t),
            seed=run.seed,
            national=decimal(scales.national, 2, t),
            regional=decimal(scales.regional, 2, t),
            district=decimal(scales.district, 2, t),
            training=" → ".join(run.training.pair),
            q=percent(run.recommendation.q, t),
        ),
        "adjustments": [
            t(
                "method.adjustment",
                district=a.district,
                candidate=a.candidate,
                effect=decimal(a.effect_pp, 1, t, sign=True),
                reason=a.reason,
                source=a.source,
                published=a.published.isoformat(),
            )
            for a in run.forecast.adjustments
        ],
        "ruling": t(
            "method.ruling", seats=decimal(curve.ruling_seats, 1, t), districts=integer(curve.districts, t)
        ),
        "chart": curve_chart(curve),
        "marks": [
            {
                "q": f"{m}%",
                "mean": decimal(curve.mean[m], 1, t),
                "interval": f"{curve.low[m]:.0f}–{curve.high[m]:.0f}",
            }
            for m in CURVE_MARKS
        ],
        "notes": list(run.forecast.notes),
    }
