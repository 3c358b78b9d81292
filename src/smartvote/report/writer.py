"""``smartvote report``: read a contest from the store, analyse it, write the report's files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smartvote.errors import SmartvoteError
from smartvote.forensics.inputs import station_arrays
from smartvote.forensics.shpilkin import PeakMethod
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
    return analyse(
        store.election(election_id),
        contest,
        arrays,
        groups,
        group_by,
        peak=peak,
        seed=seed,
        progress=progress,
    )


def write_report(analysis: Analysis, out: Path, progress: Progress = no_progress) -> ReportFiles:
    """Write ``report.html``, ``report.json`` and one PNG per figure into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    for done, (name, draw) in enumerate(FIGURES.items()):
        progress("figures", done, len(FIGURES))
        images[name] = png(draw(analysis))
    progress("figures", len(FIGURES), len(FIGURES))
    paths = tuple(out / f"{name}.png" for name in images)
    for path, data in zip(paths, images.values(), strict=True):
        path.write_bytes(data)
    document = report_document(analysis, {name: f"{name}.png" for name in images})
    json_path = out / "report.json"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(render_html(document, images), encoding="utf-8")
    return ReportFiles(html_path, json_path, paths, document)
