"""Election night on a synthetic election, over HTTP: precision and recall of the stations found rewritten.

5,000 stations, 5% rewritten above the station, 3 observers per station, 10% of them hostile
(sending the published figures), 2% typos, moderators each wrong 1% of the time independently
(a value is confirmed when two agree); then the same with colluding hostile observers (all
observers of a station). Each run starts the real service (uvicorn on loopback, a temporary
SQLite database) and submits everything over HTTP (smartvote.observe.demo); prints each run's
figures as JSON, a one-line summary, and the machine's load.

    python benchmarks/observe_night.py [--stations 5000] [--rewritten 0.05] [--hostile 0.1] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import time

from smartvote.jsonout import dumps
from smartvote.observe.demo import run
from smartvote.observe.night import Night


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=5000)
    parser.add_argument("--rewritten", type=float, default=0.05)
    parser.add_argument("--hostile", type=float, default=0.1)
    parser.add_argument("--observers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite database)")
    args = parser.parse_args()
    print(f"# load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for colluding in (False, True):
        start, cpu = time.perf_counter(), time.process_time()
        night = Night(observers=args.observers, hostile=args.hostile, colluding=colluding)
        result = run(args.stations, args.rewritten, night, args.seed, args.db)
        data = result.to_json()
        print(dumps(data))
        alone, moderated, qc = data["without_moderator"], data["with_moderator"], data["quick_count"]
        share = next(e for e in qc["estimates"] if e["name"] == "share:1")
        (lo95, hi95), (lo99, hi99) = share["interval_95"], share["interval_99"]
        print(
            f"# colluding={colluding}: without moderators precision {alone['precision']:.3f} recall "
            f"{alone['recall']:.3f} (ceiling {data['recall_ceiling_without_moderator']:.3f}); with "
            f"precision {moderated['precision']:.3f} recall {moderated['recall']:.3f}; honest-but-typo "
            f"stations reported {alone['honest_typo_stations_reported']} / "
            f"{moderated['honest_typo_stations_reported']} of {moderated['honest_typo_stations']}; quick "
            f"count {share['estimate']:.4f} (95% {lo95:.4f}-{hi95:.4f}, 99% {lo99:.4f}-{hi99:.4f}) "
            f"truth {qc['true_share_1']:.4f} "
            f"official {qc['official_share_1']:.4f} discrepancy {share['significant_discrepancy']}; "
            f"{data['traffic']['submissions_per_second']}/s; {time.perf_counter() - start:.0f} s wall, "
            f"client CPU {time.process_time() - cpu:.0f} s; load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
