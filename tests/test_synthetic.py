"""The synthetic-election generator: determinism, control relations, and a ground truth that
accounts for every injected ballot and moved vote, checked against the clean election."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartvote.synthetic import Country, Fraud, Simulation, simulate
from smartvote.synthetic.fraud import KLIMEK_EXTREME_WIDTH, NOT_ROUNDED, nearest_integer_count

N = 20_000
EVERY_FRAUD = Fraud(
    stuffing=0.08,
    moving_rate=0.1,
    round_share=0.02,
    round_turnout=0.02,
    klimek_incremental=0.1,
    klimek_extreme=0.03,
    klimek_alpha=1.5,
    remote=4,
)


@pytest.fixture(scope="module")
def fraudulent() -> Simulation:
    return simulate(N, 11, fraud=EVERY_FRAUD)


def is_integer(k: np.ndarray, n: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Kobak et al.'s integer window: 100 k/n rounds to the whole percent m at one decimal."""
    return np.abs(2000 * k - 20 * m * n) <= n


def test_same_seed_same_election_and_fraud_leaves_the_clean_election_alone(fraudulent: Simulation) -> None:
    again = simulate(N, 11, fraud=EVERY_FRAUD)
    clean_only = simulate(N, 11)
    np.testing.assert_array_equal(again.counts.leader, fraudulent.counts.leader)
    n = N  # the remote pseudo-stations come after the ordinary ones
    for name in ("registered", "issued", "invalid", "leader", "others"):
        np.testing.assert_array_equal(getattr(clean_only.clean, name), getattr(fraudulent.clean, name)[:n])
    assert not np.array_equal(simulate(N, 12).clean.issued, clean_only.clean.issued)


def test_control_relations_hold_after_fraud(fraudulent: Simulation) -> None:
    c = fraudulent.counts
    stationary = c.issued - c.outside - c.taken
    assert (c.registered >= 1).all() and (c.issued <= c.registered).all()
    assert (c.boxes <= c.issued).all() and (stationary >= 0).all()
    assert (c.leader >= 0).all() and (c.others >= 0).all() and (c.invalid >= 0).all()
    np.testing.assert_array_equal(c.valid + c.invalid, c.boxes)


def test_truth_accounts_for_every_ballot_and_vote(fraudulent: Simulation) -> None:
    clean, official, t = fraudulent.clean, fraudulent.counts, fraudulent.truth
    np.testing.assert_array_equal(official.issued - clean.issued, t.injected_ballots)
    np.testing.assert_array_equal(official.leader - clean.leader, t.leader_gain)
    others_lost = t.klimek_moved + t.moved + t.rounding_leader - t.rounding_issued
    np.testing.assert_array_equal(clean.others - official.others, others_lost)
    np.testing.assert_array_equal(official.invalid, clean.invalid)
    assert t.stuffed.sum() > 0 and t.moved.sum() > 0 and t.klimek_stuffed.sum() > 0
    assert (t.rounded_share != NOT_ROUNDED).sum() > 0 and (t.rounded_turnout != NOT_ROUNDED).sum() > 0


def test_stuffing_adds_the_stated_amount_at_the_highest_turnouts() -> None:
    fraud = Fraud(stuffing=0.1, stuffing_top=0.25)
    sim = simulate(N, 3, fraud=fraud)
    clean, stuffed = sim.clean, sim.truth.stuffed
    target = 0.1 * clean.leader.sum()
    top = np.argsort(-clean.issued / clean.registered, kind="stable")[: N // 4]
    a = (clean.registered - clean.issued)[top]
    c = target / a.sum()  # c_i ~ U(0, 2c): E c_i = c, E c_i^2 = 4c^2/3, Var c_i = c^2/3
    sd = np.sqrt((a * (c - 4 * c**2 / 3) + a**2 * c**2 / 3).sum())
    assert abs(stuffed.sum() - target) < 4 * sd
    big = a >= 500  # where binomial noise is small, the stations' rates spread like U(0, 2c)
    assert (stuffed[top][big] / a[big]).std() == pytest.approx(c / np.sqrt(3), rel=0.1)
    outside_top = np.ones(N, dtype=bool)
    outside_top[top] = False
    assert stuffed[outside_top].sum() == 0
    assert (sim.counts.issued <= sim.counts.registered).all()


def test_stuffing_beyond_the_non_voters_is_refused() -> None:
    with pytest.raises(ValueError, match="raise stuffing_top"):
        simulate(2000, 1, fraud=Fraud(stuffing=2.0, stuffing_top=0.1))


def test_vote_moving_takes_the_stated_fraction_at_the_stated_rate() -> None:
    sim = simulate(N, 4, fraud=Fraud(moving_rate=0.2, moving_fraction=0.3))
    moved = sim.truth.moved
    assert 0.19 * N <= (moved > 0).sum() <= 0.2 * N
    chosen = moved > 0
    ratio = moved[chosen].sum() / sim.clean.others[chosen].sum()
    assert ratio == pytest.approx(0.3, abs=0.005)


@pytest.mark.parametrize("kind", ["share", "turnout"])
def test_rewritten_protocols_show_the_nearest_whole_percent(kind: str) -> None:
    rate = 0.05
    sim = simulate(
        N,
        5,
        fraud=Fraud(
            round_share=rate if kind == "share" else 0, round_turnout=rate if kind == "turnout" else 0
        ),
    )
    t, before, after = sim.truth, sim.clean, sim.counts
    m = t.rounded_share if kind == "share" else t.rounded_turnout
    skipped = t.share_skipped if kind == "share" else t.turnout_skipped
    done = m != NOT_ROUNDED
    assert done.sum() + skipped.sum() == round(rate * N)
    if kind == "share":
        k_before, k_after, n = before.leader[done], after.leader[done], after.boxes[done]
    else:
        k_before, k_after, n = before.issued[done], after.issued[done], after.registered[done]
    assert is_integer(k_after, n, m[done]).all()
    assert (np.abs(100 * k_before - m[done] * n) <= 5 * n).all()
    assert np.abs(k_after - k_before).max() <= n.max() // 100


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3000), data=st.data())
def test_nearest_integer_count_is_the_nearest_by_brute_force(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    high = data.draw(st.integers(0, n))
    got, m = nearest_integer_count(np.array([k]), np.array([n]), 5, np.array([0]), np.array([high]))
    candidates = [
        (abs(j - k), j, mm)
        for j in range(high + 1)
        for mm in range(101)
        if abs(100 * k - mm * n) <= 5 * n and abs(2000 * j - 20 * mm * n) <= n
    ]
    if not candidates:
        assert m[0] == NOT_ROUNDED and got[0] == k
    else:
        assert abs(int(got[0]) - k) == min(candidates)[0]
        assert abs(2000 * int(got[0]) - 20 * int(m[0]) * n) <= n


def test_klimek_types_and_their_fraud() -> None:
    fraud = Fraud(klimek_incremental=0.15, klimek_extreme=0.05, klimek_alpha=2.0)
    sim = simulate(N, 6, fraud=fraud)
    kind, t, clean = sim.truth.klimek, sim.truth, sim.clean
    for code, rate in ((1, 0.15), (2, 0.05)):
        assert abs((kind == code).mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / N)
    assert (t.klimek_stuffed[kind == 0] == 0).all() and (t.klimek_moved[kind == 0] == 0).all()
    extreme = (kind == 2) & (clean.registered - clean.issued >= 100)
    x = t.klimek_stuffed[extreme] / (clean.registered - clean.issued)[extreme]
    expected = 1 - KLIMEK_EXTREME_WIDTH * np.sqrt(2 / np.pi)  # 1 - E|N(0, w)|
    assert x.mean() == pytest.approx(expected, abs=0.01)
    moved_share = t.klimek_moved[extreme] / clean.others[extreme]
    assert moved_share.mean() == pytest.approx(np.mean(x**2), abs=0.02)  # x^alpha, alpha = 2


def test_remote_pseudo_stations_have_their_own_turnout_and_share() -> None:
    fraud = Fraud(remote=10, remote_registered=0.05, remote_turnout=0.9, remote_share=0.7)
    sim = simulate(N, 7, fraud=fraud)
    c, remote = sim.counts, sim.remote
    assert remote.sum() == 10 and remote[-10:].all()
    assert c.registered[remote].sum() / c.registered.sum() == pytest.approx(0.05, rel=1e-3)
    assert c.issued[remote].sum() / c.registered[remote].sum() == pytest.approx(0.9, abs=0.005)
    assert c.leader[remote].sum() / c.valid[remote].sum() == pytest.approx(0.7, abs=0.005)
    assert (sim.truth.leader_gain[remote] == 0).all()


def test_stated_correlation_and_no_region_effects() -> None:
    def station_correlation(country: Country) -> float:
        c = simulate(N, 8, country).counts
        big = c.registered >= 500
        t = c.issued[big] / c.registered[big]
        p = c.leader[big] / c.valid[big]
        return float(np.corrcoef(np.log(t / (1 - t)), np.log(p / (1 - p)))[0, 1])

    # With ~18 regions their effects' sample correlation is noisy; without them it is not.
    assert abs(station_correlation(Country().with_correlation(0).without_region_effects())) < 0.03
    assert station_correlation(Country().with_correlation(0.6).without_region_effects()) > 0.4
    flat = simulate(N, 8, Country().without_region_effects())
    assert flat.country.turnout_sd[0] == 0 and flat.country.share_sd[0] == 0
    with pytest.raises(ValueError, match="correlation"):
        Country().with_correlation(1.5)


def test_bad_fraud_options_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="moving_rate is a fraction in \\[0, 1\\], got 2"):
        Fraud(moving_rate=2)
    with pytest.raises(ValueError, match="klimek"):
        Fraud(klimek_incremental=0.7, klimek_extreme=0.5)
    with pytest.raises(ValueError, match="klimek_width must be > 0, got 0"):
        Fraud(klimek_width=0)
    with pytest.raises(ValueError, match="stuffing must be >= 0, got -0.1"):
        Fraud(stuffing=-0.1)
    with pytest.raises(ValueError, match="at least one station"):
        simulate(0)
