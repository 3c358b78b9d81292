"""The endorsement effect on a small crafted election, computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from smartvote.tactics.districts import candidate_districts
from smartvote.tactics.effect import NoContrastError, endorsement_effect, split_ticket_units, within_person
from smartvote.tactics.parties import UnknownPartyError

UR, KPRF, YABLOKO = "Единая Россия", "КПРФ", "Яблоко"


def crafted() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two districts of one station each, with a party list voted at the same stations.

    Station s1 (100 ballots): list UR 50, KPRF 30, Yabloko 20; district 1: UR 40, KPRF 20,
    Yabloko (endorsed) 30, a self-nominated 10. Station s2 (200 ballots): list UR 100, KPRF 60,
    Yabloko 40; district 2: UR 90, KPRF (endorsed) 80, Yabloko 30. A station s3 without a
    protocol is ignored.
    """
    stations = pd.DataFrame(
        [
            ("x-list", "s1", 1, 100, 0, False),
            ("x-list", "s2", 2, 198, 2, False),
            ("x-list", "s3", 2, None, None, True),
            ("x-smd-1", "s1", 1, 99, 1, False),
            ("x-smd-2", "s2", 2, 200, 0, False),
            ("x-smd-2", "s3", 2, None, None, True),
        ],
        columns=["contest", "station_id", "district", "valid", "invalid", "no_protocol"],
    ).assign(remote_electronic=False)
    choices = pd.DataFrame(
        [
            ("x-list", 1, UR, UR, 1, True, False),
            ("x-list", 2, KPRF, KPRF, 2, False, False),
            ("x-list", 3, YABLOKO, YABLOKO, 3, False, False),
            ("x-smd-1", 11, "A", UR, 1, True, False),
            ("x-smd-1", 12, "B", KPRF, 2, False, False),
            ("x-smd-1", 13, "C", YABLOKO, 3, False, True),
            ("x-smd-1", 14, "D", None, 4, False, False),
            ("x-smd-2", 21, "E", UR, 1, True, False),
            ("x-smd-2", 22, "F", KPRF, 2, False, True),
            ("x-smd-2", 23, "G", YABLOKO, 3, False, False),
        ],
        columns=["contest", "choice_id", "name", "party", "ballot_position", "ruling", "endorsed"],
    )
    votes = pd.DataFrame(
        [
            ("x-list", "s1", 1, 50),
            ("x-list", "s1", 2, 30),
            ("x-list", "s1", 3, 20),
            ("x-list", "s2", 1, 100),
            ("x-list", "s2", 2, 60),
            ("x-list", "s2", 3, 38),
            ("x-smd-1", "s1", 11, 40),
            ("x-smd-1", "s1", 12, 20),
            ("x-smd-1", "s1", 13, 29),
            ("x-smd-1", "s1", 14, 10),
            ("x-smd-2", "s2", 21, 90),
            ("x-smd-2", "s2", 22, 80),
            ("x-smd-2", "s2", 23, 30),
        ],
        columns=["contest", "station_id", "choice_id", "votes"],
    )
    return stations, choices, votes


@pytest.fixture(scope="module")
def effect() -> object:
    stations, choices, votes = crafted()
    units, excluded = split_ticket_units("crafted", stations, choices, votes)
    districts = candidate_districts("crafted", stations, choices, votes)
    return endorsement_effect(units, excluded, districts, n_boot=4000, rng=7)


def test_split_ticket_by_hand() -> None:
    units, excluded = split_ticket_units("crafted", *crafted())
    # the self-nominated D is no unit; shares are of valid + invalid ballots (100 and 200)
    assert units["name"].tolist() == ["A", "B", "C", "E", "F", "G"] and excluded == 0
    assert units["split_pp"].tolist() == pytest.approx([40 - 50, 20 - 30, 29 - 20, 45 - 50, 40 - 30, 15 - 19])


def test_naive_contrast_and_its_interval_by_hand(effect: object) -> None:
    # endorsed: C +9, F +10 -> 9.5; others: A -10, B -10, E -5, G -4 -> -7.25; naive 16.75
    assert effect.naive_pp == pytest.approx(16.75)
    assert (effect.mean_split_endorsed_pp, effect.mean_split_other_pp) == pytest.approx((9.5, -7.25))
    # Resampling two districts gives {1,1} (p = 1/4): 9 - (-10) = 19; {2,2} (p = 1/4): 10 - (-4.5)
    # = 14.5; {1,2}: 16.75. The 2.5% and 97.5% percentiles are the two extremes.
    assert effect.interval_pp == pytest.approx((14.5, 19.0))
    assert (effect.units, effect.endorsed_units, effect.districts) == (6, 2, 2)


def test_counterfactual_by_hand(effect: object) -> None:
    one, two = effect.counterfactuals
    # district 1: C 29 - 16.75% x 100 ballots = 12.25 < B's 20 (D's 10): B would be strongest
    assert one.votes_without == pytest.approx(12.25) and one.strongest_without == "B" and one.changes
    # district 2: F 80 - 16.75% x 200 = 46.5 > G's 30: unchanged
    assert two.votes_without == pytest.approx(46.5) and not two.changes


def test_the_statement_names_the_confounding(effect: object) -> None:
    assert "confounded" in effect.statement and "not available" in effect.statement
    assert effect.within_person_pp is None


def test_within_person_contrast_by_hand() -> None:
    units = pd.DataFrame(
        {
            "election": ["a", "b", "a", "b", "a"],
            "contest": ["a-smd-1", "b-smd-7", "a-smd-2", "b-smd-8", "a-smd-3"],
            "name": ["Same Person", "same  person", "Other", "Other", "Third"],
            "party_id": ["kprf", "kprf", "ldpr", "yabloko", "kprf"],
            "endorsed": [True, False, True, False, False],
            "split_pp": [6.0, 2.0, 5.0, 1.0, 0.0],
        }
    )
    (person,) = within_person(units)  # "Other" changed party: not the same candidate
    assert (person.endorsed_in, person.not_endorsed_in) == ("a a-smd-1", "b b-smd-7")
    assert person.difference_pp == pytest.approx(4.0)


def test_needs_both_endorsed_and_not_endorsed_candidates() -> None:
    stations, choices, votes = crafted()
    units, excluded = split_ticket_units("crafted", stations, choices.assign(endorsed=False), votes)
    with pytest.raises(NoContrastError, match="crafted: the endorsement effect needs both endorsed and not"):
        endorsement_effect(units, excluded, [], rng=1)


def test_a_party_missing_from_the_mapping_is_refused_by_name() -> None:
    stations, choices, votes = crafted()
    choices.loc[choices["name"] == "G", "party"] = "Партия X"
    with pytest.raises(UnknownPartyError, match="crafted x-smd-2: party 'Партия X' is not in"):
        candidate_districts("crafted", stations, choices, votes)
