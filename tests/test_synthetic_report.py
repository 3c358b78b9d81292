"""A synthetic election runs through ``smartvote report`` like a real one, and the report's
official and clean figures are accounted for by its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from smartvote.cli import main

COUNTRY = ["--no-correlation", "--no-region-effects"]


def simulate_and_report(tmp_path: Path, seed: int, fraud: list[str]) -> tuple[dict, pd.DataFrame]:
    runner = CliRunner()
    truth_path, out = tmp_path / "truth.parquet", tmp_path / "report"
    simulate = ["simulate-election", "--stations", "30000", "--seed", str(seed), "--as", "syn-report"]
    made = runner.invoke(main, [*simulate, *COUNTRY, *fraud, "--truth", str(truth_path)])
    assert made.exit_code == 0, made.output
    built = runner.invoke(main, ["report", "syn-report", "--out", str(out)])
    if built.exception and not isinstance(built.exception, SystemExit):
        raise built.exception
    assert built.exit_code == 0, built.output
    assert (out / "report.html").exists()
    return json.loads((out / "report.json").read_text()), pd.read_parquet(truth_path)


def test_report_official_figures_are_clean_plus_truth(home: Path, tmp_path: Path) -> None:
    # Three remote pseudo-stations of about 33,000 voters each, the size of 2021's outside Moscow.
    remote = ["--remote", "3", "--remote-registered", "0.003"]
    fraud = ["--moving-rate", "0.1", "--round-share", "0.02", "--round-turnout", "0.02", *remote]
    doc, truth = simulate_and_report(tmp_path, 8, fraud)
    official = doc["official"]
    assert official["stations"] == 30_003
    assert official["ballots_issued"] == truth["clean_issued"].sum() + truth["injected_ballots"].sum()
    assert official["leader_votes"] == truth["clean_leader"].sum() + truth["leader_gain"].sum()
    assert doc["shpilkin"]["remote_electronic"]["stations"] == 3
    assert sum(r["stations"] for r in doc["regions"]) == official["stations"]


def test_report_clean_figures_recover_the_clean_election(home: Path, tmp_path: Path) -> None:
    doc, truth = simulate_and_report(tmp_path, 8, ["--stuffing", "0.1"])
    shpilkin, official = doc["shpilkin"], doc["official"]
    assert official["ballots_issued"] == truth["clean_issued"].sum() + truth["injected_ballots"].sum()
    assert shpilkin["anomalous_votes"] == pytest.approx(truth["stuffed"].sum(), rel=0.15)
    clean_turnout = 100 * truth["clean_issued"].sum() / official["registered"]
    assert shpilkin["clean_turnout_pct"] == pytest.approx(clean_turnout, abs=0.3)
    clean_leader = 100 * truth["clean_leader"].sum() / truth["clean_boxes"].sum()
    assert shpilkin["clean_leader_pct"] == pytest.approx(clean_leader, abs=0.5)
