"""The ranking's hit rate on synthetic elections with fraud confined to 5 regions of 80.

Run: ``.venv/bin/python benchmarks/ranking.py [ELECTIONS] [STATIONS_PER_REGION]`` (default 100
elections, 1132.6 stations per region as in 2021, i.e. ~90,600 stations). For each of two
frauds (stuffing 5% of each chosen region's leader's votes at its top 20% turnout stations;
rewriting turnout and share to whole percents at 2% of their stations each) and at full and
half size, it prints: the elections where all 5 chosen regions are in the top 10 (the issue's
target: 90 of 100), the mean number of them in the top 10 (chance: 0.625), each signal's mean
z in chosen and other regions, and the null distribution of the combined z on clean elections.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from smartvote.forensics.ranking import FAST_SIGNALS, RankInput, combined, combined_null, rank
from smartvote.forensics.validation import election_rng, simulation_arrays
from smartvote.synthetic import Country, Fraud, Simulation, simulate

REGIONS = 80
CHOSEN = 5
TOP = 10


def rank_input(sim: Simulation) -> RankInput:
    g = sim.geography
    commission = (g.region.astype(str) + "/" + g.commission.astype(str)).astype(object)
    return RankInput(simulation_arrays(sim), g.region.astype(str).astype(object), commission)


def run(label: str, fraud: Fraud, scale: float, elections: int, per_region: float) -> None:
    country = Country(stations_per_region=per_region)
    stations = int(REGIONS * per_region)
    start = time.perf_counter()
    null = combined_null(
        [rank_input(simulate(stations, election_rng(1, i), country)) for i in range(10)], FAST_SIGNALS
    )
    all_found, found = 0, []
    z_in: dict[str, list[float]] = {}
    z_out: dict[str, list[float]] = {}
    for i in range(elections):
        rng = election_rng(2, i)
        chosen = tuple(int(x) for x in rng.choice(REGIONS, CHOSEN, replace=False))
        r = rank_input(simulate(stations, rng, country, fraud, fraud_regions=chosen))
        result = rank(r, FAST_SIGNALS, null)
        hits = len(set(map(str, chosen)) & set(result.top(TOP)))
        found.append(hits)
        all_found += hits == CHOSEN
        table = combined([f(r) for f in FAST_SIGNALS], r.units)
        inside = table.index.isin([str(c) for c in chosen])
        for col in [c for c in table.columns if c.startswith("z")]:
            z_in.setdefault(col, []).extend(table.loc[inside, col])
            z_out.setdefault(col, []).extend(table.loc[~inside, col])
    seconds = time.perf_counter() - start
    print(
        f"{label} (x{scale}): all {CHOSEN} in top {TOP}: {all_found}/{elections}; mean in top {TOP}: "
        f"{np.mean(found):.2f} (chance {CHOSEN * TOP / REGIONS:.3f}); {seconds:.0f} s"
    )
    for col in z_in:
        print(f"  {col:>12}: chosen regions {np.mean(z_in[col]):6.2f}, others {np.mean(z_out[col]):6.2f}")
    q = np.quantile(null, [0.5, 0.9, 0.99])
    print(
        f"  null of z ({len(null)} clean units): mean {null.mean():.2f}, sd {null.std():.2f}, "
        f"median {q[0]:.2f}, 90% {q[1]:.2f}, 99% {q[2]:.2f}"
    )


def main() -> None:
    elections = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    per_region = float(sys.argv[2]) if len(sys.argv) > 2 else 1132.6
    for scale in (1.0, 0.5):
        run("stuffing", Fraud(stuffing=0.05 * scale), scale, elections, per_region)
        run(
            "rounding",
            Fraud(round_share=0.02 * scale, round_turnout=0.02 * scale),
            scale,
            elections,
            per_region,
        )


if __name__ == "__main__":
    main()
