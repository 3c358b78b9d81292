"""Identical and round-difference protocols within a territorial commission.

A commission that writes its stations' protocols at a desk rather than counting them leaves
traces that honest counting rarely produces: two stations with the *same* vote vector, or with
the same turnout and leader's share to 0.01 percentage points, or two stations whose leader's
votes (ballots issued, registered voters) differ by exactly 100 or 1,000 while their other lines
nearly agree (a protocol copied and "adjusted"). Such checks are a staple of Russian election
analysts' practice (e.g. the identical-protocol searches of S. Shpilkin and of the
"Golos" movement's analysts); what they usually lack is the number of coincidences honest
counting would give. This module computes it exactly.

Null model (honest counting within a commission): a station's valid ballots are split among
the choices as ``Multinomial(valid_i, p)`` with the commission's common shares ``p``; its
ballots issued are ``Binomial(registered_i, tau)`` and its leader's votes ``Binomial(valid_i,
pi)`` with the commission's turnout ``tau`` and leader's share ``pi``, independently.

- Identical vote vectors: two stations can only coincide when their valid ballots agree; the
  probability is the multinomial's collision probability ``C(v) = sum_x P(x)^2``. Written with
  Poisson factors (``Mult(x; v, p) = prod_j Pois(x_j; v p_j) / Pois(v; v)``) it is the
  coefficient of ``z^v`` of ``prod_j sum_k Pois(k; v p_j)^2 z^k`` over ``Pois(v; v)^2``: one
  polynomial product per distinct ``v``, every term in [0, 1] (no overflow), terms below the
  smallest double dropped (they change the result by less than 1e-300 absolute).
- Same (turnout, share) to 0.01 pp: for each station, the pmf of its rounded turnout (in
  0.01 pp cells, 0..10000) and of its rounded share; a pair coincides with probability
  ``<T_i, T_j> <S_i, S_j>`` (inner products of the cell pmfs).
- Round differences: the observed number of pairs whose line differs by exactly ``R`` (100,
  1000) while the other two lines agree within :data:`NEAR` (relative), against the mean
  number at the differences ``R - 10 .. R + 10`` except ``R`` among the same commission's
  pairs (the local density of differences), with a Poisson upper tail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

#: Turnout and share agree when their values rounded to 0.01 percentage points are equal.
CELLS = 10_000
#: Round differences looked for, and the half-width of the neighbourhood they are compared with.
ROUND_DIFFERENCES: tuple[int, ...] = (100, 1000)
NEIGHBOURHOOD = 10
#: "The other lines nearly agree": relative difference at most this.
NEAR = 0.02
#: Binomial tails beyond this many standard deviations are left out of the cell pmfs.
TAIL_SD = 14
LINES: tuple[str, ...] = ("leader", "issued", "registered")


def collision_probability(v: int, p: np.ndarray) -> float:
    """``sum_x Mult(x; v, p)^2``: the chance that two independent draws coincide exactly."""
    if v == 0:
        return 1.0
    p = np.asarray(p, dtype=float)
    p = p[p > 0] / p[p > 0].sum()
    product, offset = np.ones(1), 0  # the product's coefficients from z^offset on
    k = np.arange(v + 1)
    log_factorial = special.gammaln(k + 1)
    for share in p:
        series = np.exp(2 * (special.xlogy(k, v * share) - v * share - log_factorial))
        kept = np.flatnonzero(series)
        product = np.convolve(product, series[kept[0] : kept[-1] + 1])
        offset += int(kept[0])
        product = product[: v + 1 - offset]
    at = v - offset
    return (
        float(product[at] / np.exp(2 * (v * np.log(v) - v - log_factorial[v])))
        if 0 <= at < len(product)
        else 0.0
    )


def _cell_pmfs(n: np.ndarray, rate: float) -> sparse.csr_matrix:
    """Rows: stations; columns: the 0.01 pp cells of ``k / n`` with ``k ~ Binomial(n, rate)``.

    Only ``k`` within :data:`TAIL_SD` standard deviations of the mean are kept: the mass left
    out is below 1e-40, far below any probability reported."""
    sd = np.sqrt(n * rate * (1 - rate))
    lo = np.maximum(0, (n * rate - TAIL_SD * sd).astype(np.int64) - 2)
    hi = np.where(n > 0, np.minimum(n, (n * rate + TAIL_SD * sd).astype(np.int64) + 2), -1)
    width = np.maximum(hi - lo + 1, 0)
    rows = np.repeat(np.arange(len(n)), width)
    k = np.repeat(lo - np.cumsum(width) + width, width) + np.arange(width.sum())
    size = n[rows]
    mass = stats.binom.pmf(k, size, rate)
    cols = np.rint(CELLS * k / np.maximum(size, 1)).astype(np.int64)
    return sparse.csr_matrix((mass, (rows, cols)), shape=(len(n), CELLS + 1))


def _cells(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.rint(CELLS * k / np.where(n > 0, n, 1)), -1).astype(np.int64)


def _pairs_equal(keys: np.ndarray) -> int:
    """Pairs of rows of ``keys`` (2-d) that are equal."""
    if len(keys) < 2:
        return 0
    _, counts = np.unique(keys, axis=0, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


@dataclass(frozen=True)
class Commission:
    """The stations of one commission: counts and the (stations x choices) vote matrix."""

    registered: np.ndarray
    issued: np.ndarray
    valid: np.ndarray
    leader: np.ndarray
    votes: np.ndarray


def identical_vectors(c: Commission) -> tuple[int, float]:
    """Observed and exactly expected pairs of stations with identical vote vectors."""
    observed = _pairs_equal(c.votes)
    total = c.valid.sum()
    if total == 0:
        return observed, 0.0
    p = c.votes.sum(axis=0) / total
    values, counts = np.unique(c.valid, return_counts=True)
    expected = sum(
        n * (n - 1) / 2 * collision_probability(int(v), p)
        for v, n in zip(values, counts, strict=True)
        if n > 1
    )
    return observed, float(expected)


def same_turnout_share(c: Commission) -> tuple[int, float]:
    """Observed and exactly expected pairs with equal (turnout, leader's share) to 0.01 pp."""
    ok = (c.registered > 0) & (c.valid > 0)
    if ok.sum() < 2:
        return 0, 0.0
    reg, iss, val, lead = (
        c.registered[ok],
        np.minimum(c.issued[ok], c.registered[ok]),
        c.valid[ok],
        c.leader[ok],
    )
    observed = _pairs_equal(np.column_stack([_cells(iss, reg), _cells(lead, val)]))
    t = _cell_pmfs(reg, iss.sum() / reg.sum())
    s = _cell_pmfs(val, lead.sum() / val.sum())
    both = (t @ t.T).multiply(s @ s.T)
    return observed, float((both.sum() - both.diagonal().sum()) / 2)


def round_differences(c: Commission) -> dict[str, tuple[int, float]]:
    """Per line and round number R: observed pairs differing by exactly R (other lines near),
    and the mean count at the neighbouring differences."""
    lines = {"leader": c.leader, "issued": c.issued, "registered": c.registered}
    i, j = np.triu_indices(len(c.leader), 1)
    out: dict[str, tuple[int, float]] = {}
    for name, values in lines.items():
        others = [v for n, v in lines.items() if n != name]
        near = np.ones(len(i), dtype=bool)
        for o in others:
            scale = np.maximum(np.maximum(o[i], o[j]), 1)
            near &= np.abs(o[i] - o[j]) <= NEAR * scale
        diff = np.abs(values[i] - values[j])[near]
        for r in ROUND_DIFFERENCES:
            around = [d for d in range(r - NEIGHBOURHOOD, r + NEIGHBOURHOOD + 1) if d != r]
            out[f"{name}_{r}"] = (int((diff == r).sum()), float(np.isin(diff, around).sum() / len(around)))
    return out


@dataclass(frozen=True, eq=False)
class CoincidenceResult:
    """One row per commission: observed and expected coincidences, and Poisson upper tails."""

    table: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        t = self.table
        return {
            "method": "coincidences",
            "commissions": len(t),
            "identical": {
                "observed": int(t["identical"].sum()),
                "expected": float(t["identical_expected"].sum()),
            },
            "same_turnout_share": {
                "observed": int(t["same"].sum()),
                "expected": float(t["same_expected"].sum()),
            },
            "top": t.sort_values("p_identical").head(20).to_dict(orient="records"),
        }


def poisson_upper(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``P(N >= observed)`` for ``N ~ Poisson(expected)`` (1 where nothing was observed)."""
    return np.where(observed > 0, stats.poisson.sf(observed - 1, np.maximum(expected, 1e-300)), 1.0)


def coincidences(
    region: np.ndarray, tik: np.ndarray, commission_of: dict[str, np.ndarray], *, rounds: bool = True
) -> CoincidenceResult:
    """The three checks per (region, tik). ``commission_of`` holds aligned station arrays
    ``registered``, ``issued``, ``valid``, ``leader`` and ``votes`` (stations x choices)."""
    keys = pd.DataFrame({"region": region, "tik": tik}).fillna("(none)")
    rows = []
    for key, index in keys.groupby(["region", "tik"], sort=True).indices.items():
        reg, com = cast(tuple[str, str], key)  # grouped by two columns
        c = Commission(**{k: v[index] for k, v in commission_of.items()})
        identical, identical_expected = identical_vectors(c)
        same, same_expected = same_turnout_share(c)
        row: dict[str, Any] = {
            "region": reg,
            "tik": com,
            "stations": len(index),
            "identical": identical,
            "identical_expected": identical_expected,
            "same": same,
            "same_expected": same_expected,
        }
        if rounds:
            for name, (obs, exp) in round_differences(c).items():
                row[f"round_{name}"] = obs
                row[f"round_{name}_expected"] = exp
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_identical"] = poisson_upper(
        table["identical"].to_numpy(), table["identical_expected"].to_numpy()
    )
    table["p_same"] = poisson_upper(table["same"].to_numpy(), table["same_expected"].to_numpy())
    return CoincidenceResult(table)
