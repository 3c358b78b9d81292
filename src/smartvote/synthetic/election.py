"""One synthetic election: the clean country, the injected fraud and its ground truth.

:func:`simulate` is the array-level path (fast enough for validation loops over hundreds of
elections); :mod:`smartvote.synthetic.tables` turns its result into the canonical tables the
store imports. Randomness: one seed spawns independent streams for the country and for each
kind of fraud, so the same seed gives the same clean election whatever fraud is injected,
and ``A(fraud) - A(no fraud)`` compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from smartvote.synthetic.country import Country, Counts, Geography, clean_election
from smartvote.synthetic.fraud import (
    Fraud,
    Truth,
    klimek,
    move,
    no_truth,
    remote_stations,
    round_share,
    round_turnout,
    stuff,
)

#: Independent random streams spawned from the seed, one per stage.
STREAMS: tuple[str, ...] = (
    "country", "klimek", "stuffing", "moving", "turnout", "share", "remote", "parties",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Simulation:
    """A synthetic election: stations (ordinary, then remote electronic) with their clean
    counts, the official counts after fraud, and the ground truth of what was injected.
    ``turnout_rate`` and ``share_rate`` are the probabilities each station's clean ballots
    issued and leader's votes (of the valid ballots) were drawn with."""

    geography: Geography
    clean: Counts
    counts: Counts
    truth: Truth
    country: Country
    fraud: Fraud
    parties_seed: int
    turnout_rate: np.ndarray
    share_rate: np.ndarray

    def __len__(self) -> int:
        return len(self.counts.issued)

    @property
    def remote(self) -> np.ndarray:
        return self.truth.remote


def simulate(
    n_stations: int,
    rng: int | np.random.Generator | None = None,
    country: Country | None = None,
    fraud: Fraud | None = None,
    fraud_regions: tuple[int, ...] = (),
) -> Simulation:
    """A seeded synthetic election of ``n_stations`` ordinary stations (plus ``fraud.remote``
    remote electronic pseudo-stations), with ``fraud`` injected in a fixed order: Klimek et
    al.'s model, ballot stuffing at the highest turnouts, vote moving, rewriting of turnout,
    rewriting of the leader's share. ``fraud_regions`` (region codes) confines the stuffing,
    moving and rewriting to those regions' stations (rates are then of their stations)."""
    country = country or Country()
    fraud = fraud or Fraud()
    streams = dict(zip(STREAMS, np.random.default_rng(rng).spawn(len(STREAMS)), strict=True))
    geo, clean, turnout_rate, share_rate = clean_election(n_stations, country, streams["country"])
    counts, kind, klimek_stuffed, klimek_moved = _klimek(clean, fraud, streams["klimek"])
    eligible = np.isin(geo.region, fraud_regions) if fraud_regions else None
    counts, stuffed = _stuff_regions(counts, fraud, streams["stuffing"], geo.region, fraud_regions)
    counts, moved = move(counts, fraud, streams["moving"], eligible)
    counts, turnout_m, rounding_issued, turnout_skipped = round_turnout(
        counts, fraud, streams["turnout"], eligible
    )
    counts, share_m, share_delta, share_skipped = round_share(counts, fraud, streams["share"], eligible)
    truth = Truth(
        klimek=kind,
        klimek_stuffed=klimek_stuffed,
        klimek_moved=klimek_moved,
        stuffed=stuffed,
        moved=moved,
        rounded_turnout=turnout_m,
        rounded_share=share_m,
        rounding_issued=rounding_issued,
        rounding_leader=rounding_issued + share_delta,
        turnout_skipped=turnout_skipped,
        share_skipped=share_skipped,
        remote=np.zeros(n_stations, dtype=bool),
    )
    parties_seed = int(streams["parties"].integers(2**63))
    simulation = Simulation(geo, clean, counts, truth, country, fraud, parties_seed, turnout_rate, share_rate)
    if fraud.remote:
        remote = remote_stations(fraud, int(clean.registered.sum()), streams["remote"])
        simulation = _with_remote(simulation, remote, streams["remote"])
    return simulation


def _stuff_regions(
    counts: Counts, fraud: Fraud, rng: np.random.Generator, region: np.ndarray, regions: tuple[int, ...]
) -> tuple[Counts, np.ndarray]:
    """Ballot stuffing everywhere, or in each of ``regions`` on its own."""
    if not regions:
        return stuff(counts, fraud, rng)
    stuffed = np.zeros(len(counts.issued), dtype=np.int64)
    for code in regions:
        counts, added = stuff(counts, fraud, rng, region == code)
        stuffed += added
    return counts, stuffed


def _klimek(
    counts: Counts, fraud: Fraud, rng: np.random.Generator
) -> tuple[Counts, np.ndarray, np.ndarray, np.ndarray]:
    if fraud.klimek_incremental + fraud.klimek_extreme == 0:
        zeros = np.zeros(len(counts.issued), dtype=np.int64)
        return counts, zeros.astype(np.int8), zeros, zeros
    return klimek(counts, fraud, rng)


def _with_remote(sim: Simulation, remote: Counts, rng: np.random.Generator) -> Simulation:
    """``sim`` with the remote pseudo-stations appended, each in a random region and in a
    commission of its own; they carry no fraud but their own turnout and share."""
    n = len(remote.issued)
    geo = sim.geography
    regions = rng.integers(0, geo.n_regions, size=n)
    first = len(geo.commission_region)
    geo = Geography(
        np.concatenate([geo.region, regions]),
        np.concatenate([geo.commission, first + np.arange(n)]),
        np.concatenate([geo.commission_region, regions]),
    )
    truth = _concat_truth(sim.truth, no_truth(n, remote=np.ones(n, dtype=bool)))
    return replace(
        sim,
        geography=geo,
        clean=_concat(sim.clean, remote),
        counts=_concat(sim.counts, remote),
        truth=truth,
        turnout_rate=np.concatenate([sim.turnout_rate, np.full(n, sim.fraud.remote_turnout)]),
        share_rate=np.concatenate([sim.share_rate, np.full(n, sim.fraud.remote_share)]),
    )


def _concat(a: Counts, b: Counts) -> Counts:
    return Counts(*(np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(Counts)))


def _concat_truth(a: Truth, b: Truth) -> Truth:
    return Truth(*(np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(Truth)))
