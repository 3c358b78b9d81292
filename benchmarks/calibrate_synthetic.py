"""Measure the defaults of the synthetic-election generator on the 2021 State Duma election.

Run: ``.venv/bin/python benchmarks/calibrate_synthetic.py [PATH/2021.csv.zip]`` (default:
``../shared/data/russia-federal/2021.csv.zip``). It prints the measured
:class:`smartvote.synthetic.Country` and the remote electronic pseudo-stations' figures, the
provenance of the defaults in ``src/smartvote/synthetic/country.py`` and ``fraud.py``; the
measurement itself is :func:`smartvote.synthetic.calibration.calibrate` (documented there and
in docs/synthetic-elections.md). Then it compares the sizes that matter to the integer test,
registered voters E and ballots in the boxes R, at the stations the test uses (E >= 100,
R > 0, not remote), between the real election and a synthetic one of the measured country.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

import numpy as np

from smartvote.data.loader import read_path
from smartvote.forensics.inputs import station_arrays
from smartvote.synthetic import simulate
from smartvote.synthetic.calibration import calibrate

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"


def rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, tuple):
        return tuple(rounded(v) for v in value)
    return value


SIZE_EDGES = (100, 200, 300, 400, 600, 1000, 1500, 2000, 3000)


def size_shares(values: np.ndarray) -> str:
    """Percent of ``values`` below 100, between the edges, and above the last edge."""
    counts = np.bincount(np.searchsorted(SIZE_EDGES, values, side="right"), minlength=len(SIZE_EDGES) + 1)
    return " ".join(f"{100 * c / counts.sum():5.1f}" for c in counts)


def main(path: Path) -> None:
    (tables,) = read_path(path)
    result = calibrate(tables.stations, tables.votes, tables.choices)
    print(f"# {path.name}: turnout peak bin {result.peak}, clean core of {result.core_stations} stations")
    print("Country(")
    for f in fields(result.country):
        print(f"    {f.name}={rounded(getattr(result.country, f.name))!r},")
    print(")")
    print(
        f"# remote electronic: {result.remote_count} pseudo-stations, "
        f"remote_registered={result.remote_registered:.5f}, remote_turnout={result.remote_turnout:.4f}, "
        f"remote_share={result.remote_share:.4f}"
    )
    real = station_arrays(tables.stations, tables.votes, tables.choices)
    used = (real.registered >= 100) & (real.boxes > 0) & ~real.remote
    synthetic = simulate(int(used.sum()), 0, result.country).counts
    tested = (synthetic.registered >= 100) & (synthetic.boxes > 0)
    print(
        "# % of the stations the integer test uses, by size: <100, then from", ", ".join(map(str, SIZE_EDGES))
    )
    print(f"# E real      {size_shares(real.registered[used])}")
    print(f"# E synthetic {size_shares(synthetic.registered[tested])}")
    print(f"# R real      {size_shares(real.boxes[used])}")
    print(f"# R synthetic {size_shares(synthetic.boxes[tested])}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
