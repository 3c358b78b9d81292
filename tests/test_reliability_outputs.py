"""Reliability of outputs (issue: "nothing half-written"): every file or set of files appears
whole or not at all, a bad output path is one line before any work, the store unchanged."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import shared_data
from reliability import cli, digest, fingerprint, fresh_process_state, one_line_failure, tidy_folder
from smartvote.atomic import atomic_file, atomic_files

__all__ = ["fresh_process_state"]


@pytest.fixture
def imported(home: Path, tmp_path: Path) -> Path:
    result = cli("import", tidy_folder(tmp_path / "tidy"), "--as", "e5", "--ruling", "Candidate A")
    assert result.exit_code == 0, result.output
    return home


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir())}


def test_a_report_that_fails_on_its_html_leaves_the_old_report_whole(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    assert cli("report", "e5", "--out", out).exit_code == 0
    before = _snapshot(out)
    assert {"report.html", "report.json", "comet.png"} <= set(before)

    def broken(*args: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("smartvote.pages.report.writer.render_html", broken)
    assert "no space left" in one_line_failure(cli("report", "e5", "--out", out, "--seed", "7"))
    assert _snapshot(out) == before  # no PNG or report.json of the new run


def test_report_html_being_a_folder_is_one_line_and_nothing_is_replaced(
    imported: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").mkdir()
    (out / "report.json").write_text("{}", encoding="utf-8")
    line = one_line_failure(cli("report", "e5", "--out", out))
    assert "report.html" in line and "is a folder" in line
    assert (out / "report.json").read_text(encoding="utf-8") == "{}"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_report_out_below_a_file_is_one_line(imported: Path, tmp_path: Path) -> None:
    afile = tmp_path / "FILE"
    afile.write_text("x")
    line = one_line_failure(cli("report", "e5", "--out", afile / "sub"))
    assert str(afile) in line and "is a file" in line


def test_export_onto_an_existing_file_is_one_line_and_export_is_whole(imported: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert "is a file" in one_line_failure(cli("export", "e5", target))
    assert target.read_text() == "keep me"
    good = cli("export", "e5", tmp_path / "copy", "--format", "csv")
    assert good.exit_code == 0, good.output
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == [
        "choices.csv",
        "stations.csv",
        "votes.csv",
    ]


def test_gap_html_into_an_impossible_path_is_refused_before_any_work(imported: Path, tmp_path: Path) -> None:
    afile = tmp_path / "FILE"
    afile.write_text("x")
    assert "is a file" in one_line_failure(cli("gap", "e5", "--html", afile / "gap.html"))
    assert "is a directory" in one_line_failure(cli("gap", "e5", "--html", tmp_path), code=2)


@pytest.mark.parametrize("where", ["a folder", "below a file"])
def test_simulate_election_checks_its_truth_target_before_importing(
    imported: Path, tmp_path: Path, where: str
) -> None:
    afile = tmp_path / "FILE"
    afile.write_text("x")
    truth = tmp_path if where == "a folder" else afile / "truth.parquet"
    before = fingerprint(imported)
    failed = cli("simulate-election", "--stations", "50", "--as", "syn", "--truth", truth)
    one_line_failure(failed, code=2 if where == "a folder" else 1)  # click checks --truth itself
    assert fingerprint(imported) == before
    good = tmp_path / "truth" / "t.parquet"
    assert cli("simulate-election", "--stations", "50", "--as", "syn", "--truth", good).exit_code == 0
    assert good.is_file() and fingerprint(imported)[0] == 2  # type: ignore[index]


def test_fetch_removes_stale_parts_and_a_folder_in_the_cache_is_one_line(home: Path) -> None:
    """A download killed earlier left a part file; the cached file's place is taken by a folder."""
    cache = home / "cache"
    cache.mkdir(parents=True)
    stale = cache / ".part-killed"
    stale.write_bytes(b"half a download")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = cache / ".part-running"  # a download in progress in another process: kept
    fresh.write_bytes(b"in progress")
    (cache / "2018.csv.zip").mkdir()
    mirror = shared_data() / "russia-federal"
    line = one_line_failure(cli("fetch", "russia-president-2018", "--mirror", mirror))
    assert "2018.csv.zip" in line and "is a folder" in line
    assert not stale.exists() and fresh.exists()
    assert not [p for p in cache.iterdir() if p.name.startswith(".part-") and p != fresh]
    assert fingerprint(home) in (None, (0, 0, 0, 0))


def test_atomic_file_keeps_the_old_content_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_atomic_files_moves_nothing_when_one_target_is_taken(tmp_path: Path) -> None:
    (tmp_path / "b.json").mkdir()
    (tmp_path / "a.json").write_text(json.dumps("old"))
    with pytest.raises(Exception, match="is a folder"), atomic_files(tmp_path) as staging:
        (staging / "a.json").write_text(json.dumps("new"))
        (staging / "b.json").write_text(json.dumps("new"))
    assert json.loads((tmp_path / "a.json").read_text()) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]
