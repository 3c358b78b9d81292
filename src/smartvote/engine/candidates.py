"""Candidate effects in the strength model: the party's baseline, the person's own previous
result, incumbency — for a district-level election with a previous election of the same body.

For candidate c of district d (party p; a candidate the ruling party backs counts as the ruling
party's, whatever the nomination; a self-nominated candidate it does not back is
``independent``):

    P[d, c]    = k[p] · B[d, p]          (party component; k[independent] · 1 for the self-nominated)
    mean[d, c] = P[d, c] · exp(ρ · e[c] + ψ · I[c])

- B[d, p]: the party's share of a prior party-list vote at the district's stations
  (:mod:`smartvote.engine.baseline`); k[p]: how a party's list share turns into its
  candidate's share in this body's elections, **fitted on the previous election alone**
  (ratio of sums of the previous candidates' shares and their parties' B; the ruling side's
  candidates against the ruling list; the self-nominated candidates it does not back, their
  mean share; a party with fewer than :data:`MIN_CANDIDATES` previous candidates: the pooled
  ratio of the non-ruling parties — a ratio resting on two candidates is noise, e.g. 9.9 and
  24.6 for Rodina and Civic Force in Moscow 2014).
- e[c]: the person's **previous personal effect**, log(previous share / previous P) in their
  previous district, when it overlaps the current one (:mod:`smartvote.engine.people`); 0
  otherwise. ρ = :data:`PERSISTENCE` carries it over in full — the assumption of the simple
  rule "the candidate's own previous share" — because no pair of candidate-level elections is
  in the data to fit it; the backtest reports the sensitivity to ρ (0, 0.5, 1), chosen before
  it was run and never selected on its results.
- I[c]: incumbency (won the previous election); ψ = :data:`INCUMBENCY_LOG`, from the literature
  (Gelman & King, "Estimating Incumbency Advantage without Bias", AJPS 34(4), 1990: about 8
  points of the two-party vote in US House races since the 1970s, an effect beyond the previous
  vote; log(58 / 50) ≈ 0.15 in log-share at an even race). A two-party estimate does not transfer
  exactly; it is the documented prior, and the backtest reports ψ = 0 beside it.

The errors are those of :mod:`smartvote.engine.strength` (the draws, the free-vote multiplier,
the ruling side on log-odds), with scales **from the previous election alone**: the district
scale of each party is the spread of e over its previous candidates (centred per party, the
ruling side's on log-odds, the others divided by the free-vote multiplier), i.e. how far a
candidate strays from the party component; the city-wide (``national``) scale is the engine's
carried-over scale for parties without a poll (no city poll is used), and there is one region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.engine.people import Linking, candidate_shares
from smartvote.engine.strength import Field, Scales, error_multiplier
from smartvote.tactics.parties import INDEPENDENT

RULING_PARTY = "united-russia"
#: ρ: the share of a person's previous personal effect carried over (an assumption, see above).
PERSISTENCE = 1.0
#: ψ: the incumbency effect in log-share (Gelman & King 1990, see above).
INCUMBENCY_LOG = 0.15
#: The city-wide scale of every party without a poll: the engine's carried-over national scale
#: (RMS of the log changes of national share 2011 -> 2016, 0.452; docs/engine.md).
CITY_SCALE = 0.45
#: Fewer previous candidates than this: a party gets the pooled conversion and district scale.
MIN_CANDIDATES = 10
#: Floor of a share inside logarithms (a candidate with no vote).
FLOOR = 1e-4


def modelled_party(party: pd.Series, backed: np.ndarray) -> np.ndarray:
    """The party a candidate counts for in the model: the ruling party for every candidate it
    backs (self-nomination is not independence), the nominating party otherwise."""
    return np.where(backed, RULING_PARTY, party.to_numpy(dtype=object))


@dataclass(frozen=True)
class Conversion:
    """k[p] per party, fitted on the previous election, and how many candidates each rests on."""

    ratio: dict[str, float]
    pooled: float  # non-ruling parties without previous candidates
    independent: float  # mean share of the self-nominated candidates the ruling side did not back
    candidates: dict[str, int]

    def component(self, party: str, baseline: float | None) -> float:
        if party == INDEPENDENT or baseline is None:
            return self.independent
        return self.ratio.get(party, self.pooled) * baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "ratio": {p: round(k, 4) for p, k in self.ratio.items()},
            "pooled": round(self.pooled, 4),
            "independent_share": round(self.independent, 4),
            "candidates": self.candidates,
        }


def _baseline_of(baseline: pd.DataFrame, district: int, party: str) -> float | None:
    """B[d, p] (districts as index, parties as columns); None without a list of that party."""
    if party == INDEPENDENT or party not in baseline.columns:
        return None
    return float(baseline[party].loc[district])


def fit_conversion(previous: pd.DataFrame, baseline: pd.DataFrame) -> Conversion:
    """k[p] from the previous election: ``previous`` has district, model_party, votes."""
    share = candidate_shares(previous)
    sums: dict[str, list[float]] = {}
    independent = []
    for d, p, s in zip(previous["district"], previous["model_party"], share, strict=True):
        b = _baseline_of(baseline, int(d), p)
        if b is None:
            independent.append(s)
            continue
        total = sums.setdefault(p, [0.0, 0.0, 0])
        total[0] += s
        total[1] += b
        total[2] += 1
    ratio = {p: s / b for p, (s, b, n) in sums.items() if b > 0 and n >= MIN_CANDIDATES}
    others = [(s, b) for p, (s, b, _) in sums.items() if p != RULING_PARTY]
    pooled = sum(s for s, _ in others) / sum(b for _, b in others)
    return Conversion(
        ratio, pooled, float(np.mean(independent)), {p: int(n) for p, (_, _, n) in sums.items()}
    )


def personal_effects(previous: pd.DataFrame, baseline: pd.DataFrame, conversion: Conversion) -> np.ndarray:
    """e = log(share / P) of every previous candidate."""
    share = np.maximum(candidate_shares(previous), FLOOR)
    component = np.array(
        [
            conversion.component(p, _baseline_of(baseline, int(d), p))
            for d, p in zip(previous["district"], previous["model_party"], strict=True)
        ]
    )
    return np.log(share / np.maximum(component, FLOOR))


def fit_district_scales(previous: pd.DataFrame, effects: np.ndarray, component: np.ndarray) -> Scales:
    """District scales from the previous election's candidates, in the model's own
    parameterisation (as :func:`smartvote.engine.strength.fit_scales`): the ruling side's
    residual on log-odds, the others' divided by the free-vote multiplier of their district."""
    party = previous["model_party"].to_numpy(dtype=object)
    ruling = party == RULING_PARTY
    share = np.maximum(candidate_shares(previous), FLOOR)
    residual = effects.copy()
    expected = np.minimum(component, 0.99)
    residual[ruling] -= np.log1p(-np.minimum(share[ruling], 0.99)) - np.log1p(-expected[ruling])
    ruling_share = (
        pd.Series(np.where(ruling, expected, 0.0)).groupby(previous["district"].to_numpy()).transform("max")
    )
    residual[~ruling] /= error_multiplier(ruling_share.to_numpy())[~ruling]
    frame = pd.DataFrame({"party": party, "r": residual})
    frame["r"] -= frame.groupby("party")["r"].transform("mean")
    sd = frame.groupby("party")["r"].agg(["std", "count"])
    fitted = sd[sd["count"] >= MIN_CANDIDATES]
    non_ruling = frame[(frame["party"] != RULING_PARTY)]
    pooled = float(non_ruling["r"].std())
    return Scales(
        CITY_SCALE,
        0.0,
        pooled,
        tuple((str(p), 0.0, float(s)) for p, s in fitted["std"].items()),
    )


@dataclass(frozen=True)
class CandidateModel:
    """The field of the current election and what went into it."""

    field: Field
    scales: Scales
    conversion: Conversion
    component: tuple[tuple[float, ...], ...]  # P per district and slot
    effect: tuple[tuple[float, ...], ...]  # ρ·e + ψ·I per district and slot
    rows: tuple[tuple[int, ...], ...]  # ballot row of each slot
    persistence: float
    incumbency: float

    def to_json(self) -> dict[str, Any]:
        return {
            "persistence": self.persistence,
            "incumbency_log": self.incumbency,
            "conversion": self.conversion.to_json(),
            "scales": {
                "city": self.scales.national,
                "district_pooled": round(self.scales.district, 4),
                "district_by_party": {p: round(d, 4) for p, _, d in self.scales.by_party},
            },
        }


def candidate_field(
    ballot: pd.DataFrame,
    previous: pd.DataFrame,
    baseline: pd.DataFrame,
    linking: Linking,
    region: str,
    persistence: float = PERSISTENCE,
    incumbency: float = INCUMBENCY_LOG,
) -> CandidateModel:
    """The field of ``ballot`` (district, candidate, model_party, backed; pre-vote columns only)
    from ``previous`` (district, candidate, model_party, votes, won: the previous election),
    ``baseline`` (B: districts as index, party ids as columns) and the people ``linking``."""
    conversion = fit_conversion(previous, baseline)
    effects = personal_effects(previous, baseline, conversion)
    previous_component = np.array(
        [
            conversion.component(p, _baseline_of(baseline, int(d), p))
            for d, p in zip(previous["district"], previous["model_party"], strict=True)
        ]
    )
    scales = fit_district_scales(previous, effects, previous_component)
    carried = np.zeros(len(ballot))
    for link in linking.links:
        carried[link.current] += (persistence * effects[link.previous] if link.overlapping else 0.0) + (
            incumbency if link.incumbent else 0.0
        )
    parties = tuple(dict.fromkeys(ballot["model_party"]))
    districts = sorted({int(d) for d in ballot["district"]})
    groups = [np.flatnonzero(ballot["district"].to_numpy() == d) for d in districts]
    width = max(len(g) for g in groups)
    party = np.full((len(districts), width), -1)
    mean = np.zeros((len(districts), width))
    backed = np.zeros((len(districts), width), dtype=bool)
    ruling = np.full(len(districts), -1)
    names, components, effect_rows = [], [], []
    for i, (d, rows) in enumerate(zip(districts, groups, strict=True)):
        p_of = ballot["model_party"].to_numpy(dtype=object)[rows]
        comp = [conversion.component(p, _baseline_of(baseline, d, p)) for p in p_of]
        party[i, : len(rows)] = [parties.index(p) for p in p_of]
        mean[i, : len(rows)] = np.array(comp) * np.exp(carried[rows])
        backed[i, : len(rows)] = ballot["backed"].to_numpy(bool)[rows]
        if backed[i].any():
            ruling[i] = int(np.argmax(np.where(backed[i], mean[i], -1.0)))
        names.append(tuple(str(n) for n in ballot["candidate"].to_numpy()[rows]))
        components.append(tuple(float(x) for x in comp))
        effect_rows.append(tuple(float(x) for x in carried[rows]))
    field = Field(
        districts=tuple(f"city-smd-{d}" for d in districts),
        names=tuple(names),
        parties=parties,
        regions=(region,),
        party=party,
        mean=mean,
        ruling=ruling,
        region=np.zeros(len(districts), dtype=int),
        backed=backed,
    )
    return CandidateModel(
        field,
        scales,
        conversion,
        tuple(components),
        tuple(effect_rows),
        tuple(tuple(int(r) for r in g) for g in groups),
        persistence,
        incumbency,
    )
