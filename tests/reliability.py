"""Shared pieces of the reliability tests (tests/test_reliability_*.py): inputs built by the
tests, the CLI run in-process or as a real subprocess, and the store's fingerprint."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from smartvote.cli import main
from smartvote.data import store as store_module

PROJECT = Path(__file__).resolve().parents[1]

#: The documented tidy example (docs/data-formats.md) grown to five stations.
STATIONS = pd.DataFrame(
    {
        "contest": "president",
        "station_id": [f"north/{i}" for i in range(1, 6)],
        "region": "North",
        "registered": [1200, 980, 1500, 700, 1000],
        "ballots_issued": [640, 0, 900, 500, 610],
        "ballots_in_boxes": [638, 0, 899, 498, 605],
        "valid": [630, 0, 890, 490, 600],
        "invalid": [8, 0, 9, 8, 5],
    }
)


def tidy_folder(folder: Path, stations: int = 5, ballots_issued: bool = True) -> Path:
    """A tidy-format election of ``stations`` stations (1..5), two candidates."""
    folder.mkdir(parents=True, exist_ok=True)
    table = STATIONS.head(stations)
    if not ballots_issued:
        table = table.drop(columns=["ballots_issued"])
    table.to_csv(folder / "stations.csv", index=False)
    votes = [
        (r.contest, r.station_id, name, n)
        for r in table.itertuples()
        for name, n in (("Candidate A", r.valid * 2 // 3), ("Candidate B", r.valid - r.valid * 2 // 3))
    ]
    pd.DataFrame(votes, columns=["contest", "station_id", "choice", "votes"]).to_csv(
        folder / "votes.csv", index=False
    )
    return folder


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """In-process CLI runs share the store module: forget earlier runs' failed reads and commits."""
    store_module.FAILED_READS.clear()
    store_module.COMMITTED.clear()
    yield
    store_module.FAILED_READS.clear()
    store_module.COMMITTED.clear()


def cli(*args: object) -> Result:
    """Run the CLI in-process (stdout and stderr apart)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def store_file(home: Path) -> Path:
    return home / "smartvote.duckdb"


def fingerprint(home: Path) -> tuple[int, ...] | None:
    """(elections, stations, vote rows, sum of votes) of the store under ``home``; None if absent."""
    path = store_file(home)
    if not path.is_file():
        return None
    db = duckdb.connect(str(path), read_only=True)
    try:
        row = db.execute(
            """SELECT (SELECT count(*) FROM elections), (SELECT count(*) FROM stations),
                      count(*), coalesce(sum(votes), 0) FROM votes"""
        ).fetchone()
    finally:
        db.close()
    assert row is not None
    return tuple(int(x) for x in row)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else repr(path.exists())


def one_line_failure(result: Result | subprocess.CompletedProcess[str], code: int = 1) -> str:
    """Assert a failure told in exactly one stderr line without a traceback; return that line."""
    stderr = result.stderr
    returncode = result.exit_code if isinstance(result, Result) else result.returncode
    output = result.output if isinstance(result, Result) else result.stdout
    assert returncode == code, (returncode, stderr, output)
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip("\n").splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def run(*args: object, home: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "smartvote", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"SMARTVOTE_HOME": str(home)} | env,
    )


def start(*args: object, home: Path, **env: str) -> subprocess.Popen[str]:
    """The real CLI started in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "smartvote", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"SMARTVOTE_HOME": str(home)} | env,
    )
