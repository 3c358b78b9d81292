"""Where estimator (b)'s bias of f_i comes from: fits to elections of 200,000 stations drawn from
the model, with large equal stations (5,000 voters: the integer counts are then nearly
continuous) and with the register sizes of the generator's country (integer counts of small
stations, as in the recovery benchmark), printed for docs/forensics-klimek.md.

Run: ``.venv/bin/python benchmarks/klimek_bias.py`` (about 2 CPU-minutes). A consistent
estimator's error at 200,000 stations is its bias plus about 0.002 of noise.
"""

from __future__ import annotations

import numpy as np

from smartvote.forensics import klimek
from smartvote.synthetic import simulate

STATIONS = 200_000
CASES = {
    "A": klimek.Parameters(0.55, 0.08, 0.5, 0.08, 0.25, 0.03, 0.4, 2.0),
    "B": klimek.Parameters(0.60, 0.07, 0.45, 0.07, 0.30, 0.02, 0.25, 2.0),
}


def main() -> None:
    country = simulate(STATIONS // 10, np.random.default_rng(1)).clean.registered
    sizes = {"5,000 voters each": np.full(STATIONS, 5000), "the generator's": np.tile(country, 10)}
    predictor = klimek.Predictor()
    print("| case | true f_i | theta | register sizes | seed | f_i error | theta error | f_e error |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for case, truth in CASES.items():
        for label, registered in sizes.items():
            for seed in (1, 2):
                pts = klimek.simulate(registered, truth, seed)
                fit = klimek.fit(pts, bootstrap=0, predictor=predictor, profile=())
                error = fit.params.vector() - truth.vector()
                print(
                    f"| {case} | {truth.incremental} | {truth.theta} | {label} | {seed} "
                    f"| {error[4]:+.4f} | {error[6]:+.3f} | {error[5]:+.4f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
