"""Poll shares with their sampling uncertainty, and how it depends on an assumed sample size.

A published poll often omits its sample size; the margin of error then rests on an assumed
effective n (:data:`~smartvote.data.inputs.DEFAULT_EFFECTIVE_N`), so every summary shows
the margin at half and at twice that n too. Shares are kept as published: what they leave to
100% (undecided, refusals, parties not reported) is shown as a separate remainder and never
redistributed among the parties. The margin is the normal approximation of a simple random
sample, 1.96 * sqrt(p (1 - p) / n) (the Wald interval of a proportion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import pandas as pd


@dataclass(frozen=True)
class PollShare:
    party: str
    party_id: str
    share_percent: float
    margin_pp: float  # half-width of the 95% interval at the poll's n
    margin_pp_half_n: float  # ... at half that n (sensitivity to an assumed n)
    margin_pp_double_n: float  # ... at twice that n


@dataclass(frozen=True)
class PollSummary:
    pollster: str
    published: date
    population: str
    source: str
    sample_size: int
    sample_size_assumed: bool  # True when the poll reported no sample size
    shares: tuple[PollShare, ...]
    remainder_percent: float  # 100 - the sum of the published shares, never redistributed

    def __str__(self) -> str:
        n = f"n = {self.sample_size:,}" + (" (assumed: not reported)" if self.sample_size_assumed else "")
        return f"{self.pollster} {self.published:%Y-%m} ({self.population}), {n}"

    def to_json(self) -> dict[str, Any]:
        return {
            "pollster": self.pollster,
            "published": date.isoformat(self.published),
            "population": self.population,
            "source": self.source,
            "sample_size": self.sample_size,
            "sample_size_assumed": self.sample_size_assumed,
            "remainder_percent": self.remainder_percent,
            "shares": [vars(x) for x in self.shares],
        }


def margin_pp(share_percent: float, n: int) -> float:
    """Half-width of the 95% normal-approximation interval of a share, in percentage points."""
    p = share_percent / 100.0
    return 100.0 * 1.96 * math.sqrt(p * (1.0 - p) / n)


def summarize_polls(polls: pd.DataFrame, effective_n: int) -> list[PollSummary]:
    """One summary per poll (pollster, published, population) of a table from ``read_polls``."""
    if effective_n <= 0:
        raise ValueError(f"effective_n must be positive, got {effective_n}")
    out = []
    for (pollster, published, population), poll in polls.groupby(
        ["pollster", "published", "population"], sort=True
    ):
        reported = poll["sample_size"].dropna()
        n = int(reported.iloc[0]) if len(reported) else effective_n
        ordered = poll.sort_values("share_percent", ascending=False)
        shares = tuple(
            PollShare(
                str(party),
                str(party_id),
                float(share),
                margin_pp(float(share), n),
                margin_pp(float(share), max(1, n // 2)),
                margin_pp(float(share), 2 * n),
            )
            for party, party_id, share in zip(
                ordered["party"], ordered["party_id"], ordered["share_percent"], strict=True
            )
        )
        out.append(
            PollSummary(
                str(pollster),
                cast(date, published),
                str(population),
                str(poll["source"].iloc[0]),
                n,
                not len(reported),
                shares,
                round(100.0 - float(poll["share_percent"].sum()), 6),
            )
        )
    return out
