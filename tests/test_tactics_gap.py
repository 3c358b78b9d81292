"""The coordination gap on crafted districts, computed by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartvote.errors import InputError
from smartvote.tactics.adjust import Adjustment, apply_adjustments
from smartvote.tactics.districts import DistrictVotes
from smartvote.tactics.gap import LOST, NO_RULING, TIE, WON, coordination_gap, district_gap


def district(
    number: int, votes: tuple[int, ...], ruling: int | None, endorsed: int | None = None
) -> DistrictVotes:
    names = tuple(f"C{number}.{i}" for i in range(len(votes)))
    parties = tuple(f"party-{i}" for i in range(len(votes)))
    return DistrictVotes("crafted", f"x-smd-{number}", number, names, parties, votes, 1000, ruling, endorsed)


def test_q_star_by_hand() -> None:
    # ruling 100, runner-up 60, the other non-ruling 30 + 20 = 50: q* = (100 - 60) / 50 = 0.8
    gap = district_gap(district(1, (100, 60, 30, 20), ruling=0, endorsed=2))
    assert (gap.status, gap.margin_votes, gap.others_votes) == (WON, 40, 50)
    assert gap.q_star == pytest.approx(0.8)
    assert gap.runner_up == "C1.1" and gap.endorsed == "C1.2" and gap.endorsed_is_strongest is False
    assert gap.flippable and gap.q_star_text() == "0.800"


def test_a_tie_does_not_flip_and_flippable_counts_only_won_districts() -> None:
    result = coordination_gap(
        "crafted",
        [
            district(1, (100, 60, 30, 20), ruling=0),  # q* = 0.8 exactly: flips at 90% and 100% only
            district(2, (50, 70, 10), ruling=0),  # already lost: q* = 0, never counted as flippable
            district(3, (100, 10, 20), ruling=0),  # q* = 90 / 20 = 4.5: not flippable
            district(4, (10, 40, 30), ruling=None, endorsed=1),  # no ruling candidate
            district(5, (70, 70, 5), ruling=0),  # tie: q* = 0, not won
        ],
    )
    assert result.flippable_at == {10: 0, 20: 0, 30: 0, 40: 0, 50: 0, 60: 0, 70: 0, 80: 0, 90: 1, 100: 1}
    statuses = [d.status for d in result.districts]
    assert statuses == [WON, LOST, WON, NO_RULING, TIE]
    assert [d.q_star_text() for d in result.districts] == [
        "0.800",
        "0.000",
        "> 1",
        "no ruling candidate",
        "0.000",
    ]
    assert result.with_q_star == 4
    assert "No ruling candidate (no q*) in: x-smd-4." in result.caveats
    no_ruling = result.districts[3]
    assert no_ruling.q_star is None and no_ruling.runner_up == "C4.1" and no_ruling.endorsed_is_strongest
    assert [d.district for d in result.sorted_by_q_star()] == [2, 5, 1, 3, 4]


def test_no_other_votes_means_not_flippable() -> None:
    gap = district_gap(district(1, (100, 60), ruling=0))
    assert math.isinf(gap.q_star or 0) and not gap.flippable
    assert gap.to_json()["q_star"] is None and gap.to_json()["q_star_text"] == "> 1"
    uncontested = district_gap(district(2, (100,), ruling=0))
    assert (uncontested.status, uncontested.runner_up_votes, uncontested.q_star_text()) == (WON, 0, "> 1")


def test_an_endorsement_without_a_choice_is_never_the_strongest() -> None:
    d = district(1, (100, 60, 30), ruling=0)
    gap = district_gap(replace(d, endorsed_off_ballot="independent"))
    assert gap.endorsed is None and gap.endorsed_party == "independent" and gap.endorsed_is_strongest is False


def test_adjustments_move_votes_by_effect_times_ballots_and_are_listed() -> None:
    adjustment = Adjustment(1, "C1.2", 4.0, "reason", "source", date(2021, 9, 1))
    (adjusted,) = apply_adjustments([district(1, (100, 60, 30, 20), ruling=0)], (adjustment,), "a.csv")
    assert adjusted.votes == (100, 60, 70, 20)  # + 4% of 1,000 ballots
    result = coordination_gap("crafted", [adjusted], adjustments=(adjustment,))
    assert result.districts[0].runner_up == "C1.2" and result.districts[0].q_star == pytest.approx(30 / 80)
    assert result.to_json()["adjustments"][0]["published"] == "2021-09-01"
    assert any("analyst input" in c for c in result.caveats)


def test_an_adjustment_for_an_unknown_candidate_is_refused() -> None:
    adjustment = Adjustment(1, "Nobody", 4.0, "reason", "source", date(2021, 9, 1))
    with pytest.raises(InputError, match="a.csv, row 1, column 'candidate': unknown candidate 'Nobody'"):
        apply_adjustments([district(1, (100, 60), ruling=0)], (adjustment,), "a.csv")


@given(
    ruling=st.integers(1, 10_000),
    others=st.lists(st.integers(0, 10_000), min_size=2, max_size=8),
    q=st.integers(1, 100),
)
def test_q_star_is_the_share_of_other_votes_that_ties(ruling: int, others: list[int], q: int) -> None:
    gap = district_gap(district(1, (ruling, *others), ruling=0))
    runner_up, rest = max(others), sum(others) - max(others)
    assert gap.runner_up_votes == runner_up and gap.others_votes == rest
    if ruling <= runner_up:
        assert gap.q_star == 0 and not gap.flips_at(q / 100)
    elif rest:
        assert runner_up + (gap.q_star or 0) * rest == pytest.approx(ruling)
        # moving q of the other votes to the runner-up flips the district iff it overtakes the ruling
        assert gap.flips_at(q / 100) == (runner_up * 100 + q * rest > ruling * 100)
