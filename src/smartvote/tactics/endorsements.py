"""Endorsements checked against an election, and applied to its choices.

Two levels, chosen by what the election holds:

- **candidate level** (the election has single-member contests, e.g. ``spb-2021-duma``): each
  endorsement must name a district with a contest and a candidate on its ballot (names compare
  ignoring case, ``ё``/``е`` and spacing) of the endorsed party;
- **party level** (only a party list, e.g. ``russia-duma-2021``, whose dataset has no
  single-member results outside St Petersburg): the district must be one of the stations'
  districts; the candidate cannot be checked and is kept as given; the party must be mapped.

Unknown districts, candidates and parties raise :class:`~smartvote.errors.InputError` naming
the file and row; nothing is attached unless every row is valid.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from smartvote.errors import InputError
from smartvote.tactics.parties import label_key, party_mapping

CANDIDATE_LEVEL, PARTY_LEVEL = "candidate", "party"


def endorsement_level(contests: pd.DataFrame) -> str:
    return CANDIDATE_LEVEL if (contests["kind"] == "smd").any() else PARTY_LEVEL


def resolve_endorsements(
    endorsements: pd.DataFrame,
    contests: pd.DataFrame,
    choices: pd.DataFrame,
    station_districts: pd.Series,
    file: str,
) -> pd.DataFrame:
    """``endorsements`` (from ``read_endorsements``) plus ``contest`` and ``choice_id`` columns.

    At party level ``contest`` is empty and ``choice_id`` null.
    """
    if endorsement_level(contests) == PARTY_LEVEL:
        known = set(station_districts.dropna().astype(int))
        for row, district in enumerate(endorsements["district"], start=1):
            if district not in known:
                raise InputError(
                    file, f"unknown district {district} (no station votes in it)", row, "district"
                )
        return endorsements.assign(contest="", choice_id=pd.array([pd.NA] * len(endorsements), "Int64"))
    smd = contests[contests["kind"] == "smd"].set_index("district")["contest"]
    contest_col: list[str] = []
    choice_col: list[int] = []
    for row, e in enumerate(endorsements.to_dict("records"), start=1):
        if e["district"] not in smd.index:
            numbers = sorted(smd.index)
            raise InputError(
                file, f"unknown district {e['district']} (districts: {numbers})", row, "district"
            )
        contest = str(smd[e["district"]])
        contest_col.append(contest)
        choice_col.append(_choice_of(e, choices[choices["contest"] == contest], contest, file, row))
    return endorsements.assign(contest=contest_col, choice_id=pd.array(choice_col, "Int64"))


def _choice_of(e: dict[Hashable, Any], candidates: pd.DataFrame, contest: str, file: str, row: int) -> int:
    """The choice id of endorsement ``e`` among a contest's ``candidates``."""
    hit = candidates[candidates["name"].map(label_key) == label_key(str(e["candidate"]))]
    if hit.empty:
        message = f"unknown candidate {e['candidate']!r} in district {e['district']} ({contest})"
        raise InputError(file, message, row, "candidate")
    party = hit["party"].iloc[0]
    if party_mapping().party_id(party, contest) != e["party_id"]:
        message = f"{e['candidate']!r} runs for {party or 'self-nominated'}, not {e['party']!r}"
        raise InputError(file, message, row, "party")
    return int(hit["choice_id"].iloc[0])


def apply_endorsements(choices: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """Candidate level: ``choices`` whose ``endorsed`` flags are exactly the resolved endorsements
    (in the single-member contests they cover)."""
    covered = choices["contest"].isin(set(resolved["contest"]))
    endorsed = set(zip(resolved["contest"], resolved["choice_id"].astype("int64"), strict=True))
    flags = [(c, i) in endorsed for c, i in zip(choices["contest"], choices["choice_id"], strict=True)]
    return choices.assign(endorsed=choices["endorsed"].where(~covered, pd.Series(flags, index=choices.index)))
