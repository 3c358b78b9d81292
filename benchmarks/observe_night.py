"""Election night on a synthetic election: precision and recall of the stations found rewritten.

5,000 stations, 5% rewritten above the station, 3 observers per station, 10% of them hostile
(sending the published figures), 2% typos, a moderator wrong 1% of the time; then the same with
colluding hostile observers (all observers of a station). Runs the pure layers in process
(smartvote.observe.night); prints each run's figures as JSON.

    python benchmarks/observe_night.py [--stations 5000] [--rewritten 0.05] [--hostile 0.1] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

from smartvote.jsonout import dumps
from smartvote.observe.night import Night, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=5000)
    parser.add_argument("--rewritten", type=float, default=0.05)
    parser.add_argument("--hostile", type=float, default=0.1)
    parser.add_argument("--observers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for colluding in (False, True):
        start = time.perf_counter()
        night = Night(observers=args.observers, hostile=args.hostile, colluding=colluding)
        result = run(args.stations, args.rewritten, night, args.seed)
        print(dumps(result.to_json()))
        print(f"# colluding={colluding}: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
