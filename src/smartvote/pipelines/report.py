"""The forensic report's analysis of one contest, read from the store."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from smartvote.data.catalogue import notes_for
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.forensics.inputs import station_arrays
from smartvote.forensics.shpilkin import PeakMethod
from smartvote.pages.report.analysis import Analysis, Progress, analyse, no_progress


def group_column(stations: pd.DataFrame) -> str:
    """Regions, or territorial commissions when the contest lies in a single region (a city)."""
    return "region" if stations["region"].nunique() > 1 else "tik"


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
    progress("loading", 0, 1)
    stations = store.table("stations", election_id, contest)
    if stations.empty:
        known = ", ".join(store.table("contests", election_id)["contest"])
        raise SmartvoteError(f"{election_id} has no contest {contest!r} (its contests: {known})")
    arrays = station_arrays(
        stations, store.table("votes", election_id, contest), store.table("choices", election_id, contest)
    )
    progress("loading", 1, 1)
    group_by = group_column(stations)
    groups = stations[group_by].fillna("(none)").to_numpy(object)
    analysis = analyse(
        store.election(election_id),
        contest,
        arrays,
        groups,
        group_by,
        peak=peak,
        seed=seed,
        progress=progress,
    )
    return replace(analysis, notes=notes_for(election_id))
