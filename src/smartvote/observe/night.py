"""Election night on a synthetic election: observers, hostile observers, moderators, the truth.

Two layers of counts on top of the synthetic generator (:mod:`smartvote.synthetic`): the
*signed* protocol (the commission's, after whatever happened inside the station; here the
generator's canonical tables) and the *published* one, rewritten above the station at a known
set of stations. The split among the choices is drawn once, on the signed counts, and rewriting
moves votes from the other choices to the leader, so the two layers differ exactly where
rewriting was injected.

Simulated observers read the signed protocol (a share of them with a typo in one figure),
hostile observers send the published figures instead. Simulated moderators read a conflicting
figure from the photo (the signed protocol), each wrong independently at a given rate; the
service confirms a value only when two distinct moderators read the same one
(:data:`smartvote.observe.consensus.MODERATORS_NEEDED`). The stations the *copy differs* proof
names are scored against the injected truth.

Pure: seeded arrays in, frozen results out. :mod:`smartvote.observe.demo` drives these layers
through the real service over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smartvote.observe.quickcount import draw, quick_count
from smartvote.protocols import form
from smartvote.synthetic import Fraud, simulate, to_tables

CONTEST = "federal-list"
FORM = "ru-duma-list"


@dataclass(frozen=True)
class Layers:
    """Per station: the signed protocol's lines (the generator's canonical stations table), the
    signed and the published votes per choice (choice 1 is the leader), and which stations were
    rewritten above the station. Station ``i`` is labelled ``str(i)`` in the service's frame."""

    stations: pd.DataFrame
    signed: np.ndarray
    published: np.ndarray
    rewritten: np.ndarray
    line_ids: tuple[str, ...]
    lines: np.ndarray

    def __len__(self) -> int:
        return len(self.rewritten)

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(str(j + 1) for j in range(self.signed.shape[1]))

    def figures(self, i: int, published: bool = False) -> dict[str, int]:
        """Station ``i``'s protocol as the service names its figures (``L1``..., ``C1``...)."""
        votes = (self.published if published else self.signed)[i]
        out = {f"L{line}": int(v) for line, v in zip(self.line_ids, self.lines[i], strict=True)}
        out.update({f"C{c}": int(v) for c, v in zip(self.choices, votes, strict=True)})
        return out

    def frame(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The service's frame: contests, stations (with their territories) and choices."""
        s = self.stations
        return (
            pd.DataFrame({"contest": [CONTEST], "form": [FORM]}),
            pd.DataFrame(
                {
                    "contest": CONTEST,
                    "station": [str(i) for i in range(len(self))],
                    "region": s["region"].astype(str).to_numpy(),
                    "tik": s["tik"].astype(str).to_numpy(),
                    "number": s["number"].astype("int64").to_numpy(),
                    "registered": s["registered"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "contest": CONTEST,
                    "choice": list(self.choices),
                    "name": [f"Party {c}" for c in self.choices],
                }
            ),
        )

    def official(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The publication as the results store holds it: the stations table and the published
        votes (what ``observe sync-official`` copies into the service)."""
        n, k = self.published.shape
        votes = pd.DataFrame(
            {
                "contest": CONTEST,
                "station_id": np.repeat(self.stations["station_id"].to_numpy(object), k),
                "choice_id": np.tile(np.arange(1, k + 1), n),
                "votes": self.published.reshape(-1),
            }
        )
        return self.stations, votes

    def shares(self) -> tuple[float, float]:
        """The leader's share of the valid votes over all signed protocols (the truth) and over
        the publication (the official result)."""
        return (
            float(self.signed[:, 0].sum() / self.signed.sum()),
            float(self.published[:, 0].sum() / self.published.sum()),
        )


def layers(n: int, rewritten: float, seed: int, moved: float = 0.15) -> Layers:
    """A synthetic election of ``n`` stations without fraud inside the station (signed = the
    generator's canonical tables), and its publication with a share ``rewritten`` of the
    stations (at least 10 votes for other choices) rewritten by moving ``moved`` of each other
    choice's votes (at least one vote) to the leader."""
    rng = np.random.default_rng(seed)
    sim = simulate(n, rng, fraud=Fraud())
    tables = to_tables(sim, "demo-night", seed)
    k = len(tables.choices)
    signed = tables.votes.sort_values(["station_id", "choice_id"], kind="stable")
    order = {s: i for i, s in enumerate(tables.stations["station_id"])}
    matrix = np.zeros((n, k), dtype=np.int64)
    matrix[signed["station_id"].map(order).to_numpy(), signed["choice_id"].to_numpy() - 1] = signed["votes"]
    others = matrix[:, 1:]
    eligible = np.flatnonzero(others.sum(axis=1) >= 10)
    chosen = rng.choice(eligible, size=min(len(eligible), round(rewritten * n)), replace=False)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    taken = rng.binomial(others[chosen], moved)
    biggest = others[chosen].argmax(axis=1)
    rows = np.arange(len(chosen))
    taken[rows, biggest] = np.maximum(taken[rows, biggest], 1)
    published = matrix.copy()
    published[chosen, 1:] -= taken
    published[chosen, 0] += taken.sum(axis=1)
    f = form(FORM)
    columns = [str(line.column) for line in f.lines]
    return Layers(
        tables.stations,
        matrix,
        published,
        mask,
        f.line_ids,
        tables.stations[columns].to_numpy(dtype=np.int64),
    )


@dataclass(frozen=True)
class Night:
    """What the simulated night sends and decides."""

    observers: int = 3
    hostile: float = 0.1
    typo: float = 0.02
    moderator_error: float = 0.01
    colluding: bool = False
    #: Moderators available to read one figure, one after another, until two agree.
    moderators: int = 5


@dataclass(frozen=True)
class Reading:
    """What one observer sends for a station: the signed protocol (maybe with one typo) or,
    hostile, the published figures."""

    station: int
    observer: int
    hostile: bool
    typo: bool
    figures: dict[str, int]


def _typo(value: int, rng: np.random.Generator) -> int:
    """A mistyped count: one digit changed (or a digit added to a one-digit count)."""
    digits = list(str(value))
    at = int(rng.integers(len(digits)))
    digits[at] = str((int(digits[at]) + int(rng.integers(1, 10))) % 10)
    typed = int("".join(digits))
    return typed if typed != value else value + 10


def readings(lay: Layers, night: Night, rng: np.random.Generator) -> list[Reading]:
    """Every observer's submission: hostile at random (or, colluding, all observers of a
    station at once), an honest one mistyping one figure at rate ``night.typo``."""
    out = []
    colluded = rng.random(len(lay)) < night.hostile
    for i in range(len(lay)):
        for j in range(night.observers):
            hostile = bool(colluded[i] if night.colluding else rng.random() < night.hostile)
            figures = lay.figures(i, published=hostile)
            typo = not hostile and rng.random() < night.typo
            if typo:
                names = sorted(figures)
                name = names[int(rng.integers(len(names)))]
                figures[name] = _typo(figures[name], rng)
            out.append(Reading(i, j, hostile, typo, figures))
    return out


def read_photo(signed: int, reported: Sequence[int], error: float, rng: np.random.Generator) -> int:
    """One moderator's reading of a figure from the photo of the signed protocol.

    Each moderator misreads independently with probability ``error``; a misread is one of the
    other values the observers reported (drawn uniformly), the likeliest wrong reading for a
    moderator who sees those values beside the photo, and the one that can make two misreads
    agree. The service then confirms a value only when two distinct moderators read the same
    one, so a wrong confirmation needs two independent misreads of the same value.
    """
    wrong = sorted(v for v in set(reported) if v != signed)
    if wrong and rng.random() < error:
        return wrong[int(rng.integers(len(wrong)))]
    return signed


@dataclass(frozen=True)
class Score:
    """Stations the *copy differs* proof names, scored against the rewritten ones."""

    found: int
    true_positive: int
    rewritten: int
    honest_typo: int
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
            "honest_typo_stations": self.honest_typo,
            "honest_typo_stations_reported": self.honest_typo_reported,
        }


def score(found: Iterable[int], lay: Layers, sent: Sequence[Reading]) -> Score:
    """Score the stations named rewritten against the truth. *Honest-but-typo* stations are
    the stations not rewritten whose observers were all honest and at least one mistyped."""
    hostile_at = np.zeros(len(lay), dtype=bool)
    typo_at = np.zeros(len(lay), dtype=bool)
    for r in sent:
        hostile_at[r.station] |= r.hostile
        typo_at[r.station] |= r.typo
    honest_typo = set(np.flatnonzero(~lay.rewritten & ~hostile_at & typo_at).tolist())
    truth = set(np.flatnonzero(lay.rewritten).tolist())
    named = set(found)
    return Score(len(named), len(named & truth), len(truth), len(honest_typo), len(named & honest_typo))


@dataclass(frozen=True)
class NightResult:
    """The night's scores without and with the moderators, the quick count against the truth,
    and what went over HTTP."""

    night: Night
    without_moderator: Score
    with_moderator: Score
    quick_count: dict[str, Any] = field(default_factory=dict)
    traffic: dict[str, Any] = field(default_factory=dict)

    @property
    def recall_ceiling(self) -> float:
        """Without moderators, a rewritten station is found only when no observer of it was
        hostile (one disagreeing token leaves the figure in conflict): (1 - F)^K, or 1 - F when
        the hostile observers collude (all of a station's or none)."""
        if self.night.colluding:
            return 1 - self.night.hostile
        return (1 - self.night.hostile) ** self.night.observers

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
            "traffic": self.traffic,
        }


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
