"""Publication commands: publish (the static, signed site), keygen (the signing key), verify
(a copy of the site against the campaign's public key)."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartvote.atomic import OutputError, write_text
from smartvote.cli import FiniteFloat, main, reports_errors
from smartvote.cli.data import choose_contest
from smartvote.cli.engine import _read_polls
from smartvote.data.store import Store
from smartvote.engine.recommend import DEFAULT_Q
from smartvote.pages.site.signing import (
    PublicKey,
    check_folder,
    load_secret_key,
    new_secret_key,
    public_key_of,
    secret_key_text,
    sign,
)
from smartvote.pipelines.engine import DEFAULT_DRAWS, DEFAULT_SEED, run_engine, training_cache
from smartvote.pipelines.publish import check_output, election_site, publish

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _passphrase(file: Path | None, prompt: str, confirm: bool = False) -> bytes:
    """The passphrase from a file (its first line) or typed at the terminal."""
    if file is not None:
        return (
            file.read_text(encoding="utf-8").splitlines()[0].encode("utf-8") if file.stat().st_size else b""
        )
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)).encode("utf-8")


def _secret(key: Path, passphrase_file: Path | None) -> Ed25519PrivateKey:
    return load_secret_key(key.read_bytes(), _passphrase(passphrase_file, f"passphrase of {key}"), str(key))


@main.command("publish")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("elections", nargs=-1, required=True)
@click.option("--polls", type=_FILE, help="Poll file for the recommendations (CSV, docs/tactics-formats.md).")
@click.option("--q", type=FiniteFloat(0, 1), default=DEFAULT_Q, show_default=True, help="Coordination level.")
@click.option(
    "--draws", "n_draws", type=click.IntRange(100), default=DEFAULT_DRAWS, show_default=True,
    help="Monte Carlo draws of the recommendations.",
)  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True, help="Seed.")
@click.option("--no-report", is_flag=True, help="Leave out the forensic reports (recommendations only).")
@click.option("--key", type=_FILE, help="Secret key from `smartvote keygen`: sign the site's manifest.")
@click.option("--passphrase-file", type=_FILE, help="A file holding the key's passphrase (else it is asked).")
@reports_errors
def publish_command(
    out: Path, elections: tuple[str, ...], polls: Path | None, q: float, n_draws: int, seed: int,
    no_report: bool, key: Path | None, passphrase_file: Path | None,
) -> None:  # fmt: skip
    """Write the static site of ELECTIONS into OUT: voters' lookup, district cards and forensic
    report, in Russian and English, with a signed manifest (--key)."""
    if key is not None and key.resolve().is_relative_to(out.resolve()):
        raise OutputError(f"{key}: the secret key must never be inside the published folder {out}")
    check_output(out)
    secret = None if key is None else _secret(key, passphrase_file)
    poll_table = None if polls is None else _read_polls(polls)
    sites = []
    with Store.reading() as store:
        for election_id in elections:
            run = run_engine(store, election_id, poll_table, (), q, n_draws, seed, cache=training_cache())
            contest = None if no_report else choose_contest(store, election_id, None)
            sites.append(election_site(store, run, contest))
    done = publish(out, sites, secret)
    click.echo(f"wrote {done.folder}: {done.files} files, {done.size:,} bytes")
    if done.fingerprint:
        click.echo(
            f"signed with key {done.fingerprint}; check: minisign -Vm {out}/SHA256SUMS -p {out}/key.pub"
        )


@main.command("keygen")
@click.argument("name", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase-file", type=_FILE, help="A file holding the new key's passphrase (else it is asked)."
)
@click.option(
    "--announce-with", type=_FILE,
    help="The old secret key: sign the new public key with it (key rotation; NAME.pub.minisig).",
)  # fmt: skip
@click.option("--old-passphrase-file", type=_FILE, help="A file holding the old key's passphrase.")
@reports_errors
def keygen(
    name: Path, passphrase_file: Path | None, announce_with: Path | None, old_passphrase_file: Path | None
) -> None:
    """Write an Ed25519 signing key pair: NAME.key (secret, passphrase-protected) and NAME.pub
    (minisign's public key format); print the public key and its fingerprint to publish."""
    secret_path, public_path = name.with_name(name.name + ".key"), name.with_name(name.name + ".pub")
    for path in (secret_path, public_path):
        if path.exists():
            raise OutputError(f"{path}: exists; a key is never overwritten, choose another name")
    old = None if announce_with is None else _secret(announce_with, old_passphrase_file)
    secret = new_secret_key()
    text = secret_key_text(
        secret, _passphrase(passphrase_file, f"passphrase for {secret_path}", confirm=True)
    )
    public = public_key_of(secret)
    write_text(secret_path, text)  # created with mode 0600
    write_text(public_path, public.text())
    click.echo(f"secret key: {secret_path} (keep it offline, never in the published folder)")
    click.echo(f"public key: {public_path}")
    click.echo(f"fingerprint: {public.fingerprint}")
    click.echo(f"public key line: {public.line}")
    if old is not None:
        announcement = public_path.with_name(public_path.name + ".minisig")
        comment = f"new key {public.fingerprint} replaces {public_key_of(old).fingerprint}"
        write_text(announcement, sign(old, public.text().encode("ascii"), comment))
        click.echo(f"rotation: {announcement} (check: minisign -Vm {public_path} -p OLD.pub)")


@main.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--pubkey", required=True, help="The public key file (key.pub) or its base64 line.")
@reports_errors
def verify_command(folder: Path, pubkey: str) -> None:
    """Check a copy of the site: the manifest's signature, every file's SHA-256, no file added."""
    path = Path(pubkey)
    public = PublicKey.parse(path.read_text(encoding="utf-8") if path.is_file() else pubkey, pubkey)
    count = check_folder(folder, public)
    click.echo(f"{folder}: {count} files match the manifest signed by key {public.fingerprint}")
