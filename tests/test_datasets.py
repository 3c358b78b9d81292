"""Download from a mirror over real HTTP on 127.0.0.1: checksum, cache, failures leave nothing."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.datasets import CATALOGUE, dataset, fetch_file
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


def test_catalogue_pins_commit_and_refuses_unverified_years():
    assert all("8003707eb94e3a1e69f8b1b965cdf93f80153808" in d.url for d in CATALOGUE.values())
    assert {d.year for d in CATALOGUE.values() if d.sha256} == {
        2004,
        2007,
        2008,
        2011,
        2012,
        2016,
        2018,
        2020,
        2021,
        2024,
    }
    for election_id in ("russia-president-2000", "russia-duma-2003"):
        with pytest.raises(DownloadError, match="no checksum"):
            fetch_file(dataset(election_id), Path("/nonexistent"))
    with pytest.raises(UnknownElectionError):
        dataset("russia-duma-1999")
