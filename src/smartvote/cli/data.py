"""Data commands: import, fetch, list, summary, export."""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from smartvote import settings
from smartvote.atomic import atomic_files, output_folder
from smartvote.cli import console, echo_json, main, progress_console, reports_errors
from smartvote.data.catalogue import CATALOGUE, dataset, notes_for
from smartvote.data.download import fetch_all
from smartvote.data.importers.tidy import write_tidy
from smartvote.data.loader import is_supplement, read_paths
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.model import ElectionTables, join_elections, reconcile
from smartvote.summary import GROUPINGS, Summary, summarize


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "election_id", help="Election id (required for files not in the catalogue).")
@click.option("--ruling", help="Substring naming the ruling choice (case-insensitive).")
@click.option(
    "--ignore-column",
    "ignore_columns",
    multiple=True,
    help="A protocol-like column no rule maps and no method needs (repeatable).",
)
@reports_errors
def import_(
    paths: tuple[Path, ...], election_id: str | None, ruling: str | None, ignore_columns: tuple[str, ...]
) -> None:
    """Import dataset files, the spb-2021 folder or generic-format folders; print the id(s).

    Files of one election are joined (``import 2024.csv.zip 2024-electronic-voting.csv``); a
    supplement given alone is added to its election already in the store.
    """
    elections = read_paths(list(paths), election_id, ruling, frozenset(ignore_columns))
    supplements_only = all(is_supplement(p) for p in paths)
    with Store() as store:
        for tables in elections:
            if supplements_only:
                tables = add_supplement(store, tables, paths)
            warn_reconciliation(tables)
            store.add_election(tables)
            click.echo(tables.election.election_id)


def warn_reconciliation(tables: ElectionTables) -> None:
    """One stderr line per control relation that fails at an unusual share of the stations."""
    for warning in reconcile(tables).warnings():
        click.echo(f"warning: {warning}", err=True)


def add_supplement(store: Store, tables: ElectionTables, paths: tuple[Path, ...]) -> ElectionTables:
    """A supplement joined to its election in the store (refused when that is not there)."""
    election_id = tables.election.election_id
    if election_id not in set(store.elections["election_id"]):
        names = " ".join(p.name for p in paths)
        raise SmartvoteError(
            f"{names} completes {election_id}, which is not in the store: import its station file "
            f"first, or both in one command (smartvote import {dataset(election_id).file_name} {names})"
        )
    return join_elections(store.load(election_id), tables, " ".join(map(str, paths)))


@main.command("fetch")
@click.argument("election_id")
@click.option(
    "--mirror",
    help="Base URL or folder holding the dataset's files, instead of the pinned GitHub source "
    "(default: SMARTVOTE_MIRROR).",
)
@reports_errors
def fetch(election_id: str, mirror: str | None) -> None:
    """Download (or take from the cache), verify and import a catalogue election."""
    entry = dataset(election_id)
    columns = [
        *Progress.get_default_columns()[:2],
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    ]
    with Progress(*columns, console=progress_console(), transient=True) as bar:
        task = bar.add_task(f"fetching {entry.file_name}", total=None)
        paths = fetch_all(
            entry,
            settings.cache(),
            mirror or settings.mirror(),
            lambda step, done, total: bar.update(task, completed=done, total=total),
        )
    (tables,) = read_paths(paths)
    warn_reconciliation(tables)
    with Store() as store:
        store.add_election(tables)
    click.echo(tables.election.election_id)


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--catalogue", is_flag=True, help="List the elections `fetch` knows instead.")
@reports_errors
def list_(as_json: bool, catalogue: bool) -> None:
    """List imported elections (or the catalogue)."""
    if catalogue:
        rows: list[dict[str, object]] = [
            {"election_id": d.election_id, "title": d.spec.title, "url": d.url, "sha256": d.sha256}
            for d in CATALOGUE.values()
        ]
    else:
        with Store.reading() as store:
            frame = store.elections
        frame["imported_at"] = frame["imported_at"].astype(str).str[:19]
        rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
        if not as_json:
            rows = [{k: r[k] for k in ("election_id", "title", "contests", "stations")} for r in rows]
    if as_json:
        echo_json(rows)
        return
    table = Table(*(rows[0].keys() if rows else ["election_id"]))
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@main.command("summary")
@click.argument("election_id")
@click.option("--contest", help="Contest name (default: the party list, or the only contest).")
@click.option(
    "--by", type=click.Choice(list(GROUPINGS)), help="One row per region, district, or scanner / hand count."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@reports_errors
def summary(election_id: str, contest: str | None, by: str | None, as_json: bool) -> None:
    """Official totals of one contest: stations, registered, turnout, shares, flags."""
    with Store.reading() as store:
        contest = choose_contest(store, election_id, contest)
        stations = store.table("stations", election_id, contest)
        if by is not None and stations[GROUPINGS[by]].isna().all():
            what = "way of counting (scanner or hand)" if by == "scanner" else by
            raise SmartvoteError(f"{election_id}: its data gives no {what} for the stations of {contest}")
        result = summarize(
            election_id,
            contest,
            stations,
            store.table("votes", election_id, contest),
            store.table("choices", election_id, contest),
            by,
            notes_for(election_id),
        )
    if as_json:
        echo_json(result.to_json())
    else:
        print_summary(result)


@main.command("export")
@click.argument("election_id")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    help="File format of the tables.",
)
@reports_errors
def export(election_id: str, folder: Path, fmt: str) -> None:
    """Write an election in the generic tidy format (docs/data-formats.md)."""
    output_folder(folder)
    with Store.reading() as store:
        tables = store.load(election_id)
    with atomic_files(folder) as staging:
        names = [path.name for path in write_tidy(tables, staging, fmt)]
    for name in names:
        click.echo(folder / name)


def choose_contest(store: Store, election_id: str, contest: str | None) -> str:
    """``contest`` if the election has it; by default the party-list (or the only) contest."""
    contests = store.table("contests", election_id)
    if contest is not None:
        if contest not in set(contests["contest"]):
            names = ", ".join(contests["contest"])
            raise SmartvoteError(f"{election_id} has no contest {contest!r} (its contests: {names})")
        return contest
    lists = contests[contests["kind"] == "party_list"]
    pick = lists if len(lists) else contests
    if len(pick) != 1:
        names = ", ".join(contests["contest"])
        raise SmartvoteError(f"{election_id} has several contests; choose one with --contest ({names})")
    return str(pick["contest"].iloc[0])


def short_name(name: str) -> str:
    """A choice's name without the legal form ("Политическая партия", quotes): for tables."""
    short = re.sub(r"^(всероссийская\s+)?(политическая\s+)?партия\s+", "", name, flags=re.I)
    return short.replace('"', "").strip() or name


def _pct_text(pct: float | None) -> str:
    return "not reported" if pct is None else f"{pct:.2f}%"


def print_summary(result: Summary) -> None:
    t = result.totals
    issued = (
        "ballots issued not reported" if t.ballots_issued is None else f"{t.ballots_issued:,} ballots issued"
    )
    console.print(
        f"[bold]{result.election}[/bold] — {result.contest}: {t.stations:,} stations, "
        f"{t.registered:,} registered, {issued}, turnout {_pct_text(t.turnout_pct)}"
    )
    flags = ", ".join(f"{k} {v:,}" for k, v in result.flagged.items())
    console.print(f"flagged stations: {flags}")
    for ratio, n in t.left_out.items():
        console.print(f"{ratio}: {n:,} stations left out (a count it needs is blank)")
    for note in result.notes:
        console.print(f"note: {note}")
    if not result.groups:
        table = Table("choice", "share %")
        for name, pct in t.shares_pct.items():
            table.add_row(name, f"{pct:.2f}")
        console.print(table)
        return
    top = list(t.shares_pct)[:4]
    table = Table(str(result.group_by), "stations", "registered", "turnout %", *map(short_name, top))
    for row in result.groups:
        shares = [f"{row.shares_pct.get(name, 0.0):.2f}" for name in top]
        turnout = "n/r" if row.turnout_pct is None else f"{row.turnout_pct:.2f}"
        table.add_row(row.label, f"{row.stations:,}", f"{row.registered:,}", turnout, *shares)
    console.print(table)
