"""Authenticity of a published site: a manifest of every file's SHA-256, signed with Ed25519 in
minisign's format, so that anyone can check a mirror with the standard ``minisign`` tool.

Formats (minisign's documentation, https://jedisct1.github.io/minisign/, "Signature format"):

- public key: ``untrusted comment: ...`` then base64 of ``"Ed" || key id (8 bytes) || key (32)``;
- signature: ``untrusted comment: ...``, base64 of ``"ED" || key id || Ed25519(BLAKE2b-512(file))``
  (the pre-hashed mode, minisign's default since 0.10), ``trusted comment: ...``, and base64 of
  the global signature ``Ed25519(signature || trusted comment)``, which binds the comment.

The secret key is kept as PKCS#8 PEM encrypted with the passphrase (``cryptography``'s
``BestAvailableEncryption``), not in minisign's own secret-key format: only smartvote signs,
while everyone verifies with either tool. The key id is the first 8 bytes of the SHA-256 of
the public key, so it follows from the key itself. The manifest is in ``sha256sum``'s format
(``sha256sum -c SHA256SUMS`` checks it too); it lists every file but itself and its signature.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from smartvote.errors import SmartvoteError

MANIFEST = "SHA256SUMS"
SIGNATURE = MANIFEST + ".minisig"
PUBLIC_KEY = "key.pub"


class SignatureError(SmartvoteError):
    """A signature, key or manifest that does not check out."""


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key with its minisign key id."""

    key: bytes  # 32 bytes
    key_id: bytes  # 8 bytes

    @property
    def fingerprint(self) -> str:
        """The key id as minisign prints it (16 hex digits of the little-endian number)."""
        return self.key_id[::-1].hex().upper()

    @property
    def line(self) -> str:
        """The base64 line minisign takes with ``-P``."""
        return base64.b64encode(b"Ed" + self.key_id + self.key).decode("ascii")

    def text(self) -> str:
        """The public key file (``key.pub``)."""
        return f"untrusted comment: minisign public key {self.fingerprint}\n{self.line}\n"

    @classmethod
    def parse(cls, text: str, source: str) -> PublicKey:
        """A public key file or its bare base64 line."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        raw = _b64(lines[-1] if lines else "", source)
        if len(raw) != 42 or raw[:2] != b"Ed":
            raise SignatureError(f"{source}: not a minisign Ed25519 public key")
        return cls(raw[10:], raw[2:10])


def public_key_of(secret: Ed25519PrivateKey) -> PublicKey:
    key = secret.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(key, hashlib.sha256(key).digest()[:8])


def new_secret_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def secret_key_text(secret: Ed25519PrivateKey, passphrase: bytes) -> str:
    """The secret key as encrypted PKCS#8 PEM (refused without a passphrase)."""
    if not passphrase:
        raise SignatureError("an empty passphrase would leave the secret key unprotected; choose one")
    return secret.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    ).decode("ascii")


def load_secret_key(data: bytes, passphrase: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{source}: wrong passphrase or not a smartvote secret key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{source}: not an Ed25519 key")
    return key


def sign(secret: Ed25519PrivateKey, message: bytes, trusted_comment: str) -> str:
    """A minisign signature file (pre-hashed mode) of ``message``."""
    public = public_key_of(secret)
    signature = secret.sign(hashlib.blake2b(message, digest_size=64).digest())
    comment = " ".join(trusted_comment.split())  # one line, as minisign reads it
    global_signature = secret.sign(signature + comment.encode("utf-8"))
    return (
        f"untrusted comment: signature from smartvote, key {public.fingerprint}\n"
        f"{base64.b64encode(b'ED' + public.key_id + signature).decode('ascii')}\n"
        f"trusted comment: {comment}\n"
        f"{base64.b64encode(global_signature).decode('ascii')}\n"
    )


def verify(public: PublicKey, message: bytes, signature_text: str, source: str) -> str:
    """Check a minisign signature of ``message``; return its trusted comment."""
    lines = signature_text.splitlines()
    if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
        raise SignatureError(f"{source}: not a minisign signature file")
    raw = _b64(lines[1], source)
    if len(raw) != 74 or raw[:2] not in (b"ED", b"Ed"):
        raise SignatureError(f"{source}: not a minisign Ed25519 signature")
    if raw[2:10] != public.key_id:
        found = PublicKey(b"", raw[2:10]).fingerprint
        raise SignatureError(f"{source}: signed by key {found}, not by {public.fingerprint}")
    signature = raw[10:]
    signed = hashlib.blake2b(message, digest_size=64).digest() if raw[:2] == b"ED" else message
    comment = lines[2].removeprefix("trusted comment: ")
    key = Ed25519PublicKey.from_public_bytes(public.key)
    try:
        key.verify(signature, signed)
        key.verify(_b64(lines[3], source), signature + comment.encode("utf-8"))
    except InvalidSignature as exc:
        raise SignatureError(f"{source}: the signature does not match; the files were changed") from exc
    return comment


def _b64(text: str, source: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise SignatureError(f"{source}: not base64") from exc


def site_files(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative, ``/``-separated, sorted) but the manifest and its
    signature."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() not in (MANIFEST, SIGNATURE)
    )


def manifest_text(files: dict[str, bytes]) -> str:
    """``sha256sum`` lines (hash, two spaces, path) of ``files`` (path -> content), sorted."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))


def check_folder(folder: Path, public: PublicKey) -> int:
    """Verify a published folder: the manifest's signature, every listed file's hash, and no
    file outside the list. Returns the number of files checked."""
    manifest_path, signature_path = folder / MANIFEST, folder / SIGNATURE
    for path in (manifest_path, signature_path):
        if not path.is_file():
            raise SignatureError(f"{path}: missing; this folder is not a signed smartvote site")
    manifest = manifest_path.read_bytes()
    verify(public, manifest, signature_path.read_text(encoding="utf-8"), str(signature_path))
    listed: dict[str, str] = {}
    for row, line in enumerate(manifest.decode("utf-8").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise SignatureError(f"{manifest_path}: line {row} is not a sha256sum line")
        if name.startswith("/") or ".." in name.split("/"):
            raise SignatureError(f"{manifest_path}: line {row} names a file outside the folder")
        listed[name] = digest
    present = site_files(folder)
    for name in present:
        if name not in listed:
            raise SignatureError(f"{folder / name}: not in the signed manifest (a file was added)")
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            raise SignatureError(f"{path}: listed in the signed manifest but missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise SignatureError(f"{path}: its SHA-256 differs from the signed manifest (it was changed)")
    return len(listed)
