"""Verified protocols against the official count: differences, proofs and an independent tally.

What made Belarus 2020 undeniable was arithmetic, not statistics: protocols the commissions
signed, and ballots the voters photographed, that contradicted the published result. This
module states such facts per station and territory, each with its evidence:

- *copy differs from the publication*: a verified figure (k agreeing tokens, or a value two
  moderators confirmed against the photo) differs from the published one;
- *lower bound*: more voters' reports for a choice (one per distinct voter token) than the
  official votes for it; it proves something only where the tokens went one per person
  through a channel the organisers attest, so the proof carries how they were issued;
- *subset exceeds aggregate*: the verified stations of a territory alone hold more votes for a
  choice than the official total of the whole territory (the Minsk 2020 pattern).

Stations are keyed by (contest, station); figures are named as in the consensus (``L1``...,
``C<choice>``). Where a commission issued a repeat protocol (повторный) whose figure is
verified, that figure is the one compared, since the publication should follow it.

Pure: mappings and tables in, frozen results out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from smartvote.observe.consensus import Protocol

Key = tuple[str, str]
#: How a figure came to be trusted: k agreeing tokens, or two moderators against the photo.
Basis = Literal["tokens", "moderators"]
BASIS_OF = {"verified": "tokens", "confirmed": "moderators"}
#: The lines whose sum is the ballots issued (turnout's numerator), on every form.
ISSUED_COLUMNS = ("ballots_early", "ballots_in_station", "ballots_outside")
TERRITORIES = ("region", "tik")


@dataclass(frozen=True)
class Verified:
    """A trusted figure of a station's protocol and why it is trusted."""

    value: int
    basis: Basis
    tokens: int


def verified_figures(protocols: Iterable[Protocol]) -> dict[Key, dict[str, Verified]]:
    """Per station, its verified or confirmed figures (a repeat protocol's override the first's)."""
    out: dict[Key, dict[str, Verified]] = defaultdict(dict)
    for p in sorted(protocols, key=lambda p: p.kind != "protocol"):
        for f in p.figures:
            if f.status in BASIS_OF and f.value is not None:
                basis: Basis = "tokens" if f.status == "verified" else "moderators"
                out[(p.contest, p.station)][f.figure] = Verified(f.value, basis, f.tokens.get(f.value, 0))
    return dict(out)


@dataclass(frozen=True)
class Station:
    """A station of the frame with its territory."""

    contest: str
    station: str
    region: str
    tik: str

    @property
    def key(self) -> Key:
        return (self.contest, self.station)

    def territory(self, level: str) -> str:
        return self.region if level == "region" else self.tik


@dataclass(frozen=True)
class Difference:
    """One figure where the verified protocol and the publication disagree (``official - verified``)."""

    figure: str
    verified: int
    official: int
    basis: Basis
    tokens: int

    @property
    def delta(self) -> int:
        return self.official - self.verified

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "verified": self.verified,
            "official": self.official,
            "difference": self.delta,
            "basis": self.basis,
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class StationComparison:
    """A station's verified figures against its published ones."""

    station: Station
    compared: int
    differences: tuple[Difference, ...]

    @property
    def favours(self) -> str | None:
        """The choice the publication gained most votes for, if any choice gained."""
        gains = [(d.delta, d.figure) for d in self.differences if d.figure.startswith("C") and d.delta > 0]
        return max(gains)[1][1:] if gains else None

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.station.contest,
            "station": self.station.station,
            "region": self.station.region,
            "tik": self.station.tik,
            "figures_compared": self.compared,
            "differences": [d.to_json() for d in self.differences],
            "favours": self.favours,
        }


def compare(
    stations: Iterable[Station],
    official: Mapping[Key, Mapping[str, int | None]],
    verified: Mapping[Key, Mapping[str, Verified]],
) -> tuple[StationComparison, ...]:
    """Every station with at least one verified figure that also has a published one."""
    out = []
    for s in sorted(stations, key=lambda s: s.key):
        mine, theirs = verified.get(s.key, {}), official.get(s.key, {})
        both = [f for f in sorted(mine) if theirs.get(f) is not None]
        if not both:
            continue
        diffs = tuple(
            Difference(f, mine[f].value, int(theirs[f] or 0), mine[f].basis, mine[f].tokens)
            for f in both
            if mine[f].value != theirs[f]
        )
        out.append(StationComparison(s, len(both), diffs))
    return tuple(out)


def territory_sums(comparisons: Iterable[StationComparison], level: str) -> dict[str, dict[str, Any]]:
    """Per territory (``region`` or ``tik``): stations compared and differing, and the summed
    ``official - verified`` per figure over its compared stations."""
    out: dict[str, dict[str, Any]] = {}
    for c in comparisons:
        t = out.setdefault(c.station.territory(level), {"compared": 0, "differing": 0, "difference": {}})
        t["compared"] += 1
        t["differing"] += bool(c.differences)
        for d in c.differences:
            t["difference"][d.figure] = t["difference"].get(d.figure, 0) + d.delta
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Proof:
    """A fact that needs no statistics, with what proves it."""

    kind: Literal["copy-differs", "lower-bound", "subset-exceeds-aggregate"]
    contest: str
    where: str
    statement: str
    evidence: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "contest": self.contest,
            "where": self.where,
            "statement": self.statement,
            "evidence": dict(self.evidence),
        }


def copy_differs(comparisons: Iterable[StationComparison]) -> tuple[Proof, ...]:
    """Proof (a): every station whose verified protocol differs from its publication."""
    out = []
    for c in comparisons:
        if not c.differences:
            continue
        words = ", ".join(
            f"{d.figure} {d.verified} verified vs {d.official} published" for d in c.differences
        )
        out.append(
            Proof(
                "copy-differs",
                c.station.contest,
                f"station {c.station.station}",
                f"the protocol verified at station {c.station.station} differs from the published one: "
                f"{words}",
                {"station": c.to_json()},
            )
        )
    return tuple(out)


def lower_bound(
    voters: Mapping[tuple[str, str, str], int],
    official: Mapping[Key, Mapping[str, int | None]],
    issuance: str,
) -> tuple[Proof, ...]:
    """Proof (b): stations with more voters' reports for a choice than its official votes.

    ``voters`` counts distinct voter tokens per (contest, station, choice); ``issuance`` says
    how the voter tokens were handed out (one per person, through which attested channel),
    without which the count proves nothing and which every proof therefore repeats.
    """
    out = []
    for (contest, station, choice), n in sorted(voters.items()):
        published = official.get((contest, station), {}).get(f"C{choice}")
        if published is not None and n > published:
            out.append(
                Proof(
                    "lower-bound",
                    contest,
                    f"station {station}",
                    f"{n} distinct voters report voting for {choice} at station {station}; "
                    f"the official count gives it {published}",
                    {
                        "station": station,
                        "choice": choice,
                        "reports": n,
                        "official": published,
                        "tokens_issued": issuance,
                    },
                )
            )
    return tuple(out)


def subset_exceeds(
    stations: Iterable[Station],
    official: Mapping[Key, Mapping[str, int | None]],
    verified: Mapping[Key, Mapping[str, Verified]],
    choices: Mapping[str, Sequence[str]],
    level: str,
) -> tuple[Proof, ...]:
    """Proof (c): territories whose verified stations alone hold more votes for a choice than
    the official total of the whole territory (votes cannot be negative, so the publication
    is false whatever the unobserved stations hold)."""
    members: dict[tuple[str, str], list[Station]] = defaultdict(list)
    for s in stations:
        members[(s.contest, s.territory(level))].append(s)
    out = []
    for (contest, territory), group in sorted(members.items()):
        for choice in choices.get(contest, ()):
            figure = f"C{choice}"
            total = sum(int(official.get(s.key, {}).get(figure) or 0) for s in group)
            seen = [
                (s.station, verified[s.key][figure].value) for s in group if figure in verified.get(s.key, {})
            ]
            held = sum(v for _, v in seen)
            if held > total:
                out.append(
                    Proof(
                        "subset-exceeds-aggregate",
                        contest,
                        f"{level} {territory}",
                        f"{len(seen)} verified stations of {level} {territory} hold {held} votes "
                        f"for {choice}; "
                        f"the official total of its {len(group)} stations is {total}",
                        {
                            "level": level,
                            "territory": territory,
                            "choice": choice,
                            "verified_votes": held,
                            "official_total": total,
                            "stations": [{"station": s, "verified": v} for s, v in sorted(seen)],
                            "stations_in_territory": len(group),
                        },
                    )
                )
    return tuple(out)


@dataclass(frozen=True)
class Tally:
    """Totals, turnout and shares over a set of stations."""

    stations: int
    registered: int
    issued: int
    votes: Mapping[str, int]

    @property
    def turnout(self) -> float:
        return self.issued / self.registered if self.registered else float("nan")

    def shares(self) -> dict[str, float]:
        valid = sum(self.votes.values())
        return {c: v / valid if valid else float("nan") for c, v in self.votes.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "registered": self.registered,
            "issued": self.issued,
            "turnout": self.turnout,
            "votes": dict(self.votes),
            "shares": self.shares(),
        }


def tally(
    figures: Iterable[Mapping[str, int | None]],
    registered: str,
    issued: Sequence[str],
    choices: Sequence[str],
) -> Tally:
    """Sum the figures of stations (``registered``: the figure of the voters' list, ``issued``:
    the figures of ballots issued)."""
    rows = list(figures)
    return Tally(
        len(rows),
        sum(int(r.get(registered) or 0) for r in rows),
        sum(int(r.get(f) or 0) for r in rows for f in issued),
        {c: sum(int(r.get(f"C{c}") or 0) for r in rows) for c in choices},
    )


@dataclass(frozen=True)
class Tabulation:
    """The independent tabulation over fully verified stations, with its coverage and bias."""

    contest: str
    frame_stations: int
    verified: Tally
    official_covered: Tally
    official_uncovered: Tally

    @property
    def coverage_bias(self) -> dict[str, float]:
        """Official share in covered minus official share in uncovered stations, per choice,
        and the same for turnout: how far the covered stations are from the rest."""
        covered, uncovered = self.official_covered.shares(), self.official_uncovered.shares()
        out = {f"share:{c}": covered[c] - uncovered[c] for c in covered}
        out["turnout"] = self.official_covered.turnout - self.official_uncovered.turnout
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "frame_stations": self.frame_stations,
            "coverage": self.verified.stations / self.frame_stations if self.frame_stations else 0.0,
            "verified": self.verified.to_json(),
            "official_covered": self.official_covered.to_json(),
            "official_uncovered": self.official_uncovered.to_json(),
            "coverage_bias": self.coverage_bias,
        }


def tabulate(
    contest: str,
    stations: Iterable[Station],
    official: Mapping[Key, Mapping[str, int | None]],
    verified: Mapping[Key, Mapping[str, Verified]],
    figures: Sequence[str],
    registered: str,
    issued: Sequence[str],
    choices: Sequence[str],
) -> Tabulation:
    """Tally the stations of ``contest`` whose every figure in ``figures`` is verified, and the
    official results of the covered and of the uncovered stations."""
    keys = [s.key for s in stations if s.contest == contest]
    covered = [k for k in keys if all(f in verified.get(k, {}) for f in figures)]
    rest = sorted(set(keys) - set(covered))
    mine = [{f: v.value for f, v in verified[k].items()} for k in covered]
    return Tabulation(
        contest,
        len(keys),
        tally(mine, registered, issued, choices),
        tally([official.get(k, {}) for k in covered], registered, issued, choices),
        tally([official.get(k, {}) for k in rest], registered, issued, choices),
    )
