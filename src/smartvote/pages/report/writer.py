"""Write a forensic report's files (HTML, JSON, PNG) from its analysis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from smartvote.pages.report.analysis import Analysis, Progress, no_progress
from smartvote.pages.report.document import report_document
from smartvote.pages.report.figures import FIGURES, png
from smartvote.pages.report.html import render_html


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written, and the document it holds."""

    html: Path
    json: Path
    figures: tuple[Path, ...]
    document: dict[str, object]


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
