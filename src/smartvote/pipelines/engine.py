"""Store access for the recommendation engine: the elections it needs, the training fit, and the
:class:`~smartvote.engine.strength.Field` of an election built from pre-vote inputs only.

The core (:mod:`smartvote.engine.strength`, ``recommend``, ``coordinate``, ``backtest``) never
touches the store; this module reads the store and hands it arrays. A forecast of election E
reads E's ballot (candidates, parties, ruling flags) and its station list (which station is in
which district) — both known before the vote — and never E's results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from smartvote import settings
from smartvote.atomic import write_text
from smartvote.data.catalogue import BASELINE_OF, CATALOGUE, TRAINING_PAIR, dataset
from smartvote.data.download import fetch_file
from smartvote.data.inputs import read_polls
from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.engine.baseline import Baseline, district_baseline, harmonise_region
from smartvote.engine.coordinate import coordination_curve
from smartvote.engine.forecast import EngineRun, Forecast, Training
from smartvote.engine.recommend import DEFAULT_Q, grid_index, recommend, simulate
from smartvote.engine.strength import (
    NATIONAL_SCALE_PRIOR,
    UNKNOWN_SHARE,
    Field,
    Scales,
    expected_shares,
    fit_scales,
    national_target,
)
from smartvote.errors import InputError, SmartvoteError
from smartvote.model import district_of, smd_contests
from smartvote.tactics.adjust import Adjustment
from smartvote.tactics.parties import INDEPENDENT, label_key, party_mapping

#: Bumped when the fit changes, so that a cached fit of an older model is not reused
#: (3: local errors scaled by the free vote, ``strength.error_multiplier``; the ruling
#: party fitted on log-odds; 4: the carried-over national scale).
TRAINING_VERSION = 4


def training_cache() -> Path:
    """Where the CLI keeps the fitted scales (fitting reads two elections: seconds)."""
    return settings.home() / "engine" / f"training-2011-2016-v{TRAINING_VERSION}.json"


#: Parties whose errors are fitted: national list share of at least 1.5% in both elections.
FIT_MIN_SHARE = 0.015
LIST_CONTEST = "federal-list"
DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 2021


class MissingElectionError(SmartvoteError):
    """An election the engine needs is neither imported nor fetchable without the network."""


def require_election(store: Store, election_id: str) -> None:
    """Import ``election_id`` from the download cache or ``SMARTVOTE_MIRROR`` if it is missing;
    otherwise fail naming the command that gets it."""
    if store.has(election_id):
        return
    if election_id not in CATALOGUE:
        raise MissingElectionError(
            f"{election_id} is not imported: run `smartvote import PATH --as {election_id}` "
            "(e.g. the spb-2021 folder of the shared data)"
        )
    entry = dataset(election_id)
    cached = settings.cache() / entry.file_name
    mirror = settings.mirror()
    if not cached.is_file() and mirror is None:
        raise MissingElectionError(f"{election_id} is not imported: run `smartvote fetch {election_id}`")
    (tables,) = read_path(fetch_file(entry, settings.cache(), mirror))
    store.add_election(tables)


@dataclass(frozen=True)
class TrainingPair:
    """The districts of the training pair with a baseline, over the fitted parties (shares
    renormalised to them): the 2011 shares (``previous``), the same moved by the actual 2016
    national swing (``predicted``), and the 2016 shares (``observed``)."""

    parties: tuple[str, ...]
    previous: np.ndarray  # districts x parties
    predicted: np.ndarray
    observed: np.ndarray
    region: np.ndarray  # harmonised region per district
    ruling: int | None  # column of the ruling party
    match_rate: float
    national_change: np.ndarray  # per party: log(2016 national share / 2011 national share)


def training_pair(store: Store) -> TrainingPair:
    """The 2011 list votes aggregated into the 2016 districts through stations matched by
    (region, number), over the parties with at least :data:`FIT_MIN_SHARE` in both elections."""
    for election_id in TRAINING_PAIR:
        require_election(store, election_id)
    old, new = (store.load(e) for e in TRAINING_PAIR)
    baseline = district_baseline(old.stations, old.choices, old.votes, new.stations, use_own_districts=False)
    actual = district_baseline(new.stations, new.choices, new.votes, new.stations, use_own_districts=True)
    parties = tuple(
        p for p in baseline.parties if min(baseline.national[p], actual.national.get(p, 0.0)) >= FIT_MIN_SHARE
    )
    keep = ~np.isin(baseline.districts, baseline.without_baseline)
    previous = _normalised(baseline.shares[keep][:, [baseline.parties.index(p) for p in parties]])
    swing = np.array([actual.national[p] / baseline.national[p] for p in parties])
    ruling = _ruling_party(new.choices)
    return TrainingPair(
        parties,
        previous,
        _normalised(previous * swing),
        _normalised(actual.shares[keep][:, [actual.parties.index(p) for p in parties]]),
        np.array(baseline.region)[keep],
        parties.index(ruling) if ruling in parties else None,
        baseline.match_rate,
        np.log(swing),
    )


def training_scales(
    store: Store, national: float = NATIONAL_SCALE_PRIOR, cache: Path | None = None
) -> Training:
    """Regional and district scales fitted on 2011 -> 2016 (kept in ``cache`` when given), and
    the national scale of a party without a poll share: the root mean square of the fitted
    parties' log changes of national share between the two elections.

    The 2011 list votes are aggregated into the 2016 districts through stations matched by
    (region, number); the national swing is the actual 2016 national result (training only);
    the residuals of the parties other than the ruling one are scaled by the free vote
    (:func:`~smartvote.engine.strength.fit_scales`).
    """
    if cache is not None and cache.is_file():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        scales = Scales(national, saved["regional"], saved["district"], tuple(map(tuple, saved["by_party"])))
        return Training(
            scales,
            TRAINING_PAIR,
            saved["match_rate"],
            saved["districts"],
            tuple(saved["parties"]),
            saved["carried_over"],
        )
    pair = training_pair(store)
    scales = fit_scales(pair.predicted, pair.observed, pair.region, pair.parties, national, pair.ruling)
    carried_over = float(np.sqrt(np.mean(pair.national_change**2)))
    training = Training(scales, TRAINING_PAIR, pair.match_rate, len(pair.region), pair.parties, carried_over)
    if cache is not None:
        _save(cache, training)
    return training


def _ruling_party(choices: pd.DataFrame) -> str | None:
    """The party id of the ruling list, if the list contest has one."""
    rows = choices[(choices["contest"] == LIST_CONTEST) & choices["ruling"].astype(bool)]
    return party_mapping().party_id(rows["party"].iloc[0]) if len(rows) else None


def _save(cache: Path, training: Training) -> None:
    scales = training.scales
    write_text(
        cache,
        json.dumps(
            {
                "regional": scales.regional,
                "district": scales.district,
                "by_party": [list(x) for x in scales.by_party],
                "match_rate": training.match_rate,
                "districts": training.districts,
                "parties": list(training.parties),
                "carried_over": training.carried_over,
            }
        ),
    )


def _normalised(shares: np.ndarray) -> np.ndarray:
    return shares / shares.sum(axis=1, keepdims=True)


def poll_shares(polls: pd.DataFrame | None) -> dict[str, float]:
    """Party id -> share (fraction) of the latest poll in a table from ``read_polls``."""
    if polls is None or polls.empty:
        return {}
    latest = polls[polls["published"] == polls["published"].max()]
    return {str(p): float(s) / 100.0 for p, s in latest.groupby("party_id")["share_percent"].mean().items()}


def read_regional_polls(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """A poll file (docs/tactics-formats.md) with one more column, ``region``: the region the
    poll sampled, named as in the election's data."""
    if "region" not in raw.columns:
        raise InputError(file, "missing required column", row=0, column="region")
    region = raw["region"].astype(object).where(raw["region"].notna(), "").map(str).str.strip()
    if (region == "").any():
        raise InputError(file, "empty value", row=int(np.flatnonzero(region == "")[0]) + 1, column="region")
    return read_polls(raw, file).assign(region=region.to_numpy())


def regional_poll_shares(polls: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """Harmonised region -> the shares of its latest poll, from a poll table with a ``region``."""
    if polls is None or polls.empty:
        return {}
    return {
        harmonise_region(str(region)): poll_shares(group)
        for region, group in polls.groupby("region", sort=True)
    }


def forecast(
    store: Store,
    election_id: str,
    polls: pd.DataFrame | None = None,
    adjustments: tuple[Adjustment, ...] = (),
    adjustments_file: str = "adjustments",
    regional_polls: pd.DataFrame | None = None,
) -> Forecast:
    """The field of ``election_id`` from its ballot, its station list and the prior list vote."""
    if election_id not in BASELINE_OF:
        known = ", ".join(BASELINE_OF)
        raise SmartvoteError(f"no baseline election is known for {election_id}; the engine knows: {known}")
    prior_id = BASELINE_OF[election_id]
    require_election(store, prior_id)
    require_election(store, election_id)
    prior = store.load(prior_id)
    contests = store.table("contests", election_id)
    stations = store.table("stations", election_id)
    choices = store.table("choices", election_id)
    smd = contests[contests["kind"] == "smd"]["contest"].tolist()
    notes = []
    if smd:
        level = "candidate"
        target_stations = stations[stations["contest"].isin(smd)].assign(
            district=lambda t: t["contest"].map(district_of)
        )
        own = False
    else:
        level = "party"
        lists = contests[contests["kind"] == "party_list"]["contest"].tolist()
        if len(lists) != 1 or not stations["district"].notna().any():
            raise SmartvoteError(
                f"{election_id} has neither single-member contests nor a list with districts"
            )
        target_stations = stations[stations["contest"] == lists[0]]
        own = bool(prior.stations["district"].notna().any())
        notes.append(
            f"{election_id} has no single-member candidates in the data: the engine works at party "
            "level (each district's list parties stand in for candidates; the pick is a party)"
        )
    baseline = district_baseline(
        prior.stations, prior.choices, prior.votes, target_stations, own, LIST_CONTEST
    )
    if baseline.by_own_districts:
        notes.append(f"baseline: {prior_id} list votes in the same districts")
    else:
        poor = int((baseline.district_match_rate < 0.5).sum())
        notes.append(
            f"baseline: {prior_id} list votes at stations matched by (region, number): "
            f"{baseline.matched:,} of {baseline.stations:,} ({baseline.match_rate:.1%}); "
            f"{poor} of {len(baseline.districts)} districts with under half of their stations matched"
        )
    if baseline.without_baseline:
        notes.append(
            f"districts without a matched station (national shares used): {list(baseline.without_baseline)}"
        )
    poll = poll_shares(polls)
    regional = regional_poll_shares(regional_polls)
    if regional:
        notes.append("regional polls: " + ", ".join(sorted(regional)))
    field, target = _field(
        election_id,
        level,
        choices,
        contests,
        baseline,
        poll,
        regional,
        adjustments,
        adjustments_file,
    )
    polled = tuple(p for p in field.parties if p in poll)
    return Forecast(
        election=election_id,
        baseline_election=prior_id,
        level=level,
        field=field,
        baseline=baseline,
        target=target,
        adjustments=adjustments,
        notes=tuple(notes),
        polled=polled,
        stations=station_labels(target_stations, level),
    )


def station_labels(stations: pd.DataFrame, level: str) -> pd.DataFrame:
    """Each station of the election's list (region, number) with its district as the field
    labels it: the single-member contest (candidate level) or the district number (party level).
    Stations without a number or a district are left out (a voter could not look them up)."""
    label = stations["contest"] if level == "candidate" else stations["district"].astype("string")
    frame = pd.DataFrame(
        {"region": stations["region"], "number": stations["number"], "district": label}
    ).dropna()
    return frame.drop_duplicates(["region", "number"]).astype({"number": "int64"}).reset_index(drop=True)


def _expected(
    baseline: Baseline, ballot: tuple[str, ...], poll: dict[str, float], regional: dict[str, dict[str, float]]
) -> tuple[dict[str, float], np.ndarray]:
    """The national target and the district x ballot expected shares: the national swing, and
    in a region with its own poll that region's swing (from its vote-weighted prior shares)."""
    have = [p for p in ballot if p in baseline.parties]
    full = np.zeros((len(baseline.districts), len(ballot)))
    full[:, [ballot.index(p) for p in have]] = baseline.shares[:, [baseline.parties.index(p) for p in have]]
    target = national_target(baseline.national, poll, ballot)
    expected = expected_shares(full, {p: baseline.national[p] for p in have}, target, ballot)
    for region, shares in regional.items():
        rows = np.array([r == region for r in baseline.region])
        if not rows.any():
            known = ", ".join(sorted(set(baseline.region)))
            raise SmartvoteError(f"regional poll for {region!r}: no district of the election there ({known})")
        prior = {p: s for p, s in baseline.regional(region).items() if p in have}
        local = national_target(prior, shares, ballot)
        expected[rows] = expected_shares(full[rows], prior, local, ballot)
    return target, expected


def _field(
    election_id: str,
    level: str,
    choices: pd.DataFrame,
    contests: pd.DataFrame,
    baseline: Baseline,
    poll: dict[str, float],
    regional_polls: dict[str, dict[str, float]],
    adjustments: tuple[Adjustment, ...],
    adjustments_file: str,
) -> tuple[Field, dict[str, float]]:
    mapping = party_mapping()
    choices = choices.assign(
        party_id=[mapping.party_id(p, f"{election_id} choices") for p in choices["party"]]
    )
    if level == "candidate":
        rows = choices[choices["contest"].isin(smd_contests(pd.unique(choices["contest"])))]
        rows = rows.assign(district=rows["contest"].map(district_of))
    else:
        lists = choices[choices["contest"] == contests[contests["kind"] == "party_list"]["contest"].iloc[0]]
        rows = pd.concat([lists.assign(district=d) for d in baseline.districts], ignore_index=True)
    ballot = tuple(p for p in dict.fromkeys(rows["party_id"]) if p != INDEPENDENT)
    target, expected = _expected(baseline, ballot, poll, regional_polls)
    parties = (*ballot, INDEPENDENT)
    region_keys = tuple(dict.fromkeys(baseline.region))
    by_district = {d: g.sort_values("ballot_position", kind="stable") for d, g in rows.groupby("district")}
    numbers = [d for d in baseline.districts if d in by_district]
    width = max(len(by_district[d]) for d in numbers)
    party = np.full((len(numbers), width), -1)
    mean = np.zeros((len(numbers), width))
    ruling = np.full(len(numbers), -1)
    names, labels = [], []
    for i, d in enumerate(numbers):
        g = by_district[d]
        row = baseline.districts.index(d)
        names.append(
            tuple(g["name"])
            if level == "candidate"
            else tuple(mapping.parties[p].short for p in g["party_id"])
        )
        labels.append(g["contest"].iloc[0] if level == "candidate" else str(d))
        for s, (pid, is_ruling) in enumerate(zip(g["party_id"], g["ruling"], strict=True)):
            party[i, s] = parties.index(pid)
            mean[i, s] = UNKNOWN_SHARE if pid == INDEPENDENT else expected[row, ballot.index(pid)]
            if is_ruling:
                ruling[i] = s
    mean = _with_adjustments(
        mean,
        names,
        [parties[p] if p >= 0 else "" for p in party.ravel()],
        numbers,
        adjustments,
        adjustments_file,
    )
    region = np.array([region_keys.index(baseline.region[baseline.districts.index(d)]) for d in numbers])
    field = Field(
        districts=tuple(labels),
        names=tuple(names),
        parties=parties,
        regions=region_keys,
        party=party,
        mean=mean,
        ruling=ruling,
        region=region,
    )
    return field, target


def _with_adjustments(
    mean: np.ndarray,
    names: list[tuple[str, ...]],
    flat_parties: list[str],
    numbers: list[int],
    adjustments: tuple[Adjustment, ...],
    file: str,
) -> np.ndarray:
    """Expected shares with each adjustment's effect (percentage points of the vote) added,
    floored at a tenth of :data:`UNKNOWN_SHARE`; an unknown district or candidate is an error."""
    out = mean.copy()
    width = mean.shape[1]
    mapping = party_mapping()
    for row, a in enumerate(adjustments, start=1):
        if a.district not in numbers:
            raise InputError(file, f"unknown district {a.district}", row, "district")
        i = numbers.index(a.district)
        hits = [s for s, n in enumerate(names[i]) if label_key(n) == label_key(a.candidate)]
        if not hits and mapping.knows(a.candidate):
            pid = mapping.party_id(a.candidate)
            hits = [s for s in range(len(names[i])) if flat_parties[i * width + s] == pid]
        if not hits:
            raise InputError(
                file, f"unknown candidate {a.candidate!r} in district {a.district}", row, "candidate"
            )
        out[i, hits[0]] = max(UNKNOWN_SHARE / 10, out[i, hits[0]] + a.effect_pp / 100.0)
    return out


def forecast_scales(training: Training, found: Forecast, national: float) -> Scales:
    """The fitted scales with the national scale ``national`` (a polling miss) for the parties
    with a poll share, and the training's carried-over scale for the ballot's other parties
    (every party when there is no poll). Self-nominated candidates keep ``national``."""
    unpolled = [p for p in found.field.parties if p != INDEPENDENT and p not in found.polled]
    return replace(
        training.scales,
        national=national,
        national_by_party=tuple((p, training.carried_over) for p in unpolled),
    )


def run_engine(
    store: Store,
    election_id: str,
    polls: pd.DataFrame | None = None,
    adjustments: tuple[Adjustment, ...] = (),
    q: float = DEFAULT_Q,
    n_draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    national: float = NATIONAL_SCALE_PRIOR,
    cache: Path | None = None,
    adjustments_file: str = "adjustments",
    regional_polls: pd.DataFrame | None = None,
) -> EngineRun:
    """Forecast, simulate, recommend and draw the coordination curve of ``election_id``."""
    grid_index(q)  # refuse a q off the grid before any work
    found = forecast(store, election_id, polls, adjustments, adjustments_file, regional_polls)
    training = training_scales(store, national, cache)
    scales = forecast_scales(training, found, national)
    sim = simulate(found.field, scales, n_draws, seed)
    result = recommend(found.field, sim, q, scales)
    return EngineRun(found, training, result, coordination_curve(sim, result.picks), seed)
