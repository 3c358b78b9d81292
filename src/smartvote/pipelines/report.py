"""The forensic report's inputs of one contest, read from the store, and their analysis.

The store is read first and closed (:func:`read_inputs`), so that other commands can use it
while the methods run (:func:`analyse_inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from smartvote.data.catalogue import notes_for
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.shpilkin import PeakMethod
from smartvote.model import Election
from smartvote.pages.report.analysis import Analysis, analyse
from smartvote.pipelines.forensics import Contest, labelled_contest, practitioners_of
from smartvote.progress import Progress, no_progress


def group_column(stations: pd.DataFrame) -> str:
    """Regions, or territorial commissions when the contest lies in a single region (a city)."""
    return "region" if stations["region"].nunique() > 1 else "tik"


@dataclass(frozen=True)
class ContestInputs:
    """What the report reads from the store: read first, so that the store is closed (and free
    for other commands) while the methods run."""

    election: Election
    contest: str
    arrays: StationArrays
    groups: np.ndarray
    group_by: str
    notes: tuple[str, ...]  # what the source lacks (the catalogue's notes)
    labelled: Contest | None = None  # the arrays with commissions and districts, for the practitioners' tests


def read_inputs(
    store: Store, election_id: str, contest: str, progress: Progress = no_progress
) -> ContestInputs:
    """Read one contest of an imported election: station arrays and their region labels."""
    progress("loading", 0, 1)
    stations = store.table("stations", election_id, contest)
    if stations.empty:
        known = ", ".join(store.table("contests", election_id)["contest"])
        raise SmartvoteError(f"{election_id} has no contest {contest!r} (its contests: {known})")
    if stations["ballots_issued"].isna().all():
        raise SmartvoteError(
            f"{election_id}, contest {contest!r}: ballots issued not reported at any station, so turnout "
            "is not reported and the report's methods (turnout peaks, integer turnouts) cannot run"
        )
    arrays = station_arrays(
        stations, store.table("votes", election_id, contest), store.table("choices", election_id, contest)
    )
    progress("loading", 1, 1)
    group_by = group_column(stations)
    groups = stations[group_by].fillna("(none)").to_numpy(object)
    notes = notes_for(election_id)
    labelled = labelled_contest(election_id, contest, arrays, stations)
    return ContestInputs(store.election(election_id), contest, arrays, groups, group_by, notes, labelled)


def analyse_inputs(
    inputs: ContestInputs,
    *,
    peak: PeakMethod = "first",
    seed: int = 0,
    progress: Progress = no_progress,
    practitioners: bool = False,
) -> Analysis:
    """Run the report's methods on inputs read with :func:`read_inputs`; ``practitioners`` adds
    Kireev's test, the ranking, online vs paper and scanners (:func:`practitioners_of`)."""
    i = inputs
    analysis = analyse(
        i.election, i.contest, i.arrays, i.groups, i.group_by, peak=peak, seed=seed, progress=progress
    )
    extra = None
    if practitioners and i.labelled is not None:
        progress("practitioners' tests", 0, 1)
        extra = practitioners_of(i.labelled, seed=seed)
        progress("practitioners' tests", 1, 1)
    return replace(analysis, notes=i.notes, practitioners=extra)


def load_analysis(
    store: Store,
    election_id: str,
    contest: str,
    *,
    peak: PeakMethod = "first",
    seed: int = 0,
    progress: Progress = no_progress,
) -> Analysis:
    """Read one contest of an imported election and run the report's methods on it."""
    inputs = read_inputs(store, election_id, contest, progress)
    return analyse_inputs(inputs, peak=peak, seed=seed, progress=progress)
