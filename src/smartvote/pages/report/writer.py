"""Write a forensic report's files (HTML, JSON, PNG) from its analysis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from smartvote.atomic import atomic_files, output_folder
from smartvote.jsonout import dumps
from smartvote.pages.messages import messages
from smartvote.pages.report.analysis import Analysis
from smartvote.pages.report.document import report_document
from smartvote.pages.report.figures import figures_for, png
from smartvote.pages.report.html import render_html
from smartvote.progress import Progress, no_progress


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written, and the document it holds."""

    html: Path
    json: Path
    figures: tuple[Path, ...]
    document: dict[str, object]


def write_report(analysis: Analysis, out: Path, progress: Progress = no_progress) -> ReportFiles:
    """Write ``report.html``, ``report.json`` and one PNG per figure into ``out``, all at once:
    every file is rendered into a staging folder first and renamed into place only when all are
    complete (:func:`smartvote.atomic.atomic_files`), so a failure leaves the old report whole."""
    output_folder(out)
    images: dict[str, bytes] = {}
    figures = figures_for(analysis)
    for done, (name, draw) in enumerate(figures.items()):
        progress("figures", done, len(figures))
        images[name] = png(draw(analysis, messages("en")))  # the report's page is in English
    progress("figures", len(figures), len(figures))
    document = report_document(analysis, {name: f"{name}.png" for name in images})
    html = render_html(document, images)
    with atomic_files(out) as staging:
        for name, data in images.items():
            (staging / f"{name}.png").write_bytes(data)
        (staging / "report.json").write_text(dumps(document, indent=1), encoding="utf-8")
        (staging / "report.html").write_text(html, encoding="utf-8")
    paths = tuple(out / f"{name}.png" for name in images)
    return ReportFiles(out / "report.html", out / "report.json", paths, json.loads(dumps(document)))
