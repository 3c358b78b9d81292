"""The practitioners' tests read from the store: Kireev, coincidences, online vs paper,
scanners, and the attachment of a scanner list.

Each reader takes the store, reads one contest's tables and hands the arrays to a pure core
in :mod:`smartvote.forensics`; the store is not needed once :func:`read_contest` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote.data.importers.tabular import read_table_file
from smartvote.data.store import Store
from smartvote.errors import InputError, SmartvoteError
from smartvote.forensics.coincidence import CoincidenceResult, coincidences
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.integer import integer_test
from smartvote.forensics.kireev import KireevResult, kireev_test
from smartvote.forensics.practitioners import Practitioners
from smartvote.forensics.ranking import FAST_SIGNALS, Ranking, RankInput, SignalFunction, combined_null, rank
from smartvote.forensics.remote import RemoteResult, remote_vs_paper
from smartvote.forensics.scanners import ScannerResult, scanner_excess
from smartvote.forensics.shpilkin import estimate
from smartvote.forensics.validation import election_rng, simulation_arrays
from smartvote.model import SCANNER
from smartvote.synthetic import Country, simulate


@dataclass(frozen=True, eq=False)
class Contest:
    """One contest's station arrays with the labels the practitioners' tests group by."""

    election_id: str
    contest: str
    arrays: StationArrays
    tik: np.ndarray
    district: np.ndarray
    scanner: np.ndarray  # True / False, or None where the source does not say

    @property
    def ordinary(self) -> np.ndarray:
        """Stations with a protocol that are not remote electronic pseudo-stations."""
        return self.arrays.has_protocol & ~self.arrays.remote


def read_contest(store: Store, election_id: str, contest: str) -> Contest:
    """Read one contest's tables into arrays (the store can be closed afterwards)."""
    stations = store.table("stations", election_id, contest)
    if stations.empty:
        known = ", ".join(store.table("contests", election_id)["contest"])
        raise SmartvoteError(f"{election_id} has no contest {contest!r} (its contests: {known})")
    arrays = station_arrays(
        stations, store.table("votes", election_id, contest), store.table("choices", election_id, contest)
    )
    return labelled_contest(election_id, contest, arrays, stations)


def labelled_contest(
    election_id: str, contest: str, arrays: StationArrays, stations: pd.DataFrame
) -> Contest:
    """A contest's arrays with the labels of its ``stations`` table (same order)."""
    return Contest(
        election_id,
        contest,
        arrays,
        tik=stations["tik"].fillna("(none)").to_numpy(object),
        district=stations["district"]
        .astype(object)
        .where(stations["district"].notna(), None)
        .to_numpy(object),
        scanner=stations[SCANNER].astype(object).where(stations[SCANNER].notna(), None).to_numpy(object),
    )


def kireev_of(c: Contest) -> KireevResult:
    """Kireev's rule over every station with a protocol (remote pseudo-stations included, as in
    the notebook: they sit in commissions of their own or among Moscow's, with large counts)."""
    a, m = c.arrays, c.arrays.has_protocol
    return kireev_test(a.region[m], c.tik[m], a.choice_votes[m], a.valid[m], a.choice_names)


def coincidences_of(c: Contest, *, rounds: bool = True) -> CoincidenceResult:
    """Identical and round-difference protocols among the ordinary stations of each commission."""
    a, m = c.arrays, c.ordinary
    return coincidences(
        a.region[m],
        c.tik[m],
        {
            "registered": a.registered[m],
            "issued": a.issued[m],
            "valid": a.valid[m],
            "leader": a.leader[m],
            "votes": a.choice_votes[m],
        },
        rounds=rounds,
    )


def remote_of(c: Contest) -> RemoteResult:
    """Online vs paper per district (or region), the leader's share of the ballots in the boxes."""
    a, m = c.arrays, c.arrays.has_protocol
    if not a.remote.any():
        raise SmartvoteError(
            f"{c.election_id}, contest {c.contest!r}: no remote electronic pseudo-stations "
            "(for 2024 import the station file together with 2024-electronic-voting.csv)"
        )
    return remote_vs_paper(a.remote[m], a.region[m], c.district[m], a.leader[m], (a.valid + a.invalid)[m])


def scanners_of(c: Contest, *, exclude_special: bool = True) -> ScannerResult:
    """Scanners against hand counts in the regions whose stations say whether they used one."""
    known = np.array([s is not None for s in c.scanner]) & c.ordinary
    if not known.any():
        raise SmartvoteError(
            f"{c.election_id}: no station says whether it counted with a scanner; attach a list "
            "with `smartvote attach-scanners ELECTION FILE --region REGION`"
        )
    a = c.arrays
    return scanner_excess(
        a.region[known],
        c.tik[known],
        c.scanner[known].astype(bool),
        a.registered[known],
        a.issued[known],
        a.leader[known],
        exclude_special=exclude_special,
    )


def attach_scanners(store: Store, election_id: str, path: Path, region: str) -> int:
    """Read a scanner list (a CSV with a ``uik`` column of station numbers) and mark those
    stations of ``region``; refuses a region the election does not have."""
    table = read_table_file(path)
    if "uik" not in table.columns:
        raise InputError(str(path), "no column 'uik' (the station numbers)", row=1)
    numbers = pd.to_numeric(table["uik"], errors="coerce")
    if numbers.isna().any():
        row = int(np.flatnonzero(numbers.isna().to_numpy())[0]) + 2
        raise InputError(str(path), "not a station number", row=row, column="uik")
    regions = set(store.table("stations", election_id)["region"].dropna())
    if region not in regions:
        raise SmartvoteError(f"{election_id} has no region {region!r}")
    return store.set_scanners(election_id, region, [int(n) for n in numbers])


def rank_input(c: Contest, level: str) -> RankInput:
    """The contest's stations labelled by region or by territorial commission."""
    a = c.arrays
    commission = np.array([f"{r} / {t}" for r, t in zip(a.region, c.tik, strict=True)], dtype=object)
    return RankInput(a, a.region.astype(object) if level == "region" else commission, commission)


def synthetic_null(
    stations: int, units: int, level: str, elections: int, seed: int, signals: Sequence[SignalFunction]
) -> np.ndarray:
    """The combined z of clean synthetic elections shaped like the contest (as many stations,
    about as many units), drawn with the default country's other parameters."""
    per_unit = max(stations / max(units, 1), 10.0)
    country = (
        Country(stations_per_region=per_unit)
        if level == "region"
        else Country(stations_per_commission=per_unit)
    )
    inputs = []
    for i in range(elections):
        sim = simulate(stations, election_rng(seed, i), country)
        g = sim.geography
        commission = (g.region.astype(str) + " / " + g.commission.astype(str)).astype(object)
        unit = g.region.astype(str).astype(object) if level == "region" else commission
        inputs.append(RankInput(simulation_arrays(sim), unit, commission))
    return combined_null(inputs, signals)


def rank_of(
    c: Contest, level: str, signals: Sequence[SignalFunction], *, null_elections: int = 5, seed: int = 0
) -> Ranking:
    """The ranking of the contest's units, read against clean synthetic elections like it."""
    r = rank_input(c, level)
    null = synthetic_null(int(c.ordinary.sum()), len(r.units), level, null_elections, seed, signals)
    return rank(r, signals, null)


def practitioners_of(c: Contest, *, null_elections: int = 2, seed: int = 0) -> Practitioners:
    """The report's practitioners' section: Kireev, the ranking (the fast signals, by region,
    or by commission in a single-region contest), online vs paper and scanners where possible."""
    a = c.arrays
    level = "region" if len(set(a.region.tolist())) > 1 else "tik"
    has_scanners = any(s is not None for s in c.scanner[c.ordinary])
    return Practitioners(
        kireev=kireev_of(c),
        ranking=rank_of(c, level, FAST_SIGNALS, null_elections=null_elections, seed=seed),
        remote=remote_of(c) if a.remote[a.has_protocol].any() else None,
        scanners=scanners_of(c) if has_scanners else None,
    )


@dataclass(frozen=True)
class HistoryRow:
    """One election's headline forensic figures (its default contest)."""

    election_id: str
    title: str
    contest: str
    stations: int
    integer_excess: float
    integer_z: float
    anomalous_votes: float
    turnout_pct: float
    leader_pct: float
    clean_turnout_pct: float
    clean_leader_pct: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def history_row(c: Contest, title: str) -> HistoryRow:
    """The integer test and Shpilkin's estimate of one contest, as a row of the history."""
    a = c.arrays  # every station, remote included, as the report's integer test
    test = integer_test(a.registered, a.issued, a.boxes, a.leader).get()
    s = estimate(a)
    return HistoryRow(
        election_id=c.election_id,
        title=title,
        contest=c.contest,
        stations=int(a.has_protocol.sum()),
        integer_excess=test.excess,
        integer_z=test.z,
        anomalous_votes=s.anomalous_votes,
        turnout_pct=s.total.turnout_pct,
        leader_pct=s.total.leader_pct,
        clean_turnout_pct=s.total.clean_turnout_pct,
        clean_leader_pct=s.total.clean_leader_pct,
    )
