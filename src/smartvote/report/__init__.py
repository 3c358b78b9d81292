"""Reports: the forensic analysis of one contest as a self-contained HTML page, JSON and PNG figures.

:mod:`~smartvote.report.analysis` runs the methods (pure), :mod:`~smartvote.report.figures`
draws, :mod:`~smartvote.report.document` builds ``report.json`` (schema in docs/report.md),
:mod:`~smartvote.report.html` renders the page and :mod:`~smartvote.report.writer` ties them to
the store and the file system.
"""

from smartvote.report.writer import (
    ContestInputs,
    ReportFiles,
    analyse_inputs,
    load_analysis,
    read_inputs,
    write_report,
)

__all__ = ["ContestInputs", "ReportFiles", "analyse_inputs", "load_analysis", "read_inputs", "write_report"]
