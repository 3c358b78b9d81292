"""Election night on a synthetic election: observers, hostile observers, a moderator, proofs.

Two layers of counts on top of the synthetic generator (:mod:`smartvote.synthetic`): the
*signed* protocol (the commission's, after whatever happened inside the station) and the
*published* one, rewritten above the station at a known set of stations. The split among the
choices is drawn once, on the signed counts, and rewriting moves votes from the other choices to
the leader, so the two layers differ exactly where rewriting was injected.

Simulated observers send the signed protocol (a share of them with a typo in one figure),
hostile observers the published figures instead; a simulated moderator resolves conflicting
figures from the photo (the signed protocol), wrong at a given rate. The real consensus
(:mod:`.consensus`) and comparison (:mod:`.comparison`) run on the result, and the stations
the *copy differs* proof names are scored against the injected truth.

Pure: seeded arrays in, frozen results out (the service-level demo drives the same layers
through HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smartvote.observe import comparison as cmp
from smartvote.observe.consensus import Event, Submission, consensus
from smartvote.observe.quickcount import draw, quick_count
from smartvote.synthetic import Fraud, simulate
from smartvote.synthetic.country import split_among_others

CONTEST = "federal-list"
#: The lines the simulated observers send: voters on the list, ballots issued, valid ballots.
LINES = ("L1", "L4", "L10")


@dataclass(frozen=True)
class Layers:
    """Per station: registered voters, ballots issued, the signed and the published votes per
    choice (choice 1 is the leader), and which stations were rewritten above the station."""

    region: np.ndarray
    tik: np.ndarray
    registered: np.ndarray
    issued: np.ndarray
    signed: np.ndarray
    published: np.ndarray
    rewritten: np.ndarray

    def figures(self, i: int, published: bool = False) -> dict[str, int | None]:
        votes = (self.published if published else self.signed)[i]
        out: dict[str, int | None] = {
            "L1": int(self.registered[i]),
            "L4": int(self.issued[i]),
            "L10": int(votes.sum()),
        }
        out.update({f"C{j + 1}": int(v) for j, v in enumerate(votes)})
        return out

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(str(j + 1) for j in range(self.signed.shape[1]))


def layers(n: int, rewritten: float, seed: int, moved: float = 0.15) -> Layers:
    """A synthetic election of ``n`` stations without fraud inside the station (signed = the
    generator's counts), and its publication with a share ``rewritten`` of the stations (at
    least 10 votes for other choices) rewritten by moving ``moved`` of each other choice's
    votes (at least one vote) to the leader."""
    rng = np.random.default_rng(seed)
    sim = simulate(n, rng, fraud=Fraud())
    c = sim.counts
    others = split_among_others(c.others, sim.geography.commission, sim.country, rng)
    signed = np.column_stack([c.leader, others])
    eligible = np.flatnonzero(c.others >= 10)
    chosen = rng.choice(eligible, size=min(len(eligible), round(rewritten * n)), replace=False)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    taken = rng.binomial(others[chosen], moved)
    biggest = others[chosen].argmax(axis=1)
    rows = np.arange(len(chosen))
    taken[rows, biggest] = np.maximum(taken[rows, biggest], 1)
    published = signed.copy()
    published[chosen, 1:] -= taken
    published[chosen, 0] += taken.sum(axis=1)
    return Layers(
        sim.geography.region, sim.geography.commission, c.registered, c.issued, signed, published, mask
    )


@dataclass(frozen=True)
class Night:
    """What the simulated night sends and decides."""

    observers: int = 3
    hostile: float = 0.1
    typo: float = 0.02
    moderator_error: float = 0.01
    colluding: bool = False
    k: int = 2


@dataclass(frozen=True)
class Score:
    """Stations the *copy differs* proof names, scored against the rewritten ones."""

    found: int
    true_positive: int
    rewritten: int
    honest_typo_reported: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.found if self.found else float("nan")

    @property
    def recall(self) -> float:
        return self.true_positive / self.rewritten if self.rewritten else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "true_positive": self.true_positive,
            "rewritten": self.rewritten,
            "precision": self.precision,
            "recall": self.recall,
            "honest_typo_stations_reported": self.honest_typo_reported,
        }


@dataclass(frozen=True)
class NightResult:
    """The night's scores without and with the moderator, and the quick count against the truth."""

    night: Night
    without_moderator: Score
    with_moderator: Score
    recall_ceiling: float
    quick_count: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "observers_per_station": self.night.observers,
            "hostile": self.night.hostile,
            "colluding": self.night.colluding,
            "typo": self.night.typo,
            "moderator_error": self.night.moderator_error,
            "without_moderator": self.without_moderator.to_json(),
            "recall_ceiling_without_moderator": self.recall_ceiling,
            "with_moderator": self.with_moderator.to_json(),
            "quick_count": self.quick_count,
        }


def _typo(value: int, rng: np.random.Generator) -> int:
    """A mistyped count: one digit changed (or a digit added to a one-digit count)."""
    digits = list(str(value))
    at = int(rng.integers(len(digits)))
    digits[at] = str((int(digits[at]) + int(rng.integers(1, 10))) % 10)
    typed = int("".join(digits))
    return typed if typed != value else value + 10


def submissions(lay: Layers, night: Night, rng: np.random.Generator) -> tuple[list[Submission], np.ndarray]:
    """Every observer's submission, and per station whether it had a hostile observer."""
    subs, hostile_at = [], np.zeros(len(lay.registered), dtype=bool)
    colluded = rng.random(len(lay.registered)) < night.hostile
    for i in range(len(lay.registered)):
        for j in range(night.observers):
            hostile = colluded[i] if night.colluding else rng.random() < night.hostile
            hostile_at[i] |= hostile
            figures = lay.figures(i, published=bool(hostile))
            if not hostile and rng.random() < night.typo:
                names = sorted(figures)
                name = names[int(rng.integers(len(names)))]
                figures[name] = _typo(int(figures[name] or 0), rng)
            subs.append(Submission(f"{i}-{j}", f"observer-{i}-{j}", CONTEST, str(i), "protocol", figures))
    return subs, hostile_at


def moderate(protocols: list[Any], lay: Layers, night: Night, rng: np.random.Generator) -> list[Event]:
    """Two moderators confirm each conflicting figure from the photo (the signed protocol); with
    probability ``moderator_error`` their decision is another value an observer reported."""
    events, seq = [], 0
    for p in protocols:
        signed = lay.figures(int(p.station))
        for f in p.figures:
            if f.status != "conflict":
                continue
            value = int(signed[f.figure] or 0)
            wrong = [v for v in f.tokens if v != value]
            if wrong and rng.random() < night.moderator_error:
                value = wrong[int(rng.integers(len(wrong)))]
            for actor in ("moderator-1", "moderator-2"):
                seq += 1
                events.append(
                    Event(
                        seq,
                        actor,
                        "confirm",
                        contest=CONTEST,
                        station=p.station,
                        kind="protocol",
                        figure=f.figure,
                        value=value,
                    )
                )
    return events


def _score(found: set[int], lay: Layers, honest_typo: np.ndarray) -> Score:
    truth = set(np.flatnonzero(lay.rewritten).tolist())
    return Score(
        len(found), len(found & truth), len(truth), len(found & set(np.flatnonzero(honest_typo).tolist()))
    )


def run(n: int, rewritten: float, night: Night, seed: int, sample: int = 1000) -> NightResult:
    """Simulate the night on ``n`` stations and score the proofs, with and without moderation."""
    lay = layers(n, rewritten, seed)
    rng = np.random.default_rng([seed, 1])
    subs, hostile_at = submissions(lay, night, rng)
    names = (*LINES, *(f"C{c}" for c in lay.choices))
    stations = [cmp.Station(CONTEST, str(i), str(lay.region[i]), str(lay.tik[i])) for i in range(n)]
    official = {(CONTEST, str(i)): lay.figures(i, published=True) for i in range(n)}
    honest_typo = ~lay.rewritten & ~hostile_at
    scores = []
    protocols = list(consensus(subs, [], night.k, names))
    verified = {}
    for events in ([], moderate(protocols, lay, night, rng)):
        judged = consensus(subs, events, night.k, names) if events else protocols
        verified = cmp.verified_figures(judged)
        proofs = cmp.copy_differs(cmp.compare(stations, official, verified))
        scores.append(_score({int(p.where.split()[-1]) for p in proofs}, lay, honest_typo))
    frame = [(CONTEST, str(i), str(lay.region[i])) for i in range(n)]
    drawn = draw(frame, min(sample, n), f"{seed:064x}", "region")
    reports = {
        key: {
            "registered": v["L1"].value,
            "ballots": v["L4"].value,
            "valid": v["L10"].value,
            **{c: v[f"C{c}"].value for c in lay.choices},
        }
        for key, v in verified.items()
        if all(name in v for name in names)
    }
    result = quick_count(
        drawn, reports, ["1"], {"share:1": float(lay.published[:, 0].sum() / lay.published.sum())}
    )
    truth = float(lay.signed[:, 0].sum() / lay.signed.sum())
    qc = {**result.to_json(), "true_share_1": truth, "official_share_1": result.estimates[0].official}
    return NightResult(night, scores[0], scores[1], (1 - night.hostile) ** night.observers, qc)


def coverage_run(seed: int, stations: int, n: int, strata: str | None) -> tuple[bool, bool, float]:
    """One quick count on a synthetic election without rewriting: (the 95% interval covers the
    true leader's share, it covers the true turnout, the share interval's width)."""
    sim = simulate(stations, np.random.default_rng(seed), fraud=Fraud())
    c = sim.counts
    keys = [(CONTEST, str(i), str(r)) for i, r in enumerate(sim.geography.region)]
    sample = draw(keys, n, f"{seed:064x}", strata)
    reports = {
        k[:2]: {
            "registered": int(c.registered[i]),
            "ballots": int(c.issued[i]),
            "valid": int(c.valid[i]),
            "1": int(c.leader[i]),
        }
        for i, k in enumerate(keys)
    }
    share, turnout = quick_count(sample, reports, ["1"]).estimates
    low, high = share.interval(0.95)
    t_low, t_high = turnout.interval(0.95)
    true_share = c.leader.sum() / c.valid.sum()
    true_turnout = c.issued.sum() / c.registered.sum()
    return bool(low <= true_share <= high), bool(t_low <= true_turnout <= t_high), float(high - low)
