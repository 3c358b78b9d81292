"""Shpilkin's estimate: definitions on hand-made bins, injected stuffing, and the published figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartvote.data.store import Store
from smartvote.forensics import shpilkin
from smartvote.forensics.inputs import StationArrays, station_arrays


def arrays(
    registered: np.ndarray,
    issued: np.ndarray,
    leader: np.ndarray,
    other: np.ndarray,
    regions: np.ndarray | None = None,
    remote: np.ndarray | None = None,
) -> StationArrays:
    """Stations with two choices (the leader first) and no invalid ballots."""
    n = len(registered)
    votes = np.column_stack([leader, other]).astype(np.int64)
    return StationArrays(
        station_id=np.arange(n).astype(str).astype(object),
        region=np.full(n, "A", dtype=object) if regions is None else regions,
        registered=np.asarray(registered, np.int64),
        issued=np.asarray(issued, np.int64),
        boxes=votes.sum(axis=1),
        valid=votes.sum(axis=1),
        invalid=np.zeros(n, np.int64),
        leader=votes[:, 0].copy(),
        choice_votes=votes,
        choice_ids=(1, 2),
        choice_names=("Leader", "Other"),
        leader_column=0,
        remote=np.zeros(n, bool) if remote is None else remote,
        has_protocol=np.ones(n, bool),
    )


def honest_election(
    rng: np.random.Generator, n: int = 20_000, share: float = 0.35, turnout: float = 0.4
) -> tuple[np.ndarray, ...]:
    """Stations of 1000 voters, turnout ~ N(turnout, 0.05), the leader's share ``share`` everywhere."""
    registered = np.full(n, 1000)
    issued = rng.binomial(registered, np.clip(rng.normal(turnout, 0.05, n), 0.05, 0.95))
    leader = rng.binomial(issued, share)
    return registered, issued, leader, issued - leader


def test_turnout_bin_is_exact_integer_floor() -> None:
    # 29/100 * 100 is 28.999999999999996 in floating point: a naive floor puts it in bin 28.
    assert shpilkin.turnout_bin([100, 3, 7, 1000], [29, 1, 7, 1200]).tolist() == [29, 33, 100, 100]
    with pytest.raises(ValueError, match="registered"):
        shpilkin.turnout_bin([0], [0])


def test_moving_average_is_centred_with_zeros_outside() -> None:
    others = np.zeros(shpilkin.N_BINS)
    others[[0, 10]] = 3.0
    s = shpilkin.moving_average(others)
    assert s[0] == 1.0 and s[1] == 1.0 and s[2] == 0.0
    assert s[9] == s[10] == s[11] == 1.0 and s[8] == s[12] == 0.0


def test_first_peak_is_the_smallest_local_maximum_reaching_half_the_maximum() -> None:
    others = np.zeros(shpilkin.N_BINS)
    others[10:13] = 30  # a local maximum, too low (S = 30 < 100 / 2)
    others[30:33] = 120  # S = 120 at 31: the first to reach half of the top
    others[60:63] = 200  # the global maximum, S = 200 at 61
    assert shpilkin.first_peak(others) == 31
    assert shpilkin.global_peak(others) == 61
    edge = np.zeros(shpilkin.N_BINS)
    edge[0] = 9  # neighbours outside 0..100 count as minus infinity
    assert shpilkin.first_peak(edge) == 0


def test_rho_includes_the_peak_and_the_anomaly_only_counts_bins_above_it() -> None:
    leader = np.zeros(shpilkin.N_BINS, np.int64)
    others = np.zeros(shpilkin.N_BINS, np.int64)
    leader[[20, 21]] = [10, 30]
    others[[20, 21]] = [20, 60]  # rho = 40 / 80 = 0.5 over bins <= 21
    leader[[22, 23]] = [100, 5]
    others[[22, 23]] = [100, 100]  # excess max(0, 100 - 50) + max(0, 5 - 50) = 50
    fit = shpilkin.fit_at(21, leader, others, "first")
    assert fit.rho == 0.5
    assert shpilkin.anomalous_votes(fit, leader, others) == 50.0


def test_injected_stuffing_is_recovered() -> None:
    rng = np.random.default_rng(7)
    registered, issued, leader, other = honest_election(rng)
    stuffed = rng.random(len(registered)) < 0.2
    extra = np.where(stuffed, np.minimum(300, registered - issued), 0)
    result = shpilkin.estimate(arrays(registered, issued + extra, leader + extra, other))
    injected = int(extra.sum())
    assert abs(result.anomalous_votes - injected) < 0.05 * injected
    assert abs(result.fit.rho - 0.35 / 0.65) < 0.01
    clean_turnout = 100 * issued.sum() / registered.sum()
    assert abs(result.total.clean_turnout_pct - clean_turnout) < 0.3


def test_honest_election_has_few_anomalous_votes() -> None:
    registered, issued, leader, other = honest_election(np.random.default_rng(8))
    result = shpilkin.estimate(arrays(registered, issued, leader, other))
    # Only binomial noise above the peak is left: well under 1% of the leader's votes.
    assert result.anomalous_votes < 0.01 * leader.sum()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(30, 300))
def test_clean_figures_are_official_without_anomaly_and_lower_with_it(seed: int, n: int) -> None:
    registered, issued, leader, other = honest_election(np.random.default_rng(seed), n=n)
    result = shpilkin.estimate(arrays(registered, issued, leader, other))
    t = result.total
    assert result.anomalous_votes >= 0
    assert result.anomalous_votes == pytest.approx(result.anomalous_per_bin.sum())
    assert t.clean_turnout_pct <= t.turnout_pct + 1e-9 and t.clean_leader_pct <= t.leader_pct + 1e-9
    zero = shpilkin.Figures("x", t.stations, t.registered, t.issued, t.ballots, t.leader_votes, 0.0)
    assert zero.clean_turnout_pct == pytest.approx(100 * issued.sum() / registered.sum())
    assert zero.clean_leader_pct == pytest.approx(100 * leader.sum() / (leader + other).sum())
    assert result.clean_choice_pct.sum() == pytest.approx(100.0)


def test_regions_use_the_national_fit_and_add_up_to_at_least_the_total() -> None:
    rng = np.random.default_rng(9)
    registered, issued, leader, other = honest_election(rng, n=4000)
    extra = np.where(rng.random(4000) < 0.3, np.minimum(250, registered - issued), 0)
    regions = np.where(np.arange(4000) % 2 == 0, "North", "South").astype(object)
    data = arrays(registered, issued + extra, leader + extra, other, regions)
    result = shpilkin.estimate(data, region_fits=True)
    national = [r for r in result.regions if not r.own_fit]
    own = [r for r in result.regions if r.own_fit]
    assert [r.figures.label for r in national] == ["North", "South"]
    assert all(r.fit == result.fit for r in national)
    assert len(own) == 2 and all(r.fit.method == "first" for r in own)
    assert result.regions_excess >= 0
    assert sum(r.figures.stations for r in national) == 4000


def test_remote_stations_leave_the_bins_but_stay_in_the_totals() -> None:
    registered, issued, leader, other = honest_election(np.random.default_rng(10), n=2000)
    remote = np.zeros(2000, bool)
    remote[:5] = True
    data = arrays(registered, issued, leader, other, remote=remote)
    result = shpilkin.estimate(data)
    assert result.stations_used == 1995 and result.total.stations == 2000
    assert result.remote.stations == 5
    assert shpilkin.estimate(data, include_remote=True).stations_used == 2000


def test_mcd_peak_finds_the_clean_core() -> None:
    rng = np.random.default_rng(11)
    registered, issued, leader, other = honest_election(rng, n=1000, turnout=0.45)
    extra = np.where(rng.random(1000) < 0.25, np.minimum(400, registered - issued), 0)
    result = shpilkin.estimate(arrays(registered, issued + extra, leader + extra, other), peak="mcd", rng=1)
    assert result.fit.method == "mcd"
    assert 43 <= result.fit.peak <= 46
    with pytest.raises(ValueError, match="peak method"):
        shpilkin.estimate(arrays(registered, issued, leader, other), peak="median")  # type: ignore[arg-type]


#: Published figures (press reports of Shpilkin's estimates) and the issue's reference values.
PUBLISHED = {
    "russia-duma-2016": (36.5, 40.0, 12.0e6),
    "russia-duma-2021": (38.0, 32.0, 13.8e6),
}
REFERENCE = {
    "russia-duma-2016": (36.12, 39.26, 12.95e6),
    "russia-duma-2021": (38.26, 32.09, 14.70e6),
}


@pytest.fixture(scope="module")
def estimates(real_store: Store) -> dict[str, shpilkin.ShpilkinResult]:
    """The default estimate of the 2016 and 2021 party lists."""
    out = {}
    for election_id in PUBLISHED:
        names = ("stations", "votes", "choices")
        tables = [real_store.table(name, election_id, "federal-list") for name in names]
        out[election_id] = shpilkin.estimate(station_arrays(*tables))
    return out


@pytest.mark.parametrize("election_id", sorted(PUBLISHED))
def test_defaults_reproduce_the_published_and_reference_figures(
    estimates: dict[str, shpilkin.ShpilkinResult], election_id: str
) -> None:
    result = estimates[election_id]
    t = result.total
    turnout, leader, anomalous = PUBLISHED[election_id]
    assert abs(t.clean_turnout_pct - turnout) <= 2.0
    assert abs(t.clean_leader_pct - leader) <= 2.0
    assert abs(result.anomalous_votes - anomalous) <= 0.15 * anomalous
    turnout, leader, anomalous = REFERENCE[election_id]
    assert abs(t.clean_turnout_pct - turnout) <= 0.1
    assert abs(t.clean_leader_pct - leader) <= 0.1
    assert abs(result.anomalous_votes - anomalous) <= 0.01 * anomalous


def test_2021_official_figures_and_remote_voting(estimates: dict[str, shpilkin.ShpilkinResult]) -> None:
    result = estimates["russia-duma-2021"]
    # The official 2021 party-list result: turnout 51.72%, United Russia 49.82%.
    assert round(result.total.turnout_pct, 2) == 51.72
    assert round(result.total.leader_pct, 2) == 49.82
    assert result.remote.stations == 33
    assert result.total.stations - result.stations_used >= 33
