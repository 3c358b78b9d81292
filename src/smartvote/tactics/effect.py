"""The endorsement effect: how much more an endorsed candidate got than their party's list.

Unit = a candidate of a single-member contest (self-nominated excluded: they have no list).
Split-ticket of a unit = its single-member vote share minus the same party's list share at the
same stations (stations with a protocol in both contests; shares of valid + invalid ballots),
in percentage points. The **naive contrast** is the mean split-ticket of endorsed units minus
that of the others, with a 95% percentile interval from a bootstrap over districts (the
districts are resampled with replacement as clusters, their candidates kept together, because
candidates of one district share its voters and its campaign).

The naive contrast is confounded: the campaign endorsed candidates who were strong already.
The **within-person contrast** compares one person with themselves: a candidate (same full
name, same party) who ran in two contests and was endorsed in exactly one.

The **counterfactual** asks which candidate would have been strongest among the non-ruling
ones without the endorsement: the endorsed candidate's votes minus the naive effect x the
district's ballots (valid + invalid), every other candidate unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.errors import SmartvoteError
from smartvote.model import paired_list, smd_contests
from smartvote.tactics.districts import DistrictVotes, counted
from smartvote.tactics.parties import INDEPENDENT, label_key, party_mapping


class NoContrastError(SmartvoteError):
    """Candidates that are all endorsed, or none: there is nothing to contrast."""


UNIT_COLUMNS = ("election", "contest", "name", "party_id", "endorsed", "smd_share", "list_share", "split_pp")
CONFOUNDING = (
    "The naive contrast is confounded: Smart Voting picked candidates who were strong already, "
    "so it overstates what the endorsement itself added."
)


@dataclass(frozen=True)
class PersonContrast:
    """One person who ran in two contests and was endorsed in exactly one of them."""

    name: str
    party_id: str
    endorsed_in: str
    not_endorsed_in: str
    split_endorsed_pp: float
    split_not_endorsed_pp: float

    @property
    def difference_pp(self) -> float:
        return self.split_endorsed_pp - self.split_not_endorsed_pp


@dataclass(frozen=True)
class Counterfactual:
    """A district's strongest non-ruling candidate with and without the endorsement's votes."""

    election: str
    contest: str
    endorsed: str
    endorsed_votes: int
    votes_without: float
    strongest: str
    strongest_without: str

    @property
    def changes(self) -> bool:
        return self.strongest != self.strongest_without


@dataclass(frozen=True)
class EffectResult:
    elections: tuple[str, ...]
    units: int
    endorsed_units: int
    excluded_units: int  # party candidates whose party had no list in the same election
    districts: int
    mean_split_endorsed_pp: float
    mean_split_other_pp: float
    naive_pp: float
    interval_pp: tuple[float, float]
    n_boot: int
    persons: tuple[PersonContrast, ...]
    counterfactuals: tuple[Counterfactual, ...]
    split_endorsed_pp: tuple[float, ...]  # per unit, for the distribution chart
    split_other_pp: tuple[float, ...]

    @property
    def within_person_pp(self) -> float | None:
        return float(np.mean([p.difference_pp for p in self.persons])) if self.persons else None

    @property
    def statement(self) -> str:
        within = self.within_person_pp
        if within is None:
            return (
                f"{CONFOUNDING} No candidate ran in two contests and was endorsed in exactly one, "
                "so the within-person contrast is not available."
            )
        return (
            f"{CONFOUNDING} The within-person contrast ({len(self.persons)} candidates) is "
            f"{within:+.2f} pp, {self.naive_pp - within:+.2f} pp from the naive {self.naive_pp:+.2f} pp."
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["interval_pp"] = list(self.interval_pp)
        out["within_person_pp"] = self.within_person_pp
        out["statement"] = self.statement
        for person, raw in zip(self.persons, out["persons"], strict=True):
            raw["difference_pp"] = person.difference_pp
        for cf, raw in zip(self.counterfactuals, out["counterfactuals"], strict=True):
            raw["changes"] = cf.changes
        return out

    def __str__(self) -> str:
        low, high = self.interval_pp
        return (
            f"{', '.join(self.elections)}: {self.units} candidates ({self.endorsed_units} endorsed) in "
            f"{self.districts} districts; naive contrast {self.naive_pp:+.2f} pp "
            f"(95% bootstrap interval {low:+.2f} .. {high:+.2f})"
        )


def split_ticket_units(
    election: str, stations: pd.DataFrame, choices: pd.DataFrame, votes: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """The units of one election (columns :data:`UNIT_COLUMNS`) and how many were excluded."""
    mapping = party_mapping()
    ok = counted(stations)
    rows, excluded = [], 0
    names = pd.unique(choices["contest"])
    for contest in smd_contests(names):
        paired = paired_list(contest, names)
        if paired is None:  # no party list to split the ticket against: its candidates are left out
            excluded += int((choices["contest"] == contest).sum())
            continue
        lists = choices[choices["contest"] == paired]
        list_party = {
            mapping.party_id(p, election): i for p, i in zip(lists["party"], lists["choice_id"], strict=True)
        }
        both = set(ok.loc[ok["contest"] == contest, "station_id"]) & set(
            ok.loc[ok["contest"] == paired, "station_id"]
        )
        smd_votes, smd_ballots = _totals(ok, votes, contest, both)
        list_votes, list_ballots = _totals(ok, votes, paired, both)
        for c in choices[choices["contest"] == contest].itertuples():
            party_id = mapping.party_id(c.party, f"{election} {contest}")
            if party_id == INDEPENDENT:
                continue
            if party_id not in list_party:
                excluded += 1
                continue
            smd = 100.0 * smd_votes.get(c.choice_id, 0) / smd_ballots
            lst = 100.0 * list_votes.get(list_party[party_id], 0) / list_ballots
            rows.append((election, contest, c.name, party_id, bool(c.endorsed), smd, lst, smd - lst))
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS)), excluded


def _totals(
    stations: pd.DataFrame, votes: pd.DataFrame, contest: str, ids: set[str]
) -> tuple[pd.Series, int]:
    """Votes per choice and ballots (valid + invalid) of ``contest`` at the stations ``ids``."""
    mine = stations[(stations["contest"] == contest) & stations["station_id"].isin(ids)]
    v = votes[(votes["contest"] == contest) & votes["station_id"].isin(ids)]
    return v.groupby("choice_id")["votes"].sum(), int(mine["valid"].sum() + mine["invalid"].sum())


def bootstrap_contrast(
    units: pd.DataFrame, n_boot: int, rng: int | np.random.Generator | None
) -> tuple[float, float]:
    """95% percentile interval of the naive contrast, resampling districts with replacement."""
    generator = np.random.default_rng(rng)
    key = units["election"] + "/" + units["contest"]
    codes, _ = pd.factorize(key)
    n = int(codes.max()) + 1
    endorsed = units["endorsed"].to_numpy(bool)
    split = units["split_pp"].to_numpy(float)
    sums = [np.bincount(codes, weights=split * m, minlength=n) for m in (endorsed, ~endorsed)]
    counts = [np.bincount(codes, weights=m.astype(float), minlength=n) for m in (endorsed, ~endorsed)]
    draws = generator.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrast = draws @ sums[0] / (draws @ counts[0]) - draws @ sums[1] / (draws @ counts[1])
    contrast = contrast[np.isfinite(contrast)]
    low, high = np.percentile(contrast, [2.5, 97.5])
    return float(low), float(high)


def within_person(units: pd.DataFrame) -> tuple[PersonContrast, ...]:
    """Candidates (same full name and party) in several contests, endorsed in exactly some."""
    keyed = units.assign(person=units["name"].map(label_key) + "|" + units["party_id"])
    out = []
    for _, runs in keyed.groupby("person", sort=True):
        yes, no = runs[runs["endorsed"]], runs[~runs["endorsed"]]
        if len(yes) and len(no):
            out.append(
                PersonContrast(
                    str(runs["name"].iloc[0]),
                    str(runs["party_id"].iloc[0]),
                    ", ".join(yes["election"] + " " + yes["contest"]),
                    ", ".join(no["election"] + " " + no["contest"]),
                    float(yes["split_pp"].mean()),
                    float(no["split_pp"].mean()),
                )
            )
    return tuple(out)


def counterfactual(d: DistrictVotes, naive_pp: float) -> Counterfactual | None:
    """The strongest non-ruling candidate of ``d`` with and without the endorsement effect."""
    if d.endorsed is None:
        return None
    votes = np.asarray(d.votes, dtype=float)
    without = votes.copy()
    without[d.endorsed] -= naive_pp / 100.0 * d.ballots
    eligible = [i for i in range(len(votes)) if i != d.ruling]

    def strongest(v: np.ndarray) -> str:
        return d.names[max(eligible, key=lambda i: (v[i], -i))]

    return Counterfactual(
        d.election,
        d.contest,
        d.names[d.endorsed],
        int(votes[d.endorsed]),
        float(without[d.endorsed]),
        strongest(votes),
        strongest(without),
    )


def endorsement_effect(
    units: pd.DataFrame,
    excluded: int,
    districts: list[DistrictVotes],
    n_boot: int = 2000,
    rng: int | np.random.Generator | None = None,
) -> EffectResult:
    """The naive and within-person contrasts and the counterfactual (see the module docstring)."""
    endorsed = units["endorsed"].to_numpy(bool)
    if not endorsed.any() or endorsed.all():
        elections = ", ".join(dict.fromkeys(units["election"])) or "no election"
        raise NoContrastError(
            f"{elections}: the endorsement effect needs both endorsed and not endorsed candidates "
            "(attach endorsements with `smartvote endorse ID FILE`)"
        )
    split = units["split_pp"].to_numpy(float)
    naive = float(split[endorsed].mean() - split[~endorsed].mean())
    cfs = (counterfactual(d, naive) for d in districts)
    return EffectResult(
        elections=tuple(dict.fromkeys(units["election"])),
        units=len(units),
        endorsed_units=int(endorsed.sum()),
        excluded_units=excluded,
        districts=int((units["election"] + "/" + units["contest"]).nunique()),
        mean_split_endorsed_pp=float(split[endorsed].mean()),
        mean_split_other_pp=float(split[~endorsed].mean()),
        naive_pp=naive,
        interval_pp=bootstrap_contrast(units, n_boot, rng),
        n_boot=n_boot,
        persons=within_person(units),
        counterfactuals=tuple(cf for cf in cfs if cf is not None),
        split_endorsed_pp=tuple(float(x) for x in split[endorsed]),
        split_other_pp=tuple(float(x) for x in split[~endorsed]),
    )
