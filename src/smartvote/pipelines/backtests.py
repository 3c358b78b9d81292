"""The engine's backtests on real elections, assembled from the store (scores in
:mod:`smartvote.engine.backtest`).

- ``russia-2016-2021``: the strongest non-ruling list party of each 2021 district, forecast
  from the 2016 list results per district and a pre-vote poll; no 2021 result is read until
  the scoring.
- ``spb-2021``: one candidate per single-member district of St Petersburg 2021 from pre-vote
  inputs only (2016 list results at matched stations, the poll, the candidate lists, analyst
  adjustments when given); never the ``smart_vote`` column or a 2021 result as an input.
- ``sv-2021``: the party of the model's pick against the party Smart Voting endorsed.
- ``moscow-2019``: candidates as people, in :mod:`smartvote.pipelines.moscow`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote.data.catalogue import RULING_PARTY, SPB_DUMA_DISTRICTS
from smartvote.data.store import Store
from smartvote.engine.backtest import (
    Agreement,
    PartyBacktest,
    PickComparison,
    compare_picks,
    party_agreement,
    party_backtest,
)
from smartvote.engine.baseline import district_baseline
from smartvote.engine.strength import NATIONAL_SCALE_PRIOR, Field, Scales, draws, expected_shares
from smartvote.errors import SmartvoteError
from smartvote.pipelines.engine import (
    DEFAULT_SEED,
    Forecast,
    Training,
    TrainingPair,
    forecast,
    forecast_scales,
    require_election,
    run_engine,
    training_pair,
    training_scales,
)
from smartvote.pipelines.tactics import stored_endorsements
from smartvote.tactics.adjust import Adjustment
from smartvote.tactics.districts import candidate_districts

BACKTESTS = ("russia-2016-2021", "spb-2021", "sv-2021", "moscow-2019")
SENSITIVITY = (0.10, 0.20, 0.30)  # national-swing scales tried
BACKTEST_DRAWS = 4000


@dataclass(frozen=True)
class PartyBacktestRun:
    result: PartyBacktest
    training: Training
    in_sample: PartyBacktest  # the training pair forecast with its own fit (:func:`training_backtest`)
    notes: tuple[str, ...]
    draws: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "backtest": "russia-2016-2021",
            "event": "the strongest non-ruling list party of each district",
            "districts": r.districts,
            "accuracy": r.accuracy,
            "brier": r.brier,
            "log_score": r.log_score,
            "baselines": {
                "2016_runner_up_accuracy": r.baselines.previous_runner_up,
                "always_most_common": r.baselines.most_common,
                "always_most_common_accuracy": r.baselines.most_common_accuracy,
                "climatological_brier_oracle": r.baselines.climatological_brier,
                "oracle_proportional_swing_accuracy": r.baselines.oracle_swing,
            },
            "per_party_rmse": r.shares.rmse_pp,
            "coverage90": {"all": r.shares.coverage90_all} | r.shares.coverage90,
            "reliability": r.reliability,
            "sensitivity_national_scale": r.sensitivity,
            "training_in_sample": {
                "event": "the strongest non-ruling list party of each 2016 district, from 2011 moved by the "
                "actual 2016 national result, with the scales fitted on the same pair (no national error)",
                "districts": self.in_sample.districts,
                "accuracy": self.in_sample.accuracy,
                "brier": self.in_sample.brier,
                "log_score": self.in_sample.log_score,
                "coverage90": {"all": self.in_sample.shares.coverage90_all}
                | self.in_sample.shares.coverage90,
                "reliability": self.in_sample.reliability,
            },
            "scales": asdict(self.training.scales) | {"national_without_poll": self.training.carried_over},
            "training": {"pair": list(self.training.pair), "station_match_rate": self.training.match_rate},
            "notes": list(self.notes),
            "draws": self.draws,
            "seed": self.seed,
            "disagreements": [
                {"district": i + 1, "predicted": p, "actual": a}
                for i, (p, a) in enumerate(zip(r.predicted, r.actual, strict=True))
                if p != a
            ],
        }


def russia_2016_2021(
    store: Store,
    polls: pd.DataFrame,
    n_draws: int = BACKTEST_DRAWS,
    seed: int = DEFAULT_SEED,
    cache: Path | None = None,
) -> PartyBacktestRun:
    """Backtest a, with the national-swing scale's sensitivity."""
    for election_id in ("russia-duma-2016", "russia-duma-2021"):
        require_election(store, election_id)
    training = training_scales(store, cache=cache)
    found = forecast(store, "russia-duma-2021", polls)
    parties = found.field.parties[:-1]  # the list parties (the last id is for the self-nominated)
    ruling = parties.index(RULING_PARTY)
    previous = _columns(found.baseline.shares, found.baseline.parties, parties)
    # scoring only: the actual 2021 district and national shares
    outcome = store.load("russia-duma-2021")
    actual = district_baseline(outcome.stations, outcome.choices, outcome.votes, outcome.stations, True)
    if actual.districts != found.baseline.districts:
        raise SmartvoteError("russia-duma-2016 and russia-duma-2021 do not have the same districts")
    prior = {p: found.baseline.national[p] for p in parties if p in found.baseline.parties}
    oracle = expected_shares(previous, prior, {p: actual.national[p] for p in parties}, parties)
    observed = _columns(actual.shares, actual.parties, parties)
    sensitivity: dict[str, dict[str, float]] = {}
    main_result = None
    for national in SENSITIVITY:
        scales = forecast_scales(training, found, national)
        samples = _samples(found, scales, n_draws, seed)[:, :, : len(parties)]
        result = party_backtest(samples, observed, previous, oracle, ruling, parties)
        sensitivity[f"{national:.2f}"] = {
            "accuracy": result.accuracy,
            "brier": result.brier,
            "log_score": result.log_score,
        }
        if national == NATIONAL_SCALE_PRIOR:
            main_result = result
    assert main_result is not None
    return PartyBacktestRun(
        replace(main_result, sensitivity=sensitivity),
        training,
        training_backtest(training_pair(store), training.scales, n_draws, seed),
        found.notes,
        n_draws,
        seed,
    )


def training_backtest(pair: TrainingPair, scales: Scales, n_draws: int, seed: int) -> PartyBacktest:
    """The strongest non-ruling party of each 2016 district forecast from 2011 with the actual
    2016 national swing (hence no national error), scored with the scales fitted on the same
    pair: in-sample, it checks the error model's shape, not its forecasting skill."""
    if pair.ruling is None:
        raise SmartvoteError("the training pair has no ruling party")
    n_districts, n_parties = pair.predicted.shape
    regions, region = np.unique(pair.region, return_inverse=True)
    field = Field(
        districts=tuple(str(d) for d in range(n_districts)),
        names=(pair.parties,) * n_districts,
        parties=pair.parties,
        regions=tuple(str(r) for r in regions),
        party=np.tile(np.arange(n_parties), (n_districts, 1)),
        mean=pair.predicted,
        ruling=np.full(n_districts, pair.ruling),
        region=region,
    )
    samples = np.concatenate(
        list(draws(field, replace(scales, national=0.0), n_draws, np.random.default_rng(seed)))
    )
    return party_backtest(samples, pair.observed, pair.previous, pair.predicted, pair.ruling, pair.parties)


def _columns(shares: np.ndarray, have: tuple[str, ...], want: tuple[str, ...]) -> np.ndarray:
    """``shares`` columns in the order of ``want`` (zeros for a party ``have`` lacks)."""
    out = np.zeros((shares.shape[0], len(want)))
    for j, p in enumerate(want):
        if p in have:
            out[:, j] = shares[:, have.index(p)]
    return out


def _samples(found: Forecast, scales: Scales, n: int, seed: int) -> np.ndarray:
    return np.concatenate(list(draws(found.field, scales, n, np.random.default_rng(seed))))


@dataclass(frozen=True)
class Variant:
    """One set of inputs of backtest b and its picks compared with the outcome."""

    name: str
    rows: tuple[PickComparison, ...]

    @property
    def hits(self) -> int:
        return sum(r.hit for r in self.rows)


@dataclass(frozen=True)
class CandidateBacktestRun:
    variants: tuple[Variant, ...]
    endorsement_hits: int
    districts: int
    adjustments: tuple[Adjustment, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        last = self.variants[-1]
        return {
            "backtest": "spb-2021",
            "districts": self.districts,
            "accuracy": last.hits / self.districts,
            "real_endorsements_hits": self.endorsement_hits,
            "variants": {v.name: v.hits for v in self.variants},
            "adjustments": [str(a) for a in self.adjustments],
            "notes": list(self.notes),
            "disagreements": [
                asdict(r) | {"endorsement_hit": r.endorsement_hit} for r in last.rows if not r.hit
            ],
            "rows": [asdict(r) | {"hit": r.hit} for r in last.rows],
        }


SPB = ("spb-2021-duma", "spb-2021-city")


def spb_2021(
    store: Store,
    polls: pd.DataFrame | None,
    adjustments: tuple[Adjustment, ...] = (),
    n_draws: int = BACKTEST_DRAWS,
    seed: int = DEFAULT_SEED,
    cache: Path | None = None,
) -> CandidateBacktestRun:
    """Backtest b: the inputs added one at a time, each scored against the outcome."""
    inputs: list[tuple[str, pd.DataFrame | None, tuple[Adjustment, ...]]] = [("2016 lists", None, ())]
    if polls is not None:
        inputs.append(("2016 lists + poll", polls, ()))
    if adjustments:
        inputs.append(("2016 lists + poll + analyst adjustments", polls, adjustments))
    outcome = []
    for election_id in SPB:
        require_election(store, election_id)
        tables = store.load(election_id)
        outcome += candidate_districts(election_id, tables.stations, tables.choices, tables.votes)
    variants, notes = [], []
    for name, poll, adjust in inputs:
        picks: dict[str, tuple[str, float | None]] = {}
        for election_id in SPB:
            mine = tuple(a for a in adjust if _belongs(a, election_id))
            run = run_engine(store, election_id, poll, mine, n_draws=n_draws, seed=seed, cache=cache)
            notes += [n for n in run.forecast.notes if n not in notes]
            picks |= {p.district: (p.name, p.probability) for p in run.recommendation.districts}
        variants.append(Variant(name, tuple(compare_picks(picks, outcome))))
    rows = variants[0].rows
    return CandidateBacktestRun(
        tuple(variants), sum(r.endorsement_hit for r in rows), len(rows), adjustments, tuple(notes)
    )


def _belongs(adjustment: Adjustment, election_id: str) -> bool:
    """Whether an adjustment's district is of ``election_id`` (the catalogue's spb districts)."""
    duma = adjustment.district in SPB_DUMA_DISTRICTS
    return duma == (election_id == "spb-2021-duma")


@dataclass(frozen=True)
class AgreementRun:
    agreement: Agreement
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        a = self.agreement
        return {
            "backtest": "sv-2021",
            "districts": a.districts,
            "agree": a.agree,
            "accuracy": a.rate,
            "by_region": {r: {"agree": x, "districts": n} for r, (x, n) in a.by_region.items()},
            "disagreements": a.disagreements,
            "endorsed_parties": a.endorsed_counts,
            "model_parties": a.model_counts,
            "notes": list(self.notes),
        }


def sv_2021(
    store: Store, polls: pd.DataFrame | None, seed: int = DEFAULT_SEED, cache: Path | None = None
) -> AgreementRun:
    """Backtest c: the party of the pick vs the endorsed party in the 225 districts of 2021."""
    require_election(store, "russia-duma-2021")
    tables = store.load("russia-duma-2021")
    endorsements = stored_endorsements(store, tables)
    if endorsements is None:
        raise SmartvoteError(
            "no endorsements are attached to russia-duma-2021: attach the 2021 Smart Voting list "
            "with `smartvote endorse russia-duma-2021 endorsements.csv` (format: "
            "docs/tactics-formats.md, 'Endorsements')"
        )
    run = run_engine(store, "russia-duma-2021", polls, seed=seed, cache=cache)
    model = {int(p.district): p.party for p in run.recommendation.districts}
    endorsed = dict(zip(endorsements["district"].astype(int), endorsements["party_id"], strict=True))
    stations = tables.stations[tables.stations["district"].notna()]
    region = stations.groupby(stations["district"].astype(int))["region"].agg(lambda s: s.mode().iloc[0])
    regions = {int(d): str(r) for d, r in zip(region.index, region, strict=True)}
    return AgreementRun(party_agreement(model, endorsed, regions), run.forecast.notes)
