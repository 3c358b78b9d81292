"""The Moscow converter on the public sources: conversion time and a row-by-row check against
the shared moscow-2019 folder (the check CI cannot make: it needs the two repositories).

Run: .venv/bin/python benchmarks/moscow_sources.py EVILMUCEDIN BLUEFLYINGPANDA [--repeat 5]
with EVILMUCEDIN and BLUEFLYINGPANDA checkouts (or folders laid out like them) of
evilmucedin/moscowElections2019 and blueflyingpanda/ElectionsResearch at the commits pinned in
``smartvote.data.catalogue.MOSCOW_SOURCES``. Each source file's SHA-256 is checked first; then, per
output file, the rows equal to the shared file's (in any order) are printed. Time: median of
the repeats, against pandas' plain read of the same six files in the same process (the ratio
survives a noisy machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from smartvote.data.catalogue import MOSCOW_SOURCES
from smartvote.data.download import sha256_of
from smartvote.data.importers.moscow import convert, read_sources

SHARED = Path(
    os.environ.get("SMARTVOTE_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("evilmucedin", type=Path)
    parser.add_argument("blueflyingpanda", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    roots = {
        MOSCOW_SOURCES[0].repository: args.evilmucedin,
        MOSCOW_SOURCES[2].repository: args.blueflyingpanda,
    }
    for source in MOSCOW_SOURCES:
        path = roots[source.repository] / source.path
        ok = sha256_of(path) == source.sha256
        print(f"{source.repository}@{source.commit[:12]}:{source.path}  sha256 {'ok' if ok else 'MISMATCH'}")
    converted, plain = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        tables = convert(read_sources(args.evilmucedin, args.blueflyingpanda))
        converted.append(time.perf_counter() - start)
        start = time.perf_counter()
        for source in MOSCOW_SOURCES:
            pd.read_csv(roots[source.repository] / source.path, dtype=str)
        plain.append(time.perf_counter() - start)
    for name, frame in tables.items():
        shared = pd.read_csv(SHARED / "moscow-2019" / name)
        got = frame.astype(
            {c: "int64" for c in frame.columns if c not in ("candidate", "nominated_by", "area")}
        )
        both = got.merge(shared, how="outer", indicator=True)
        same = int((both["_merge"] == "both").sum())
        print(
            f"{name}: {same} of {len(shared)} shared rows reproduced; "
            f"{len(got) - same} rows not in the shared file"
        )
    median, base = statistics.median(converted), statistics.median(plain)
    print(
        f"convert: median {median * 1000:.1f} ms; pandas read of the sources {base * 1000:.1f} ms; "
        f"ratio {median / base:.1f}"
    )


if __name__ == "__main__":
    main()
