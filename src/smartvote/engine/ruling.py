"""The ruling side, whatever the label: which candidates of a district the ruling party backs.

In the Moscow City Duma election of 2019 most candidates backed by United Russia and the city
government ran as self-nominated; self-nomination is not independence. A candidate is marked
as backed by the ruling party by the data (a source's own column) or by an **analyst input
file** (docs/tactics-formats.md, "Ruling-side marks": district, candidate, backed_by_ruling,
source — a public source for every mark, as for the other analyst inputs); a mark of the file
replaces the data's mark of the same candidate. A district may have several ruling-backed
candidates (the pick must then beat every one of them: the probability is of beating all)
or none (said so, and no probability is stated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.tactics.parties import label_key


@dataclass(frozen=True)
class RulingSide:
    """Per candidate (rows of the ballot), whether the ruling party backs them, and why."""

    backed: np.ndarray  # bool per ballot row
    origin: tuple[str, ...]  # "data", the analyst's source, or "" (not backed, no mark)
    districts: tuple[int, ...]
    per_district: np.ndarray  # ruling-backed candidates per district

    @property
    def without(self) -> tuple[int, ...]:
        """Districts without a ruling-backed candidate."""
        return tuple(d for d, n in zip(self.districts, self.per_district, strict=True) if n == 0)

    @property
    def several(self) -> tuple[int, ...]:
        """Districts with more than one: the pick must beat all of them."""
        return tuple(d for d, n in zip(self.districts, self.per_district, strict=True) if n > 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "backed_candidates": int(self.backed.sum()),
            "districts_with_one": int((self.per_district == 1).sum()),
            "districts_with_several": list(self.several),
            "districts_without": list(self.without),
            "from_analyst_file": sum(o not in ("", "data") for o in self.origin),
        }


def ruling_side(
    ballot: pd.DataFrame, data_column: str | None = "backed_by_ruling", marks: pd.DataFrame | None = None
) -> RulingSide:
    """The ruling-backed candidates of ``ballot``: the data's ``data_column`` (if any), with the
    analyst's ``marks`` (from :func:`read_ruling_marks`) replacing it where they name a candidate."""
    backed = ballot[data_column].to_numpy(bool).copy() if data_column else np.zeros(len(ballot), bool)
    origin = ["data" if b else "" for b in backed]
    if marks is not None and len(marks):
        where = {
            (d, k): i
            for i, (d, k) in enumerate(
                zip(ballot["district"].astype(int), (label_key(n) for n in ballot["candidate"]), strict=True)
            )
        }
        for d, key, flag, source in marks.itertuples(index=False):
            i = where[(d, key)]
            backed[i] = flag
            origin[i] = source if flag else f"not backed: {source}"
    districts = np.unique(ballot["district"].astype(int).to_numpy())
    at = np.searchsorted(districts, ballot["district"].astype(int).to_numpy())
    per_district = np.bincount(at, weights=backed, minlength=len(districts)).astype(int)
    return RulingSide(backed, tuple(origin), tuple(int(d) for d in districts), per_district)
