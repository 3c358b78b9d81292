"""Both Klimek fits and the digit tests on every federal election of the public dataset, with
their timings (issue 10: fit (b) with 200 bootstrap replicates under 60 s per election, the
digit tests of all regions under 2 s), printed for docs/forensics-klimek.md.

Run: ``.venv/bin/python benchmarks/klimek_real.py DATA_DIR [YEAR ...] [--no-toolkit]`` with
the folder of the federal files (``russia-federal``); by default every year found;
``--no-toolkit`` leaves out estimator (a)'s slow grid. A year whose file the
importer cannot read is reported and skipped. Each fit is shown beside the published fits of
Klimek et al. (PNAS 2012) and Mebane & Kalinin, each with the Hellinger distance of its
simulated fingerprint (the election's register sizes) to the observed one; a published pair
(f_i, f_e) is completed by fit (b)'s likelihood for the other six parameters (the most
favourable reading of it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from smartvote.data.loader import read_path
from smartvote.forensics import klimek
from smartvote.forensics.digits import digit_tests
from smartvote.forensics.fingerprint import Points, station_points
from smartvote.forensics.inputs import station_arrays

#: Published fits (f_i, f_e): Klimek et al., PNAS 109(41), 2012 ...
PNAS = {2003: (0.31, 0.009), 2007: (0.636, 0.038), 2011: (0.64, 0.033), 2012: (0.39, 0.021)}
#: ... and Mebane & Kalinin's likelihood fits of the same model (as listed in issue 10).
MEBANE_KALININ = {
    2000: (0.033, 0.00003), 2003: (0.157, 0.0033), 2004: (0.049, 0.00009), 2007: (0.040, 0.00016),
    2008: (0.013, 0.000002), 2011: (0.121, 0.0032), 2012: (0.084, 0.0020), 2016: (0.222, 0.0219),
}  # fmt: skip


def print_toolkit_fit(row: str, pts: Points) -> None:
    start = time.perf_counter()
    try:
        a = klimek.fit_toolkit(pts, klimek.ToolkitGrid.toolkit())
    except ValueError as exc:
        print(f"{row} (a) failed: {exc} | | | | | | |")
        return
    took = time.perf_counter() - start
    print(
        f"{row} (a), the Toolkit's grid | {a.mean[0]:.3f} ± {a.sd[0]:.3f} "
        f"| {a.mean[1]:.4f} ± {a.sd[1]:.4f} | {a.mean[2]:.2f} "
        f"| {a.stage.theta:.3f} | {klimek.toolkit_distance(pts, a):.3f} | {took:.1f} s |"
    )


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--no-toolkit"]
    toolkit = len(args) == len(sys.argv) - 1
    folder = Path(args[0])
    years = [int(y) for y in args[1:]] or sorted(int(p.name[:4]) for p in folder.glob("[0-9]*.csv.zip"))
    predictor = klimek.Predictor()
    print("| year | stations | fit | f_i | f_e | alpha | theta | distance | time |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for year in years:
        try:
            tables = read_path(folder / f"{year}.csv.zip")
        except Exception as exc:  # noqa: BLE001 - a benchmark reports what it cannot read
            reason = str(exc).replace(str(folder) + "/", "")[:120]
            print(
                f"| {year} | | not read: {type(exc).__name__}: {reason} | | | | | | |",
                flush=True,
            )
            continue
        t = tables[0]
        contest = (
            "federal-list" if "federal-list" in set(t.stations["contest"]) else t.stations["contest"].iloc[0]
        )
        parts = [
            getattr(t, name)[getattr(t, name)["contest"] == contest]
            for name in ("stations", "votes", "choices")
        ]
        arrays = station_arrays(*parts)
        pts = station_points(arrays)
        row = f"| {year} | {len(pts):,} |"
        start, cpu = time.perf_counter(), time.process_time()
        b = klimek.fit(pts, bootstrap=200, predictor=predictor)
        took = f"{time.perf_counter() - start:.1f} s ({time.process_time() - cpu:.1f} s CPU)"
        i, e = b.intervals["incremental"], b.intervals["extreme"]
        print(
            f"{row} (b) | {i.estimate:.3f} [{i.low:.3f}, {i.high:.3f}] "
            f"| {e.estimate:.4f} [{e.low:.4f}, {e.high:.4f}] | {b.params.alpha:.2f} | {b.params.theta:.3f} "
            f"| {klimek.fit_distance(pts, b.params):.3f} | {took} |"
        )
        print(f"{row} fair (f_i = f_e = 0) | 0 | 0 | | | {klimek.fit_distance(pts, b.params.fair()):.3f} | |")
        if toolkit:
            print_toolkit_fit(row, pts)
        for source, fits in (("PNAS 2012", PNAS), ("Mebane-Kalinin", MEBANE_KALININ)):
            if year in fits:
                f_i, f_e = fits[year]
                p = klimek.fit(
                    pts, bootstrap=0, predictor=predictor, fixed={"incremental": f_i, "extreme": f_e}
                )
                print(
                    f"{row} {source} | {f_i} | {f_e} | {p.params.alpha:.2f} | {p.params.theta:.3f} "
                    f"| {klimek.fit_distance(pts, p.params):.3f} | |"
                )
        start = time.perf_counter()
        digit_tests(
            arrays.registered, arrays.issued, arrays.valid, arrays.leader, arrays.region, replicates=200
        )
        print(
            f"{row} digit tests, all regions, 200 replicates | | | | | "
            f"| {time.perf_counter() - start:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
