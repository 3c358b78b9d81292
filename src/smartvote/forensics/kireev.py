"""Kireev's small-count test, and an exact null for the same pattern.

A falsifier who writes a party down to a token result in a whole territorial commission tends
to give it "1 or 2 votes" everywhere, where honest counting would leave it 0 at many stations.
Andrey Kireev's rule, as applied in the public analysis of the 2021 State Duma election
(D. Kobak, github.com/dkobak/elections, ``analysis/duma2021/duma2021.ipynb``, section "Kireev
anomaly"): per territorial commission (region, tik) and party, flag when **strictly** more than
20 stations give the party exactly 1 vote, strictly more than 20 exactly 2, and strictly fewer
than 10 exactly 0. On 2021 it flags 11 commission x party pairs (13 with ``>=`` / ``<=``).

The rule's thresholds do not depend on the commission's size or the party's rate, so it cannot
say how surprising a flag is. Beside it, :func:`kireev_test` gives two exact tail
probabilities under honest binomial counting: each station's votes for the party are
``Binomial(valid_i, p)`` with the commission's common rate ``p`` (its votes over its valid
ballots), so the number of zero-vote stations is a Poisson-binomial count with probabilities
``(1 - p)^valid_i`` and the number of stations with 1 or 2 votes one with probabilities
``P(X_i in {1, 2})``. Their exact pmfs (a product of the stations' two-point polynomials, by
dynamic programming over the stations, all parties at once) give ``P(zeros <= observed)`` and
``P(ones and twos >= observed)``. A common rate is conservative against real heterogeneity
between stations (which *raises* the number of zeros), so a small ``P(zeros <= observed)`` is
not explained by stations differing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import special

#: The notebook's thresholds: flag when ones > 20, twos > 20 and zeros < 10 (strict).
MORE_THAN = 20
FEWER_THAN = 10


@dataclass(frozen=True, eq=False)
class KireevResult:
    """One row per (region, commission, choice): the counts, the rule's flag, the exact tails.

    ``table`` columns: region, tik, choice, stations, zeros, ones, twos, votes, valid, rate,
    expected_zeros, p_zeros (``P(zeros <= observed)``), expected_small, p_small
    (``P(#{1, 2} >= observed)``), flagged (Kireev's rule).
    """

    table: pd.DataFrame

    @property
    def flags(self) -> pd.DataFrame:
        return self.table[self.table["flagged"]].reset_index(drop=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "kireev",
            "rule": f"ones > {MORE_THAN} and twos > {MORE_THAN} and zeros < {FEWER_THAN}",
            "cells": len(self.table),
            "flags": self.flags.to_dict(orient="records"),
        }


def _pmfs(q: np.ndarray) -> np.ndarray:
    """Poisson-binomial pmfs, one per row of ``q`` (rows x stations): DP over the stations."""
    rows, n = q.shape
    pmf = np.zeros((rows, n + 1))
    pmf[:, 0] = 1.0
    for i in range(n):  # after station i only counts 0..i+1 are possible
        qi = q[:, i : i + 1]
        pmf[:, 1 : i + 2] = pmf[:, 1 : i + 2] * (1.0 - qi) + pmf[:, : i + 1] * qi
        pmf[:, 0] *= 1.0 - qi[:, 0]
    return pmf


def _lower_tail(pmf: np.ndarray, observed: np.ndarray) -> np.ndarray:
    cum = np.cumsum(pmf, axis=1)
    return np.minimum(1.0, cum[np.arange(len(observed)), observed])


def _upper_tail(pmf: np.ndarray, observed: np.ndarray) -> np.ndarray:
    tail = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
    return np.minimum(1.0, tail[np.arange(len(observed)), observed])


def _commission(votes: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """Counts and exact tails of one commission (stations x choices) for every choice."""
    zeros = (votes == 0).sum(axis=0)
    ones = (votes == 1).sum(axis=0)
    twos = (votes == 2).sum(axis=0)
    total_valid = int(valid.sum())
    rate = votes.sum(axis=0) / total_valid if total_valid else np.zeros(votes.shape[1])
    n = valid.astype(float)[None, :]
    p = rate[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = special.xlog1py(n, -p)  # log (1-p)^n, with 0 * log 0 = 0
    q_zero = np.exp(log_q)
    p_one = n * p * np.exp(special.xlog1py(n - 1, -p))
    p_two = n * (n - 1) / 2 * p * p * np.exp(special.xlog1py(n - 2, -p))
    q_small = np.clip(np.where(n >= 1, p_one, 0) + np.where(n >= 2, p_two, 0), 0.0, 1.0)
    return {
        "zeros": zeros,
        "ones": ones,
        "twos": twos,
        "votes": votes.sum(axis=0),
        "valid": np.full(votes.shape[1], total_valid),
        "rate": rate,
        "expected_zeros": q_zero.sum(axis=1),
        "p_zeros": _lower_tail(_pmfs(q_zero), zeros),
        "expected_small": q_small.sum(axis=1),
        "p_small": _upper_tail(_pmfs(q_small), ones + twos),
    }


def kireev_test(
    region: np.ndarray,
    tik: np.ndarray,
    votes: np.ndarray,
    valid: np.ndarray,
    choice_names: tuple[str, ...],
) -> KireevResult:
    """Kireev's rule and its exact tails for every (region, tik) x choice.

    ``votes`` is (stations x choices); pass only stations with a protocol (the notebook's
    blank rows are NaN and count as neither 0, 1 nor 2).
    """
    keys = pd.DataFrame({"region": region, "tik": tik}).fillna("(none)")
    parts: list[dict[str, np.ndarray]] = []
    labels: list[tuple[str, str, int]] = []
    for key, index in keys.groupby(["region", "tik"], sort=True).indices.items():
        reg, com = cast(tuple[str, str], key)  # grouped by two columns
        parts.append(_commission(votes[index], valid[index]))
        labels.append((str(reg), str(com), len(index)))
    k = len(choice_names)
    table = pd.DataFrame(
        {
            "region": np.repeat([r for r, _, _ in labels], k),
            "tik": np.repeat([c for _, c, _ in labels], k),
            "choice": np.tile(np.array(choice_names, dtype=object), len(labels)),
            "stations": np.repeat([n for _, _, n in labels], k),
            **{name: np.concatenate([p[name] for p in parts]) for name in parts[0]},
        }
    )
    table["flagged"] = (
        (table["ones"] > MORE_THAN) & (table["twos"] > MORE_THAN) & (table["zeros"] < FEWER_THAN)
    )
    return KireevResult(table)
