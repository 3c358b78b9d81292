"""The practitioners' tests read from the store: Kireev, coincidences, online vs paper,
scanners, and the attachment of a scanner list.

Each reader takes the store, reads one contest's tables and hands the arrays to a pure core
in :mod:`smartvote.forensics`; the store is not needed once :func:`read_contest` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smartvote.data.store import Store
from smartvote.data.importers.tabular import read_table_file
from smartvote.errors import InputError, SmartvoteError
from smartvote.forensics.coincidence import CoincidenceResult, coincidences
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.kireev import KireevResult, kireev_test
from smartvote.forensics.remote import RemoteResult, remote_vs_paper
from smartvote.forensics.scanners import ScannerResult, scanner_excess
from smartvote.model import SCANNER


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
    return Contest(
        election_id,
        contest,
        arrays,
        tik=stations["tik"].fillna("(none)").to_numpy(object),
        district=stations["district"].astype(object).where(stations["district"].notna(), None).to_numpy(object),
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
