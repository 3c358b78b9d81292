"""Download from a mirror over real HTTP on 127.0.0.1: checksum, cache, failures leave nothing."""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.data.catalogue import CATALOGUE, DatasetFile, dataset
from smartvote.data.download import fetch_file, sha256_of
from smartvote.errors import DownloadError, UnknownElectionError


class ShortReadHandler(http.server.SimpleHTTPRequestHandler):
    """Announces the whole file, sends a tenth of it, then hangs up: an interrupted download."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 10])
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[object]:
    """``serve(folder, handler)`` -> base URL of an HTTP server on a free port of 127.0.0.1."""
    servers = []

    def start(folder: Path, handler: type = QuietHandler) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_fetch_from_http_mirror_verifies_caches_and_imports(home, data_dir, serve):
    base = serve(data_dir / "russia-federal")
    runner = CliRunner()
    result = runner.invoke(main, ["fetch", "russia-duma-2021", "--mirror", base])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("russia-duma-2021")
    cached = home / "cache" / "2021.csv.zip"
    assert cached.is_file()
    assert [p.name for p in (home / "cache").iterdir()] == ["2021.csv.zip"]
    summary = runner.invoke(main, ["summary", "russia-duma-2021", "--json"])
    assert '"stations": 96325' in summary.output
    # a second fetch is served from the cache: no server needed
    again = runner.invoke(main, ["fetch", "russia-duma-2021", "--mirror", "http://127.0.0.1:9"])
    assert again.exit_code == 0, again.output


def test_checksum_mismatch_leaves_nothing(tmp_path, serve):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "2016.csv.zip").write_bytes(b"not the published file")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch_file(dataset("russia-duma-2016"), cache, serve(mirror))
    assert not any(cache.iterdir())


def test_interrupted_download_leaves_nothing(tmp_path, data_dir, serve):
    cache = tmp_path / "cache"
    base = serve(data_dir / "russia-federal", ShortReadHandler)
    with pytest.raises(DownloadError, match="nothing was kept"):
        fetch_file(dataset("russia-duma-2021"), cache, base)
    assert not any(cache.iterdir())


def test_missing_file_on_mirror(tmp_path, serve):
    with pytest.raises(DownloadError, match="404|failed"):
        fetch_file(dataset("russia-president-2024"), tmp_path / "cache", serve(tmp_path))


def test_local_folder_mirror(tmp_path, data_dir):
    path = fetch_file(dataset("russia-president-2018"), tmp_path, str(data_dir / "russia-federal"))
    assert path == tmp_path / "2018.csv.zip"


def test_catalogue_pins_every_file_of_the_dataset(data_dir):
    """Every file at the pinned commit, each with a SHA-256 or (2000, 2003) the git blob id of
    the repository's tree; the SHA-256 of the shared copies is recomputed here."""
    files = {f.name: f for d in CATALOGUE.values() for f in d.files}
    assert all("8003707eb94e3a1e69f8b1b965cdf93f80153808" in f.url for f in files.values())
    shared = {p.name for p in (data_dir / "russia-federal").iterdir() if p.name[:4].isdigit()}
    assert shared - {"bashkortostan-2018-scanners.csv"} <= set(files)
    for name in shared & set(files):
        assert files[name].sha256 == sha256_of(data_dir / "russia-federal" / name), name
    assert files["2000.csv.zip"].git_blob == "c35973644674e3f9b9b64205e27fd629ba07f7bb"
    assert files["2003.csv.zip"].git_blob == "7a7403ab4e6caf48162f558dd5e3154531f15c79"
    assert all(f.sha256 or f.git_blob for f in files.values())
    with pytest.raises(UnknownElectionError):
        dataset("russia-duma-1999")


def test_verified_by_git_blob_then_by_the_recorded_sha256(tmp_path, data_dir, serve):
    """A file known only by its git blob id (as 2000 and 2003 are) is verified by it, its SHA-256
    is recorded beside the cached copy, and a changed cached copy is fetched again."""
    real = data_dir / "russia-federal" / "2018.csv.zip"
    entry = DatasetFile("2018.csv.zip", git_blob=subprocess_blob(real))
    cache = tmp_path / "cache"
    path = fetch_file(entry, cache, serve(real.parent))
    assert path.read_bytes() == real.read_bytes()
    assert (cache / "2018.csv.zip.sha256").read_text().strip() == sha256_of(real)
    path.write_bytes(b"tampered")
    assert fetch_file(entry, cache, str(real.parent)).read_bytes() == real.read_bytes()
    wrong = DatasetFile("2018.csv.zip", git_blob="0" * 40)
    with pytest.raises(DownloadError, match="git blob"):
        fetch_file(wrong, tmp_path / "other", serve(real.parent))
    assert not any((tmp_path / "other").iterdir())


def subprocess_blob(path: Path) -> str:
    """The blob id as git itself computes it (not the code under test)."""
    return subprocess.run(
        ["git", "hash-object", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
