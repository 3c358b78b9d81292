"""The practitioners' tests: ``kireev``, ``coincidences``, ``online``, ``attach-scanners``,
``scanners``, ``rank`` and ``history``."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pandas as pd

from smartvote.atomic import output_folder
from smartvote.cli import console, echo_json, main, reports_errors
from smartvote.cli.data import choose_contest, short_name
from smartvote.data.store import Store
from smartvote.forensics.ranking import DEFAULT_SIGNALS, FAST_SIGNALS
from smartvote.pages.history import write_history
from smartvote.pipelines.forensics import (
    Contest,
    attach_scanners,
    coincidences_of,
    history_row,
    kireev_of,
    rank_of,
    read_contest,
    remote_of,
    scanners_of,
)

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_CONTEST = click.option("--contest", help="Contest name (default: the party list, or the only contest).")


def _read(election_id: str, contest: str | None) -> Contest:
    with Store.reading() as store:
        return read_contest(store, election_id, choose_contest(store, election_id, contest))


def _print(frame: pd.DataFrame) -> None:
    console.print(frame.to_string(index=False), highlight=False, soft_wrap=True)


@main.command("kireev")
@click.argument("election_id")
@_CONTEST
@_JSON
@reports_errors
def kireev(election_id: str, contest: str | None, as_json: bool) -> None:
    """Kireev's small-count flags per commission x party, with exact binomial tails."""
    result = kireev_of(_read(election_id, contest))
    if as_json:
        echo_json(result.to_json())
        return
    flags = result.flags.assign(choice=lambda f: f["choice"].map(short_name))
    console.print(
        f"{len(flags)} flags of {len(result.table)} commission x choice cells "
        "(rule: 1s > 20, 2s > 20, 0s < 10)"
    )
    _print(
        flags[
            [
                "region",
                "tik",
                "choice",
                "stations",
                "zeros",
                "ones",
                "twos",
                "expected_zeros",
                "p_zeros",
                "p_small",
            ]
        ]
    )


@main.command("coincidences")
@click.argument("election_id")
@_CONTEST
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Commissions to list.")
@_JSON
@reports_errors
def coincidences(election_id: str, contest: str | None, top: int, as_json: bool) -> None:
    """Identical and round-difference protocols per commission, against exact expectations."""
    result = coincidences_of(_read(election_id, contest))
    if as_json:
        echo_json(result.to_json())
        return
    j = result.to_json()
    console.print(
        f"identical vote vectors: {j['identical']['observed']} pairs, "
        f"expected {j['identical']['expected']:.1f}; "
        f"same turnout and share to 0.01 pp: {j['same_turnout_share']['observed']} pairs, "
        f"expected {j['same_turnout_share']['expected']:.1f}"
    )
    cols = [
        "region",
        "tik",
        "stations",
        "identical",
        "identical_expected",
        "p_identical",
        "same",
        "same_expected",
    ]
    _print(result.table.sort_values("p_identical").head(top)[cols])


@main.command("online")
@click.argument("election_id")
@_CONTEST
@_JSON
@reports_errors
def online(election_id: str, contest: str | None, as_json: bool) -> None:
    """Remote electronic voting against paper: the leader's share online and on paper, per
    district (or region)."""
    result = remote_of(_read(election_id, contest))
    if as_json:
        echo_json(result.to_json())
        return
    t = result.total()
    console.print(
        f"{t['units']} {result.level}s: online {t['online_pct']:.2f}%, paper {t['paper_pct']:.2f}%, "
        f"online above paper in {t['online_above_paper']} (online voters differ, and online voting "
        "can itself be manipulated)"
    )
    _print(
        result.table[["region", "unit", "online_pct", "paper_pct", "online_ballots", "paper_ballots"]].round(
            2
        )
    )


@main.command("attach-scanners")
@click.argument("election_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region", required=True, help="The region whose station numbers the list gives.")
@reports_errors
def attach_scanners_(election_id: str, path: Path, region: str) -> None:
    """Mark the stations of a region that counted with scanners (a CSV with a `uik` column)."""
    with Store() as store:
        marked = attach_scanners(store, election_id, path, region)
    console.print(
        f"{election_id}: {marked} stations of {region} marked as counted by scanner, the others by hand"
    )


@main.command("scanners")
@click.argument("election_id")
@_CONTEST
@click.option(
    "--keep-special", is_flag=True, help="Keep closed special stations (small register, turnout near 100%)."
)
@_JSON
@reports_errors
def scanners(election_id: str, contest: str | None, keep_special: bool, as_json: bool) -> None:
    """Scanners against hand counts: the leader's votes per registered voter at scanner
    stations, extrapolated to each commission, against the actual votes."""
    result = scanners_of(_read(election_id, contest), exclude_special=not keep_special)
    if as_json:
        echo_json(result.to_json())
        return
    console.print(
        f"{len(result.table)} commissions: actual {result.actual:,.0f}, extrapolated from scanners "
        f"{result.actual - result.excess:,.0f}, excess {result.excess:,.0f} "
        f"({result.excluded_special} special stations left out)"
    )
    _print(result.table.sort_values("excess", ascending=False).head(20).round(3))


@main.command("rank")
@click.argument("election_id")
@_CONTEST
@click.option(
    "--level", type=click.Choice(["region", "tik"]), default="region", show_default=True, help="What to rank."
)
@click.option(
    "--signals",
    type=click.Choice(["all", "fast"]),
    default="fast",
    show_default=True,
    help="fast: integer, Shpilkin, the kink; all: also Kireev, identical protocols, fingerprint (minutes).",
)
@click.option(
    "--null", "null_elections", type=click.IntRange(min=1), default=3, show_default=True,
    help="Clean synthetic elections the combined z is calibrated on.",
)  # fmt: skip
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Units to list.")
@_JSON
@reports_errors
def rank(
    election_id: str,
    contest: str | None,
    level: str,
    signals: str,
    null_elections: int,
    top: int,
    as_json: bool,
) -> None:
    """Rank regions or territorial commissions by every forensic signal (Stouffer's z,
    calibrated on clean synthetic elections)."""
    chosen = DEFAULT_SIGNALS if signals == "all" else FAST_SIGNALS
    result = rank_of(_read(election_id, contest), level, chosen, null_elections=null_elections)
    if as_json:
        echo_json(result.to_json())
        return
    n = result.null_summary()
    console.print(
        f"null (clean synthetic, {n['units']} units): mean {n['mean']:.2f}, sd {n['sd']:.2f}, "
        f"90% {n['q90']:.2f}, 99% {n['q99']:.2f}"
    )
    _print(result.table.head(top).reset_index().round(3))


def _year(election_id: str) -> tuple[str, str]:
    """Elections in the order of the year in their id (``russia-duma-2021``), then by id."""
    found = re.search(r"(19|20)\d\d", election_id)
    return (found.group(0) if found else "9999", election_id)


@main.command("history")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write history.html and history.png (the trend in one figure) into this folder.",
)
@_JSON
@reports_errors
def history(out: Path | None, as_json: bool) -> None:
    """Every imported election's integer excess and z, Shpilkin's anomalous votes, official and
    clean turnout and leader's share."""
    if out is not None:
        output_folder(out)  # a bad --out fails before the work
    with Store.reading() as store:
        elections = store.elections
        contests = [
            (read_contest(store, str(eid), choose_contest(store, str(eid), None)), str(title))
            for eid, title in zip(elections["election_id"], elections["title"], strict=True)
        ]
    rows = sorted((history_row(c, title) for c, title in contests), key=lambda r: _year(r.election_id))
    if out is not None:
        write_history([r.to_json() for r in rows], out)
    if as_json:
        echo_json([r.to_json() for r in rows])
        return
    _print(pd.DataFrame([r.to_json() for r in rows]).round(2))
