"""Which method sees which fraud: the figures quoted on the pages of docs/fraud/.

Run: ``.venv/bin/python benchmarks/fraud_visibility.py [--elections 5]``. For each kind of
fraud at one representative setting it generates seeded 96,000-station elections (default
country) and prints the exact integer test ("turnout or share", stations; mean z and
rejections at 0.05) and Shpilkin's anomalous votes A, both as they are and net of the same
election without fraud, against the votes the leader actually gained (the ground truth).
"""

from __future__ import annotations

import argparse

import numpy as np

from smartvote.forensics.integer import integer_test
from smartvote.forensics.validation import anomalous_votes, election_rng
from smartvote.synthetic import Fraud, simulate

STATIONS = 96_000
SETTINGS: dict[str, Fraud] = {
    "none": Fraud(),
    "ballot stuffing 10%, top 20% turnout": Fraud(stuffing=0.1),
    "ballot stuffing 10%, top 80% turnout": Fraud(stuffing=0.1, stuffing_top=0.8),
    "vote moving: 20% of stations, 20% of votes": Fraud(moving_rate=0.2, moving_fraction=0.2),
    "rewriting: 1% of shares": Fraud(round_share=0.01),
    "rewriting: 1% of turnouts": Fraud(round_turnout=0.01),
    "Klimek: f_i = 0.1, f_e = 0.01, alpha = 1": Fraud(klimek_incremental=0.1, klimek_extreme=0.01),
    "remote electronic: 33 pseudo-stations": Fraud(remote=33),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elections", type=int, default=5)
    elections = parser.parse_args().elections
    print(f"{elections} elections of {STATIONS:,} stations each (default country), means over elections")
    header = f"{'fraud':45s} {'integer z':>9s} {'rejected':>8s} {'gain':>10s} {'A':>10s} {'A - A0':>10s}"
    print(header)
    baselines = [anomalous_votes(simulate(STATIONS, election_rng(0, i))) for i in range(elections)]
    for label, fraud in SETTINGS.items():
        z, rejected, gain, a = [], 0, [], []
        for i in range(elections):
            sim = simulate(STATIONS, election_rng(0, i), fraud=fraud)
            c = sim.counts
            test = integer_test(c.registered, c.issued, c.boxes, c.leader).get("either", "stations")
            z.append(test.z)
            rejected += test.p_value <= 0.05
            gain.append(sim.truth.leader_gain.sum())
            a.append(anomalous_votes(sim))
        diff = np.mean(a) - np.mean(baselines)
        print(
            f"{label:45s} {np.mean(z):+9.2f} {rejected:>5d}/{elections:<2d} {np.mean(gain):10,.0f} "
            f"{np.mean(a):10,.0f} {diff:10,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
