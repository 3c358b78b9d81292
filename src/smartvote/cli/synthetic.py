"""Synthetic-election commands: ``simulate-election`` and ``validate`` (sharing the fraud options)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import click
from rich.progress import MofNCompleteColumn, Progress

from smartvote.atomic import atomic_file, check_file_target
from smartvote.cli import FiniteFloat, main, progress_console, reports_errors
from smartvote.data.store import Store
from smartvote.forensics.klimek import ToolkitGrid
from smartvote.forensics.validation import validate_integer, validate_shpilkin
from smartvote.forensics.validation_fingerprint import MODES, validate_digits, validate_klimek
from smartvote.synthetic import Country, Fraud, simulate_election
from smartvote.synthetic.tables import describe_fraud

DEFAULT_STATIONS = 96_000
#: The most stations one synthetic election may have: five times Russia's ~96,000, so that a
#: typo (``--stations 1000000000``) is refused at once instead of exhausting memory.
MAX_STATIONS = 500_000


def fraud_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One ``--option`` per field of :class:`Fraud` (``--stuffing``, ``--klimek-alpha``...),
    passed on to ``command`` as ``fraud=Fraud(...)``: the dataclass is the one declaration."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        picked = {f.name: kwargs.pop(f.name) for f in fields(Fraud)}
        try:
            fraud = Fraud(**picked)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        return command(fraud=fraud, **kwargs)

    for f in reversed(fields(Fraud)):
        option = click.option(
            "--" + f.name.replace("_", "-"),
            f.name,
            type=FiniteFloat() if isinstance(f.default, float) else type(f.default),
            default=f.default,
            show_default=True,
            help=f.metadata["help"],
        )
        wrapper = option(wrapper)
    return wrapper


def country_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--correlation``, ``--no-correlation`` and ``--no-region-effects``, passed on to
    ``command`` as ``country=Country(...)``."""

    @functools.wraps(command)
    def wrapper(
        correlation: float | None, no_correlation: bool, no_region_effects: bool, **kwargs: Any
    ) -> Any:
        country = Country()
        if no_correlation:
            correlation = 0.0
        if correlation is not None:
            try:
                country = country.with_correlation(correlation)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from exc
        if no_region_effects:
            country = country.without_region_effects()
        return command(country=country, **kwargs)

    options = (
        click.option(
            "--correlation",
            type=FiniteFloat(),
            help="Correlation between turnout and the leader's share at every level "
            "(default: the 2021 measurements per level).",
        ),
        click.option(
            "--no-correlation",
            is_flag=True,
            help="No correlation between turnout and share (Shpilkin's estimate is unbiased).",
        ),
        click.option(
            "--no-region-effects", is_flag=True, help="Identical regions: commission and station spread only."
        ),
    )
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


#: ``--stations`` of both commands: the ordinary stations of a (each) synthetic election.
stations_option = click.option(
    "--stations",
    type=click.IntRange(min=1, max=MAX_STATIONS),
    default=DEFAULT_STATIONS,
    show_default=True,
    help=f"Ordinary stations per election (at most {MAX_STATIONS:,}).",
)


@main.command("simulate-election")
@stations_option
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed (same seed, same election).",
)
@click.option("--as", "election_id", required=True, help="Election id to import the election as.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the ground truth here (Parquet, one row per station).",
)
@country_options
@fraud_options
@reports_errors
def simulate_election_(
    stations: int, seed: int, election_id: str, truth: Path | None, country: Country, fraud: Fraud
) -> None:
    """Generate a synthetic election with known fraud and import it into the store."""
    if truth is not None:
        check_file_target(truth)  # before the import, so that both land or neither
    try:
        tables, ground_truth = simulate_election(stations, seed, election_id, country, fraud)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with contextlib.ExitStack() as stack:
        if truth is not None:  # the truth is written first, renamed into place after the import
            ground_truth.to_parquet(stack.enter_context(atomic_file(truth)), index=False)
        with Store() as store:
            store.add_election(tables)
    click.echo(election_id)


@main.command("validate")
@click.argument("method", type=click.Choice(["integer", "shpilkin", "klimek", "digits"]))
@click.option(
    "--elections",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Synthetic elections to run.",
)
@stations_option
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Election i is seeded [seed, i]."
)
@click.option("--alpha", type=FiniteFloat(0, 1), default=0.05, show_default=True, help="integer: test level.")
@click.option(
    "--stuffing-to",
    type=FiniteFloat(0),
    help="shpilkin: stuffing rises evenly from --stuffing to this over the elections.",
)
@click.option(
    "--tolerance", type=FiniteFloat(0), default=0.1, show_default=True, help="shpilkin: relative error."
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="model",
    show_default=True,
    help="klimek: elections drawn from the model itself, the generator's country with its Klimek "
    "fraud (width, fractions and alpha drawn per election), or the generator's clean elections.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="klimek: bootstrap replicates of fit (b); digits: Poisson bootstrap replicates.",
)
@click.option("--toolkit", is_flag=True, help="klimek: also run estimator (a), Klimek's grid (slow).")
@country_options
@fraud_options
@reports_errors
def validate(
    method: str,
    elections: int,
    stations: int,
    seed: int,
    alpha: float,
    stuffing_to: float | None,
    tolerance: float,
    mode: str,
    bootstrap: int,
    toolkit: bool,
    country: Country,
    fraud: Fraud,
) -> None:
    """Run a method over many seeded synthetic elections: false-positive rate or power (with
    Wilson intervals) of the integer test, estimation error of Shpilkin's anomalous votes,
    coverage of the Klimek fits' intervals (klimek: the fraud options are not used, each
    election draws its own), false-positive rate and power of the digit tests (digits: against
    the frauds listed in docs/validation.md)."""
    columns = [*Progress.get_default_columns(), MofNCompleteColumn()]
    with Progress(*columns, console=progress_console(), transient=True) as bar:
        task = bar.add_task(f"validating {method}", total=elections)

        def advance(step: str, done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        try:
            if method == "integer":
                result: object = validate_integer(
                    elections, stations, seed, country, fraud, alpha=alpha, progress=advance
                )
            elif method == "klimek":
                grid = ToolkitGrid() if toolkit else None
                result = validate_klimek(
                    elections,
                    stations,
                    seed,
                    mode,
                    bootstrap,
                    grid,
                    country,
                    progress=advance,
                )
            elif method == "digits":
                result = validate_digits(elections, stations, seed, bootstrap, country, progress=advance)
            else:
                result = validate_shpilkin(
                    elections, stations, seed, country, fraud, stuffing_to, tolerance, progress=advance
                )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    drawn = "drawn per election (docs/validation.md)"
    click.echo(f"seed {seed}, fraud: {drawn if method == 'klimek' else describe_fraud(fraud)}")
    click.echo(str(result))
