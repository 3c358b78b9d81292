"""Import time and peak memory of every year of the public dataset (and spb-2021).

Run: .venv/bin/python benchmarks/import.py [--repeat 5] [YEAR ...]
Each import runs in a fresh child process so that peak memory (ru_maxrss) is its own;
times are medians over the repeats. The baseline in the same process is a bare
``pyarrow.csv`` read of the same files (unzipped in memory, every column as text, the column
names taken from the header line as the importer takes them): what reading costs before any
parsing. Until December 2026 the names came from a first full read with type inference, which
doubled the baseline's parse (2024: 30 ms, 2016: 90 ms) and flattered the ratio. The ratio
is import (read + parse + store) over baseline plus the same store write; the target is at
most 1.5 (issue "Data: every election ...").
Since the machine is shared, CPU (process) time is printed as well: the import's (read, parse
and store) against the baseline read's plus the same store write, a figure that depends less
on the load than wall time (both sides use pyarrow's reader threads). Peak memory is printed,
not targeted. Both sides run on the allocator the importers give pyarrow (the system allocator
on Linux: ``smartvote.data.importers.tabular.prefer_system_allocator``), printed at the end;
``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` measures pyarrow's own default instead.
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
import csv, io, json, resource, sys, time, zipfile
from pathlib import Path
import pyarrow as pa
import pyarrow.csv as pacsv
from smartvote.data.loader import read_paths
from smartvote.data.store import Store
paths = [Path(p) for p in sys.argv[1:]]
t0, c0 = time.perf_counter(), time.process_time()
for path in paths:
    for file in ([path] if path.is_file() else sorted(path.glob("*.csv"))):
        if file.suffix == ".zip":
            with zipfile.ZipFile(file) as archive:
                data = archive.read(archive.namelist()[0])
        else:
            data = file.read_bytes()
        names = next(csv.reader(io.StringIO(data[:data.find(b"\n")].decode("utf-8-sig"))))
        pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, "string")))
t1, c1 = time.perf_counter(), time.process_time()
elections = read_paths(paths)
t2, c2 = time.perf_counter(), time.process_time()
with Store(":memory:") as store:
    for tables in elections:
        store.add_election(tables)
t3, c3 = time.perf_counter(), time.process_time()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"baseline": t1 - t0, "read": t2 - t1, "store": t3 - t2, "peak_mb": peak,
                  "cpu_baseline": c1 - c0, "cpu_import": c3 - c1, "cpu_store": c3 - c2,
                  "pool": pa.default_memory_pool().backend_name}))
"""


def measure(paths: list[Path], repeat: int) -> tuple[dict[str, float], str]:
    """Median figures over ``repeat`` fresh processes, and the allocator pyarrow ran on."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, *map(str, paths)], check=True, capture_output=True, text=True
        ).stdout
        runs.append(json.loads(out))
    pool = runs[0].pop("pool")
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}, pool


def sources(years: list[str]) -> dict[str, list[Path]]:
    """Each year's files (2024 with its remote electronic voting file), then spb-2021."""
    federal = DATA / "russia-federal"
    out = {}
    for path in sorted(federal.glob("*.csv.zip")):
        year = path.name[:4]
        if not years or year in years:
            extra = sorted(federal.glob(f"{year}-*.csv"))
            out[year] = [path, *extra]
    if not years or "spb-2021" in years:
        out["spb-2021"] = [DATA / "spb-2021"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("years", nargs="*", help="years (or spb-2021) to run; default: all")
    args = parser.parse_args()
    print(
        f"{'source':<10}{'read+parse s':>13}{'store s':>9}{'total s':>9}{'pyarrow read s':>15}"
        f"{'ratio':>7}{'peak MB':>9}{'cpu import s':>13}{'cpu base+store s':>17}{'cpu ratio':>10}"
    )
    pools = set()
    for name, paths in sources(args.years).items():
        m, pool = measure(paths, args.repeat)
        pools.add(pool)
        total = m["read"] + m["store"]
        ratio = total / (m["baseline"] + m["store"])
        cpu_base = m["cpu_baseline"] + m["cpu_store"]
        print(
            f"{name:<10}{m['read']:>13.2f}{m['store']:>9.2f}{total:>9.2f}{m['baseline']:>15.2f}"
            f"{ratio:>7.2f}{m['peak_mb']:>9.0f}{m['cpu_import']:>13.2f}{cpu_base:>17.2f}"
            f"{m['cpu_import'] / cpu_base:>10.2f}"
        )
    print(f"pyarrow allocator: {', '.join(sorted(pools))}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
