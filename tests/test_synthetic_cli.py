"""``smartvote simulate-election``: imports a synthetic election and writes its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.data.store import Store


def test_simulate_election_imports_it_and_writes_the_truth(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    truth_path = tmp_path / "truth" / "t.parquet"
    args = ["simulate-election", "--stations", "3000", "--seed", "5", "--as", "syn-5"]
    fraud = ["--stuffing", "0.1", "--round-share", "0.02", "--remote", "2", "--no-correlation"]
    result = runner.invoke(main, [*args, *fraud, "--truth", str(truth_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "syn-5"
    truth = pd.read_parquet(truth_path)
    assert len(truth) == 3002 and truth["remote_electronic"].sum() == 2
    summary = runner.invoke(main, ["summary", "syn-5", "--json"])
    assert summary.exit_code == 0, summary.output
    totals = json.loads(summary.output)
    assert totals["stations"] == 3002
    assert totals["ballots_issued"] == truth["clean_issued"].sum() + truth["injected_ballots"].sum()
    with Store.reading() as store:  # no invalid ballot among more than 500, counted directly
        st = store.table("stations", "syn-5")
    zero_invalid = int(((st["invalid"] == 0) & (st["ballots_in_boxes"] > 500)).sum())
    assert totals["flagged"] == {
        "remote_electronic": 2,
        "no_protocol": 0,
        "inconsistent": 0,
        "implausible": zero_invalid,
    }


def test_same_seed_same_election_from_the_command_line(home: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        assert (
            runner.invoke(
                main, ["simulate-election", "--stations", "500", "--seed", "9", "--as", name]
            ).exit_code
            == 0
        )
    a, b = (json.loads(runner.invoke(main, ["summary", n, "--json"]).output) for n in ("a", "b"))
    assert a["ballots_issued"] == b["ballots_issued"] and a["shares_pct"] == b["shares_pct"]


def test_bad_options_give_one_line_errors(home: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["simulate-election", "--as", "x", "--moving-rate", "2"])
    assert bad.exit_code != 0
    assert "Error: moving_rate is a fraction in [0, 1], got 2.0" in bad.output
    too_much = runner.invoke(
        main,
        ["simulate-election", "--as", "x", "--stations", "500", "--stuffing", "3", "--stuffing-top", "0.1"],
    )
    assert too_much.exit_code != 0 and "raise stuffing_top" in too_much.output
    assert "Traceback" not in too_much.output
