"""The recommendation: in every district, the challenger most likely to beat the ruling candidate.

For a challenger c and a coordination level q, c "beats the ruling candidate at q" when

    S_c + q (N - S_c) > S_R

with S the simulated shares, R the ruling candidate and N the total share of the non-ruling
candidates: a share q of the voters of every other non-ruling candidate moves to c;
abstainers and invalid ballots are untouched (the same accounting as the coordination gap,
:mod:`smartvote.tactics.gap`). Each draw's flip threshold q* = (S_R - S_c) / (N - S_c) is
computed once; P(c beats R | q) on a grid of q is then a histogram of the thresholds and a
cumulative sum. The pick is the challenger with the highest probability at the analyst's q.

Flags: ``too close to call`` when P(best) - P(second) < 0.10 at q; ``wins without
coordination`` when P(best beats R | q = 0) >= 0.5; ``hopeless`` when P(best beats R | q = 1)
< 0.05; ``no ruling candidate`` (then the pick is the candidate with the highest expected
share, and no probability is stated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from smartvote.engine.strength import Field, Scales, draws
from smartvote.errors import SmartvoteError

#: The coordination grid: q = 0, 0.01, ..., 1.
STEPS = 100
GRID = np.round(np.arange(STEPS + 1) / STEPS, 2)
NEVER = STEPS + 1  # threshold index of a challenger who does not beat R even at q = 1
DEFAULT_Q = 0.3
TOO_CLOSE = "too close to call"
WINS_ALONE = "wins without coordination"
HOPELESS = "hopeless"
NO_RULING = "no ruling candidate"


@dataclass(frozen=True)
class EngineDraws:
    """Per-draw flip thresholds as grid indices, and whether R won each district at q = 0.

    ``first[i, d, s]`` is the first grid index k at which slot s beats the ruling candidate in
    draw i (:data:`NEVER` for the ruling slot, empty slots and challengers who never do).
    """

    first: np.ndarray  # uint8 (draws, districts, slots)
    ruling_won: np.ndarray  # bool (draws, districts)
    mean_share: np.ndarray  # (districts, slots): the mean simulated share


class GridError(SmartvoteError, ValueError):
    """A coordination level off the grid."""


def grid_index(q: float) -> int:
    """The grid index of ``q`` (which must be a multiple of 0.01 in [0, 1])."""
    k = round(q * STEPS)
    if not 0 <= k <= STEPS or abs(k - q * STEPS) > 1e-6:
        raise GridError(f"q must be a multiple of 0.01 between 0 and 1, got {q}")
    return k


def thresholds(
    shares: np.ndarray, ruling: np.ndarray, backed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Grid indices of the flip thresholds of every slot, and R's wins at q = 0, of one chunk.

    With ``backed`` (district x slot: the ruling-backed candidates) S_R is the strongest of
    them and N the share of everyone else: a challenger must beat every one of them.
    """
    has_ruling = ruling >= 0
    if backed is None:
        at = np.where(has_ruling, ruling, 0)
        r = np.take_along_axis(shares, at[None, :, None], axis=2)  # (m, d, 1)
        room = 1.0 - r - shares  # shares are normalised: N - S_c = 1 - S_R - S_c
    else:
        side = np.where(backed[None], shares, 0.0)
        r = side.max(axis=2, keepdims=True)
        room = 1.0 - side.sum(axis=2, keepdims=True) - shares
    x = r - shares
    x *= STEPS
    with np.errstate(divide="ignore", invalid="ignore"):
        x /= room
    alone = room <= 0  # the only challenger: beats R outright or never
    if alone.any():
        x[alone] = np.where(shares[alone] > r.repeat(shares.shape[2], axis=2)[alone], -1.0, np.inf)
    np.clip(x, -1.0, STEPS + 0.5, out=x)
    np.floor(x, out=x)
    x += 1
    first = x.astype(np.uint8)
    first[:, ~has_ruling, :] = NEVER
    first[:, np.arange(len(ruling))[has_ruling], ruling[has_ruling]] = NEVER
    if backed is not None:
        first[:, backed] = NEVER
    won = (first.min(axis=2) >= 1) & has_ruling  # no challenger ahead of R at q = 0
    return first, won


def simulate(field: Field, scales: Scales, n: int, rng: int | np.random.Generator | None) -> EngineDraws:
    """Run ``n`` draws of the strength model and keep each draw's thresholds."""
    generator = np.random.default_rng(rng)
    firsts, wons = [], []
    total = np.zeros(field.shape)
    for shares in draws(field, scales, n, generator):
        first, won = thresholds(shares, field.ruling, field.backed)
        firsts.append(first)
        wons.append(won)
        total += shares.sum(axis=0)
    return EngineDraws(np.concatenate(firsts), np.concatenate(wons), total / n)


def beat_probabilities(sim: EngineDraws, chunk: int = 500) -> np.ndarray:
    """P(slot beats the ruling candidate | q) for every district, slot and grid q: (d, s, 101).

    A histogram of the thresholds per (district, slot), built ``chunk`` draws at a time (to stay
    in cache), then a cumulative sum over the grid.
    """
    n, n_districts, n_slots = sim.first.shape
    cells = n_districts * n_slots * (NEVER + 1)
    offset = (np.arange(n_districts * n_slots, dtype=np.int32) * (NEVER + 1)).reshape(n_districts, n_slots)
    counts = np.zeros(cells, dtype=np.int64)
    for start in range(0, n, chunk):
        flat = offset + sim.first[start : start + chunk]
        counts += np.bincount(flat.ravel(), minlength=cells)
    counts = counts.reshape(n_districts, n_slots, NEVER + 1)
    return np.cumsum(counts, axis=2)[:, :, : STEPS + 1] / n


@dataclass(frozen=True)
class DistrictPick:
    """The recommendation for one district, with the numbers behind it."""

    district: str
    pick: int  # slot of the recommended challenger
    name: str
    party: str
    probability: float | None  # P(pick beats R | q); None without a ruling candidate
    runner_up: str | None  # the second-best challenger at q
    runner_up_probability: float | None
    without_coordination: float | None  # P(pick beats R | q = 0)
    full_coordination: float | None  # P(pick beats R | q = 1)
    ruling: str | None
    expected_shares: tuple[float, ...]  # per slot, of the candidates' votes
    flags: tuple[str, ...]
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {
            "flags": list(self.flags),
            "expected_shares": [round(x, 4) for x in self.expected_shares],
        }


@dataclass(frozen=True)
class Recommendation:
    q: float
    draws: int
    scales: Scales
    districts: tuple[DistrictPick, ...]
    picks: np.ndarray  # slot per district
    probabilities: np.ndarray  # (districts, slots, 101): P(slot beats R | q)


def recommend(
    field: Field, sim: EngineDraws, q: float = DEFAULT_Q, scales: Scales | None = None
) -> Recommendation:
    """The pick, flags and explanation of every district of ``field`` at coordination ``q``."""
    k = grid_index(q)
    probabilities = beat_probabilities(sim)
    picks = []
    out = []
    for d in range(field.shape[0]):
        pick = _district_pick(field, sim, probabilities, d, k)
        picks.append(pick.pick)
        out.append(pick)
    return Recommendation(
        q, sim.first.shape[0], scales or Scales(0, 0, 0), tuple(out), np.array(picks), probabilities
    )


def _district_pick(field: Field, sim: EngineDraws, probabilities: np.ndarray, d: int, k: int) -> DistrictPick:
    names = field.names[d]
    backed = field.backed[d] if field.backed is not None else np.arange(field.shape[1]) == field.ruling[d]
    slots = [s for s in range(len(names)) if not backed[s]]
    mean = sim.mean_share[d]
    party = [field.parties[p] if p >= 0 else "" for p in field.party[d]]
    shares = tuple(float(x) for x in mean[: len(names)])
    if field.ruling[d] < 0:
        best = max(slots, key=lambda s: mean[s])
        text = (
            f"No ruling candidate: {names[best]} ({party[best]}) has the highest expected share "
            f"({mean[best]:.1%}); no probability is stated."
        )
        return DistrictPick(
            field.districts[d], best, names[best], party[best], None, None, None, None, None, None,
            shares, (NO_RULING,), text,
        )  # fmt: skip
    ranked = sorted(slots, key=lambda s: (-probabilities[d, s, k], -mean[s]))
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    p_best = float(probabilities[d, best, k])
    p_second = float(probabilities[d, second, k]) if second is not None else 0.0
    p0, p1 = float(probabilities[d, best, 0]), float(probabilities[d, best, STEPS])
    flags = tuple(
        flag
        for flag, on in (
            (TOO_CLOSE, p_best - p_second < 0.10),
            (WINS_ALONE, p0 >= 0.5),
            (HOPELESS, p1 < 0.05),
        )
        if on
    )
    ruling = int(field.ruling[d])
    text = (
        f"{names[best]} ({party[best]}) beats the ruling candidate in {p_best:.0%} of simulations "
        f"at q = {GRID[k]:.0%} ({p0:.0%} without coordination, {p1:.0%} with all of it)"
        + (f"; next best {names[second]} ({party[second]}) {p_second:.0%}" if second is not None else "")
        + f". Expected shares: ruling {mean[ruling]:.1%}, {names[best]} {mean[best]:.1%}"
        + (f", {names[second]} {mean[second]:.1%}" if second is not None else "")
        + "."
    )
    return DistrictPick(
        field.districts[d], best, names[best], party[best], p_best,
        None if second is None else names[second], None if second is None else p_second,
        p0, p1, names[ruling], shares, flags, text,
    )  # fmt: skip
