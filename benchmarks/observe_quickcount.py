"""The quick count's 95% interval coverage on synthetic elections without rewriting.

For each seed: a synthetic election of 5,000 stations (no fraud), a sample of 1,000 drawn with
a 256-bit seed derived from the election's (simple random, then stratified by region), the
combined ratio estimate of the ruling party's share and of turnout from the sample, and whether
its 95% interval covers the truth (the share over every station). Prints the coverage over all
seeds and the median width.

    python benchmarks/observe_quickcount.py [--elections 100] [--stations 5000] [--n 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from smartvote.observe.night import coverage_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elections", type=int, default=100)
    parser.add_argument("--stations", type=int, default=5000)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    for strata in (None, "region"):
        start = time.perf_counter()
        runs = [coverage_run(seed, args.stations, args.n, strata) for seed in range(args.elections)]
        share = sum(r[0] for r in runs)
        turnout = sum(r[1] for r in runs)
        width = statistics.median(r[2] for r in runs)
        print(
            f"strata={strata or 'none'}: 95% interval covers the true share in {share}/{args.elections}, "
            f"turnout in {turnout}/{args.elections}; median width of the share's interval "
            f"{width * 100:.2f} pp; {time.perf_counter() - start:.1f} s"
        )


if __name__ == "__main__":
    main()
