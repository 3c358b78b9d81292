"""Smart Voting commands: endorse, gap, effect, polls, check-input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from smartvote.atomic import check_file_target, write_text
from smartvote.cli import console, echo_json, main, reports_errors
from smartvote.data.importers.tabular import read_table_file
from smartvote.data.inputs import (
    DEFAULT_EFFECTIVE_N,
    read_adjustments,
    read_contest,
    read_endorsements,
    read_polls,
)
from smartvote.data.store import Store
from smartvote.pipelines.tactics import attach_endorsements, effect_inputs, gap_districts
from smartvote.tactics.adjust import Adjustment, adjustments_of, apply_adjustments
from smartvote.tactics.effect import EffectResult, NoContrastError, endorsement_effect
from smartvote.tactics.endorsements import endorsement_level
from smartvote.tactics.gap import GapResult, coordination_gap
from smartvote.tactics.parties import party_mapping
from smartvote.tactics.polls import PollSummary, summarize_polls

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_HTML = click.option(
    "--html", type=click.Path(dir_okay=False, path_type=Path), help="Also write a self-contained HTML page."
)


@main.command("endorse")
@click.argument("election_id")
@click.argument("file", type=_FILE)
@reports_errors
def endorse(election_id: str, file: Path) -> None:
    """Attach a Smart Voting endorsement list (CSV: district, district_name, candidate, party)."""
    with Store() as store:
        resolved = attach_endorsements(store, election_id, file)
        level = endorsement_level(store.table("contests", election_id))
    parties = party_mapping().parties
    counts = resolved["party_id"].map(lambda p: parties[p].short).value_counts()
    summary = ", ".join(f"{name} {n}" for name, n in counts.items())
    click.echo(f"{len(resolved)} endorsements attached to {election_id} ({level} level): {summary}")


@main.command("gap")
@click.argument("election_id")
@click.option("--adjust", type=_FILE, help="Analyst adjustments (CSV) applied to the votes.")
@click.option("--vote-date", type=click.DateTime(["%Y-%m-%d"]), help="Day of the vote (with --adjust).")
@_JSON
@_HTML
@reports_errors
def gap(election_id: str, adjust: Path | None, vote_date: Any, as_json: bool, html: Path | None) -> None:
    """The coordination gap of every single-member district: margin, q*, flippable at q."""
    if html is not None:
        check_file_target(html)
    with Store.reading() as store:
        found = gap_districts(store, election_id)
    districts, adjustments = found.districts, tuple[Adjustment, ...]()
    if adjust is not None:
        if vote_date is None:
            raise click.UsageError("--adjust needs --vote-date (sources must predate the vote)")
        frame = read_adjustments(read_table_file(adjust), str(adjust), vote_date.date())
        adjustments = adjustments_of(frame)
        districts = apply_adjustments(districts, adjustments, str(adjust))
    result = coordination_gap(election_id, districts, found.proxy, adjustments)
    if html is not None:
        _write_html(html, "gap_page", result, _own_effect(election_id, found.proxy))
    if as_json:
        echo_json(result.to_json())
    else:
        print_gap(result)


@main.command("effect")
@click.argument("election_ids", nargs=-1, required=True)
@click.option(
    "--boot", type=click.IntRange(min=100), default=2000, show_default=True, help="Bootstrap draws."
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=2021, show_default=True, help="Seed of the bootstrap."
)
@_JSON
@_HTML
@reports_errors
def effect(election_ids: tuple[str, ...], boot: int, seed: int, as_json: bool, html: Path | None) -> None:
    """The endorsement effect (split-ticket), pooled over elections with candidate results."""
    if html is not None:
        check_file_target(html)
    with Store.reading() as store:
        units, excluded, districts = effect_inputs(store, list(election_ids))
    result = endorsement_effect(units, excluded, districts, boot, seed)
    if html is not None:
        _write_html(html, "effect_page", result)
    if as_json:
        echo_json(result.to_json())
    else:
        print_effect(result)


@main.command("polls")
@click.argument("file", type=_FILE)
@click.option(
    "--effective-n",
    type=click.IntRange(min=1),
    default=DEFAULT_EFFECTIVE_N,
    show_default=True,
    help="Sample size assumed for polls that report none.",
)
@_JSON
@reports_errors
def polls(file: Path, effective_n: int, as_json: bool) -> None:
    """Poll shares with 95% margins, and their sensitivity to an assumed sample size."""
    summaries = summarize_polls(read_polls(read_table_file(file), str(file)), effective_n)
    if as_json:
        echo_json([s.to_json() for s in summaries])
        return
    for s in summaries:
        print_poll(s)


_READERS: dict[str, Callable[[pd.DataFrame, str], pd.DataFrame]] = {
    "contest": read_contest,
    "endorsements": read_endorsements,
    "polls": read_polls,
    "adjustments": read_adjustments,
}


@main.command("check-input")
@click.argument("kind", type=click.Choice(list(_READERS)))
@click.argument("file", type=_FILE)
@reports_errors
def check_input(kind: str, file: Path) -> None:
    """Check a Smart Voting input file against its format (docs/tactics-formats.md)."""
    frame = _READERS[kind](read_table_file(file), str(file))
    click.echo(f"{file}: {len(frame)} valid {kind} rows")


def _own_effect(election_id: str, proxy: bool) -> EffectResult | None:
    """The endorsement effect of one election, for its page (None for a party-list proxy)."""
    if proxy:
        return None
    with Store.reading() as store:
        units, excluded, districts = effect_inputs(store, [election_id])
    try:
        return endorsement_effect(units, excluded, districts, rng=2021)
    except NoContrastError:
        return None


def _write_html(path: Path, page: str, *results: Any) -> None:
    """Write HTML with the report's ``page`` function (matplotlib loads only here)."""
    from smartvote.pages import tactics as tactics_report

    write_text(path, getattr(tactics_report, page)(*results))
    click.echo(f"wrote {path}", err=True)


def _votes(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def short(name: str) -> str:
    """``"Фамилия Имя Отчество"`` -> ``"Фамилия И. О."``; other names cut to 24 characters."""
    words = name.split()
    if len(words) == 3 and all(w[:1].isupper() and w.isalpha() for w in words):
        return f"{words[0]} {words[1][0]}. {words[2][0]}."
    return name if len(name) <= 24 else name[:23] + "…"


def print_gap(result: GapResult) -> None:
    for caveat in result.caveats:
        console.print(f"[yellow]{caveat}[/yellow]")
    for a in result.adjustments:
        console.print(f"adjustment: {a}")
    label = result.label
    table = Table("district", "status", "ruling", "runner-up", "votes", "others", "q*", "endorsed", "top")
    for d in result.sorted_by_q_star():
        table.add_row(
            str(d.district),
            d.status,
            _votes(d.ruling_votes),
            short(label(d.runner_up, d.runner_up_party)),
            f"{d.runner_up_votes:,}",
            f"{d.others_votes:,}",
            d.q_star_text(),
            short(label(d.endorsed, d.endorsed_party)),
            {True: "yes", False: "no", None: "—"}[d.endorsed_is_strongest],
        )
    console.print(table)
    console.print(str(result))


def print_effect(result: EffectResult) -> None:
    console.print(str(result))
    console.print(
        f"mean split-ticket: endorsed {result.mean_split_endorsed_pp:+.2f} pp, "
        f"not endorsed {result.mean_split_other_pp:+.2f} pp"
    )
    console.print(f"[yellow]{result.statement}[/yellow]")
    if result.persons:
        table = Table("candidate", "endorsed in", "split", "not endorsed in", "split", "difference")
        for p in result.persons:
            table.add_row(
                p.name,
                p.endorsed_in,
                f"{p.split_endorsed_pp:+.2f}",
                p.not_endorsed_in,
                f"{p.split_not_endorsed_pp:+.2f}",
                f"{p.difference_pp:+.2f}",
            )
        console.print(table)
    changed = [c for c in result.counterfactuals if c.changes]
    console.print(
        f"Without the endorsement (votes - {result.naive_pp:.2f} pp x ballots), the strongest "
        f"non-ruling candidate changes in {len(changed)} of {len(result.counterfactuals)} districts:"
    )
    for c in changed:
        console.print(f"  {c.election} {c.contest}: {c.endorsed} -> {c.strongest_without}")


def print_poll(s: PollSummary) -> None:
    console.print(f"[bold]{s}[/bold] — {s.source}")
    n = s.sample_size
    table = Table("party", "share %", f"±95% at n={n:,}", f"at n={max(1, n // 2):,}", f"at n={2 * n:,}")
    for share in s.shares:
        table.add_row(
            share.party,
            f"{share.share_percent:.1f}",
            f"{share.margin_pp:.1f}",
            f"{share.margin_pp_half_n:.1f}",
            f"{share.margin_pp_double_n:.1f}",
        )
    table.add_row("not reported (undecided, others, refusals)", f"{s.remainder_percent:.1f}", "", "", "")
    console.print(table)
    console.print("The remainder is shown as published and never redistributed among the parties.")
