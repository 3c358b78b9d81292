"""The generator's defaults are what benchmarks/calibrate_synthetic.py measures on 2021."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from smartvote.data.store import Store
from smartvote.synthetic import Country, Fraud
from smartvote.synthetic.calibration import Calibration, calibrate


@pytest.fixture(scope="module")
def measured(real_store: Store) -> Calibration:
    tables = [
        real_store.table(name, "russia-duma-2021", "federal-list")
        for name in ("stations", "votes", "choices")
    ]
    return calibrate(*tables)


def test_country_defaults_are_the_2021_measurements(measured: Calibration) -> None:
    for f in fields(Country):
        default, found = getattr(Country(), f.name), getattr(measured.country, f.name)
        np.testing.assert_allclose(found, default, rtol=2e-3, atol=6e-5, err_msg=f.name)


def test_the_2021_peak_core_and_remote_figures(measured: Calibration) -> None:
    assert measured.peak == 37  # turnout 37-38%, the bin Shpilkin's method takes
    assert measured.core_stations > 20_000
    assert measured.remote_count == 33  # the data README: 33 pseudo-stations in 2021
    assert measured.remote_registered == pytest.approx(Fraud().remote_registered, abs=1e-5)
    assert measured.remote_turnout == pytest.approx(Fraud().remote_turnout, abs=1e-4)
    assert measured.remote_share == pytest.approx(Fraud().remote_share, abs=1e-4)
