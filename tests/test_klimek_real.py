"""The fingerprint fit and the digit tests on a real federal election (Duma 2016, party list),
checked against direct computations on the imported tables, and the two CLI commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.data.loader import read_path
from smartvote.forensics import klimek
from smartvote.forensics.digits import digit_tests
from smartvote.forensics.fingerprint import fingerprint, station_points
from smartvote.forensics.inputs import StationArrays, station_arrays


@pytest.fixture(scope="module")
def duma_2016(federal_zip: object) -> StationArrays:
    (tables,) = read_path(federal_zip(2016))  # type: ignore[operator]
    return station_arrays(tables.stations, tables.votes, tables.choices)


def test_fingerprint_of_2016_counts_the_usable_stations(duma_2016: StationArrays) -> None:
    a = duma_2016
    usable = a.has_protocol & ~a.remote & (a.registered > 0) & (a.valid > 0) & (a.valid <= a.registered)
    observed = fingerprint(station_points(a))
    assert observed.total == usable.sum() > 90_000
    # the 100%/100% cell: stations where every registered voter voted validly for the leader
    corner = usable & (a.valid * 100 >= 99 * a.registered) & (a.leader * 100 >= 99 * a.valid)
    assert observed.counts[99, 99] == corner.sum()


def test_fit_b_on_2016_reproduces_the_data_better_than_no_fraud(duma_2016: StationArrays) -> None:
    pts = station_points(duma_2016)
    fit = klimek.fit(pts, bootstrap=50)
    f_i, f_e = fit.intervals["incremental"], fit.intervals["extreme"]
    # interior estimates: both profile ends strictly on either side (a fit stopped short at a
    # bound put one at the estimate)
    assert 0 < f_i.low < f_i.estimate < f_i.high < 0.95 and 0 < f_e.low < f_e.estimate < f_e.high
    assert klimek.fit_distance(pts, fit.params) < klimek.fit_distance(pts, fit.params.fair())


def test_digit_tests_on_2016_equal_direct_computations(duma_2016: StationArrays) -> None:
    a = duma_2016
    result = digit_tests(a.registered, a.issued, a.valid, a.leader, a.region, replicates=50)
    assert len(result.units) == len(set(a.region[(a.registered > 0) & (a.valid > 0)]))
    keep = (a.registered > 0) & (a.valid > 0) & (a.issued <= a.registered)
    counts = a.leader[keep][a.leader[keep] >= 10]
    second = np.array([int(str(c)[1]) for c in counts])
    assert result.total.get("2BL").value == pytest.approx(second.mean(), abs=1e-9)
    assert result.total.get("LastC").value == pytest.approx((counts % 10).mean(), abs=1e-9)


def test_validate_klimek_and_digits_commands(home: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main,
        [
            "validate",
            "klimek",
            "--mode",
            "clean",
            "--elections",
            "1",
            "--stations",
            "3000",
            "--bootstrap",
            "20",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "false positive" in ok.output and "drawn per election" in ok.output
    ok = runner.invoke(
        main, ["validate", "digits", "--elections", "1", "--stations", "2000", "--bootstrap", "20"]
    )
    assert ok.exit_code == 0, ok.output
    assert "2BL" in ok.output and "vote moving" in ok.output
    bad = runner.invoke(main, ["validate", "klimek", "--mode", "nonsense"])
    assert bad.exit_code == 2
