"""Everything a report shows about one contest: Shpilkin's estimate, the integer test, regions.

Pure: per-station arrays in, a frozen :class:`Analysis` out. Loading from the store and
writing files are the job of :mod:`smartvote.pages.report.writer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from smartvote.forensics import klimek, shpilkin
from smartvote.forensics.digits import DigitResult, digit_tests
from smartvote.forensics.fingerprint import Fingerprint, Points, distance, fingerprint, station_points
from smartvote.forensics.inputs import StationArrays
from smartvote.forensics.integer import IntegerResult, IntegerTest, integer_test, integer_test_by_group
from smartvote.forensics.practitioners import Practitioners
from smartvote.model import Election
from smartvote.progress import Progress, no_progress


@dataclass(frozen=True)
class RegionRow:
    """One region (or territorial commission) of the region table."""

    figures: shpilkin.Figures
    integer: IntegerTest

    @property
    def region(self) -> str:
        return self.figures.label


@dataclass(frozen=True)
class Analysis:
    """The results behind one report; ``group_by`` names what the regional rows are."""

    election: Election
    contest: str
    arrays: StationArrays
    shpilkin: shpilkin.ShpilkinResult
    integer: IntegerResult
    regions: tuple[RegionRow, ...]
    group_by: str
    seed: int
    fingerprint: FingerprintSection | None  # None: too few stations for the fit (a small election)
    digits: DigitResult
    notes: tuple[str, ...] = ()  # what the source lacks (the catalogue's notes)
    practitioners: Practitioners | None = None  # Kireev, ranking, online vs paper, scanners

    @property
    def leader(self) -> str:
        return self.arrays.leader_name

    @property
    def headline(self) -> IntegerTest:
        """The integer test of the headline: "turnout or share", stations, ballots issued."""
        return self.integer.get("either", "stations")


def analyse(
    election: Election,
    contest: str,
    arrays: StationArrays,
    groups: np.ndarray,
    group_by: str,
    *,
    peak: shpilkin.PeakMethod = "first",
    seed: int = 0,
    progress: Progress = no_progress,
) -> Analysis:
    """Run the report's methods on one contest; ``groups`` labels each station's region."""
    progress("Shpilkin's estimate", 0, 1)
    estimate = shpilkin.estimate(arrays, peak=peak, regions=groups, rng=seed)
    progress("Shpilkin's estimate", 1, 1)
    progress("integer test", 0, 1)
    national = integer_test(arrays.registered, arrays.issued, arrays.boxes, arrays.leader)
    progress("integer test", 1, 1)
    return Analysis(
        election=election,
        contest=contest,
        arrays=arrays,
        shpilkin=estimate,
        integer=national,
        regions=_region_rows(arrays, groups, estimate, progress),
        group_by=group_by,
        seed=seed,
        fingerprint=fingerprint_section(arrays, seed, progress),
        digits=_digits(arrays, groups, seed, progress),
    )


# --- Klimek et al.'s fingerprint and the digit tests (issue 10) ----------------------------

#: Bootstrap replicates of the report's fingerprint fit (b) and of its digit tests.
REPORT_REPLICATES = 200


@dataclass(frozen=True, eq=False)
class FingerprintSection:
    """The observed fingerprint beside the fitted model's and the fair model's (both simulated
    with the contest's register sizes), fit (b) and the Hellinger distances to the observed."""

    points: Points
    observed: Fingerprint
    fitted: Fingerprint
    fair: Fingerprint
    fit: klimek.FitResult

    @property
    def fitted_distance(self) -> float:
        return distance(self.observed, self.fitted)

    @property
    def fair_distance(self) -> float:
        return distance(self.observed, self.fair)


def fingerprint_section(arrays: StationArrays, seed: int, progress: Progress) -> FingerprintSection | None:
    """Fit (b) to the contest's fingerprint and simulate the fitted and the fair elections;
    ``None`` for a contest with too few stations for the fit (the report says so)."""
    progress("fingerprint fit", 0, 1)
    pts = station_points(arrays)
    try:
        fit = klimek.fit(pts, REPORT_REPLICATES, rng=seed)
    except klimek.TooFewStationsError:
        progress("fingerprint fit", 1, 1)
        return None
    fitted = fingerprint(klimek.simulate(pts.registered, fit.params, [seed, 1]))
    fair = fingerprint(klimek.simulate(pts.registered, fit.params.fair(), [seed, 1]))
    progress("fingerprint fit", 1, 1)
    return FingerprintSection(pts, fingerprint(pts), fitted, fair, fit)


def _digits(arrays: StationArrays, groups: np.ndarray, seed: int, progress: Progress) -> DigitResult:
    progress("digit tests", 0, 1)
    own = arrays.has_protocol & ~arrays.remote
    result = digit_tests(
        arrays.registered[own], arrays.issued[own], arrays.valid[own], arrays.leader[own],
        np.asarray(groups)[own], REPORT_REPLICATES, rng=seed,
    )  # fmt: skip
    progress("digit tests", 1, 1)
    return result


def _region_rows(
    arrays: StationArrays, groups: np.ndarray, estimate: shpilkin.ShpilkinResult, progress: Progress
) -> tuple[RegionRow, ...]:
    """The national fit's regional figures with each region's own integer test."""
    progress("regions", 0, 1)
    labels = np.asarray(groups).astype(str).astype(object)
    tests = integer_test_by_group(arrays.registered, arrays.issued, arrays.boxes, arrays.leader, labels)
    rows = [
        RegionRow(r.figures, tests[r.figures.label].get("either", "stations"))
        for r in estimate.regions
        if not r.own_fit
    ]
    progress("regions", 1, 1)
    return tuple(sorted(rows, key=lambda row: _natural_key(row.region)))


def _natural_key(label: str) -> tuple[int, int, str]:
    """Numbered commissions in numeric order (2 before 10), named regions alphabetically after them."""
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


def choice_label(name: str, limit: int = 30) -> str:
    """A short label for a figure legend.

    The innermost quoted name if there is one (``... партия "ЯБЛОКО"`` -> ``ЯБЛОКО``), else the
    name before a dash, without the legal form ("Политическая партия"), cut at ``limit``.
    """
    quoted = re.search(r'"([^"]+)"?\s*$', name)
    label = quoted.group(1) if quoted else re.split(r" [–-] ", name)[0]
    label = re.sub(r"^(всероссийская\s+)?политическая\s+партия\s+", "", label.strip(), flags=re.I)
    return label if len(label) <= limit else label[: limit - 1] + "…"
