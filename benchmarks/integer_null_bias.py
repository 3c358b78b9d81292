"""The exact expected excess of the integer test on a clean synthetic election (no Monte Carlo).

Run: ``.venv/bin/python benchmarks/integer_null_bias.py [--sample 12000] [--seed 0] [--bootstrap]``.

On a clean synthetic election every station's ballots issued are Binomial(E, T) and the
leader's votes Binomial(valid, P), with T and P known (``Simulation.turnout_rate``,
``share_rate``). The expected value of the test's excess for one station is then exact:
``sum_k pmf(k) [1(k integer) - q(k)]``, q(k) the test's own null probability for an observed k
(the binomial around k/n: ``smartvote.forensics.integer.integer_probability``). Summed over
the stations (a random sample of them, scaled up, with its sampling error), it says how far the
test's mean excess and mean z lie from 0 when the counts are honest binomials, separately for
turnout and for the leader's share, and by the number of ballots in the boxes. This measures
the test's null approximation, not the generator: any honest binomial count gives the same.

``--bootstrap`` also tries the textbook remedy for a plug-in's bias, the bootstrap bias
correction (B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 10):
``q~(k) = 2 q(k) - E[q(k*)]``, ``k* ~ Binomial(n, k/n)``, computed exactly for the leader's
share at the stations with fewer than ``--max-boxes`` ballots in the boxes (where the bias
lives), with the votes drawn as Binomial(R, rate) so that only the null's approximation is
at stake. It prints, per denominator, the exact expected excess of both nulls.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import binom

from smartvote.forensics.integer import integer_probability, is_integer_percent
from smartvote.forensics.validation import election_rng
from smartvote.synthetic import simulate

STATIONS = 96_000
BOX_EDGES = (0, 100, 200, 300, 500, 800, 1200, 10**9)


def expected_excess(
    trials: np.ndarray, rate: np.ndarray, denominator: np.ndarray, chunk: int = 4000
) -> tuple[np.ndarray, np.ndarray]:
    """Per station, for k ~ Binomial(trials, rate) and the percentage 100 k / denominator:
    E[1(integer) - q(k)] and E[q(k)(1 - q(k))] (the test's variance term), over k within 7
    standard deviations; counts above 99% are excluded as the test excludes them. Stations go
    ``chunk`` at a time, to bound the memory."""
    parts = [
        _expected_excess(trials[i : i + chunk], rate[i : i + chunk], denominator[i : i + chunk])
        for i in range(0, len(trials), chunk)
    ]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _expected_excess(
    trials: np.ndarray, rate: np.ndarray, denominator: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    sd = np.sqrt(trials * rate * (1 - rate))
    lo = np.maximum(0, np.floor(trials * rate - 7 * sd - 2)).astype(np.int64)
    hi = np.minimum(trials, np.ceil(trials * rate + 7 * sd + 2)).astype(np.int64)
    lengths = hi - lo + 1
    owner = np.repeat(np.arange(len(trials)), lengths)
    k = lo[owner] + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    n = denominator[owner]
    pmf = binom.pmf(k, trials[owner], rate[owner])
    counted = 100 * k <= 99 * n
    q = integer_probability(k, n)
    excess = np.where(counted, is_integer_percent(k, n) - q, 0.0)
    variance = np.where(counted, q * (1 - q), 0.0)
    return (
        np.bincount(owner, pmf * excess, len(trials)),
        np.bincount(owner, pmf * variance, len(trials)),
    )


def bootstrap_comparison(boxes: np.ndarray, rate: np.ndarray) -> list[tuple[int, int, float, float, float]]:
    """Per denominator n: (n, stations, expected excess with q, with the bootstrap-corrected q~,
    with q~ clipped to [0, 1]), for leader's votes Binomial(n, rate) over n ballots in the
    boxes, exact (no sampling)."""
    rows = []
    for n in np.unique(boxes):
        k = np.arange(n + 1)
        full = np.full(n + 1, n)
        q = integer_probability(k, full)
        resampled = binom.pmf(k[None, :], n, (k / n)[:, None]) @ q  # E[q(k*)] for each observed k
        corrected = 2 * q - resampled
        counted = 100 * k <= 99 * n
        integer = is_integer_percent(k, full)
        pmf = binom.pmf(k[None, :], n, rate[boxes == n][:, None])  # stations x k
        plug_in = (pmf @ np.where(counted, integer - q, 0.0)).sum()
        fixed = (pmf @ np.where(counted, integer - corrected, 0.0)).sum()
        clipped = (pmf @ np.where(counted, integer - np.clip(corrected, 0.0, 1.0), 0.0)).sum()
        rows.append((int(n), int((boxes == n).sum()), float(plug_in), float(fixed), float(clipped)))
    return rows


def report_bootstrap(rows: list[tuple[int, int, float, float, float]], max_boxes: int) -> None:
    table = np.array(rows)
    plug_in, fixed = table[:, 2], table[:, 3]
    print(
        f"share, R < {max_boxes}, votes Binomial(R, rate), {table[:, 1].sum():.0f} stations: "
        f"expected excess {plug_in.sum():+.1f} plug-in, {fixed.sum():+.1f} bootstrap-corrected"
        f" ({table[:, 4].sum():+.1f} with q~ clipped to [0, 1])"
    )
    worse = np.abs(fixed) > np.abs(plug_in)
    flipped = np.sign(fixed) == -np.sign(plug_in)
    print(
        f"  {len(rows)} denominators: the correction increases |excess| at {worse.sum()}, "
        f"overshoots (flips its sign) at {flipped.sum()}; largest:"
    )
    for i in np.argsort(-np.maximum(np.abs(plug_in), np.abs(fixed)))[:8]:
        n, stations = int(table[i, 0]), int(table[i, 1])
        print(f"  R {n:4d} {stations:4d} stations  plug-in {plug_in[i]:+6.2f}  corrected {fixed[i]:+6.2f}")


def report(label: str, excess: np.ndarray, variance: np.ndarray, scale: float) -> None:
    total, sd = excess.sum() * scale, np.sqrt(variance.sum() * scale)
    sampled = (
        f" (sampling error {excess.std(ddof=1) * np.sqrt(len(excess)) * scale:.1f})" if scale > 1 else ""
    )
    print(f"{label:8s} expected excess {total:+7.1f}{sampled} per election; ", end="")
    print(f"sd {sd:6.1f}; expected z {total / sd:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=12_000, help="Stations to sum over (0: all).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", action="store_true", help="Also try the bootstrap bias correction.")
    parser.add_argument("--max-boxes", type=int, default=200, help="Its stations: R below this.")
    args = parser.parse_args()
    sim = simulate(STATIONS, election_rng(args.seed, 0))
    c = sim.counts
    tested = (c.registered >= 100) & (c.boxes > 0)
    size = args.sample or int(tested.sum())
    picked = np.random.default_rng(args.seed).choice(np.flatnonzero(tested), size, replace=False)
    scale = tested.sum() / size
    print(f"clean synthetic election [{args.seed}, 0] of {STATIONS:,} stations: {size:,} of {tested.sum():,}")
    e = c.registered[picked]
    report("turnout", *expected_excess(e, sim.turnout_rate[picked], e), scale)
    boxes = c.boxes[picked]
    share_excess, share_variance = expected_excess(c.valid[picked], sim.share_rate[picked], boxes)
    report("share", share_excess, share_variance, scale)
    print("share, by ballots in the boxes R: expected excess per election (per station)")
    group = np.digitize(boxes, BOX_EDGES) - 1
    for i in range(len(BOX_EDGES) - 1):
        hit = group == i
        if hit.any():
            bounds = f"{BOX_EDGES[i]:>4d}-{min(BOX_EDGES[i + 1], 99999):<5d}"
            print(
                f"  R {bounds} {hit.sum() * scale:7.0f} stations "
                f"{share_excess[hit].sum() * scale:+7.1f} ({share_excess[hit].mean():+.5f})"
            )
    if args.bootstrap:
        small = tested & (c.boxes < args.max_boxes)
        report_bootstrap(bootstrap_comparison(c.boxes[small], sim.share_rate[small]), args.max_boxes)


if __name__ == "__main__":
    main()
