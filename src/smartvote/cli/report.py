"""The ``report`` command: the forensic report of one contest (HTML, JSON and PNG figures)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from smartvote.atomic import output_folder
from smartvote.cli import console, main, progress_console, reports_errors
from smartvote.cli.data import choose_contest
from smartvote.data.store import Store
from smartvote.forensics.shpilkin import PEAK_METHODS, PeakMethod
from smartvote.pages.report import ReportFiles, write_report
from smartvote.pages.report.formatting import millions, num, p_text, pct, signed
from smartvote.pipelines.report import analyse_inputs, read_inputs


@main.command("report")
@click.argument("election_id")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for report.html, report.json and the PNG figures (created if missing).",
)
@click.option("--contest", help="Contest name (default: the party list, or the only contest).")
@click.option(
    "--peak",
    type=click.Choice(PEAK_METHODS),
    default="first",
    show_default=True,
    help="Shpilkin's reference peak: first half-height peak, global maximum, or MCD clean core.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the histograms' jitter and the MCD.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Leave out the practitioners' tests (Kireev, ranking, online vs paper, scanners).",
)
@reports_errors
def report(election_id: str, out: Path, contest: str | None, peak: str, seed: int, quick: bool) -> None:
    """Write the forensic report of one contest: official vs clean figures, integer test, figures."""
    output_folder(out)  # a bad --out fails before minutes of work
    with _progress_bars() as bars:
        with Store.reading() as store:  # read, close, then compute: other commands may open it
            inputs = read_inputs(store, election_id, choose_contest(store, election_id, contest), bars)
        analysis = analyse_inputs(
            inputs, peak=cast(PeakMethod, peak), seed=seed, progress=bars, practitioners=not quick
        )
        files = write_report(analysis, out, progress=bars)
    print_headline(files)


class _progress_bars:
    """A rich progress display with one bar per step, fed by the ``progress(step, done, total)`` callback."""

    def __init__(self) -> None:
        columns = [
            *Progress.get_default_columns()[:1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        self.display = Progress(*columns, console=progress_console(), transient=True)
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _progress_bars:
        self.display.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.display.stop()

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.display.add_task(step, total=total)
        self.display.update(self.tasks[step], completed=done, total=total)


def print_headline(files: ReportFiles) -> None:
    doc = files.document
    official, clean, integer = doc["official"], doc["shpilkin"], doc["integer"]
    assert isinstance(official, dict) and isinstance(clean, dict) and isinstance(integer, dict)
    console.print(f"[bold]{files.html}[/bold] (data: {files.json})")
    console.print(
        f"turnout {pct(official['turnout_pct'])} -> {pct(clean['clean_turnout_pct'])} clean; "
        f"leader {pct(official['leader_pct'])} -> {pct(clean['clean_leader_pct'])} clean; "
        f"{millions(clean['anomalous_votes'])} anomalous votes; "
        f"integer excess {signed(integer['excess'])} stations (z = {num(integer['z'], 1)}, "
        f"p = {p_text(integer['log10_p_value'])})",
        highlight=False,
    )
