"""``smartvote report``: read a contest from the store, analyse it, write the report's files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smartvote.atomic import atomic_files, output_folder
from smartvote.errors import SmartvoteError
from smartvote.forensics.inputs import StationArrays, station_arrays
from smartvote.forensics.shpilkin import PeakMethod
from smartvote.jsonout import dumps
from smartvote.model import Election
from smartvote.report.analysis import Analysis, Progress, analyse, no_progress
from smartvote.report.document import report_document
from smartvote.report.figures import FIGURES, png
from smartvote.report.html import render_html
from smartvote.store import Store


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written, and the document it holds."""

    html: Path
    json: Path
    figures: tuple[Path, ...]
    document: dict[str, object]


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
    return ContestInputs(store.election(election_id), contest, arrays, groups, group_by)


def analyse_inputs(
    inputs: ContestInputs, *, peak: PeakMethod = "first", seed: int = 0, progress: Progress = no_progress
) -> Analysis:
    """Run the report's methods on inputs read with :func:`read_inputs`."""
    i = inputs
    return analyse(
        i.election, i.contest, i.arrays, i.groups, i.group_by, peak=peak, seed=seed, progress=progress
    )


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


def write_report(analysis: Analysis, out: Path, progress: Progress = no_progress) -> ReportFiles:
    """Write ``report.html``, ``report.json`` and one PNG per figure into ``out``, all at once:
    every file is rendered into a staging folder first and renamed into place only when all are
    complete (:func:`smartvote.atomic.atomic_files`), so a failure leaves the old report whole."""
    output_folder(out)
    images: dict[str, bytes] = {}
    for done, (name, draw) in enumerate(FIGURES.items()):
        progress("figures", done, len(FIGURES))
        images[name] = png(draw(analysis))
    progress("figures", len(FIGURES), len(FIGURES))
    document = report_document(analysis, {name: f"{name}.png" for name in images})
    html = render_html(document, images)
    with atomic_files(out) as staging:
        for name, data in images.items():
            (staging / f"{name}.png").write_bytes(data)
        (staging / "report.json").write_text(dumps(document, indent=1), encoding="utf-8")
        (staging / "report.html").write_text(html, encoding="utf-8")
    paths = tuple(out / f"{name}.png" for name in images)
    return ReportFiles(out / "report.html", out / "report.json", paths, json.loads(dumps(document)))
