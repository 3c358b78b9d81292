"""Import time and peak memory per shared election (target: < 2 s and < 1 GB each).

Run: .venv/bin/python benchmarks/import.py [--repeat 5]
Each import runs in a fresh child process so that peak memory (ru_maxrss) is its own;
times are medians over the repeats. The baseline in the same process is pandas' own
read_csv of the same files (all text), i.e. what reading the file costs before any parsing;
the ratio (read+parse / pandas read) is the figure that survives a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

DATA = Path(
    os.environ.get("SMARTVOTE_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from smartvote.loader import read_path
from smartvote.store import Store
path = Path(sys.argv[1])
t0 = time.perf_counter()
for file in ([path] if path.suffix == ".zip" else sorted(path.glob("*.csv"))):
    pd.read_csv(file, dtype=str)
t1 = time.perf_counter()
elections = read_path(path)
t2 = time.perf_counter()
with Store(":memory:") as store:
    for tables in elections:
        store.add_election(tables)
t3 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"baseline": t1 - t0, "read": t2 - t1, "store": t3 - t2, "peak_mb": peak}))
"""


def measure(path: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
        ).stdout
        runs.append(json.loads(out))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = sorted((DATA / "russia-federal").glob("*.csv.zip")) + [DATA / "spb-2021"]
    print(
        f"{'source':<16}{'read+parse s':>13}{'store s':>9}{'total s':>9}{'pandas read s':>14}"
        f"{'ratio':>7}{'peak MB':>9}"
    )
    for path in paths:
        m = measure(path, args.repeat)
        total = m["read"] + m["store"]
        ratio = f"{m['read'] / m['baseline']:.2f}" if m["baseline"] else "-"
        base = f"{m['baseline']:.2f}" if m["baseline"] else "-"
        print(
            f"{path.name:<16}{m['read']:>13.2f}{m['store']:>9.2f}{total:>9.2f}{base:>14}"
            f"{ratio:>7}{m['peak_mb']:>9.0f}"
        )


if __name__ == "__main__":
    main()
