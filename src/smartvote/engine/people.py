"""Candidates as people: the same person across elections, incumbency, the previous result.

A person is identified by their **normalised full name within a region** (NFKC, case-folded,
``ё`` -> ``е``, one dash style, single spaces: the comparison key of
:func:`smartvote.tactics.parties.label_key`), plus the **birth year** where both sources give
it. Russian ballots print surname, first name and patronymic in full, so two namesakes within
one region are rare, but they happen; they are never guessed apart: a key that names two
candidates of one election is reported as ambiguous and links nobody, and two records whose
birth years differ are different people (reported as well). The same approach — exact keys on
cleaned names, every non-unique key set aside for review — is the deterministic first stage of
record linkage (Christen, *Data Matching*, Springer 2012, ch. 2 and 6); nothing fuzzier is
attempted, so a misspelt name stays unlinked rather than wrongly linked.

**Incumbency**: the person won the previous election of the same body. **Previous result**:
their share of the votes cast for candidates in their previous district, used only where that
district overlaps the current one (``overlapping``; the Moscow City Duma districts of 2014 and
2019 have the same boundaries, so a district overlaps only itself).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.tactics.parties import label_key


def person_key(name: str, region: str = "") -> str:
    """The identity key of a full name within a region (birth year apart)."""
    return f"{label_key(region)}|{label_key(name)}"


@dataclass(frozen=True)
class Link:
    """A current candidate (row of the current table) found in the previous election."""

    current: int
    previous: int
    name: str
    district: int
    previous_district: int
    overlapping: bool  # the previous district overlaps the current one
    incumbent: bool  # won the previous election
    previous_share: float | None  # of the candidates' votes in the previous district, if overlapping

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Linking:
    """Every link, and what was set aside instead of guessed."""

    links: tuple[Link, ...]
    ambiguous: tuple[str, ...]  # keys naming several candidates of one election: not linked
    different_birth_year: tuple[str, ...]  # same name, different birth year: not the same person
    current_candidates: int
    previous_winners_standing: int

    @property
    def incumbents(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.incumbent)

    def to_json(self) -> dict[str, Any]:
        return {
            "current_candidates": self.current_candidates,
            "linked": len(self.links),
            "previous_winners_standing_again": self.previous_winners_standing,
            "linked_elsewhere": sum(not link.overlapping for link in self.links),
            "ambiguous": list(self.ambiguous),
            "different_birth_year": list(self.different_birth_year),
            "links": [link.to_json() for link in self.links],
        }


def candidate_shares(candidates: pd.DataFrame) -> np.ndarray:
    """Each candidate's share of the votes cast for the candidates of their district."""
    totals = candidates.groupby("district")["votes"].transform("sum").to_numpy(dtype=float)
    return candidates["votes"].to_numpy(dtype=float) / totals


def link_people(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    region: str = "",
    overlapping: Collection[tuple[int, int]] | None = None,
) -> Linking:
    """Link the candidates of ``current`` (district, candidate[, birth_year]) to those of
    ``previous`` (district, candidate, votes, won[, birth_year]).

    ``overlapping`` holds the (previous district, current district) pairs that overlap; None
    means the same boundaries (a district overlaps only the district of the same number).
    """
    before = previous.assign(key=[person_key(n, region) for n in previous["candidate"]])
    now = current.assign(key=[person_key(n, region) for n in current["candidate"]])
    ambiguous = sorted(
        set(before["key"][before["key"].duplicated()]) | set(now["key"][now["key"].duplicated()])
    )
    share = candidate_shares(previous)
    at = {k: i for i, k in enumerate(before["key"]) if k not in ambiguous}
    links, other_year = [], []
    for i, (key, name, district) in enumerate(
        zip(now["key"], now["candidate"], now["district"], strict=True)
    ):
        j = at.get(key)
        if j is None:
            continue
        if _years_differ(previous, current, j, i):
            other_year.append(key)
            continue
        earlier = int(previous["district"].iloc[j])
        overlap = earlier == int(district) if overlapping is None else (earlier, int(district)) in overlapping
        links.append(
            Link(
                i,
                j,
                str(name),
                int(district),
                earlier,
                overlap,
                bool(previous["won"].iloc[j]),
                float(share[j]) if overlap else None,
            )
        )
    winners = sum(link.incumbent for link in links)
    return Linking(tuple(links), tuple(ambiguous), tuple(other_year), len(current), winners)


def _years_differ(previous: pd.DataFrame, current: pd.DataFrame, j: int, i: int) -> bool:
    """Both records give a birth year and they differ."""
    if "birth_year" not in previous or "birth_year" not in current:
        return False
    a, b = previous["birth_year"].iloc[j], current["birth_year"].iloc[i]
    return not (pd.isna(a) or pd.isna(b)) and int(a) != int(b)
