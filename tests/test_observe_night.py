"""Election night on synthetic data, reduced (the 5,000-station run: benchmarks/observe_night.py):
the layers differ exactly where rewriting was injected, the moderators err independently, and
the demo, over HTTP against a started service, finds the rewritten stations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.observe.night import layers, read_photo
from smartvote.protocols import form

SMARTVOTE = str(Path(sys.executable).with_name("smartvote"))


def test_signed_and_published_differ_exactly_where_rewritten() -> None:
    lay = layers(2000, 0.05, seed=4)
    differs = (lay.signed != lay.published).any(axis=1)
    assert np.array_equal(differs, lay.rewritten) and lay.rewritten.sum() == 100
    assert np.array_equal(lay.signed.sum(axis=1), lay.published.sum(axis=1))
    f = form("ru-duma-list")
    for i in range(0, 2000, 97):  # the signed protocols pass the form's hard relations
        figures = lay.figures(i)
        lines = {k[1:]: v for k, v in figures.items() if k.startswith("L")}
        choices = {k[1:]: v for k, v in figures.items() if k.startswith("C")}
        assert all(c.status == "passed" for c in f.check(lines, choices) if c.severity == "hard")


def test_each_moderator_misreads_independently() -> None:
    """At an error rate of 0.3, a moderator misreads about 30% of the time and two moderators
    both misread about 9% of the time (independence); a misread is another reported value."""
    rng = np.random.default_rng(1)
    pairs = np.array([[read_photo(500, [500, 800], 0.3, rng) for _ in range(2)] for _ in range(20_000)])
    wrong = pairs == 800
    assert set(np.unique(pairs)) == {500, 800}
    assert abs(wrong.mean() - 0.3) < 0.015 and abs(wrong.all(axis=1).mean() - 0.09) < 0.01
    assert read_photo(500, [500], 1.0, rng) == 500  # nothing else reported: nothing to misread


def test_demo_over_http_meets_the_issue_bounds(tmp_path: Path) -> None:
    """400 stations, 5% rewritten, 3 observers, 10% hostile, all through a started service:
    with the moderators precision and recall at least 0.95; no honest-but-typo station is
    reported, with or without them; the quick count's sample all reported."""
    out = CliRunner().invoke(
        main,
        ["observe", "demo", "--stations", "400", "--seed", "2", "--sample", "150", "--workers", "1"],
        env={"SMARTVOTE_HOME": str(tmp_path)},
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    moderated, alone = data["with_moderator"], data["without_moderator"]
    assert moderated["rewritten"] == 20 and moderated["precision"] >= 0.95 and moderated["recall"] >= 0.95
    assert alone["precision"] == 1.0 and alone["honest_typo_stations"] > 0
    assert alone["honest_typo_stations_reported"] == 0 == moderated["honest_typo_stations_reported"]
    assert abs(data["recall_ceiling_without_moderator"] - 0.729) < 1e-9
    traffic = data["traffic"]
    assert traffic["submissions"] == 1200 and traffic["moderator_readings"] > 0
    assert traffic["figures_left_in_conflict"] == 0
    assert data["quick_count"]["drawn"] == data["quick_count"]["reported"] == 150
    assert not list(tmp_path.iterdir())  # the temporary home is gone; nothing under SMARTVOTE_HOME


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def test_ctrl_c_stops_the_service(tmp_path: Path) -> None:
    """SIGINT to the demo while its service starts: the demo exits and the server is gone."""
    log = tmp_path / "demo.log"
    with open(log, "wb") as err:
        demo = subprocess.Popen(
            [SMARTVOTE, "observe", "demo", "--stations", "50", "--workers", "1"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "SMARTVOTE_HOME": str(tmp_path / "home")},
            # A background job of a non-interactive shell ignores SIGINT, and so would the demo.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        deadline, server = time.monotonic() + 60, None
        while server is None and time.monotonic() < deadline and demo.poll() is None:
            server = next(iter(_children(demo.pid)), None)
            time.sleep(0.05)
        assert server is not None, log.read_text()
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 1 and "interrupted" in log.read_text()
        assert not Path(f"/proc/{server}").exists() or "zombie" in Path(f"/proc/{server}/status").read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
