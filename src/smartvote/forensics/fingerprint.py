"""The election fingerprint: the two-dimensional histogram of turnout and the leader's share.

Klimek, Yegorov, Hanel & Thurner ("Statistical detection of systematic election
irregularities", PNAS 109(41), 2012, figure 1) show every election as the number of units per
cell of turnout x the winner's share; honest elections make one compact cluster, incremental
fraud smears it towards the upper right and extreme fraud adds a second cluster near
(100%, 100%). The fraud model of :mod:`smartvote.forensics.klimek` is fitted to this histogram.

Definitions (docs/forensics-klimek.md): a station's turnout is its valid ballots over its
registered voters and its share the leader's votes over its valid ballots, as in the authors'
code (the leader's stuffed ballots are valid votes); cells are 1% wide, 100 per axis, the last
one closed (100% falls in the 99-100% cell, as in :func:`numpy.histogram`). Cells of counts are
computed in integer arithmetic, so that 29 of 100 falls in the 29% cell, not the 28% one.
Pure: arrays in, frozen results out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from smartvote.forensics.inputs import StationArrays

#: Cells per axis (1% each).
CELLS = 100
Weight = Literal["stations", "voters"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Points:
    """The stations a fingerprint is made of: registered voters, valid ballots, leader's votes.

    Only stations with registered voters, valid ballots, and no more valid ballots than
    registered voters enter (the fraud model cannot produce the others).
    """

    registered: IntArray
    valid: IntArray
    leader: IntArray

    def __len__(self) -> int:
        return len(self.registered)

    @property
    def turnout(self) -> FloatArray:
        return np.asarray(self.valid / self.registered, dtype=np.float64)

    @property
    def share(self) -> FloatArray:
        return np.asarray(self.leader / self.valid, dtype=np.float64)

    def cells(self) -> tuple[IntArray, IntArray]:
        """Each station's (turnout cell, share cell), by integer arithmetic."""
        return cell_of(self.valid, self.registered), cell_of(self.leader, self.valid)

    def subset(self, mask: npt.NDArray[np.bool_]) -> Points:
        return Points(self.registered[mask], self.valid[mask], self.leader[mask])


def points(registered: np.ndarray, valid: np.ndarray, leader: np.ndarray) -> Points:
    """The usable stations of these count arrays (see :class:`Points`)."""
    registered, valid, leader = (np.asarray(a, dtype=np.int64) for a in (registered, valid, leader))
    keep = (registered > 0) & (valid > 0) & (valid <= registered) & (leader >= 0) & (leader <= valid)
    return Points(registered[keep], valid[keep], leader[keep])


def station_points(arrays: StationArrays) -> Points:
    """The fingerprint's stations of one contest: ordinary stations with a protocol (the remote
    electronic pseudo-stations are not polling stations and are left out)."""
    own = arrays.has_protocol & ~arrays.remote
    return points(arrays.registered[own], arrays.valid[own], arrays.leader[own])


def cell_of(numerator: np.ndarray, denominator: np.ndarray) -> IntArray:
    """``floor(100 numerator / denominator)`` in integers, 100% in the last cell (99)."""
    return np.minimum((100 * numerator) // denominator, CELLS - 1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """``counts[i, j]``: stations (or registered voters) with turnout in cell i, share in cell j."""

    counts: FloatArray
    weight: str

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    @property
    def density(self) -> FloatArray:
        """The counts as shares of their total."""
        return np.asarray(self.counts / max(self.total, 1e-300), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """Rows are turnout cells 0..99, columns share cells 0..99 (sparse: non-zero cells only)."""
        i, j = np.nonzero(self.counts)
        return {
            "weight": self.weight,
            "cells": CELLS,
            "total": round(self.total, 3),
            "nonzero": [
                [int(a), int(b), round(float(self.counts[a, b]), 3)] for a, b in zip(i, j, strict=True)
            ],
        }


def fingerprint(pts: Points, weight: Weight = "stations") -> Fingerprint:
    """The observed fingerprint; ``weight="voters"`` counts registered voters instead of stations."""
    if weight not in ("stations", "voters"):
        raise ValueError(f"weight is 'stations' or 'voters', got {weight!r}")
    turnout, share = pts.cells()
    w = np.ones(len(pts)) if weight == "stations" else pts.registered.astype(np.float64)
    flat = np.bincount(turnout * CELLS + share, weights=w, minlength=CELLS * CELLS)
    return Fingerprint(np.asarray(flat.reshape(CELLS, CELLS), dtype=np.float64), weight)


#: Cells of the distance: 5% x 5%. On 1% cells two samples of the same model of 20,000
#: stations are 0.22 apart (the noise of 10,000 sparse cells); on 5% cells 0.05.
DISTANCE_CELL = 5


def distance(observed: Fingerprint, other: Fingerprint, cell: int = DISTANCE_CELL) -> float:
    """Hellinger distance between two fingerprints' densities on ``cell``% cells (0: identical,
    1: disjoint).

    Why Hellinger: it is bounded, symmetric and defined where either histogram has empty
    cells; why coarser cells: on the 1% grid the distance of two samples of one model is mostly
    the noise of its many near-empty cells, which would hide how far a fit is from the data.
    """
    k = CELLS // cell
    p, q = (f.density.reshape(k, cell, k, cell).sum(axis=(1, 3)) for f in (observed, other))
    return float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))
