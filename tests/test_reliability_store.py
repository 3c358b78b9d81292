"""Reliability of the store (issue: "a store that stays safe when two commands meet or the file is
damaged"): readers share the file, a writer waits a bounded time and then says "store busy", a
damaged or foreign file is one line with the way out for every command and is never written."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from reliability import (
    cli,
    digest,
    fingerprint,
    fresh_process_state,
    one_line_failure,
    start,
    store_file,
    tidy_folder,
)
from smartvote.data.loader import read_path
from smartvote.data.store import SCHEMA_VERSION, Store, StoreDamagedError
from smartvote.synthetic import simulate_election

__all__ = ["fresh_process_state"]


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a synthetic election of 2,000 stations and a 5-station tidy one."""
    folder = tmp_path_factory.mktemp("good")
    path = store_file(folder)
    with Store(path) as store:
        store.add_election(simulate_election(2000, 0, "syn")[0])
        store.add_election(read_path(tidy_folder(folder / "tidy"), "e5", "Candidate A")[0])
    return path


#: A process holding the store's lock (the read-only or the write one) until killed.
HOLD = (
    "import duckdb, time; c = duckdb.connect({path!r}, read_only={read_only}); "
    "print('held', flush=True); time.sleep(60)"
)


def _damage(how: str, home: Path, good: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = store_file(home)
    if how == "SMARTVOTE_HOME a file":
        home.rmdir()
        home.write_text("not a folder\n")
        return
    if how == "directory":
        path.mkdir()
        return
    if how == "text":
        path.write_text("elections,stations\n" * 50)
        return
    if how == "other tables":
        db = duckdb.connect(str(path))
        db.execute("CREATE TABLE measurements (t TIMESTAMP, value DOUBLE)")
        db.close()
        return
    shutil.copy(good, path)
    size = path.stat().st_size
    with path.open("r+b") as f:
        if how == "0 bytes":
            f.truncate(0)
        elif how == "4 KB":
            f.truncate(4096)
        elif how == "half":
            f.truncate(size // 2)
        elif how == "first 4 KB garbled":
            f.write(bytes(range(256)) * 16)


DAMAGE = [
    "0 bytes",
    "4 KB",
    "half",
    "first 4 KB garbled",
    "text",
    "directory",
    "SMARTVOTE_HOME a file",
    "other tables",
]


def _commands(tmp_path: Path) -> list[list[object]]:
    tidy = tidy_folder(tmp_path / "tidy-in")
    endorsements = tmp_path / "endorsements.csv"
    endorsements.write_text(
        "district,district_name,candidate,party\n1,First,Candidate B,КПРФ\n", encoding="utf-8"
    )
    return [
        ["list"],
        ["summary", "e5"],
        ["export", "e5", tmp_path / "export"],
        ["report", "e5", "--out", tmp_path / "report"],
        ["import", tidy, "--as", "again", "--ruling", "Candidate A"],
        ["endorse", "e5", endorsements],
        ["gap", "e5"],
        ["effect", "e5"],
        ["simulate-election", "--stations", "50", "--as", "new"],
        ["coordinate", "russia-duma-2021", "--draws", "100"],
    ]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_or_foreign_store_is_one_line_for_every_command_and_never_written(
    how: str, good_store: Path, home: Path, tmp_path: Path
) -> None:
    _damage(how, home, good_store)
    target = home if how == "SMARTVOTE_HOME a file" else store_file(home)
    before = digest(target)
    for args in _commands(tmp_path):
        line = one_line_failure(cli(*args))
        assert str(target) in line, (args, line)
        assert "move it aside" in line or "SMARTVOTE_HOME" in line, (args, line)
        assert digest(target) == before, args


def test_a_checksum_error_fails_the_read_and_refuses_the_write(
    good_store: Path, home: Path, tmp_path: Path
) -> None:
    """A block damaged in the middle: the file opens, a read fails; `import` (and every write)
    must not bury the damage under a new commit. The damaged block is found by trying offsets."""
    home.mkdir()
    path = store_file(home)
    for offset in range(16384, good_store.stat().st_size, 16384):
        shutil.copy(good_store, path)
        with path.open("r+b") as f:
            f.seek(offset)
            f.write(b"\xa5" * 512)
        if cli("summary", "syn").exit_code == 1:
            break
    else:
        pytest.fail("no offset damaged the votes of the synthetic election")
    before = digest(path)
    assert "damaged" in one_line_failure(cli("summary", "syn"))
    tidy = tidy_folder(tmp_path / "tidy")
    line = one_line_failure(cli("import", tidy, "--as", "more", "--ruling", "Candidate A"))
    assert "damaged" in line and "move it aside" in line
    assert digest(path) == before


def test_two_imports_started_together_both_land(home: Path, tmp_path: Path) -> None:
    """DuckDB lets one process write: the second waits for the lock (bounded) and then lands."""
    first = start("simulate-election", "--stations", "500", "--as", "a", home=home)
    second = start("simulate-election", "--stations", "500", "--seed", "1", "--as", "b", home=home)
    outcomes = [p.communicate(timeout=120) + (p.returncode,) for p in (first, second)]
    for _, stderr, code in outcomes:
        if code != 0:  # the only acceptable failure: one line saying the store is busy
            assert "store busy" in stderr and len(stderr.strip().splitlines()) == 1, stderr
    landed = {out.strip() for out, _, code in outcomes if code == 0}
    assert landed, outcomes
    assert fingerprint(home)[0] == len(landed)  # type: ignore[index]


def test_a_writer_waits_a_bounded_time_then_says_store_busy_with_the_pid(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("simulate-election", "--stations", "50", "--as", "a").exit_code == 0
    path = store_file(home)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(path=str(path), read_only=False)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = digest(path)
        began = time.monotonic()
        monkeypatch.setenv("SMARTVOTE_LOCK_TIMEOUT", "1")
        done = cli("simulate-election", "--stations", "50", "--as", "b")
        waited = time.monotonic() - began
        line = one_line_failure(done)
        assert f"store busy (another smartvote command, PID {holder.pid})" in line
        assert waited < 20
        assert digest(path) == before
        line = one_line_failure(cli("list"))
        assert "store busy" in line
    finally:
        holder.kill()
        holder.communicate()


def _holds(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux: its /proc/PID/fd links)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def test_summary_list_and_import_work_while_report_runs(home: Path, tmp_path: Path) -> None:
    """Real processes: `report` reads the store, closes it, then computes. Once it has closed
    the store it is paused (SIGSTOP), so that `summary`, `list` and an `import` surely run while
    it runs; each succeeds, and the report completes when resumed."""
    assert cli("simulate-election", "--stations", "20000", "--as", "big").exit_code == 0
    path = store_file(home)
    report = start("report", "big", "--out", tmp_path / "report", home=home)
    deadline = time.monotonic() + 90
    while not _holds(report.pid, path) and report.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    while _holds(report.pid, path) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert report.poll() is None, "report ended before it could be paused"
    report.send_signal(signal.SIGSTOP)
    try:
        tidy = tidy_folder(tmp_path / "t")
        for args in (["summary", "big"], ["list"], ["import", tidy, "--as", "e5", "--ruling", "Candidate A"]):
            done = cli(*args)  # this test's own process: not the report's
            assert done.exit_code == 0, (args, done.stderr)
    finally:
        report.send_signal(signal.SIGCONT)
    _, stderr = report.communicate(timeout=120)
    assert report.returncode == 0, stderr
    assert (tmp_path / "report" / "report.json").is_file()
    assert fingerprint(home)[0] == 2  # type: ignore[index]


def test_readers_do_not_block_readers(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("simulate-election", "--stations", "50", "--as", "a").exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(path=str(store_file(home)), read_only=True)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("SMARTVOTE_LOCK_TIMEOUT", "0")
        done = cli("summary", "a")
        assert done.exit_code == 0, done.stderr
    finally:
        holder.kill()
        holder.communicate()


def test_schema_steps_are_recorded_and_an_old_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE stations (election_id VARCHAR, contest VARCHAR, station_id VARCHAR)")
    old.execute("INSERT INTO stations VALUES ('e', 'c', 's')")
    old.close()
    with Store.reading(path) as store:  # a reader of an old store: migrated once, then read
        assert store.schema_version() == SCHEMA_VERSION
        steps = store.db.execute("SELECT version, step FROM schema_version ORDER BY version").fetchall()
        rows = store.db.execute("SELECT station_id, counted_by_scanner, implausible FROM stations").fetchall()
    assert [s[0] for s in steps] == list(range(1, SCHEMA_VERSION + 1))
    assert "counted_by_scanner" in steps[1][1] and "implausible" in steps[2][1]
    assert rows == [("s", None, None)]


def test_a_store_written_before_the_implausible_column_computes_it_on_reading(tmp_path: Path) -> None:
    """Schema step 3 adds ``stations.implausible`` empty (null); reading fills it from the counts:
    no invalid ballot among 600 is ``invalid=0``, ten invalid among 600 is nothing."""
    folder = tmp_path / "tidy"
    folder.mkdir()
    (folder / "stations.csv").write_text(
        "contest,station_id,registered,ballots_in_boxes,valid,invalid\nc,a,1000,600,600,0\nc,b,1000,600,590,10\n"
    )
    (folder / "votes.csv").write_text("contest,station_id,choice,votes\nc,a,X,600\nc,b,X,590\n")
    (tables,) = read_path(folder, "old", "X")
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.add_election(tables)
    old = duckdb.connect(str(path))  # as a store of schema 2 left it
    old.execute("ALTER TABLE stations DROP COLUMN implausible")
    old.execute("DELETE FROM schema_version WHERE version = 3")
    old.close()
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        stored = store.db.execute("SELECT implausible FROM stations ORDER BY station_id").fetchall()
        assert stored == [(None,), (None,)]
        assert store.load("old").stations["implausible"].tolist() == ["invalid=0", ""]


def test_a_store_of_a_newer_schema_is_refused(home: Path) -> None:
    assert cli("simulate-election", "--stations", "50", "--as", "a").exit_code == 0
    db = duckdb.connect(str(store_file(home)))
    db.execute("INSERT INTO schema_version VALUES (99, 'from the future', current_timestamp)")
    db.close()
    assert "newer smartvote" in one_line_failure(cli("list"))


def test_delete_election_rolls_back_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.add_election(
            __import__("smartvote.data.loader", fromlist=["read_path"]).read_path(
                tidy_folder(tmp_path / "t"), "e5", "Candidate A"
            )[0]
        )
        before = store.fingerprint()
        real = store._delete

        def fails_midway(election_id: str) -> None:
            real(election_id)
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(store, "_delete", fails_midway)
        with pytest.raises(OSError):
            store.delete_election("e5")
        assert store.fingerprint() == before and store.has("e5")


def test_no_write_after_a_failed_read_in_the_same_process(good_store: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    shutil.copy(good_store, path)
    with Store(path) as store:
        from smartvote.data.store import FAILED_READS

        FAILED_READS.add(str(path))
        with pytest.raises(StoreDamagedError, match="reading it failed"):
            store.delete_election("e5")
        assert store.has("e5")
    assert os.path.getsize(path) > 0
