"""Benchmark: `smartvote report` of one federal election (target < 20 s and < 2 GB).

Imports the election once into a scratch store, then writes its report REPEAT times, each in a
fresh child process so that the peak memory (max RSS) is the report's own. Prints the median
wall time (and CPU time) with the load average at the end, the peak memory, and the ratio to
a baseline measured in the same child: reading the contest's tables from the store (what any
method must do first).

    .venv/bin/python benchmarks/forensics_report.py [YEAR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smartvote.data.loader import read_path
from smartvote.data.store import Store
from smartvote.pages.report import write_report
from smartvote.pipelines.report import load_analysis

DATA = Path(
    os.environ.get("SMARTVOTE_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)


def child(store_path: str, election_id: str, out: str) -> None:
    """One measured run: baseline (read the tables), then the whole report; JSON to stdout."""
    with Store(store_path) as store:
        start = time.perf_counter()
        for name in ("stations", "votes", "choices"):
            store.table(name, election_id, "federal-list")
        baseline = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        write_report(load_analysis(store, election_id, "federal-list"), Path(out))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "baseline": baseline, "peak_mib": peak_mib}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("year", nargs="?", default="2021")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("STORE", "ELECTION", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as scratch:
        store_path = str(Path(scratch) / "bench.duckdb")
        with Store(store_path) as store:
            (tables,) = read_path(DATA / "russia-federal" / f"{args.year}.csv.zip")
            store.add_election(tables)
        election_id = tables.election.election_id
        runs = []
        for i in range(args.repeat):
            command = [sys.executable, __file__, "--child", store_path, election_id, f"{scratch}/out{i}"]
            runs.append(
                json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            )
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    baseline = statistics.median(r["baseline"] for r in runs)
    peak = max(r["peak_mib"] for r in runs)
    print(f"report of {election_id} ({args.repeat} runs, one process each)")
    print(
        f"  median time   {seconds:6.2f} s   (target < 20 s; {cpu:.2f} s CPU; load {os.getloadavg()[0]:.1f})"
    )
    print(f"  peak memory   {peak:6.0f} MiB (target < 2048 MiB)")
    print(
        f"  baseline      {baseline:6.2f} s   (reading the contest's tables);"
        f" report / baseline = {seconds / baseline:.1f}"
    )


if __name__ == "__main__":
    main()
