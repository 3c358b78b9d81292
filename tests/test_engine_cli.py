"""The engine's commands on bad input: one-line errors naming what to do."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from smartvote.cli import main


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_a_missing_election_names_the_fetch_command(home: Path, data_dir: Path) -> None:
    polls = data_dir / "sv-2021" / "polls-2021.csv"
    result = CliRunner().invoke(main, ["backtest", "russia-2016-2021", "--polls", str(polls)])
    assert "`smartvote fetch russia-duma-2016`" in one_line_error(result)
    result = CliRunner().invoke(main, ["recommend", "spb-2021-city"])
    assert "`smartvote fetch russia-duma-2016`" in one_line_error(result)


def test_an_election_without_a_baseline_is_refused(home: Path) -> None:
    result = CliRunner().invoke(main, ["recommend", "russia-president-2018"])
    assert "no baseline election is known for russia-president-2018" in one_line_error(result)


def test_q_off_the_grid_is_refused(home: Path) -> None:
    result = CliRunner().invoke(main, ["coordinate", "russia-duma-2021", "--q", "0.305"])
    assert "multiple of 0.01" in one_line_error(result)


def test_the_poll_is_required_for_backtest_a(home: Path, monkeypatch: object) -> None:
    monkeypatch.delenv("SMARTVOTE_SHARED_DATA", raising=False)  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["backtest", "russia-2016-2021"])
    assert "needs the pre-vote poll: pass --polls" in one_line_error(result)
