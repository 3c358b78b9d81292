"""The full validation runs of issue 4 (acceptance), printed for docs/validation.md.

Run: ``.venv/bin/python benchmarks/validation.py [--quick]`` (about 15 minutes on this 2-core
machine; ``--quick`` runs a tenth of the elections). Each run is also one ``smartvote
validate`` command, printed above its result; the reduced versions with bounds that still
hold are tests (tests/test_validation.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from smartvote.forensics.validation import (
    IntegerValidation,
    ShpilkinValidation,
    validate_integer,
    validate_shpilkin,
)
from smartvote.synthetic import Country, Fraud

STATIONS = 96_000
NO_CORRELATION = Country().with_correlation(0).without_region_effects()


def run(command: str, check: str, job: Callable[[], object], passed: Callable[[object], bool]) -> None:
    print(f"$ {command}")
    start = time.perf_counter()
    result = job()
    print(result)
    verdict = "holds" if passed(result) else "FAILS"
    print(f"acceptance: {check} -> {verdict}  ({time.perf_counter() - start:.0f} s)\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="A tenth of the elections (no acceptance).")
    scale = 10 if parser.parse_args().quick else 1

    def n(elections: int) -> int:
        return max(2, elections // scale)

    def integer(r: object) -> IntegerValidation:
        assert isinstance(r, IntegerValidation)
        return r

    def shpilkin(r: object) -> ShpilkinValidation:
        assert isinstance(r, ShpilkinValidation)
        return r

    for elections, most, spread in ((100, 11, 0.3), (200, 18, 0.2)):
        run(
            f"smartvote validate integer --elections {n(elections)}",
            f"at most {most} of {elections} reject, |mean z| <= {spread}",
            lambda e=elections: validate_integer(n(e), STATIONS),
            lambda r, most=most, spread=spread: (
                integer(r).rejections.successes <= most and abs(integer(r).mean_z) <= spread
            ),
        )
    run(
        f"smartvote validate integer --elections {n(40)} --round-share 0.01",
        "detected in at least 38 of 40",
        lambda: validate_integer(n(40), STATIONS, fraud=Fraud(round_share=0.01)),
        lambda r: integer(r).rejections.successes >= 38,
    )
    stuffing = Fraud(stuffing=0.05)
    run(
        f"smartvote validate shpilkin --elections {n(40)} --stuffing 0.05 --stuffing-to 0.15 "
        "--no-correlation --no-region-effects",
        "A within 10% of the injected votes in at least 36 of 40",
        lambda: validate_shpilkin(n(40), STATIONS, country=NO_CORRELATION, fraud=stuffing, stuffing_to=0.15),
        lambda r: shpilkin(r).within.successes >= 36,
    )
    run(
        f"smartvote validate shpilkin --elections {n(40)} --stuffing 0.05 --stuffing-to 0.15",
        "A - A(no fraud) within 10% in at least 36 of 40; A(no fraud) is the bias",
        lambda: validate_shpilkin(n(40), STATIONS, fraud=stuffing, stuffing_to=0.15),
        lambda r: shpilkin(r).difference_within.successes >= 36,
    )


if __name__ == "__main__":
    main()
