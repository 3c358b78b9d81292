"""What the site shows of one election, and its language-neutral data: the station map as runs
of consecutive station numbers of one district, and each district's pick in a reader's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smartvote.engine.forecast import EngineRun
from smartvote.engine.recommend import DistrictPick
from smartvote.model import district_of
from smartvote.pages.messages import Messages
from smartvote.tactics.parties import party_mapping


@dataclass(frozen=True)
class ElectionSite:
    """One election of the site: the engine's run, the forensic report (its JSON document and
    PNG figures, or none), and the names the data has for districts and their endorsements."""

    election: str
    title: str
    run: EngineRun
    report: dict[str, Any] | None = None
    figures: dict[str, bytes] = field(default_factory=dict)
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


def percent(p: float | None, t: Messages, digits: int = 0) -> str:
    """A probability or share as a percentage in the reader's notation (``45%``, ``4,5%``)."""
    if p is None:
        return t("number.na")
    text = f"{100 * p:.{digits}f}%"
    return text.replace(".", ",") if t.lang == "ru" else text


def integer(n: float | None, t: Messages) -> str:
    """A count with thousands separated (``96,325`` / ``96 325``)."""
    if n is None:
        return t("number.na")
    text = f"{n:,.0f}"
    return text.replace(",", "\u00a0") if t.lang == "ru" else text


def decimal(x: float | None, digits: int, t: Messages, sign: bool = False) -> str:
    if x is None:
        return t("number.na")
    text = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if t.lang == "ru" else text


def votes(n: float | None, t: Messages) -> str:
    """Votes in millions or thousands (``14.70 M`` / ``14,70 млн``)."""
    if n is None:
        return t("number.na")
    if abs(n) >= 1e6:
        return t("number.millions", value=decimal(n / 1e6, 2, t))
    return t("number.thousands", value=decimal(n / 1e3, 1, t))


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
