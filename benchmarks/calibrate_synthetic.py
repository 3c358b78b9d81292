"""Measure the defaults of the synthetic-election generator on the 2021 State Duma election.

Run: ``.venv/bin/python benchmarks/calibrate_synthetic.py [PATH/2021.csv.zip]`` (default:
``../shared/data/russia-federal/2021.csv.zip``). It prints the measured
:class:`smartvote.synthetic.Country` and the remote electronic pseudo-stations' figures, the
provenance of the defaults in ``src/smartvote/synthetic/country.py`` and ``fraud.py``; the
measurement itself is :func:`smartvote.synthetic.calibration.calibrate` (documented there and
in docs/synthetic-elections.md).
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from smartvote.loader import read_path
from smartvote.synthetic.calibration import calibrate

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"


def rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, tuple):
        return tuple(rounded(v) for v in value)
    return value


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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
