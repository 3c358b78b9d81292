"""A synthetic election as canonical tables (importable into the store) and its ground truth.

The election has one contest, ``federal-list``, a ruling party (choice 1) and the other
parties of the calibration. Labels are invented: regions ``Region 01``..., commissions
``Commission 0001``..., stations ``Region 01/17`` (numbered within their region) and
``DEG-1``... for the remote electronic pseudo-stations.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from smartvote.model import (
    CHOICE_COLUMNS,
    STATION_COLUMNS,
    VOTE_COLUMNS,
    Election,
    ElectionTables,
    conform,
    contests_table,
    flag_implausible,
)
from smartvote.synthetic.country import Counts, split_among_others
from smartvote.synthetic.election import Simulation
from smartvote.synthetic.fraud import KLIMEK_TYPES, NOT_ROUNDED, Fraud

CONTEST = "federal-list"
RULING = "Ruling party"
REMOTE_COMMISSION = "remote electronic voting"


def describe_fraud(fraud: Fraud) -> str:
    """The options that differ from the defaults, ``name=value`` joined by commas ("none")."""
    default = Fraud()
    changed = [
        f"{f.name}={getattr(fraud, f.name)}"
        for f in fields(Fraud)
        if getattr(fraud, f.name) != getattr(default, f.name)
    ]
    return ", ".join(changed) or "none"


def to_tables(
    sim: Simulation, election_id: str, seed: int | None = None, labels: pd.DataFrame | None = None
) -> ElectionTables:
    """The canonical tables of ``sim`` (the official counts, after fraud); ``labels``:
    :func:`station_labels` of ``sim``, when already at hand.

    Built column by column in canonical form rather than through :func:`model.finish`: the
    counts are consistent by construction (boxes <= issued <= received = registered > 0), so
    no protocol is flagged inconsistent; tests check that with :func:`model.flag_inconsistent`
    and :func:`model.check_tables`. The plausibility flags follow from the counts as on import
    (:func:`model.flag_implausible`).
    """
    names = [RULING, *(f"Party {j + 2}" for j in range(len(sim.country.other_mix)))]
    title = f"Synthetic election: {len(sim)} stations, seed {seed}, fraud: {describe_fraud(sim.fraud)}"
    election = Election(election_id, title, "smartvote simulate-election", RULING)
    labels = station_labels(sim) if labels is None else labels
    choices = pd.DataFrame(
        {
            "contest": CONTEST,
            "choice_id": np.arange(1, len(names) + 1),
            "name": names,
            "party": names,
            "ballot_position": np.arange(1, len(names) + 1),
            "ruling": np.arange(len(names)) == 0,
            "endorsed": False,
        }
    )
    rng = np.random.default_rng(sim.parties_seed)
    parties = split_among_others(sim.counts.others, sim.geography.commission, sim.country, rng)
    votes = _votes(labels["station_id"], np.column_stack([sim.counts.leader, parties]))
    stations = _stations(sim.counts, labels)
    stations["implausible"] = flag_implausible(stations)
    return ElectionTables(
        election,
        contests_table([CONTEST]),
        conform(stations, STATION_COLUMNS),
        conform(choices, CHOICE_COLUMNS),
        conform(votes, VOTE_COLUMNS),
    )


def station_labels(sim: Simulation) -> pd.DataFrame:
    """Region, commission, station number and id of every station."""
    geo = sim.geography
    width = len(str(max(geo.n_regions, 1)))
    regions = np.array([f"Region {r + 1:0{width}d}" for r in range(max(geo.n_regions, 1))], dtype=object)
    commissions = [f"Commission {c + 1:04d}" for c in range(len(geo.commission_region))]
    tik = np.array(commissions, dtype=object)[geo.commission]
    number = pd.Series(geo.region).groupby(geo.region).cumcount().to_numpy() + 1
    region = regions[geo.region]
    pairs = zip(region.tolist(), number.tolist(), strict=True)
    station_id = np.array([f"{r}/{k}" for r, k in pairs], dtype=object)
    remote = sim.remote
    station_id[remote] = [f"DEG-{i + 1}" for i in range(int(remote.sum()))]
    tik[remote] = REMOTE_COMMISSION
    numbers = pd.array(number, dtype="Int64")
    numbers[remote] = pd.NA
    return pd.DataFrame(
        {
            "region": _text(region),
            "tik": _text(tik),
            "number": numbers,
            "station_id": _text(station_id),
            "remote": remote,
        }
    )


def _text(values: np.ndarray | str, n: int = 0) -> pd.Series:
    """A text column in the canonical string dtype, converted once; a scalar is repeated
    ``n`` times."""
    if isinstance(values, str):
        values = np.full(n, values, dtype=object)
    return pd.Series(values, dtype="str")


def _stations(counts: Counts, labels: pd.DataFrame) -> pd.DataFrame:
    in_station = counts.issued - counts.outside
    zeros = np.zeros(len(in_station), dtype=np.int64)
    return pd.DataFrame(
        {
            "contest": _text(CONTEST, len(zeros)),
            "station_id": labels["station_id"],
            "region": labels["region"],
            "district": pd.array([pd.NA] * len(zeros), dtype="Int64"),
            "tik": labels["tik"],
            "number": labels["number"],
            "counted_by_scanner": pd.array([pd.NA] * len(zeros), dtype="boolean"),
            "registered": counts.registered,
            "ballots_received": counts.registered,
            "ballots_early": zeros,
            "ballots_in_station": in_station,
            "ballots_outside": counts.outside,
            "ballots_issued": counts.issued,
            "ballots_cancelled": counts.registered - counts.issued,
            "ballots_stationary": in_station - counts.taken,
            "ballots_portable": counts.outside,
            "ballots_in_boxes": counts.boxes,
            "valid": counts.valid,
            "invalid": counts.invalid,
            "lost": zeros,
            "unaccounted": zeros,
            "remote_electronic": labels["remote"],
            "no_protocol": False,
            "inconsistent": _text("", len(zeros)),
        }
    )


def _votes(station_id: pd.Series, matrix: np.ndarray) -> pd.DataFrame:
    """One row per station and choice (zeros included, as in the official data)."""
    n, k = matrix.shape
    return pd.DataFrame(
        {
            "contest": _text(CONTEST, n * k),
            "station_id": _text(np.repeat(station_id.to_numpy(object), k)),
            "choice_id": np.tile(np.arange(1, k + 1), n),
            "votes": matrix.reshape(-1),
        }
    )


def truth_table(sim: Simulation, labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ground truth, one row per station (documented in docs/synthetic-elections.md);
    ``labels``: :func:`station_labels` of ``sim``, when already at hand."""
    labels = station_labels(sim) if labels is None else labels
    t = sim.truth
    frame = pd.DataFrame(
        {
            "station_id": labels["station_id"],
            "region": labels["region"],
            "tik": labels["tik"],
            "remote_electronic": t.remote,
            "klimek": _text(np.array(KLIMEK_TYPES, dtype=object)[t.klimek]),
            "klimek_stuffed": t.klimek_stuffed,
            "klimek_moved": t.klimek_moved,
            "stuffed": t.stuffed,
            "moved": t.moved,
            "rounded_turnout": _rounded(t.rounded_turnout),
            "rounded_share": _rounded(t.rounded_share),
            "rounding_issued": t.rounding_issued,
            "rounding_leader": t.rounding_leader,
            "turnout_skipped": t.turnout_skipped,
            "share_skipped": t.share_skipped,
            "injected_ballots": t.injected_ballots,
            "leader_gain": t.leader_gain,
            "clean_issued": sim.clean.issued,
            "clean_boxes": sim.clean.boxes,
            "clean_leader": sim.clean.leader,
        }
    )
    return frame


def _rounded(percent: np.ndarray) -> pd.arrays.IntegerArray:
    values = pd.array(percent, dtype="Int64")
    values[percent == NOT_ROUNDED] = pd.NA
    return values
