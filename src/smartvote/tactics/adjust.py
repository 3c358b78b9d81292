"""Analyst adjustments: a candidate's votes moved by a stated effect, with its reason and source.

An adjustment is an analyst's judgement ("this candidate was struck off the ballot's best
position", "a spoiler with the same surname"), made checkable: it names the district, the
candidate (a party label in a party-list proxy), the effect in percentage points of the
district's ballots (valid + invalid), the reason, and a public source published before the
vote. Every output computed with adjustments lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from smartvote.errors import InputError
from smartvote.tactics.districts import DistrictVotes
from smartvote.tactics.parties import label_key, party_mapping


@dataclass(frozen=True)
class Adjustment:
    district: int
    candidate: str
    effect_pp: float
    reason: str
    source: str
    published: date

    def __str__(self) -> str:
        return (
            f"district {self.district}, {self.candidate}: {self.effect_pp:+.1f} pp — {self.reason} "
            f"(source: {self.source}, published {self.published.isoformat()})"
        )


def adjustments_of(frame: pd.DataFrame) -> tuple[Adjustment, ...]:
    """The rows of a table from :func:`~smartvote.data.inputs.read_adjustments`."""
    return tuple(
        Adjustment(
            int(r["district"]),
            str(r["candidate"]),
            float(r["effect_pp"]),
            str(r["reason"]),
            str(r["source"]),
            r["published"],
        )
        for r in frame.to_dict("records")
    )


def _choice(d: DistrictVotes, candidate: str) -> int | None:
    """The index of ``candidate`` in ``d``: by name, or by party where names are party labels."""
    by_name = [i for i, name in enumerate(d.names) if label_key(name) == label_key(candidate)]
    if by_name:
        return by_name[0]
    mapping = party_mapping()
    if mapping.knows(candidate) and mapping.party_id(candidate) in d.parties:
        return d.parties.index(mapping.party_id(candidate))
    return None


def apply_adjustments(
    districts: list[DistrictVotes], adjustments: tuple[Adjustment, ...], file: str
) -> list[DistrictVotes]:
    """``districts`` with each adjustment's effect x ballots added to its candidate (floored at 0).

    An adjustment whose district or candidate is not in ``districts`` raises
    :class:`~smartvote.errors.InputError` naming its row of ``file``.
    """
    by_number = {d.district: i for i, d in enumerate(districts)}
    out = list(districts)
    for row, a in enumerate(adjustments, start=1):
        if a.district not in by_number:
            raise InputError(file, f"unknown district {a.district}", row, "district")
        d = out[by_number[a.district]]
        at = _choice(d, a.candidate)
        if at is None:
            raise InputError(
                file, f"unknown candidate {a.candidate!r} in district {a.district}", row, "candidate"
            )
        votes = list(d.votes)
        votes[at] = max(0, round(votes[at] + a.effect_pp / 100.0 * d.ballots))
        out[by_number[a.district]] = replace(d, votes=tuple(votes))
    return out
