"""The report's fingerprint and digit-test sections on a synthetic election with Klimek fraud."""

from __future__ import annotations

import json
from pathlib import Path

from smartvote.data.store import Store
from smartvote.pages.report import write_report
from smartvote.pipelines.report import load_analysis
from smartvote.synthetic import Fraud, simulate_election


def test_report_has_the_fingerprint_and_digit_sections(tmp_path: Path) -> None:
    fraud = Fraud(klimek_incremental=0.2, klimek_extreme=0.02, klimek_alpha=2.0, klimek_width=0.3)
    tables, _ = simulate_election(8_000, 3, "synthetic-klimek", fraud=fraud)
    with Store(tmp_path / "s.duckdb") as store:
        store.add_election(tables)
        analysis = load_analysis(store, "synthetic-klimek", str(tables.contests["contest"].iloc[0]))
    files = write_report(analysis, tmp_path / "report")
    doc = json.loads(files.json.read_text(encoding="utf-8"))
    klimek = doc["klimek"]
    assert klimek["bootstrap_replicates"] == 200 and klimek["fitted_distance"] < klimek["fair_distance"]
    assert klimek["params"]["incremental"] == round(analysis.fingerprint.fit.params.incremental, 6)
    assert klimek["observed"]["total"] == len(analysis.fingerprint.points)
    digits = doc["digits"]
    assert len(digits["units"]) == len(set(tables.stations["region"])) and digits["replicates"] == 200
    assert (
        doc["figures"]["fingerprint"] == "fingerprint.png"
        and (tmp_path / "report" / "fingerprint.png").exists()
    )
    html = files.html.read_text(encoding="utf-8")
    assert 'id="klimek"' in html and 'id="digits"' in html and "weak evidence" in html
    assert html.count('class="sig"') == sum(
        t["significant"] for u in [digits["total"], *digits["units"]] for t in u["tests"]
    )
