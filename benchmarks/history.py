"""``smartvote history`` over every year of the federal dataset: import, then time the command.

Run: ``.venv/bin/python benchmarks/history.py [FOLDER]`` (default ``../shared/data/russia-federal``).
Imports every ``YEAR.csv.zip`` (2024 with its electronic-voting file) into a temporary
SMARTVOTE_HOME, then runs ``smartvote history --json`` once and prints its wall time (the
issue's bound: under 60 s in all) and the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "russia-federal"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    exe = str(Path(sys.executable).with_name("smartvote"))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SMARTVOTE_HOME": home}
        for path in sorted(folder.glob("[0-9][0-9][0-9][0-9].csv.zip")):
            extra = [str(folder / "2024-electronic-voting.csv")] if path.name.startswith("2024") else []
            subprocess.run([exe, "import", str(path), *extra], env=env, check=True, capture_output=True)
        start = time.perf_counter()
        out = subprocess.run([exe, "history", "--json"], env=env, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    rows = json.loads(out.stdout)
    print(f"smartvote history: {len(rows)} elections in {seconds:.1f} s")
    for r in rows:
        print(
            f"  {r['election_id']:<28} integer excess {r['integer_excess']:8.0f} (z {r['integer_z']:6.1f}); "
            f"anomalous {r['anomalous_votes'] / 1e6:5.2f} M; turnout {r['turnout_pct']:.1f}% -> "
            f"{r['clean_turnout_pct']:.1f}%; leader {r['leader_pct']:.1f}% -> {r['clean_leader_pct']:.1f}%"
        )


if __name__ == "__main__":
    main()
