"""Falsification injected into a clean election, each kind at a known rate or amount.

Every function takes the counts and returns new counts plus what it did per station, so that
the ground truth records every ballot added and every vote moved. docs/fraud/ has one page
per kind: what it does to the data, which methods should see it and which cannot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np

from smartvote.synthetic.country import Counts

#: Klimek et al.'s station types, by their code in :attr:`Truth.klimek`.
KLIMEK_TYPES: tuple[str, ...] = ("none", "incremental", "extreme")
#: Width of the extreme-fraud draw x = 1 - |N(0, w)| in the Klimek model (see :func:`klimek`).
KLIMEK_EXTREME_WIDTH = 0.075
NOT_ROUNDED = -1


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class Fraud:
    """What to inject (all off by default). Rates are fractions of the ordinary stations.

    The field help texts are the CLI's option help (``--stuffing`` for ``stuffing``...).
    """

    stuffing: float = field(
        default=0.0, metadata=_help("Ballots stuffed, as a fraction of the leader's votes nationwide.")
    )
    stuffing_top: float = field(
        default=0.2, metadata=_help("Fraction of stations, highest turnout first, that receive them.")
    )
    moving_rate: float = field(
        default=0.0, metadata=_help("Fraction of stations (at random) where votes are moved to the leader.")
    )
    moving_fraction: float = field(
        default=0.1, metadata=_help("Fraction of each other choice's votes moved there.")
    )
    round_share: float = field(
        default=0.0,
        metadata=_help(
            "Fraction of stations (at random) whose leader's share is rewritten to a whole percent."
        ),
    )
    round_turnout: float = field(
        default=0.0,
        metadata=_help("Fraction of stations (at random) whose turnout is rewritten to a whole percent."),
    )
    round_window: int = field(
        default=5, metadata=_help("Rewriting moves a percentage by at most this many points.")
    )
    klimek_incremental: float = field(
        default=0.0, metadata=_help("Klimek et al.'s f_i: fraction of stations with incremental fraud.")
    )
    klimek_extreme: float = field(
        default=0.0, metadata=_help("Klimek et al.'s f_e: fraction of stations with extreme fraud.")
    )
    klimek_alpha: float = field(
        default=1.0, metadata=_help("Klimek et al.'s alpha: x^alpha of the others' votes go to the leader.")
    )
    klimek_width: float = field(
        default=0.075, metadata=_help("Width of the incremental fraud draw x = |N(0, width)|.")
    )
    remote: int = field(default=0, metadata=_help("Number of remote electronic pseudo-stations."))
    remote_registered: float = field(
        default=0.02427, metadata=_help("Their share of all registered voters (2021: 2.43%).")
    )
    remote_turnout: float = field(default=0.9568, metadata=_help("Their turnout (2021: 95.68%)."))
    remote_share: float = field(default=0.4702, metadata=_help("The leader's share there (2021: 47.02%)."))

    def __post_init__(self) -> None:
        for f in fields(self):  # NaN passes every comparison below as False: refuse it first
            if not math.isfinite(getattr(self, f.name)):
                raise ValueError(f"{f.name} must be a finite number, got {getattr(self, f.name)}")
        rates = ("stuffing_top", "moving_rate", "moving_fraction", "round_share", "round_turnout")
        for name in (*rates, "remote_registered", "remote_turnout", "remote_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a fraction in [0, 1], got {value}")
        for name in ("stuffing", "remote", "round_window"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("klimek_alpha", "klimek_width"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.remote_registered >= 1:
            raise ValueError(f"remote_registered is a share below 1, got {self.remote_registered}")
        if (
            not 0 <= self.klimek_incremental + self.klimek_extreme <= 1
            or min(self.klimek_incremental, self.klimek_extreme) < 0
        ):
            raise ValueError("klimek_incremental and klimek_extreme are fractions adding up to at most 1")


@dataclass(frozen=True, eq=False)
class Truth:
    """What was injected at each station (arrays aligned on the stations).

    ``klimek``: code into :data:`KLIMEK_TYPES`; ``klimek_stuffed`` / ``stuffed``: ballots added
    (issued, found in the boxes and counted for the leader); ``klimek_moved`` / ``moved``:
    votes moved from the other choices to the leader; ``rounded_turnout`` / ``rounded_share``:
    the whole percent a rewritten protocol shows (-1: not rewritten); ``rounding_issued`` and
    ``rounding_leader``: what the rewriting changed in ballots issued and the leader's votes
    (the other choices absorb ``rounding_leader - rounding_issued``); ``*_skipped``: stations
    chosen for rewriting that have no integer count within the window; ``remote``: remote
    electronic pseudo-stations.
    """

    klimek: np.ndarray
    klimek_stuffed: np.ndarray
    klimek_moved: np.ndarray
    stuffed: np.ndarray
    moved: np.ndarray
    rounded_turnout: np.ndarray
    rounded_share: np.ndarray
    rounding_issued: np.ndarray
    rounding_leader: np.ndarray
    turnout_skipped: np.ndarray
    share_skipped: np.ndarray
    remote: np.ndarray

    @property
    def injected_ballots(self) -> np.ndarray:
        """Ballots added to the issued count (negative where rewriting removed some)."""
        return self.klimek_stuffed + self.stuffed + self.rounding_issued

    @property
    def leader_gain(self) -> np.ndarray:
        """Votes the leader gained over the clean count, by every mechanism."""
        return self.klimek_stuffed + self.klimek_moved + self.stuffed + self.moved + self.rounding_leader


def no_truth(n: int, remote: np.ndarray | None = None) -> Truth:
    zeros = np.zeros(n, dtype=np.int64)
    flags = np.zeros(n, dtype=bool)
    return Truth(
        np.zeros(n, dtype=np.int8), zeros, zeros, zeros, zeros,
        np.full(n, NOT_ROUNDED), np.full(n, NOT_ROUNDED), zeros, zeros,
        flags, flags, flags if remote is None else remote,
    )  # fmt: skip


def pick(n: int, rate: float, rng: np.random.Generator, eligible: np.ndarray | None = None) -> np.ndarray:
    """``round(rate * m)`` distinct stations at random among the ``m`` eligible ones (default:
    all ``n``), as a boolean mask."""
    mask = np.zeros(n, dtype=bool)
    among = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    mask[among[rng.choice(len(among), size=round(rate * len(among)), replace=False)]] = True
    return mask


def klimek(
    counts: Counts, fraud: Fraud, rng: np.random.Generator
) -> tuple[Counts, np.ndarray, np.ndarray, np.ndarray]:
    """Incremental and extreme fraud of Klimek, Yegorov, Hanel & Thurner, PNAS 109(41), 2012.

    A station is incremental with probability f_i, extreme with probability f_e. It draws
    x = |N(0, width)| (incremental) or x = 1 - |N(0, 0.075)| (extreme), redrawn outside (0, 1);
    the leader then gains floor(x * non-voters) stuffed ballots and round(x^alpha * V) of the
    other choices' votes V. This follows the Mebane-Egami R conversion of Klimek's
    ElectionFitter.m (kkalininMI/EFToolkit, R/ComputeKlimekModel.R, ``Sim_Vote``).
    Returns the counts, the type codes, the ballots stuffed and the votes moved.
    """
    n = len(counts.issued)
    u = rng.random(n)
    kind = np.where(u < fraud.klimek_incremental, 1, 0)
    kind[(u >= fraud.klimek_incremental) & (u < fraud.klimek_incremental + fraud.klimek_extreme)] = 2
    x = np.zeros(n)
    x[kind == 1] = _in_unit_interval(
        lambda k: np.abs(rng.normal(0, fraud.klimek_width, k)), (kind == 1).sum()
    )
    x[kind == 2] = _in_unit_interval(
        lambda k: 1 - np.abs(rng.normal(0, KLIMEK_EXTREME_WIDTH, k)), (kind == 2).sum()
    )
    stuffed = np.floor(x * (counts.registered - counts.issued)).astype(np.int64)
    moved = np.rint(x**fraud.klimek_alpha * counts.others).astype(np.int64)
    out = replace(
        counts,
        issued=counts.issued + stuffed,
        leader=counts.leader + stuffed + moved,
        others=counts.others - moved,
    )
    return out, kind.astype(np.int8), stuffed, moved


def _in_unit_interval(draw: Callable[[int], np.ndarray], k: int) -> np.ndarray:
    """``k`` draws of ``draw(size)`` strictly inside (0, 1), redrawing those outside."""
    values = draw(k)
    while (bad := (values <= 0) | (values >= 1)).any():
        values[bad] = draw(int(bad.sum()))
    return np.asarray(values)


def stuff(
    counts: Counts, fraud: Fraud, rng: np.random.Generator, eligible: np.ndarray | None = None
) -> tuple[Counts, np.ndarray]:
    """Ballot stuffing: ``stuffing`` x the leader's votes added at the ``stuffing_top`` stations
    of highest turnout, each station's ballots issued, boxes and leader's votes rising together.

    Every chosen station stuffs Binomial(non-voters, c_i), c_i uniform around a common mean c
    (on [0, 2c], or [2c - 1, 1] when c > 1/2): the expected total is the target, no station
    passes 100% turnout, and the stations spread upwards rather than jump together (one c for
    all would leave an empty band of turnout below the stuffed stations). With ``eligible``
    (fraud confined to some regions) the target and the top stations are those of the eligible
    stations alone.
    """
    n = len(counts.issued)
    among = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    target = fraud.stuffing * counts.leader[among].sum()
    turnout = counts.issued[among] / np.maximum(counts.registered[among], 1)
    top = among[np.argsort(-turnout, kind="stable")[: round(fraud.stuffing_top * len(among))]]
    abstainers = (counts.registered - counts.issued)[top]
    if target > 0 and abstainers.sum() < target:
        raise ValueError(
            f"the {len(top)} stations of highest turnout have {abstainers.sum()} non-voters, "
            f"fewer than the {target:.0f} ballots to stuff: raise stuffing_top"
        )
    stuffed = np.zeros(n, dtype=np.int64)
    if target > 0:
        c = target / abstainers.sum()
        rates = rng.uniform(max(0.0, 2 * c - 1), min(1.0, 2 * c), size=len(top))
        stuffed[top] = rng.binomial(abstainers, rates)
    return replace(counts, issued=counts.issued + stuffed, leader=counts.leader + stuffed), stuffed


def move(
    counts: Counts, fraud: Fraud, rng: np.random.Generator, eligible: np.ndarray | None = None
) -> tuple[Counts, np.ndarray]:
    """Vote moving: at ``moving_rate`` of the stations, each other choice's voter is counted for
    the leader with probability ``moving_fraction`` (totals unchanged)."""
    chosen = pick(len(counts.issued), fraud.moving_rate, rng, eligible)
    moved = np.zeros_like(counts.others)
    moved[chosen] = rng.binomial(counts.others[chosen], fraud.moving_fraction)
    return replace(counts, leader=counts.leader + moved, others=counts.others - moved), moved


def nearest_integer_count(
    k: np.ndarray, n: np.ndarray, window: int, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The count nearest ``k`` in [low, high] whose percentage of ``n`` is "integer".

    A count j of n is integer for the whole percent m when |2000 j - 20 m n| <= n (Kobak,
    Shpilkin & Pshenichnikov 2016: 100 j/n rounds to m.0 at one decimal), i.e. j lies in
    [ceil((20mn - n)/2000), floor((20mn + n)/2000)]. Only m with |100k - mn| <= window*n (m
    within ``window`` points of the true percentage) qualify. Exact integer arithmetic.
    Returns (count, m), with m = -1 where no such count exists (count is then k).
    """
    k, n = k.astype(np.int64), n.astype(np.int64)
    best, best_m = k.copy(), np.full(len(k), NOT_ROUNDED, dtype=np.int64)
    best_distance = np.full(len(k), np.iinfo(np.int64).max)
    centre = (100 * k) // np.maximum(n, 1)
    for offset in range(-window - 1, window + 2):
        m = centre + offset
        lo = np.maximum(-((-(20 * m * n - n)) // 2000), low)
        hi = np.minimum((20 * m * n + n) // 2000, high)
        ok = (n > 0) & (m >= 0) & (m <= 100) & (np.abs(100 * k - m * n) <= window * n) & (lo <= hi)
        candidate = np.clip(k, lo, hi)
        distance = np.abs(candidate - k)
        better = ok & (distance < best_distance)
        best = np.where(better, candidate, best)
        best_m = np.where(better, m, best_m)
        best_distance = np.where(better, distance, best_distance)
    return best, best_m


def round_turnout(
    counts: Counts, fraud: Fraud, rng: np.random.Generator, eligible: np.ndarray | None = None
) -> tuple[Counts, np.ndarray, np.ndarray, np.ndarray]:
    """Protocol rewriting of turnout: ballots issued set to the nearest count giving a whole
    percent of the registered voters; the difference goes into the stationary box as the
    leader's votes (added, or removed from the leader's ballots). Returns the counts, the
    percent shown (-1: untouched), the change in ballots issued, and the stations skipped."""
    chosen = np.flatnonzero(pick(len(counts.issued), fraud.round_turnout, rng, eligible))
    issued, leader = counts.issued[chosen], counts.leader[chosen]
    stationary = issued - counts.outside[chosen] - counts.taken[chosen]
    low = issued - np.minimum(leader, stationary)
    registered = counts.registered[chosen]
    target, m = nearest_integer_count(issued, registered, fraud.round_window, low, registered)
    delta, shown, skipped = _spread(len(counts.issued), chosen, target - issued, m)
    out = replace(counts, issued=counts.issued + delta, leader=counts.leader + delta)
    return out, shown, delta, skipped


def round_share(
    counts: Counts, fraud: Fraud, rng: np.random.Generator, eligible: np.ndarray | None = None
) -> tuple[Counts, np.ndarray, np.ndarray, np.ndarray]:
    """Protocol rewriting of the leader's share: the leader's votes set to the nearest count
    whose share of the ballots in the boxes is a whole percent; the other choices give up (or
    receive) the difference, so that the votes still add up to the valid ballots. Returns the
    counts, the percent shown (-1: untouched), the change in the leader's votes, and the
    stations skipped."""
    chosen = np.flatnonzero(pick(len(counts.issued), fraud.round_share, rng, eligible))
    leader = counts.leader[chosen]
    zero = np.zeros(len(chosen), dtype=np.int64)
    target, m = nearest_integer_count(
        leader, counts.boxes[chosen], fraud.round_window, zero, counts.valid[chosen]
    )
    delta, shown, skipped = _spread(len(counts.issued), chosen, target - leader, m)
    out = replace(counts, leader=counts.leader + delta, others=counts.others - delta)
    return out, shown, delta, skipped


def _spread(
    n: int, chosen: np.ndarray, delta: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-station arrays (change, percent shown, skipped) from those of the ``chosen`` stations."""
    full_delta = np.zeros(n, dtype=np.int64)
    full_m = np.full(n, NOT_ROUNDED, dtype=np.int64)
    skipped = np.zeros(n, dtype=bool)
    full_delta[chosen] = np.where(m != NOT_ROUNDED, delta, 0)
    full_m[chosen] = m
    skipped[chosen] = m == NOT_ROUNDED
    return full_delta, full_m, skipped


def remote_stations(fraud: Fraud, ordinary_registered: int, rng: np.random.Generator) -> Counts:
    """Remote electronic pseudo-stations: large, with their own turnout and leader's share, no
    invalid ballots (as the 2021 ones). Their registered voters are ``remote_registered`` of
    the country's total, split by gamma(4) weights."""
    total = fraud.remote_registered / (1 - fraud.remote_registered) * ordinary_registered
    registered = np.rint(total * rng.dirichlet(np.full(fraud.remote, 4.0))).astype(np.int64)
    issued = rng.binomial(registered, fraud.remote_turnout)
    leader = rng.binomial(issued, fraud.remote_share)
    zeros = np.zeros(fraud.remote, dtype=np.int64)
    return Counts(registered, issued, zeros, zeros, zeros, leader, issued - leader)
