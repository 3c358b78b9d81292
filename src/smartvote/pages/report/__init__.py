"""Reports: the forensic analysis of one contest as a self-contained HTML page, JSON and PNG figures.

:mod:`~smartvote.pages.report.analysis` runs the methods (pure), ``figures`` draws, ``document``
builds ``report.json`` (schema in docs/report.md), ``html`` renders the page and ``writer``
writes the files; :func:`smartvote.pipelines.report.load_analysis` reads the contest from the store.
"""

from smartvote.pages.report.writer import ReportFiles, write_report

__all__ = ["ReportFiles", "write_report"]
