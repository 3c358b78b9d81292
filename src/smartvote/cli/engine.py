"""Recommendation engine commands: recommend, coordinate, backtest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from smartvote.atomic import check_file_target, write_text
from smartvote.cli import FiniteFloat, console, echo_json, main, reports_errors
from smartvote.data.catalogue import VOTE_DAY
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import read_adjustments, read_polls
from smartvote.data.store import Store
from smartvote.engine.recommend import DEFAULT_Q
from smartvote.errors import SmartvoteError
from smartvote.pages.messages import LANGUAGES
from smartvote.pages.site.build import DEFAULT_LANGUAGE, single_page
from smartvote.pipelines.backtests import (
    BACKTESTS,
    russia_2016_2021,
    spb_2021,
    sv_2021,
)
from smartvote.pipelines.engine import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    EngineRun,
    read_regional_polls,
    run_engine,
    training_cache,
)
from smartvote.pipelines.moscow import moscow_2019, moscow_folder
from smartvote.pipelines.publish import election_site
from smartvote.tactics.adjust import Adjustment, adjustments_of

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _inputs(f: Any) -> Any:
    for option in reversed(
        (
            click.option("--polls", type=_FILE, help="Poll file (CSV, docs/tactics-formats.md)."),
            click.option(
                "--regional-polls", type=_FILE, help="Regional polls: the poll format + a region column."
            ),
            click.option("--adjust", type=_FILE, help="Analyst adjustments (CSV), sourced before the vote."),
            click.option(
                "--draws",
                "n_draws",
                type=click.IntRange(100),
                default=DEFAULT_DRAWS,
                show_default=True,
                help="Monte Carlo draws of the correlated errors.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(min=0),
                default=DEFAULT_SEED,
                show_default=True,
                help="Seed of the draws.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
            click.option(
                "--html",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write the district cards with the method and the coordination curve, as one "
                "page (the published site's, docs/publish.md).",
            ),
            click.option(
                "--lang",
                type=click.Choice(LANGUAGES),
                default=DEFAULT_LANGUAGE,
                show_default=True,
                help="Language of the pages.",
            ),
        )
    ):
        f = option(f)
    return f


def _polls(path: Path | None) -> pd.DataFrame | None:
    return None if path is None else _read_polls(path)


def _read_polls(path: Path) -> pd.DataFrame:
    return read_polls(read_table_file(path), str(path))


def _adjustments(path: Path | None, election_id: str) -> tuple[Adjustment, ...]:
    if path is None:
        return ()
    frame = read_adjustments(read_table_file(path), str(path), VOTE_DAY.get(election_id))
    return adjustments_of(frame)


def _run(
    election_id: str,
    polls: Path | None,
    regional_polls: Path | None,
    adjust: Path | None,
    q: float,
    n_draws: int,
    seed: int,
) -> EngineRun:
    regional = (
        None
        if regional_polls is None
        else read_regional_polls(read_table_file(regional_polls), str(regional_polls))
    )
    with Store.reading() as store:
        adjustments = _adjustments(adjust, election_id)
        label = "adjustments" if adjust is None else str(adjust)
        return run_engine(
            store, election_id, _polls(polls), adjustments, q, n_draws, seed, cache=training_cache(),
            adjustments_file=label, regional_polls=regional,
        )  # fmt: skip


def _check_targets(*paths: Path | None) -> None:
    """Refuse an unwritable page path before the draws run."""
    for path in paths:
        if path is not None:
            check_file_target(path)


def _write_pages(run: EngineRun, lang: str, html: Path | None, voter_page: Path | None = None) -> None:
    """The site's district cards (``--html``) and lookup (``--voter-page``) as single files, with
    the district names and endorsements the store has (``smartvote endorse``), as published."""
    if html is None and voter_page is None:
        return
    with Store.reading() as store:
        site = election_site(store, run, contest=None)
    for path, page in ((html, "districts"), (voter_page, "index")):
        if path is not None:
            write_text(path, single_page(site, page, lang))
            click.echo(f"wrote {path}", err=True)


@main.command("recommend")
@click.argument("election_id")
@click.option("--q", type=FiniteFloat(0, 1), default=DEFAULT_Q, show_default=True, help="Coordination level.")
@_inputs
@click.option(
    "--voter-page",
    "voter_page_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the voters' page: look up a polling station, offline, sending nothing.",
)
@reports_errors
def recommend(
    election_id: str, q: float, polls: Path | None, regional_polls: Path | None, adjust: Path | None,
    n_draws: int, seed: int, as_json: bool, html: Path | None, lang: str, voter_page_path: Path | None,
) -> None:  # fmt: skip
    """The challenger to unite behind in every district, with its probability and flags."""
    _check_targets(html, voter_page_path)
    run = _run(election_id, polls, regional_polls, adjust, q, n_draws, seed)
    _write_pages(run, lang, html, voter_page_path)
    if as_json:
        echo_json(run.to_json() | {"coordination": run.curve.to_json()})
        return
    _print_notes(run)
    table = Table(title=f"{election_id}: picks at q = {q:.0%} ({n_draws:,} draws, seed {seed})")
    for column in ("district", "pick", "party", "P(beats ruling)", "flags"):
        table.add_column(column, no_wrap=column == "district")  # names differ only at the end
    for d in run.recommendation.districts:
        table.add_row(d.district, d.name, d.party, _percent(d.probability), ", ".join(d.flags))
    console.print(table)


def _print_notes(run: EngineRun) -> None:
    for note in run.forecast.notes:
        console.print(f"[yellow]{note}[/yellow]")


@main.command("coordinate")
@click.argument("election_id")
@click.option("--q", type=FiniteFloat(0, 1), default=DEFAULT_Q, show_default=True, help="q of the picks.")
@_inputs
@reports_errors
def coordinate(
    election_id: str, q: float, polls: Path | None, regional_polls: Path | None, adjust: Path | None,
    n_draws: int, seed: int, as_json: bool, html: Path | None, lang: str,
) -> None:  # fmt: skip
    """Seats flipped against coordination q, with 90% intervals (Monte Carlo, seeded)."""
    _check_targets(html)
    run = _run(election_id, polls, regional_polls, adjust, q, n_draws, seed)
    _write_pages(run, lang, html)
    curve = run.curve
    if as_json:
        echo_json(
            {"election": election_id, "notes": list(run.forecast.notes), "seed": seed} | curve.to_json()
        )
        return
    _print_notes(run)
    table = Table(title=f"{election_id}: seats flipped (ruling seats at q = 0: {curve.ruling_seats:.1f})")
    for column in ("q", "mean", "median", "90% interval"):
        table.add_column(column, justify="right")
    for k in range(0, 101, 10):
        table.add_row(
            f"{k}%",
            f"{curve.mean[k]:.1f}",
            f"{curve.median[k]:.0f}",
            f"{curve.low[k]:.0f}–{curve.high[k]:.0f}",
        )
    console.print(table)


def _required_polls(polls: Path | None, name: str) -> Path:
    """The backtests' pre-vote poll: only the user has it, so there is no default."""
    if polls is None:
        raise SmartvoteError(
            f"backtest {name} needs the pre-vote poll: pass --polls FILE, a CSV of a national poll "
            "published before the vote (format: docs/tactics-formats.md, 'Polls'; for 2021, e.g. the "
            "VTsIOM poll of likely voters reported by RFE/RL in September 2021)"
        )
    return polls


@main.command("backtest")
@click.argument("name", type=click.Choice(BACKTESTS))
@click.option(
    "--moscow",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="moscow-2019: a district-results folder (default: the pinned public sources, downloaded, "
    "verified and converted).",
)
@click.option(
    "--ruling-marks", type=_FILE, help="moscow-2019: analyst ruling-side marks (CSV with a source column)."
)
@click.option(
    "--polls",
    type=_FILE,
    help="The pre-vote poll (CSV, docs/tactics-formats.md); required by every backtest but moscow-2019.",
)
@click.option(
    "--adjust", type=_FILE, help="spb-2021: analyst adjustments with sources published before the vote."
)
@click.option(
    "--draws",
    "n_draws",
    type=click.IntRange(100),
    default=4000,
    show_default=True,
    help="Monte Carlo draws of the correlated errors.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True, help="Seed of the draws."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@reports_errors
def backtest(
    name: str, moscow: Path | None, ruling_marks: Path | None, polls: Path | None, adjust: Path | None,
    n_draws: int, seed: int, as_json: bool,
) -> None:  # fmt: skip
    """Score the engine on a past election: russia-2016-2021, spb-2021, sv-2021 or moscow-2019."""
    if name == "moscow-2019":
        with Store() as store:
            run = moscow_2019(store, moscow_folder(moscow), n_draws, seed, ruling_marks)
        payload = run.to_json()
        if as_json:
            echo_json(payload)
        else:
            print_moscow(payload)
        return
    poll_table = _read_polls(_required_polls(polls, name))
    with Store.reading() as store:
        if name == "russia-2016-2021":
            payload = russia_2016_2021(store, poll_table, n_draws, seed, training_cache()).to_json()
        elif name == "spb-2021":
            payload = spb_2021(
                store, poll_table, _adjustments(adjust, name), n_draws, seed, training_cache()
            ).to_json()
        else:
            payload = sv_2021(store, poll_table, seed, training_cache()).to_json()
    if as_json:
        echo_json(payload)
    else:
        _print_backtest(name, payload)


def _percent(p: float | None) -> str:
    return "—" if p is None else f"{p:.0%}"


def print_moscow(payload: dict[str, Any]) -> None:
    """The Moscow backtest's table, bootstrap, coordination and disagreements."""
    table = Table(title="moscow-2019: the strongest non-ruling candidate of 45 districts")
    for column in ("forecast", "hits", "Brier", "log score", "probabilities"):
        table.add_column(column)
    rows = {"engine": payload["engine"]} | payload["baselines"] | payload["sensitivity"]
    for label, r in rows.items():
        table.add_row(label, str(r["hits"]), f"{r['brier']:.3f}", f"{r['log_score']:.3f}", r["probabilities"])
    campaign = payload["campaign_reference"]
    table.add_row("the campaign's picks (reference)", str(campaign["hits"]), "", "", "")
    console.print(table)
    for b in payload["paired_bootstrap"]:
        console.print(
            f"engine minus ({b['baseline']}): {b['difference']:+d} districts, 95% interval "
            f"{b['interval95'][0]:+.0f} to {b['interval95'][1]:+.0f}"
        )
    for key in ("coordination", "ruling_side", "people"):
        console.print(f"[bold]{key}[/bold]: {payload[key]}")
    differ = Table(title="districts where the model and the campaign differ")
    for column in ("district", "model", "P", "campaign", "strongest", "votes (model, campaign)", "why"):
        differ.add_column(column)
    for r in payload["model_vs_campaign"]:
        differ.add_row(
            r["district"], r["model"], _percent(r["model_probability"]), r["campaign"],
            r["strongest_non_ruling"], f"{r['votes_model']:,}, {r['votes_campaign']:,}", r["why"],
        )  # fmt: skip
    console.print(differ)


def _print_backtest(name: str, payload: dict[str, Any]) -> None:
    skip = {"rows", "reliability", "by_region", "disagreements"}
    for key, value in payload.items():
        if key not in skip:
            console.print(f"[bold]{key}[/bold]: {value}")
    if name == "spb-2021":
        table = Table(title="disagreements (last variant)")
        for column in ("district", "pick", "P", "pick votes", "strongest", "votes", "endorsed"):
            table.add_column(column)
        for r in payload["disagreements"]:
            table.add_row(
                r["contest"], r["pick"], _percent(r["pick_probability"]), f"{r['pick_votes']:,}",
                r["strongest"], f"{r['strongest_votes']:,}", r["endorsed"] or "—",
            )  # fmt: skip
        console.print(table)
    elif name == "sv-2021":
        console.print(f"[bold]disagreements[/bold]: {payload['disagreements']}")
        for region, counts in payload["by_region"].items():
            console.print(f"  {region}: {counts['agree']}/{counts['districts']}")
    else:
        for row in payload["reliability"]:
            console.print(f"  {row}")
