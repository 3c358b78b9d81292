"""Where the integer test's mean z on clean synthetic elections comes from, part by part.

Run: ``.venv/bin/python benchmarks/integer_null_parts.py [--elections 200] [--seed 0]`` (about
5 minutes for 200 elections of 96,000 stations on a 2-core machine).

On each clean election of a validation run (the elections of ``smartvote validate integer``)
it prints, averaged over the elections, the excess and z of the three counts ("turnout",
"share", "either" = turnout or share) and the excess of "both" (observed stations with both
integer minus ``sum q_T q_S``, which the "either" null assumes independent), for two nulls:

- the published plug-in null of the test (``q`` from Binomial(n, k/n));
- the bootstrap bias-corrected null ``q~ = 2 q - E[q(k*)]`` (B. Efron and R. J. Tibshirani, *An
  Introduction to the Bootstrap*, 1993, ch. 10), with ``k*`` the count resampled twice
  (Binomial(n, k/n), then Binomial(n, k*/n)) approximated by the beta-binomial of the same
  mean and variance (Pólya urn, ``alpha = p (n - 1)``, ``beta = (1 - p)(n - 1)``: variance
  ``n p (1 - p)(2 - 1/n)``, exactly that of the two draws), so that it costs one more pass over
  the integer windows. The variance stays the plug-in's; ``q~`` is not clipped to [0, 1]
  (clipping biases the sum: ``benchmarks/integer_null_bias.py --bootstrap``).

The paired differences between the two nulls are precise (same elections); the means carry
the printed standard errors.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import special

from smartvote.forensics.integer import _integer_counts_in_range, _prepare, _station_terms
from smartvote.forensics.validation import election_rng
from smartvote.synthetic import simulate

STATIONS = 96_000
COUNTS = ("turnout", "share", "either")


def twice_resampled_probability(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``P(100 X/n is integer)`` for X beta-binomial with the mean and variance of a count
    resampled twice around ``x/n``; 1 where ``x`` is 0 or ``n`` (the count cannot move)."""
    p = x / n
    a, b = p * (n - 1), (1 - p) * (n - 1)
    half = np.ceil(8 * np.sqrt(n * p * (1 - p) * (2 - 1 / n)) + 3).astype(np.int64)
    moving = (x > 0) & (x < n)
    st, k = _integer_counts_in_range(n, np.maximum(x - half, 0), np.minimum(x + half, n), moving)
    m, aa, bb = n[st], a[st], b[st]
    log_pmf = (
        special.gammaln(m + 1)
        - special.gammaln(k + 1)
        - special.gammaln(m - k + 1)
        + special.betaln(k + aa, m - k + bb)
        - special.betaln(aa, bb)
    )
    mass = np.bincount(st, weights=np.exp(log_pmf), minlength=len(n))
    return np.where(moving, mass, 1.0)


def election_parts(index: int, seed: int) -> np.ndarray:
    """Rows: plug-in, corrected; columns: excess and z of each count, then the excess of "both"."""
    c = simulate(STATIONS, election_rng(seed, index)).counts
    st = _prepare(c.registered, c.issued, c.boxes, c.leader, "issued")
    flags, plug_in = _station_terms(st)
    corrected = {
        "turnout": 2 * plug_in["turnout"] - twice_resampled_probability(st.ballots, st.registered),
        "share": 2 * plug_in["share"] - twice_resampled_probability(st.leader, st.boxes),
    }
    turnout, share = corrected["turnout"], corrected["share"]
    corrected["either"] = turnout + share - turnout * share
    both = (flags["turnout"] & flags["share"]).sum()
    rows = []
    for q in (plug_in, corrected):
        row = []
        for count in COUNTS:
            excess = flags[count].sum() - q[count].sum()
            sd = np.sqrt((plug_in[count] * (1 - plug_in[count])).sum())
            row += [excess, excess / sd]
        rows.append([*row, both - (q["turnout"] * q["share"]).sum()])
    return np.array(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elections", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    parts = np.stack([election_parts(i, args.seed) for i in range(args.elections)])  # elections x 2 x 7
    mean, se = parts.mean(axis=0), parts.std(axis=0, ddof=1) / np.sqrt(args.elections)
    shift = parts[:, 1] - parts[:, 0]
    print(f"{args.elections} clean synthetic elections of {STATIONS:,} stations, seed {args.seed}:")
    for row, name in enumerate(("plug-in (published)", "bootstrap-corrected")):
        cells = [
            f"{count} excess {mean[row, j]:+6.1f} z {mean[row, j + 1]:+.3f} ({se[row, j + 1]:.3f})"
            for count, j in zip(COUNTS, range(0, 6, 2), strict=True)
        ]
        print(f"  {name:20s} " + "; ".join(cells) + f"; both excess {mean[row, 6]:+5.1f} ({se[row, 6]:.1f})")
    z_shift = shift[:, 1:6:2]
    z_shift_se = z_shift.std(axis=0, ddof=1) / np.sqrt(len(shift))
    z_means = z_shift.mean(axis=0)
    cells = [f"{c} z {d:+.3f} ({e:.4f})" for c, d, e in zip(COUNTS, z_means, z_shift_se, strict=True)]
    print("  correction, paired: " + "; ".join(cells) + f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
