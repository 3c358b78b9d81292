"""Sergey Shpilkin's estimate of anomalous votes from the distribution of votes over turnout.

Shpilkin's argument (his analyses of the Russian elections of 2011-2024, as reported in the
press; a public R re-implementation is kkalininMI/EFToolkit): where the count is honest, the
votes of the ruling choice and of everyone else are spread over the turnout bins in the same
proportion; the other choices' votes peak at the "natural" turnout and fall off above it. Votes
of the ruling choice above that peak, in excess of the proportion seen at and below it, are
anomalous: they were added (stuffed, or rewritten in the protocol). Treating them as stuffed
ballots gives "clean" turnout and shares.

Definitions (docs/forensics-shpilkin.md has the formulas and pitfalls). A station's bin is
``k = floor(100 B / E)`` in integer arithmetic (B ballots issued, E registered; 0..100, a turnout
of 100% or more is bin 100). Per bin, ``L_k`` are the leader's votes and ``O_k`` every other ballot
found in the boxes (valid + invalid - leader). The reference peak ``p`` is the smallest local
maximum of the centred three-bin moving average of ``O`` that reaches half its maximum; the clean
ratio ``rho`` is ``sum L / sum O`` over bins ``<= p``; the anomalous votes are
``A = sum_{k > p} max(0, L_k - rho O_k)``, computed on the raw (not averaged) sums.

Pure: arrays in, frozen results out; no files, database or printing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from smartvote.forensics.inputs import StationArrays

N_BINS = 101
PeakMethod = Literal["first", "global", "mcd"]
PEAK_METHODS: tuple[str, ...] = ("first", "global", "mcd")
#: The share of stations the Minimum Covariance Determinant keeps as the clean core.
MCD_SUPPORT_FRACTION = 0.5
#: At most this many stations (drawn at random) enter the MCD: 95,000 take 30 s, 10,000 take 3 s
#: and move the centre by about one bin.
MCD_MAX_STATIONS = 10_000

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TurnoutBins:
    """Votes per turnout bin ``k = 0..100``: the leader's, everyone else's, and each choice's."""

    stations: IntArray
    leader: IntArray
    others: IntArray
    choices: IntArray  # (number of choices, 101)


@dataclass(frozen=True)
class Fit:
    """Where the clean part ends (peak bin ``p``) and the leader-to-others ratio below it."""

    peak: int
    rho: float
    method: str

    def anomalous_per_bin(self, leader: IntArray, others: IntArray) -> FloatArray:
        """``max(0, L_k - rho O_k)`` for the bins above the peak, 0 at and below it."""
        excess = np.maximum(0.0, leader - self.rho * others)
        excess[: self.peak + 1] = 0.0
        return excess


@dataclass(frozen=True)
class Figures:
    """Official and clean figures of a set of stations (the contest, or one region)."""

    label: str
    stations: int
    registered: int
    issued: int
    ballots: int  # valid + invalid
    leader_votes: int
    anomalous_votes: float

    @property
    def turnout_pct(self) -> float:
        return _pct(self.issued, self.registered)

    @property
    def leader_pct(self) -> float:
        return _pct(self.leader_votes, self.ballots)

    @property
    def clean_turnout_pct(self) -> float:
        """(sum B - A) / sum E: the anomalous votes taken as stuffed ballots."""
        return _pct(self.issued - self.anomalous_votes, self.registered)

    @property
    def clean_leader_pct(self) -> float:
        """(sum L - A) / (sum R - A)."""
        return _pct(self.leader_votes - self.anomalous_votes, self.ballots - self.anomalous_votes)


@dataclass(frozen=True)
class RegionEstimate:
    """One region's anomalous votes; ``fit`` is the national fit unless ``own_fit`` is set."""

    figures: Figures
    fit: Fit
    own_fit: bool


@dataclass(frozen=True)
class ShpilkinResult:
    """The estimate for one contest.

    ``total`` has the official and clean figures over every station with a protocol (remote
    electronic included, as officially reported); ``bins`` and ``fit`` come from the stations
    used (``stations_used``); ``remote`` has the remote electronic pseudo-stations' own official
    figures, reported separately. ``regions`` apply the national fit to each region's bins: their
    anomalous votes add up to more than the national total (``regions_excess``) because the
    clipping at zero is done per region.
    """

    fit: Fit
    bins: TurnoutBins
    anomalous_per_bin: FloatArray
    total: Figures
    remote: Figures
    choice_votes: IntArray
    leader_column: int
    stations_used: int
    regions: tuple[RegionEstimate, ...]

    @property
    def anomalous_votes(self) -> float:
        return self.total.anomalous_votes

    @property
    def clean_choice_pct(self) -> FloatArray:
        """Each choice's clean share: V_c / (sum R - A), the leader's (sum L - A) / (sum R - A)."""
        return clean_shares(self.choice_votes, self.leader_column, self.total)

    @property
    def regions_excess(self) -> float:
        """Sum of the regions' anomalous votes minus the national estimate (>= 0)."""
        national = [r for r in self.regions if not r.own_fit]
        return sum(r.figures.anomalous_votes for r in national) - self.anomalous_votes if national else 0.0

    def __str__(self) -> str:
        t = self.total
        return (
            f"Shpilkin ({self.fit.method} peak at {self.fit.peak}%, rho {self.fit.rho:.3f}): "
            f"{t.anomalous_votes / 1e6:.2f} M anomalous votes; turnout {t.turnout_pct:.2f}% -> "
            f"{t.clean_turnout_pct:.2f}%, leader {t.leader_pct:.2f}% -> {t.clean_leader_pct:.2f}%"
        )


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


def turnout_bin(registered: npt.ArrayLike, issued: npt.ArrayLike) -> IntArray:
    """``floor(100 B / E)`` in integer arithmetic, 100 for 100% and above (E must be > 0)."""
    e = np.asarray(registered, dtype=np.int64)
    b = np.asarray(issued, dtype=np.int64)
    if (e <= 0).any():
        raise ValueError(f"registered voters must be > 0 to bin turnout, got {int(e.min())}")
    return np.minimum((100 * b) // e, N_BINS - 1)


def _bin_sum(
    bins: IntArray, values: npt.ArrayLike, groups: IntArray | None = None, n_groups: int = 1
) -> IntArray:
    """Integer sums of ``values`` per bin (per group and bin when ``groups`` is given)."""
    index = bins if groups is None else groups * N_BINS + bins
    sums = np.bincount(index, weights=np.asarray(values, dtype=np.float64), minlength=n_groups * N_BINS)
    shaped = np.rint(sums).astype(np.int64)
    return shaped if groups is None else shaped.reshape(n_groups, N_BINS)


def turnout_bins(bins: IntArray, leader: IntArray, ballots: IntArray, choice_votes: IntArray) -> TurnoutBins:
    """Sum one set of stations into the 101 turnout bins (``choice_votes``: stations x choices)."""
    return TurnoutBins(
        stations=np.bincount(bins, minlength=N_BINS).astype(np.int64),
        leader=_bin_sum(bins, leader),
        others=_bin_sum(bins, ballots - leader),
        choices=np.stack([_bin_sum(bins, column) for column in np.asarray(choice_votes).T])
        if np.asarray(choice_votes).size
        else np.zeros((0, N_BINS), np.int64),
    )


def moving_average(others: npt.ArrayLike) -> FloatArray:
    """The centred three-bin moving average ``S_k = (O_{k-1} + O_k + O_{k+1}) / 3`` (O = 0 outside)."""
    padded = np.pad(np.asarray(others, dtype=np.float64), 1)
    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0


def first_peak(others: npt.ArrayLike) -> int:
    """The smallest k with ``S_k >= S_{k-1}``, ``S_k >= S_{k+1}`` and ``S_k >= max S / 2``.

    Neighbours outside 0..100 count as minus infinity, so bins 0 and 100 can be peaks.
    """
    s = moving_average(others)
    padded = np.pad(s, 1, constant_values=-np.inf)
    local_max = (s >= padded[:-2]) & (s >= padded[2:]) & (s >= 0.5 * s.max())
    return int(np.flatnonzero(local_max)[0])


def global_peak(others: npt.ArrayLike) -> int:
    """The bin of the largest moving average (the first, on ties)."""
    return int(np.argmax(moving_average(others)))


def mcd_peak(
    turnout_pct: FloatArray,
    leader_pct: FloatArray,
    rng: int | np.random.Generator | None = None,
    support_fraction: float = MCD_SUPPORT_FRACTION,
) -> int:
    """The turnout bin of the centre of the "clean core" of stations.

    A Minimum Covariance Determinant (scikit-learn's ``MinCovDet``, the FastMCD algorithm) on
    (turnout, leader's share), every station weighted equally, keeping ``support_fraction`` of
    them: the densest, most compact half of the stations, which leaves out the long tail of
    high-turnout, high-share stations. Above :data:`MCD_MAX_STATIONS` stations a random sample
    of that size (from ``rng``) is used.
    """
    try:
        from sklearn.covariance import MinCovDet
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("the MCD peak needs scikit-learn: pip install 'smartvote[forensics]'") from exc
    generator = np.random.default_rng(rng)
    points = np.column_stack([turnout_pct, leader_pct])
    if len(points) > MCD_MAX_STATIONS:
        points = points[generator.choice(len(points), MCD_MAX_STATIONS, replace=False)]
    seed = int(generator.integers(2**31 - 1))
    mcd = MinCovDet(support_fraction=support_fraction, random_state=seed).fit(points)
    return int(min(N_BINS - 1, max(0, np.floor(mcd.location_[0]))))


def fit_at(peak: int, leader: IntArray, others: IntArray, method: str) -> Fit:
    """The clean ratio ``rho = sum_{k<=p} L_k / sum_{k<=p} O_k`` (peak bin included)."""
    below = slice(0, peak + 1)
    denominator = int(others[below].sum())
    rho = int(leader[below].sum()) / denominator if denominator else float("nan")
    return Fit(peak, rho, method)


def anomalous_votes(fit: Fit, leader: IntArray, others: IntArray) -> float:
    """``A = sum_{k>p} max(0, L_k - rho O_k)``; 0 when the fit has no ratio."""
    if np.isnan(fit.rho):
        return 0.0
    return float(fit.anomalous_per_bin(leader, others).sum())


def clean_shares(choice_votes: IntArray, leader_column: int, total: Figures) -> FloatArray:
    """Every choice's votes over (sum R - A); the leader's are (sum L - A) / (sum R - A)."""
    votes = np.asarray(choice_votes, dtype=np.float64).copy()
    votes[leader_column] -= total.anomalous_votes
    return 100.0 * votes / (total.ballots - total.anomalous_votes)


def estimate(
    stations: StationArrays,
    *,
    peak: PeakMethod = "first",
    include_remote: bool = False,
    region_fits: bool = False,
    regions: npt.NDArray[np.object_] | None = None,
    rng: int | np.random.Generator | None = None,
) -> ShpilkinResult:
    """Shpilkin's estimate for one contest, nationally and per region.

    The bins use the stations with a protocol and E > 0, minus the remote electronic ones unless
    ``include_remote``; the totals use every station with a protocol. ``regions`` labels the
    stations for the regional figures (default: their region). ``peak`` chooses the reference
    peak: ``"first"`` (the default, see :func:`first_peak`), ``"global"``
    (:func:`global_peak`) or ``"mcd"`` (:func:`mcd_peak`).
    ``region_fits`` adds, after the regions under the national fit, one estimate per region with
    its own peak and ratio (labelled ``own_fit``; never summed into the total).
    """
    if peak not in PEAK_METHODS:
        raise ValueError(f"unknown peak method {peak!r}; choose one of {PEAK_METHODS}")
    s = stations
    ballots = s.valid + s.invalid
    used = s.has_protocol & (s.registered > 0) & (include_remote | ~s.remote)
    bins = turnout_bin(s.registered[used], s.issued[used])
    binned = turnout_bins(bins, s.leader[used], ballots[used], s.choice_votes[used])
    fit = _fit(binned, peak, s, used, rng)
    total = _figures("total", s, s.has_protocol, anomalous_votes(fit, binned.leader, binned.others))
    labels = s.region if regions is None else regions
    region_estimates = _regions(s, labels, used, bins, fit, region_fits)
    return ShpilkinResult(
        fit=fit,
        bins=binned,
        anomalous_per_bin=fit.anomalous_per_bin(binned.leader, binned.others),
        total=total,
        remote=_figures("remote electronic", s, s.has_protocol & s.remote, 0.0),
        choice_votes=s.choice_votes[s.has_protocol].sum(axis=0),
        leader_column=s.leader_column,
        stations_used=int(used.sum()),
        regions=region_estimates,
    )


def _fit(
    binned: TurnoutBins,
    method: str,
    s: StationArrays,
    used: npt.NDArray[np.bool_],
    rng: int | np.random.Generator | None,
) -> Fit:
    if method == "mcd":
        ballots = (s.valid + s.invalid)[used]
        has_ballots = ballots > 0
        turnout = 100.0 * s.issued[used] / s.registered[used]
        share = 100.0 * s.leader[used][has_ballots] / ballots[has_ballots]
        p = mcd_peak(turnout[has_ballots], share, rng)
    elif method == "global":
        p = global_peak(binned.others)
    else:
        p = first_peak(binned.others)
    return fit_at(p, binned.leader, binned.others, method)


def _figures(label: str, s: StationArrays, mask: npt.NDArray[np.bool_], anomalous: float) -> Figures:
    return Figures(
        label=label,
        stations=int(mask.sum()),
        registered=int(s.registered[mask].sum()),
        issued=int(s.issued[mask].sum()),
        ballots=int(s.valid[mask].sum() + s.invalid[mask].sum()),
        leader_votes=int(s.leader[mask].sum()),
        anomalous_votes=anomalous,
    )


def _regions(
    s: StationArrays,
    regions: npt.NDArray[np.object_],
    used: npt.NDArray[np.bool_],
    bins: IntArray,
    fit: Fit,
    own_fits: bool,
) -> tuple[RegionEstimate, ...]:
    """Each region's bins under the national fit (and, optionally, under its own first-peak fit)."""
    labels, codes = np.unique(np.asarray(regions).astype(str), return_inverse=True)
    used_codes = codes[used]
    leader = _bin_sum(bins, s.leader[used], used_codes, len(labels))
    others = _bin_sum(bins, (s.valid + s.invalid - s.leader)[used], used_codes, len(labels))
    national, own = [], []
    for i, label in enumerate(labels):
        in_region = s.has_protocol & (codes == i)
        a = anomalous_votes(fit, leader[i], others[i])
        national.append(RegionEstimate(_figures(str(label), s, in_region, a), fit, own_fit=False))
        if own_fits and others[i].any():
            own_fit = fit_at(first_peak(others[i]), leader[i], others[i], "first")
            a_own = anomalous_votes(own_fit, leader[i], others[i])
            own.append(RegionEstimate(_figures(str(label), s, in_region, a_own), own_fit, own_fit=True))
    return tuple(national + own)
