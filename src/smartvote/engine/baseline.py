"""Party baselines per district: a prior election's list votes at the district's stations.

A district of the election being forecast is a set of polling stations; each is looked up in
the prior election by (region, number) — station numbers repeat across regions, and region
names change spelling between elections ("Город Москва" in 2011, "город Москва" later;
"Кемеровская область - Кузбасс" in 2021, "Санкт-Петербург" in the city's own data) so they
are compared through :func:`harmonise_region`. The share of the new stations found in the
prior election is the **match rate**, reported with every forecast. Where the prior election carries the same
districts (the State Duma districts of 2016 and 2021 are identical), its own district column
is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartvote.tactics.districts import counted
from smartvote.tactics.parties import party_mapping

#: Regions renamed between elections, after case-folding: the later name -> the earlier one.
REGION_ALIASES = {"кемеровская область - кузбасс": "кемеровская область"}


def harmonise_region(name: str) -> str:
    """A region's comparison key: case-folded, ``ё`` -> ``е``, one dash style, no leading
    "город" (the federal cities are "Город Москва", "город Москва" or "Санкт-Петербург"
    depending on the source), known renames."""
    key = " ".join(str(name).casefold().replace("ё", "е").replace("–", "-").replace("—", "-").split())
    key = key.removeprefix("город ")
    return REGION_ALIASES.get(key, key)


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """District x party shares of a prior list vote, and the prior national shares."""

    districts: tuple[int, ...]
    region: tuple[str, ...]  # each district's region (harmonised key)
    parties: tuple[str, ...]  # canonical party ids of the prior list
    shares: np.ndarray  # districts x parties, of the parties' total votes
    national: dict[str, float]  # party id -> national share (all counted stations)
    matched: int  # new stations found in the prior election
    stations: int  # new stations looked up
    by_own_districts: bool  # the prior election's own districts were used
    without_baseline: tuple[int, ...]  # districts with no station found: national shares used
    district_match_rate: np.ndarray  # per district: the share of its stations found
    votes: np.ndarray  # per district: the prior votes of its matched stations (the weights)

    def regional(self, region: str) -> dict[str, float]:
        """The prior shares of a region (harmonised key): its districts weighted by votes."""
        rows = np.array([r == region for r in self.region])
        weights = self.votes[rows] if self.votes[rows].sum() > 0 else np.ones(int(rows.sum()))
        shares = weights @ self.shares[rows] / weights.sum()
        return dict(zip(self.parties, (float(x) for x in shares), strict=True))

    @property
    def match_rate(self) -> float:
        return self.matched / self.stations if self.stations else float("nan")


def _keys(stations: pd.DataFrame) -> pd.Series:
    number = stations["number"].astype("Int64").astype(str)
    return stations["region"].map(harmonise_region) + "/" + number


def station_party_votes(
    stations: pd.DataFrame, choices: pd.DataFrame, votes: pd.DataFrame, contest: str
) -> tuple[pd.DataFrame, tuple[str, ...], np.ndarray]:
    """The counted stations of a list contest, its party ids, and the station x party votes."""
    mapping = party_mapping()
    ok = counted(stations[stations["contest"] == contest]).reset_index(drop=True)
    lists = choices[choices["contest"] == contest].sort_values("ballot_position", kind="stable")
    parties = tuple(mapping.party_id(p, f"{contest} list") for p in lists["party"])
    v = votes[votes["contest"] == contest]
    row = pd.Index(ok["station_id"]).get_indexer(v["station_id"])
    col = pd.Index(lists["choice_id"]).get_indexer(v["choice_id"])
    keep = (row >= 0) & (col >= 0)
    matrix = np.zeros((len(ok), len(lists)))
    np.add.at(matrix, (row[keep], col[keep]), v["votes"].to_numpy("float64")[keep])
    return ok, parties, _merge_columns(matrix, parties)


def _merge_columns(matrix: np.ndarray, parties: tuple[str, ...]) -> np.ndarray:
    """Columns of one party id summed (never happens on the real lists; kept for safety)."""
    unique = tuple(dict.fromkeys(parties))
    if len(unique) == len(parties):
        return matrix
    out = np.zeros((matrix.shape[0], len(unique)))
    for j, p in enumerate(parties):
        out[:, unique.index(p)] += matrix[:, j]
    return out


def district_baseline(
    prior_stations: pd.DataFrame,
    prior_choices: pd.DataFrame,
    prior_votes: pd.DataFrame,
    target_stations: pd.DataFrame,
    use_own_districts: bool,
    contest: str = "federal-list",
) -> Baseline:
    """The prior list's party shares in every district of ``target_stations`` (which need the
    columns region, number, district; one row per station and district)."""
    prior, parties, matrix = station_party_votes(prior_stations, prior_choices, prior_votes, contest)
    parties = tuple(dict.fromkeys(parties))
    target = target_stations[target_stations["district"].notna()]
    target = target.drop_duplicates(["region", "number", "district"])
    districts = np.unique(target["district"].astype("int64").to_numpy())
    if use_own_districts:
        prior_district = prior["district"].astype("Int64").to_numpy(dtype="float64", na_value=np.nan)
        at = np.searchsorted(districts, np.nan_to_num(prior_district, nan=-1).astype("int64"))
        at = np.clip(at, 0, len(districts) - 1)
        found = districts[at] == prior_district
        rows, where = np.flatnonzero(found), at[found]
        matched = stations = len(target)
        per_district = np.ones(len(districts))
    else:
        keys = _keys(prior)
        first = ~keys.duplicated().to_numpy()
        position = pd.Index(keys[first]).get_indexer(_keys(target))
        hit = position >= 0
        rows = np.flatnonzero(first)[position[hit]]
        where = np.searchsorted(districts, target["district"].astype("int64").to_numpy()[hit])
        matched, stations = int(hit.sum()), len(target)
        station_district = np.searchsorted(districts, target["district"].astype("int64").to_numpy())
        per_district = np.bincount(station_district, weights=hit, minlength=len(districts)) / np.bincount(
            station_district, minlength=len(districts)
        )
    totals = np.zeros((len(districts), len(parties)))
    np.add.at(totals, where, matrix[rows])
    region_of = (
        target.assign(key=target["region"].map(harmonise_region))
        .groupby(target["district"].astype("int64"))["key"]
        .agg(lambda s: s.mode().iloc[0])
        .reindex(districts)
    )
    national = matrix.sum(axis=0) / matrix.sum()
    votes = totals.sum(axis=1)
    empty = votes == 0
    totals[empty] = national  # no station found: the national result stands in
    return Baseline(
        districts=tuple(int(d) for d in districts),
        region=tuple(region_of),
        parties=parties,
        shares=totals / totals.sum(axis=1, keepdims=True),
        national=dict(zip(parties, (float(x) for x in national), strict=True)),
        matched=matched,
        stations=stations,
        by_own_districts=use_own_districts,
        without_baseline=tuple(int(d) for d in districts[empty]),
        district_match_rate=per_district,
        votes=votes,
    )
