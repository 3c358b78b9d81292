"""The ranking's hit rate on synthetic elections with fraud confined to 5 regions of 80.

Run: ``.venv/bin/python benchmarks/ranking.py [ELECTIONS] [STATIONS_PER_REGION]`` (default 100
elections, 1132.6 stations per region as in 2021, i.e. ~90,600 stations). For each of two
frauds (stuffing 5% of each chosen region's leader's votes at its top 20% turnout stations;
rewriting turnout and share to whole percents at 2% of their stations each) and at full and
half size, it prints, for the fast signals, for the integer test and Shpilkin's count together
(the baseline, run on the same elections) and for each signal alone (what one method could do
without Stouffer's dilution by the others): the elections where all 5
chosen regions are in the top 10 (the issue's target: 90 of 100) and the mean number of them
in the top 10 (chance: 0.625); then each signal's mean z in chosen and other regions, and the
null distribution of each combination's z on 10 clean elections. Times are CPU seconds.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from smartvote.forensics.ranking import FAST_SIGNALS, RankInput, Signal, combined
from smartvote.forensics.validation import election_rng, simulation_arrays
from smartvote.synthetic import Country, Fraud, Simulation, simulate

REGIONS = 80
CHOSEN = 5
TOP = 10
NULL_ELECTIONS = 10
#: The baseline: the two signals the ranking had before the within-unit kink test joined them.
BASELINE: tuple[str, ...] = ("integer", "shpilkin")

Computed = tuple[list[Signal], list[str]]
Names = tuple[str, ...]


def rank_input(sim: Simulation) -> RankInput:
    g = sim.geography
    commission = (g.region.astype(str) + "/" + g.commission.astype(str)).astype(object)
    return RankInput(simulation_arrays(sim), g.region.astype(str).astype(object), commission)


def signals_of(sim: Simulation) -> Computed:
    r = rank_input(sim)
    return [f(r) for f in FAST_SIGNALS], r.units


def table_of(signals: list[Signal], units: list[str], names: tuple[str, ...]) -> pd.DataFrame:
    return combined([s for s in signals if s.name in names], units)


def run(
    label: str, fraud: Fraud, elections: int, country: Country, names: dict[str, tuple[str, ...]]
) -> None:
    stations = int(REGIONS * country.stations_per_region)
    start = time.process_time()
    all_found = dict.fromkeys(names, 0)
    found: dict[str, list[int]] = {k: [] for k in names}
    z_in: dict[str, list[float]] = {}
    z_out: dict[str, list[float]] = {}
    for i in range(elections):
        rng = election_rng(2, i)
        chosen = {str(int(x)) for x in rng.choice(REGIONS, CHOSEN, replace=False)}
        signals, units = signals_of(
            simulate(stations, rng, country, fraud, fraud_regions=tuple(map(int, chosen)))
        )
        for key, subset in names.items():
            table = table_of(signals, units, subset)
            hits = len(chosen & set(table.sort_values("z", ascending=False).index[:TOP]))
            found[key].append(hits)
            all_found[key] += hits == CHOSEN
        table = table_of(signals, units, names["fast"])
        inside = table.index.isin(list(chosen))
        for col in [c for c in table.columns if c.startswith("z_")]:
            z_in.setdefault(col, []).extend(table.loc[inside, col])
            z_out.setdefault(col, []).extend(table.loc[~inside, col])
    seconds = time.process_time() - start
    print(f"{label}: {elections} elections, {seconds / elections:.1f} CPU s each")
    for key in names:
        print(
            f"  {key:>17}: all {CHOSEN} in top {TOP}: {all_found[key]}/{elections}; mean in top {TOP}: "
            f"{np.mean(found[key]):.2f} (chance {CHOSEN * TOP / REGIONS:.3f})"
        )
    for col in z_in:
        print(f"  {col:>17}: chosen regions {np.mean(z_in[col]):6.2f}, others {np.mean(z_out[col]):6.2f}")


def null_line(key: str, subset: tuple[str, ...], nulls: list[Computed]) -> str:
    z = np.concatenate([table_of(s, u, subset)["z"].to_numpy() for s, u in nulls])
    q = np.quantile(z, [0.5, 0.9, 0.99])
    return (
        f"  null of z, {key} ({len(z)} clean units): mean {z.mean():.2f}, sd {z.std():.2f}, "
        f"median {q[0]:.2f}, 90% {q[1]:.2f}, 99% {q[2]:.2f}"
    )


def main() -> None:
    elections = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    country = Country(stations_per_region=float(sys.argv[2]) if len(sys.argv) > 2 else 1132.6)
    stations = int(REGIONS * country.stations_per_region)
    nulls = [signals_of(simulate(stations, election_rng(1, i), country)) for i in range(NULL_ELECTIONS)]
    fast = tuple(s.name for s in nulls[0][0])
    names = {"fast": fast, "+".join(BASELINE): BASELINE} | {f"{n} alone": (n,) for n in fast}
    for key, subset in names.items():
        print(null_line(key, subset, nulls))
    for scale in (1.0, 0.5):
        run(f"stuffing x{scale}", Fraud(stuffing=0.05 * scale), elections, country, names)
        rounding = Fraud(round_share=0.02 * scale, round_turnout=0.02 * scale)
        run(f"rounding x{scale}", rounding, elections, country, names)


if __name__ == "__main__":
    main()
