"""Reliability, the CLI's one top-level handler (issue "no traceback"): every expected failure is
one line on stderr, exit 1 (2 for usage), the store unchanged; ``--debug`` shows the traceback;
every ``--json`` is strict JSON."""

from __future__ import annotations

import json
import math
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from reliability import cli, fingerprint, fresh_process_state, one_line_failure, start, tidy_folder
from smartvote.errors import SmartvoteError
from smartvote.jsonout import dumps

__all__ = ["fresh_process_state"]


def strict_load(text: str) -> object:
    """A strict JSON parser: NaN and Infinity are refused, as JavaScript's JSON.parse does."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def imported(home: Path, tmp_path: Path) -> Path:
    assert (
        cli("import", tidy_folder(tmp_path / "tidy"), "--as", "e5", "--ruling", "Candidate A").exit_code == 0
    )
    return home


@pytest.mark.parametrize(
    "args",
    [
        ["simulate-election", "--seed", "-1", "--as", "x"],
        ["validate", "integer", "--seed", "-1"],
        ["report", "e5", "--out", "out", "--seed", "-1"],
        ["simulate-election", "--stations", "1000000000", "--as", "x"],
        ["simulate-election", "--stuffing", "nan", "--as", "x"],
        ["simulate-election", "--round-share", "nan", "--as", "x"],
        ["simulate-election", "--klimek-alpha", "inf", "--as", "x"],
        ["simulate-election", "--correlation", "nan", "--as", "x"],
        ["validate", "integer", "--alpha", "nan"],
        ["validate", "shpilkin", "--tolerance", "inf"],
        ["validate", "shpilkin", "--stuffing-to", "nan"],
    ],
)
def test_bad_options_are_one_usage_line_and_nothing_imported(imported: Path, args: list[str]) -> None:
    before = fingerprint(imported)
    line = one_line_failure(cli(*args), code=2)
    assert "Invalid value" in line and "--help" in line
    assert fingerprint(imported) == before


def test_out_of_memory_is_one_line_and_nothing_imported(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr("smartvote.cli.synthetic.simulate_election", exhausted)
    before = fingerprint(imported)
    assert "out of memory" in one_line_failure(cli("simulate-election", "--stations", "100", "--as", "x"))
    assert fingerprint(imported) == before


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise TypeError("must be real number, not NoneType")

    monkeypatch.setattr("smartvote.cli.data.summarize", broken)
    line = one_line_failure(cli("summary", "e5"))
    assert "internal error (TypeError" in line and "--debug" in line
    debug = cli("--debug", "summary", "e5")
    assert debug.exit_code == 1 and isinstance(debug.exception, TypeError)


def test_ctrl_c_after_the_commit_says_the_import_landed(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue: Ctrl-C during the commit, where the new version was committed but the
    traceback said otherwise. Here the interrupt arrives right after the commit."""

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("smartvote.cli.synthetic.click.echo", interrupted)
    line = one_line_failure(cli("simulate-election", "--stations", "50", "--as", "late"))
    assert "interrupted after the election late" in line and "was committed" in line
    assert fingerprint(imported)[0] == 2  # type: ignore[index]


def test_ctrl_c_before_the_write_says_nothing_was_written(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("smartvote.cli.synthetic.simulate_election", interrupted)
    before = fingerprint(imported)
    assert "nothing was written" in one_line_failure(cli("simulate-election", "--as", "x"))
    assert fingerprint(imported) == before


def test_ctrl_c_during_start_up_is_one_line(home: Path) -> None:
    """A real process interrupted while it imports its modules (pandas, DuckDB, ...)."""
    process = start("list", home=home)
    _wait_until_importing(process.pid)  # past the interpreter's own start, inside smartvote's imports
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    if process.returncode == 0:  # a library's bare `except:` swallowed the interrupt: no error at all
        assert stderr.strip() == "", stderr
        return
    assert process.returncode == 1, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def _wait_until_importing(pid: int, library: str = "numpy") -> None:
    """Until the process has begun loading ``library`` (the CLI's imports: pandas, DuckDB...),
    read from its memory map: a fixed sleep raced with the interpreter's own start."""
    maps = Path(f"/proc/{pid}/maps")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if library in maps.read_text():
            return
        time.sleep(0.005)
    raise AssertionError(f"the process never loaded {library}")


def test_every_json_output_is_strict(imported: Path, tmp_path: Path) -> None:
    """A contest whose every station has no ballots makes turnout and shares undefined: null,
    not NaN, with a note; list --json too."""
    empty = tidy_folder(tmp_path / "empty", stations=5)
    for name in ("stations", "votes"):
        frame = __import__("pandas").read_csv(empty / f"{name}.csv")
        counts = [
            c
            for c in frame.columns
            if c in ("ballots_issued", "ballots_in_boxes", "valid", "invalid", "votes")
        ]
        frame[counts] = 0
        frame.to_csv(empty / f"{name}.csv", index=False)
    assert cli("import", empty, "--as", "zero", "--ruling", "Candidate A").exit_code == 0
    for args in (["summary", "zero", "--json"], ["summary", "e5", "--json"], ["list", "--json"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        strict_load(result.stdout)


def test_the_json_helper_writes_numbers_as_numbers_and_undefined_as_null() -> None:
    text = dumps({"count": np.int64(211), "share": np.float64("nan"), "rows": [1.5, math.inf]})
    data = strict_load(text)
    assert isinstance(data, dict)
    assert data["count"] == 211 and data["share"] is None and data["rows"] == [1.5, None]
    assert "$.share" in data["null_note"] and "$.rows[1]" in data["null_note"]


def test_validate_shpilkin_without_fraud_prints_no_warning_and_no_nan(home: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cli("validate", "shpilkin", "--elections", "2", "--stations", "400", "--no-correlation")
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert "nan" not in result.stdout.lower() and "inf%" not in result.stdout
    assert "no votes injected" in result.stdout


def test_numbers_in_messages_are_numbers_and_warnings_are_one_line(
    imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def loud(*args: object) -> None:
        warnings.warn("invalid value encountered in divide\n  return a / b", RuntimeWarning, stacklevel=1)
        raise SmartvoteError(f"stations.csv, row {np.int64(211)}: count {np.float64(1.5)} is not whole")

    monkeypatch.setattr("smartvote.cli.data.summarize", loud)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as outside pytest (which may turn warnings into errors)
        result = cli("summary", "e5")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "warning: invalid value encountered in divide return a / b",
        "Error: stations.csv, row 211: count 1.5 is not whole",
    ]
