"""Backtest ``moscow-2019``: the Moscow City Duma election of 2019 forecast from pre-vote data
only, and scored against its results (docs/engine.md, backtest d).

Pre-vote inputs: the 2014 results (candidates, votes, winners), the 2016 State Duma party
lists at the 2019 districts' polling stations (the party-level baseline), the 2019 ballot
(candidates, nominations, ruling backing) and, optionally, an analyst's ruling-side marks.
The 2019 candidate file is first read **without** its result columns (votes, won,
smart_vote); every read is written to a :class:`ReadLog`, so that a test can check that no
result column was read before the scoring stage.

The files come from a folder in the district-results format: the shared data's
``moscow-2019`` folder, or, for users, the public sources at their pinned commits
(``smartvote.data.catalogue.MOSCOW_SOURCES``) downloaded into the cache and converted there by
:mod:`smartvote.data.importers.moscow`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote import settings
from smartvote.data.catalogue import MOSCOW_SOURCES
from smartvote.data.download import fetch_file
from smartvote.data.importers.districts import (
    BALLOT_COLUMNS,
    CANDIDATE_COLUMNS,
    read_candidates,
    read_stations,
)
from smartvote.data.importers.moscow import REGION, convert, read_sources, write_folder
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_ruling_marks
from smartvote.data.store import Store
from smartvote.engine.backtest import reliability
from smartvote.engine.baseline import district_baseline
from smartvote.engine.candidates import (
    INCUMBENCY_LOG,
    PERSISTENCE,
    RULING_PARTY,
    CandidateModel,
    candidate_field,
    modelled_party,
)
from smartvote.engine.coordinate import CoordinationCurve, coordination_curve
from smartvote.engine.people import Linking, candidate_shares, link_people
from smartvote.engine.recommend import DEFAULT_Q, Recommendation, recommend, simulate
from smartvote.engine.ruling import RulingSide, ruling_side
from smartvote.engine.scoring import (
    Bootstrap,
    Scored,
    favourite,
    paired_bootstrap,
    proportional,
    strongest_probabilities,
)
from smartvote.errors import InputError, SmartvoteError
from smartvote.pipelines.engine import DEFAULT_SEED, require_election
from smartvote.tactics.parties import party_mapping

BASELINE_ELECTION = "russia-duma-2016"
PREVIOUS, CURRENT = 2014, 2019
KPRF = "kprf"
#: Variants reported beside the model (fixed before the run; never selected on its results).
SENSITIVITY = ((0.0, INCUMBENCY_LOG), (0.5, INCUMBENCY_LOG), (PERSISTENCE, 0.0))


@dataclass
class ReadLog:
    """What was read, in order: (file, columns) and stage marks ("scoring")."""

    entries: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def read(self, file: str, columns: tuple[str, ...]) -> None:
        self.entries.append((file, columns))

    def mark(self, stage: str) -> None:
        self.entries.append((stage, ()))


def moscow_folder(folder: Path | None) -> Path:
    """``folder``, else the converted public sources in the cache (downloaded once, from
    ``SMARTVOTE_MIRROR`` when set: a folder or base URL holding the files under their cache names)."""
    if folder is not None:
        return folder
    target = settings.cache() / "moscow-2019"
    if (target / "candidates-2019.csv").is_file():
        return target
    cache = settings.cache()
    mirror = settings.mirror()
    with tempfile.TemporaryDirectory() as tmp:
        for source in MOSCOW_SOURCES:
            got = fetch_file(source, cache, mirror)
            place = Path(tmp) / source.repository / source.path
            place.parent.mkdir(parents=True, exist_ok=True)
            place.write_bytes(got.read_bytes())
        tables = convert(
            read_sources(Path(tmp) / MOSCOW_SOURCES[0].repository, Path(tmp) / MOSCOW_SOURCES[2].repository)
        )
    write_folder(tables, target)
    return target


@dataclass(frozen=True)
class PreVote:
    """Everything the picks may use."""

    previous: pd.DataFrame  # 2014 candidates with results and model_party
    ballot: pd.DataFrame  # 2019: district, candidate, nominated_by, party_id, model_party, backed
    baseline: pd.DataFrame  # B: 2019 districts x party ids (2016 lists at their stations)
    match_rate: float
    ruling: RulingSide
    linking: Linking


def prevote(store: Store, folder: Path, log: ReadLog, marks_file: Path | None = None) -> PreVote:
    """The pre-vote inputs; the 2019 candidates without a result column."""
    for name in (f"candidates-{PREVIOUS}.csv", f"candidates-{CURRENT}.csv", f"stations-{CURRENT}.csv"):
        if not (folder / name).is_file():
            raise InputError(
                str(folder / name), "no such file (a district-results folder: docs/tactics-formats.md)"
            )
    require_election(store, BASELINE_ELECTION)
    mapping = party_mapping()
    previous = read_candidates(folder, PREVIOUS)
    log.read(f"candidates-{PREVIOUS}.csv", CANDIDATE_COLUMNS)
    ballot = read_candidates(folder, CURRENT, BALLOT_COLUMNS)
    log.read(f"candidates-{CURRENT}.csv", tuple(ballot.columns))
    stations = read_stations(folder, CURRENT)
    log.read(f"stations-{CURRENT}.csv", tuple(stations.columns))
    marks = None
    if marks_file is not None:
        marks = read_ruling_marks(read_table_file(marks_file), str(marks_file), ballot)
        log.read(str(marks_file), tuple(marks.columns))
    side = ruling_side(ballot, "backed_by_ruling", marks)
    for frame, where, backed in (
        (previous, PREVIOUS, previous["backed_by_ruling"].to_numpy(bool)),
        (ballot, CURRENT, side.backed),
    ):
        frame["party_id"] = [mapping.party_id(p, f"candidates-{where}.csv") for p in frame["nominated_by"]]
        frame["model_party"] = modelled_party(frame["party_id"], backed)
        frame["backed"] = backed
    prior = store.load(BASELINE_ELECTION)
    target = pd.DataFrame({"region": REGION, "number": stations["uik"], "district": stations["district"]})
    base = district_baseline(prior.stations, prior.choices, prior.votes, target, use_own_districts=False)
    frame = pd.DataFrame(base.shares, index=list(base.districts), columns=list(base.parties))
    linking = link_people(previous, ballot, REGION)
    return PreVote(previous, ballot, frame, base.match_rate, side, linking)


@dataclass(frozen=True)
class Variant:
    name: str
    scored: Scored


@dataclass(frozen=True)
class MoscowRun:
    """The backtest's picks, scores and comparisons (see :func:`moscow_2019`)."""

    inputs: PreVote
    model: CandidateModel
    recommendation: Recommendation
    curve: CoordinationCurve
    outcome: np.ndarray  # slot of the ex-post strongest non-ruling candidate per district
    endorsed: np.ndarray  # slot of the campaign's pick (-1: none)
    winners_not_ruling: int
    endorsed_winners: int
    engine: Scored
    baselines: tuple[Scored, ...]
    bootstraps: tuple[Bootstrap, ...]
    variants: tuple[Variant, ...]
    votes: pd.DataFrame  # the 2019 results, read at scoring
    draws: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return moscow_json(self)


def moscow_2019(
    store: Store,
    folder: Path,
    n_draws: int = 4000,
    seed: int = DEFAULT_SEED,
    marks_file: Path | None = None,
    log: ReadLog | None = None,
    q: float = DEFAULT_Q,
) -> MoscowRun:
    """Picks from pre-vote data only, then (and only then) the 2019 results for the scores."""
    log = log if log is not None else ReadLog()
    inputs = prevote(store, folder, log, marks_file)
    model = candidate_field(
        inputs.ballot, inputs.previous, inputs.baseline, inputs.linking, REGION.casefold()
    )
    sim = simulate(model.field, model.scales, n_draws, seed)
    result = recommend(model.field, sim, q, model.scales)
    curve = coordination_curve(sim, result.picks)
    engine_p = strongest_probabilities(model.field, model.scales, n_draws, seed)
    variants = []
    for rho, psi in SENSITIVITY:
        other = candidate_field(
            inputs.ballot, inputs.previous, inputs.baseline, inputs.linking, REGION.casefold(), rho, psi
        )
        p = strongest_probabilities(other.field, other.scales, n_draws, seed)
        picks = recommend(other.field, simulate(other.field, other.scales, n_draws, seed), q).picks
        variants.append(Variant(f"rho {rho}, psi {psi}", Scored("variant", picks, p, "model draws")))
    baselines = _baselines(inputs, model)
    # ---- scoring: the 2019 results are read from here on
    log.mark("scoring")
    votes = read_candidates(folder, CURRENT)
    log.read(f"candidates-{CURRENT}.csv", tuple(votes.columns))
    if not (
        votes[["district", "candidate"]].to_numpy() == inputs.ballot[["district", "candidate"]].to_numpy()
    ).all():
        raise SmartvoteError("the 2019 results and the 2019 ballot list the candidates in different orders")
    outcome, endorsed, won = _outcome(model, votes, inputs.ruling.backed)
    engine = Scored(
        "engine",
        result.picks,
        engine_p,
        "the model's draws: P(each candidate is the strongest non-ruling one)",
    )
    boots = tuple(paired_bootstrap(engine.hits(outcome), b.hits(outcome), b.name, seed) for b in baselines)
    return MoscowRun(
        inputs, model, result, curve, outcome, endorsed,
        int(won), int(votes.loc[votes["won"] & votes["smart_vote"]].shape[0]),
        engine, baselines, boots, tuple(variants), votes, n_draws, seed,
    )  # fmt: skip


def _slot_values(model: CandidateModel, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Ballot-row values laid out as district x slot."""
    out = np.full(model.field.shape, fill, dtype=float)
    for d, rows in enumerate(model.rows):
        out[d, : len(rows)] = values[list(rows)]
    return out


def _open_slots(model: CandidateModel) -> np.ndarray:
    field = model.field
    assert field.backed is not None
    return (field.party >= 0) & ~field.backed


def _baselines(inputs: PreVote, model: CandidateModel) -> tuple[Scored, ...]:
    """The issue's simple pre-vote rules, with probabilities from 2014 alone."""
    previous, ballot = inputs.previous, inputs.ballot
    share = candidate_shares(previous)
    own = np.full(len(ballot), np.nan)
    for link in inputs.linking.links:
        if link.overlapping:
            own[link.current] = share[link.previous]
    by_district = (
        pd.Series(share).groupby([previous["district"].to_numpy(), previous["model_party"].to_numpy()]).sum()
    )
    by_city = pd.Series(share).groupby(previous["model_party"].to_numpy()).mean()
    in_district = np.array(
        [by_district.get((d, p), 0.0) for d, p in zip(ballot["district"], ballot["model_party"], strict=True)]
    )
    in_city = np.array([by_city.get(p, 0.0) for p in ballot["model_party"]])
    open_slot = _open_slots(model)
    out = []
    for name, party_share in (
        ("own 2014 share, else party's 2014 share in the district", in_district),
        ("own 2014 share, else party's 2014 Moscow mean", in_city),
    ):
        score = _slot_values(model, np.where(np.isnan(own), party_share, own))
        picks = np.where(open_slot, score, -1.0).argmax(axis=1)
        out.append(
            Scored(
                name,
                picks,
                proportional(score, open_slot),
                "proportional to the rule's 2014 shares over the non-ruling candidates",
            )
        )
    first = out[0].picks
    kprf = _slot_values(model, (ballot["party_id"] == KPRF).to_numpy(float)) * open_slot
    picks = np.where(kprf.any(axis=1), kprf.argmax(axis=1), first)
    frequency = _kprf_frequency_2014(previous, share)
    out.append(
        Scored(
            "always the Communist (KPRF) candidate, else the first rule",
            picks,
            favourite(picks, open_slot, frequency),
            f"{frequency:.3f} on the pick (how often the KPRF candidate was the strongest "
            "non-ruling one in 2014), the rest shared equally",
        )
    )
    return tuple(out)


def _kprf_frequency_2014(previous: pd.DataFrame, share: np.ndarray) -> float:
    """In the 2014 districts with a KPRF candidate, how often they were the strongest non-ruling one."""
    frame = previous.assign(share=share)
    free = frame[frame["model_party"] != RULING_PARTY]
    best = free.loc[free.groupby("district")["share"].idxmax()]
    with_kprf = set(free.loc[free["party_id"] == KPRF, "district"])
    return float((best[best["district"].isin(with_kprf)]["party_id"] == KPRF).mean())


def _outcome(
    model: CandidateModel, votes: pd.DataFrame, backed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per district the strongest non-ruling slot and the endorsed slot; non-ruling winners."""
    count = _slot_values(model, votes["votes"].to_numpy(float), -1.0)
    count[~_open_slots(model)] = -1.0
    endorsed = _slot_values(model, votes["smart_vote"].to_numpy(float), 0.0)
    endorsed_slot = np.where(endorsed.any(axis=1), endorsed.argmax(axis=1), -1)
    won_free = int((votes["won"].to_numpy(bool) & ~backed).sum())
    return count.argmax(axis=1), endorsed_slot, won_free


def moscow_json(run: MoscowRun) -> dict[str, Any]:
    """The backtest's figures (the CLI prints them)."""
    field, outcome = run.model.field, run.outcome
    names = field.names
    picks = run.recommendation.picks
    hits_campaign = int((run.endorsed == outcome).sum())
    curve = run.curve
    opposition = len(outcome) - curve.ruling_seats
    reach = next(
        (q for q, m in zip(curve.q, curve.mean, strict=True) if opposition + m >= run.winners_not_ruling),
        None,
    )
    differ = []
    for d, pick in enumerate(picks):
        if run.endorsed[d] >= 0 and run.endorsed[d] != pick:
            e = int(run.endorsed[d])
            pd_ = run.recommendation.districts[d]
            differ.append(
                {
                    "district": field.districts[d],
                    "model": names[d][pick],
                    "model_probability": pd_.probability,
                    "campaign": names[d][e],
                    "strongest_non_ruling": names[d][outcome[d]],
                    "votes_model": int(run.votes["votes"].iloc[run.model.rows[d][pick]]),
                    "votes_campaign": int(run.votes["votes"].iloc[run.model.rows[d][e]]),
                    "why": _why(run, d, pick, e),
                }
            )
    return {
        "backtest": "moscow-2019",
        "event": "the strongest candidate of each district that the ruling party did not back",
        "districts": len(outcome),
        "engine": run.engine.to_json(outcome)
        | {"agreement_with_campaign": int((run.endorsed == picks).sum())},
        "campaign_reference": {"hits": hits_campaign, "endorsed_winners": run.endorsed_winners},
        "baselines": {b.name: b.to_json(outcome) for b in run.baselines},
        "paired_bootstrap": [b.to_json() for b in run.bootstraps],
        "sensitivity": {v.name: v.scored.to_json(outcome) for v in run.variants},
        "reliability": reliability(run.engine.probabilities, outcome),
        "coordination": {
            "non_ruling_winners_actual": run.winners_not_ruling,
            "opposition_seats_at_q0_expected": round(opposition, 2),
            "opposition_seats_expected": {
                f"{q:.1f}": round(opposition + curve.mean[round(q * 100)], 2)
                for q in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
            },
            "interval90_at_q0.3": [
                round(opposition + curve.low[30], 2),
                round(opposition + curve.high[30], 2),
            ],
            "smallest_q_reaching_actual": reach,
        },
        "ruling_side": run.inputs.ruling.to_json(),
        "people": {k: v for k, v in run.inputs.linking.to_json().items() if k != "links"},
        "model": run.model.to_json() | {"baseline_station_match_rate": round(run.inputs.match_rate, 4)},
        "model_vs_campaign": differ,
        "draws": run.draws,
        "seed": run.seed,
    }


def _why(run: MoscowRun, d: int, pick: int, endorsed: int) -> str:
    """The numbers behind a disagreement: each candidate's party component and personal effect."""
    model = run.model
    parts = []
    for s in (pick, endorsed):
        party = model.field.parties[model.field.party[d, s]]
        effect = model.effect[d][s]
        parts.append(
            f"{model.field.names[d][s]} ({party}): party component {model.component[d][s]:.1%}"
            + (
                f", personal/incumbency effect x{np.exp(effect):.2f}"
                if effect
                else ", no 2014 record in the district"
            )
        )
    return "; ".join(parts)
