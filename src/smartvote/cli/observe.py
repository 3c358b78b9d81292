"""``smartvote observe``: set up, run and retire the civic observers' protocol service."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click
import segno

from smartvote.atomic import check_file_target, write_text
from smartvote.cli import echo_json, main, reports_errors
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.jsonout import dumps
from smartvote.observe import demo as night_demo
from smartvote.observe import proving, quickcount
from smartvote.observe.export import write_packs
from smartvote.observe.frame import frame_from_store, read_frame
from smartvote.observe.night import Night
from smartvote.observe.settings import AGREEING_TOKENS, Settings
from smartvote.observe.storage import ROLES, Storage, migrate
from smartvote.pages.common import render

DB_HELP = (
    "SQLAlchemy URL of the service database (default: SMARTVOTE_OBSERVE_DB, else SQLite under SMARTVOTE_HOME)"
)
PHOTOS_HELP = "Folder of the photos (default: SMARTVOTE_OBSERVE_PHOTOS, else under SMARTVOTE_HOME)"


def _storage(db: str | None, photos: Path | None) -> Storage:
    settings = Settings.from_env(db, photos)
    return Storage(settings.database_url, settings.photo_dir)


@main.group()
def observe() -> None:
    """The civic observers' protocol service: frame, tokens, serving, retention (docs/observe.md)."""


@observe.command("init")
@click.argument("election")
@click.option(
    "--frame",
    "frame_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with contests, stations and choices as CSV or Parquet",
)
@click.option("--from-store", is_flag=True, help="Take the frame of ELECTION from the results store instead")
@click.option("--title", default="", help="A human title (default: the election id)")
@click.option(
    "--k",
    "k",
    type=click.IntRange(1, 100),
    default=AGREEING_TOKENS,
    show_default=True,
    help="Distinct tokens that must agree for a figure to be verified",
)
@click.option(
    "--purge-after", type=click.DateTime(["%Y-%m-%d"]), help="Date after which `observe purge` may delete"
)
@click.option("--db", help=DB_HELP)
@click.option("--photos", type=click.Path(path_type=Path), help=PHOTOS_HELP)
@reports_errors
def init(
    election: str,
    frame_dir: Path | None,
    from_store: bool,
    title: str,
    k: int,
    purge_after: object,
    db: str | None,
    photos: Path | None,
) -> None:
    """Create the service database for ELECTION and print its organiser token (once)."""
    if (frame_dir is None) == (not from_store):
        raise click.UsageError("give either --frame DIR or --from-store")
    if from_store:
        with Store() as store:
            tables = frame_from_store(store, election)
    else:
        assert frame_dir is not None
        tables = read_frame(frame_dir)
    when = purge_after.date() if hasattr(purge_after, "date") else None
    with _storage(db, photos) as storage:
        migrate(storage.engine)
        token = storage.create_election(election, title or election, *tables, k=k, purge_after=when)
    contests, stations, _ = tables
    click.echo(f"election {election}: {len(contests)} contests, {len(stations)} stations", err=True)
    click.echo("organiser token (shown once; keep it offline):", err=True)
    click.echo(token)


@observe.command("issue-tokens")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The tokens' role")
@click.option("--n", "n", type=click.IntRange(1, 100_000), required=True, help="How many tokens")
@click.option(
    "--qr", type=click.Path(file_okay=False, path_type=Path), help="Also write one QR-code PNG per token here"
)
@click.option(
    "--url",
    help="The service's public address (https://observe.example.org): the QR codes then open the "
    "observers' (or moderators') page signed in, the token in the URL fragment",
)
@click.option(
    "--cards",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a printable HTML page of QR token cards (A4, 3 per row) here",
)
@click.option("--election", help="The election (default: the only one in the database)")
@click.option(
    "--channel",
    help="Voter tokens: how they are handed out, one per person (recorded; the lower-bound proof cites it)",
)
@click.option("--db", help=DB_HELP)
@reports_errors
def issue_tokens(
    role: str,
    n: int,
    qr: Path | None,
    url: str | None,
    cards: Path | None,
    election: str | None,
    channel: str | None,
    db: str | None,
) -> None:
    """Print N new random tokens (160 bits each), once; only their SHA-256 is stored."""
    if cards is not None:
        check_file_target(cards)
    with _storage(db, None) as storage:
        name = election or storage.only_election()
        batch, tokens = storage.issue_tokens(name, role, n)
        if channel:
            proving.attest_issuance(storage, name, batch, channel)
    page = "/moderate" if role == "moderator" else "/"
    codes = [segno.make(f"{url.rstrip('/')}{page}#t={t}" if url else t, error="m") for t in tokens]
    if qr is not None:
        qr.mkdir(parents=True, exist_ok=True)
        for i, code in enumerate(codes, start=1):
            code.save(str(qr / f"{batch}-{i:05d}.png"), scale=8, border=4)
    if cards is not None:
        shown = [{"token": t, "qr": c.svg_data_uri(border=2)} for t, c in zip(tokens, codes, strict=True)]
        write_text(cards, render("observe/cards.html.j2", cards=shown, role=role, batch=batch))
    click.echo(f"batch {batch}: {n} {role} tokens (revoke all with --batch {batch})", err=True)
    for token in tokens:
        click.echo(token)


@observe.command("revoke-token")
@click.argument("token", required=False)
@click.option("--batch", help="Revoke every token of this batch instead")
@click.option("--db", help=DB_HELP)
@reports_errors
def revoke_token(token: str | None, batch: str | None, db: str | None) -> None:
    """Revoke TOKEN ('-' reads it from standard input, out of the shell history) or a whole --batch."""
    if (token is None) == (batch is None):
        raise click.UsageError("give either TOKEN or --batch")
    if token == "-":
        token = sys.stdin.readline().strip()
    with _storage(db, None) as storage:
        n = storage.revoke(token=token, batch=batch)
    click.echo(f"revoked {n} token{'s' if n != 1 else ''}")


@observe.command("purge")
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@click.option("--photos", type=click.Path(path_type=Path), help=PHOTOS_HELP)
@reports_errors
def purge(election: str | None, db: str | None, photos: Path | None) -> None:
    """After the election's purge date, delete what the evidence packs do not need."""
    with _storage(db, photos) as storage:
        counts = storage.purge(election or storage.only_election(), date.today())
    click.echo(f"purged {counts['submissions']} submissions and {counts['photos']} photos")


@observe.command("serve")
@click.option("--db", help=DB_HELP)
@click.option("--photos", type=click.Path(path_type=Path), help=PHOTOS_HELP)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep loopback behind a TLS proxy)",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8017, show_default=True, help="Port to listen on"
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="uvicorn worker processes"
)
@click.option(
    "--proxy-headers", is_flag=True, help="Trust X-Forwarded-* from --forwarded-allow-ips (a TLS proxy)"
)
@click.option(
    "--forwarded-allow-ips", default="127.0.0.1", show_default=True, help="Proxies trusted for X-Forwarded-*"
)
@reports_errors
def serve(
    db: str | None,
    photos: Path | None,
    host: str,
    port: int,
    workers: int,
    proxy_headers: bool,
    forwarded_allow_ips: str,
) -> None:
    """Serve the API under uvicorn, with its access log off (it would record client addresses)."""
    settings = Settings.from_env(db, photos)
    with Storage(settings.database_url, settings.photo_dir) as storage:
        try:
            storage.election(storage.only_election())
        except SmartvoteError as exc:
            raise SmartvoteError(f"{exc}: run `smartvote observe init` first") from exc
        removed = storage.sweep_photos()
    if removed:
        click.echo(f"removed {len(removed)} temporary or unreferenced photo files", err=True)
    os.environ.update(settings.to_env())
    args = [host, str(port), str(workers), "1" if proxy_headers else "0", forwarded_allow_ips]
    os.execv(sys.executable, [sys.executable, "-m", "smartvote.observe.server", *args])


# -- proofs: the official count, the receipts' roots, the quick count, evidence packs (issue 19) --
@observe.command("sync-official")
@click.argument("election")
@click.option(
    "--into", "service_election", help="The service's election (default: the only one in the database)"
)
@click.option("--db", help=DB_HELP)
@reports_errors
def sync_official(election: str, service_election: str | None, db: str | None) -> None:
    """Copy the official count of ELECTION from the results store into the service, matching
    stations by (contest, region, number); lists the stations added or missing."""
    with Store.reading() as store:
        stations = store.table("stations", election)
        votes = store.table("votes", election)
    with _storage(db, None) as storage:
        target = service_election or storage.only_election()
        result = proving.sync_official(storage, target, stations, votes)
    click.echo(
        f"{result['matched']} stations matched; {len(result['added'])} official stations not in the frame; "
        f"{len(result['missing'])} frame stations missing from the official results",
        err=True,
    )
    echo_json(result)


@observe.command("publish-root")
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@reports_errors
def publish_root(election: str | None, db: str | None) -> None:
    """Log the receipts received so far and print the new Merkle root (RFC 9162) with its
    consistency proof from the previous root and the audit log's head; run it every hour."""
    with _storage(db, None) as storage:
        echo_json(proving.publish_root(storage, election or storage.only_election()))


@observe.command("draw-sample")
@click.option("--n", "n", type=click.IntRange(1), required=True, help="Stations in the sample")
@click.option("--strata", type=click.Choice(["region"]), help="Stratify the sample by this variable")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The sample with its seed (keep it secret until the vote is over)",
)
@click.option("--seed", help="Re-draw with a revealed seed (64 hex digits) instead of a new secret one")
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@reports_errors
def draw_sample(
    n: int, strata: str | None, out: Path, seed: str | None, election: str | None, db: str | None
) -> None:
    """Draw the quick count's random sample of stations with a 256-bit secret seed and print
    the commitment to publish before the vote, SHA-256(seed || frame hash)."""
    with _storage(db, None) as storage:
        frame = proving.stations(storage, election or storage.only_election())
    try:
        sample = quickcount.draw(
            [(s.contest, s.station, s.region) for s in frame], n, seed or quickcount.new_seed(), strata
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    write_text(out, dumps(sample.to_json()) + "\n")
    echo_json(sample.public())


@observe.command("quick-count")
@click.argument("sample_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@reports_errors
def quick_count(sample_file: Path, election: str | None, db: str | None) -> None:
    """The quick count from the verified protocols of the sample's stations: each choice's
    share and turnout with 95% and 99% intervals, against the official figures."""
    with _storage(db, None) as storage:
        echo_json(proving.quick_count(storage, election or storage.only_election(), sample_file.read_text()))


@observe.command("open-results")
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@reports_errors
def open_results(election: str | None, db: str | None) -> None:
    """End the embargo after the last station has closed: per-station results become public
    (GET /api/v1/results) and exportable."""
    with _storage(db, None) as storage:
        changed = proving.open_results(storage, election or storage.only_election())
    click.echo("results opened" if changed else "the results were already open")


@observe.command("export")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--election", help="The election (default: the only one in the database)")
@click.option("--db", help=DB_HELP)
@click.option("--photos", type=click.Path(path_type=Path), help=PHOTOS_HELP)
@click.option("--pdf", is_flag=True, help="Also print each page to PDF (needs Chromium on PATH)")
@reports_errors
def export(out: Path, election: str | None, db: str | None, photos: Path | None, pdf: bool) -> None:
    """Write every station's evidence pack (JSON, printable HTML and with --pdf its PDF) and a
    summary table (summary.csv, summary.parquet) into OUT, whole or not at all (once the
    results are open)."""
    with _storage(db, photos) as storage:
        name = election or storage.only_election()
        proving.require_open(storage, name)
        packs = proving.evidence_packs(storage, name)
        n = write_packs(out, packs, storage.photo_dir, pdf)
    click.echo(f"{n} evidence packs written to {out}", err=True)


@observe.command("demo")
@click.option(
    "--stations", type=click.IntRange(10), default=5000, show_default=True, help="Synthetic stations"
)
@click.option(
    "--observers-per-station",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="Observers per station",
)
@click.option(
    "--hostile",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="Share of hostile observers",
)
@click.option(
    "--rewritten",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Share of stations rewritten above the station",
)
@click.option("--colluding", is_flag=True, help="Hostile observers collude: all observers of a station")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic election")
@click.option(
    "--sample",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="Stations in the quick count's sample",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="uvicorn worker processes"
)
@click.option("--db", help="SQLAlchemy URL of a database to run it in (default: a temporary SQLite file)")
@reports_errors
def demo(
    stations: int,
    observers_per_station: int,
    hostile: float,
    rewritten: float,
    colluding: bool,
    seed: int,
    sample: int,
    workers: int,
    db: str | None,
) -> None:
    """Election night on a synthetic election against the real service: starts it on loopback,
    submits the observers' protocols and the moderators' readings over HTTP, and prints the
    precision and recall of the stations found rewritten with and without the moderators, and
    the quick count against the truth and the official result."""
    night = Night(observers=observers_per_station, hostile=hostile, colluding=colluding)
    click.echo(f"{stations} stations, {stations * observers_per_station} submissions over HTTP ...", err=True)
    echo_json(night_demo.run(stations, rewritten, night, seed, db, sample, workers).to_json())
