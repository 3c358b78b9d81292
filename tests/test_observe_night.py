"""Election night on synthetic data, reduced (the full 5,000-station run: benchmarks/observe_night.py):
the layers differ exactly where rewriting was injected, and the proofs find the rewritten stations."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from smartvote.cli import main
from smartvote.observe.night import Night, layers, run


def test_signed_and_published_differ_exactly_where_rewritten() -> None:
    lay = layers(2000, 0.05, seed=4)
    differs = (lay.signed != lay.published).any(axis=1)
    assert np.array_equal(differs, lay.rewritten) and lay.rewritten.sum() == 100
    assert np.array_equal(lay.signed.sum(axis=1), lay.published.sum(axis=1))


def test_reduced_night_meets_the_issue_bounds() -> None:
    """1,000 stations, 5% rewritten, 3 observers, 10% hostile: with the moderator precision and
    recall at least 0.95; without it no false report and no honest-but-typo station reported."""
    result = run(1000, 0.05, Night(), seed=2, sample=300)
    moderated, alone = result.with_moderator, result.without_moderator
    assert moderated.precision >= 0.95 and moderated.recall >= 0.95
    assert alone.precision == 1.0 and alone.honest_typo_reported == 0
    assert abs(result.recall_ceiling - 0.729) < 1e-9


def test_demo_command() -> None:
    out = CliRunner().invoke(
        main, ["observe", "demo", "--stations", "300", "--hostile", "0.2", "--seed", "5"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["hostile"] == 0.2 and data["with_moderator"]["rewritten"] == 15
