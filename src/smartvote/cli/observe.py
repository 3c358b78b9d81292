"""``smartvote observe``: set up, run and retire the civic observers' protocol service."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click
import segno

from smartvote.atomic import check_file_target, write_text
from smartvote.cli import main, reports_errors
from smartvote.data.store import Store
from smartvote.errors import SmartvoteError
from smartvote.observe.frame import frame_from_store, read_frame
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
@click.option("--db", help=DB_HELP)
@reports_errors
def issue_tokens(
    role: str,
    n: int,
    qr: Path | None,
    url: str | None,
    cards: Path | None,
    election: str | None,
    db: str | None,
) -> None:
    """Print N new random tokens (160 bits each), once; only their SHA-256 is stored."""
    if cards is not None:
        check_file_target(cards)
    with _storage(db, None) as storage:
        batch, tokens = storage.issue_tokens(election or storage.only_election(), role, n)
    page = "/" if role == "observer" else "/moderate"
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
