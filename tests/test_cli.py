"""The command line as a user meets it: import, list, summary, export, and its errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from federal_files import HEADER_2021, station, write_zip
from smartvote.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_import_list_summary_export(home, data_dir, tmp_path):
    result = run("import", str(data_dir / "spb-2021"))
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["spb-2021-duma", "spb-2021-city"]
    listed = json.loads(run("list", "--json").output)
    assert [e["election_id"] for e in listed] == ["spb-2021-city", "spb-2021-duma"]
    summary = json.loads(run("summary", "spb-2021-duma", "--json").output)
    assert set(summary) == {
        "election",
        "contest",
        "stations",
        "registered",
        "ballots_issued",
        "turnout_pct",
        "shares_pct",
        "left_out",
        "flagged",
        "notes",
    }
    assert summary["contest"] == "federal-list"
    by_district = json.loads(run("summary", "spb-2021-duma", "--by", "district", "--json").output)
    assert [g["district"] for g in by_district["groups"]] == [str(d) for d in range(211, 219)]
    assert sum(g["stations"] for g in by_district["groups"]) == summary["stations"]
    smd = json.loads(run("summary", "spb-2021-duma", "--contest", "federal-smd-216", "--json").output)
    assert smd["contest"] == "federal-smd-216"
    table = run("summary", "spb-2021-city", "--by", "district")
    assert table.exit_code == 0 and "turnout" in table.output
    by_scanner = json.loads(run("summary", "spb-2021-duma", "--by", "scanner", "--json").output)
    assert [g["scanner"] for g in by_scanner["groups"]] == ["hand count", "scanner"]
    assert sum(g["stations"] for g in by_scanner["groups"]) == summary["stations"]
    exported = run("export", "spb-2021-duma", str(tmp_path / "out"), "--format", "csv")
    assert exported.exit_code == 0
    again = run("import", str(tmp_path / "out"), "--as", "spb-copy")
    assert again.exit_code == 0, again.output
    copy = json.loads(run("summary", "spb-copy", "--json").output)
    assert copy | {"election": "spb-2021-duma"} == summary


def test_bad_input_is_one_line_nonzero_and_writes_nothing(home, tmp_path):
    good = write_zip(tmp_path / "2021.csv.zip", HEADER_2021, [station()])
    assert run("import", str(good)).exit_code == 0
    before = run("summary", "russia-duma-2021", "--json").output
    bad = write_zip(
        tmp_path / "bad" / "2021.csv.zip" if (tmp_path / "bad").mkdir() is None else None,
        HEADER_2021,
        [station(), station("УИК №2", registered="many")],
    )
    result = run("import", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "2021.csv" in lines[0] and "row 2" in lines[0] and "внесенных" in lines[0]
    assert run("summary", "russia-duma-2021", "--json").output == before
    unknown = run("summary", "russia-duma-2021", "--by", "scanner")  # the federal data do not say
    assert unknown.exit_code == 1 and "no way of counting" in unknown.output


def test_unknown_election_and_contest(home, data_dir):
    assert run("import", str(data_dir / "spb-2021")).exit_code == 0
    wrong = run("summary", "spb-2021-duma", "--contest", "city-list")
    assert wrong.exit_code == 1
    assert "no contest 'city-list'" in wrong.output and "federal-smd-211" in wrong.output
    result = run("summary", "russia-duma-1999")
    assert result.exit_code == 1
    assert "unknown election 'russia-duma-1999'" in result.output
    assert run("fetch", "russia-duma-1999").exit_code == 1
    assert run("import", "/no/such/file.zip").exit_code == 1


def test_catalogue_listing(home):
    listed = json.loads(run("list", "--catalogue", "--json").output)
    assert "russia-referendum-2020" in {e["election_id"] for e in listed}


def test_unmapped_or_doubled_column_is_one_line_and_writes_nothing(home, tmp_path):
    good = write_zip(tmp_path / "2021.csv.zip", HEADER_2021, [station()])
    assert run("import", str(good)).exit_code == 0
    before = run("summary", "russia-duma-2021", "--json").output
    for extra in ("Число бюллетеней, испорченных избирателями", "Число избирателей, внесенных в список"):
        folder = tmp_path / str(len(extra))
        folder.mkdir()
        bad = write_zip(
            folder / "2021.csv.zip", HEADER_2021[:-1] + [extra, "url"], [station()[:-1] + [7, "u"]]
        )
        result = run("import", str(bad))
        assert result.exit_code == 1
        (line,) = result.output.strip().splitlines()
        assert "2021.csv" in line and extra in line
        assert run("summary", "russia-duma-2021", "--json").output == before


def test_a_supplement_alone_needs_its_election_in_the_store(home, data_dir):
    evoting = data_dir / "russia-federal" / "2024-electronic-voting.csv"
    result = run("import", str(evoting))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "russia-president-2024" in line and "2024.csv.zip" in line
    assert json.loads(run("list", "--json").output) == []


def test_mass_reconciliation_failures_are_warned(home, tmp_path):
    """A mapping gone wrong fails a relation at most stations: one warning line, still imported."""
    rows = [station(f"УИК №{i}", boxes=600 if i % 2 else 500) for i in range(1, 21)]
    result = CliRunner().invoke(
        main, ["import", str(write_zip(tmp_path / "2021.csv.zip", HEADER_2021, rows))]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "russia-duma-2021"
    warnings = result.stderr.strip().splitlines()
    assert any("10 of 20 stations fail ballots in boxes > ballots issued" in w for w in warnings)
    assert all(w.startswith("warning: russia-duma-2021: 10 of 20 stations fail") for w in warnings)
