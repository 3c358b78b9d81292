"""Scanners against hand counts within a territorial commission.

Optical scanners (KOIB) count the ballots themselves, so their protocols are harder to
rewrite; where some stations of a commission count with scanners and the others by hand, the
leader's votes per registered voter at the scanner stations, extrapolated to the whole
commission, estimate what the hand-count stations would have given if they were like the
scanner ones. Kobak & Pshenichnikov's comment on the 2018 presidential election in
Bashkortostan (github.com/dkobak/elections, ``meduza2018/meduza.ipynb``, appendix
"Koibatost"): ``estimate = sum over commissions of registered(commission) x leader(scanner) /
registered(scanner)``; the actual 1,784,626 votes exceed it by 321,336 over 69 commissions.

Scanner stations are not placed at random (they go to towns first), so the figure is an
indication, not a count. Closed special stations (hospitals, pre-trial detention: a very small
register and a turnout near 100%) vote unlike the commission's open stations and made the
naive comparison mislead; :func:`scanner_excess` leaves out, by a stated rule, stations with
fewer than :data:`SPECIAL_MAX_REGISTERED` registered voters and a turnout of at least
:data:`SPECIAL_MIN_TURNOUT` (``exclude_special=False`` reproduces the published figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SPECIAL_MAX_REGISTERED = 200
SPECIAL_MIN_TURNOUT = 0.95


def special_stations(registered: np.ndarray, issued: np.ndarray) -> np.ndarray:
    """Closed special stations by the stated rule: a small register and a turnout near 100%."""
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(registered > 0, issued / np.where(registered > 0, registered, 1), 1.0)
    return (registered < SPECIAL_MAX_REGISTERED) & (turnout >= SPECIAL_MIN_TURNOUT)


@dataclass(frozen=True, eq=False)
class ScannerResult:
    """One row per commission: its registered voters, scanner stations, the leader's rate per
    registered voter there, the extrapolated and actual leader's votes, and the excess.
    Commissions without a scanner station cannot be extrapolated and are listed apart."""

    table: pd.DataFrame
    without_scanners: tuple[str, ...]
    excluded_special: int

    @property
    def actual(self) -> float:
        return float(self.table["actual"].sum())

    @property
    def excess(self) -> float:
        return float(self.table["excess"].sum())

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "scanner_extrapolation",
            "commissions": len(self.table),
            "actual": self.actual,
            "expected": float(self.table["expected"].sum()),
            "excess": self.excess,
            "excluded_special_stations": self.excluded_special,
            "without_scanners": list(self.without_scanners),
            "by_commission": self.table.to_dict(orient="records"),
        }


def scanner_excess(
    region: np.ndarray,
    tik: np.ndarray,
    scanner: np.ndarray,
    registered: np.ndarray,
    issued: np.ndarray,
    leader: np.ndarray,
    *,
    exclude_special: bool = True,
) -> ScannerResult:
    """The extrapolation per (region, tik), over the commissions with any scanner station."""
    special = special_stations(registered, issued) if exclude_special else np.zeros(len(tik), dtype=bool)
    frame = pd.DataFrame(
        {"region": region, "tik": tik, "scanner": scanner, "registered": registered, "leader": leader}
    )[~special]
    frame["scanner_registered"] = frame["registered"].where(frame["scanner"], 0)
    frame["scanner_leader"] = frame["leader"].where(frame["scanner"], 0)
    frame["scanner_stations"] = frame["scanner"].astype(int)
    table = frame.groupby(["region", "tik"], sort=True)[
        ["registered", "leader", "scanner_stations", "scanner_registered", "scanner_leader"]
    ].sum()
    table = table.rename(columns={"leader": "actual"}).reset_index()
    has = table["scanner_registered"] > 0
    without = tuple(f"{r} / {t}" for r, t in table.loc[~has, ["region", "tik"]].itertuples(index=False))
    table = table[has].reset_index(drop=True)
    table["rate"] = table["scanner_leader"] / table["scanner_registered"]
    table["expected"] = table["registered"] * table["rate"]
    table["excess"] = table["actual"] - table["expected"]
    return ScannerResult(table, without, int(special.sum()))
