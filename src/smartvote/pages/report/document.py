"""``report.json``: the report's numbers in the documented schema of docs/report.md.

JSON has no NaN: an undefined figure (a share of no ballots) is ``null``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from smartvote import __version__
from smartvote.forensics.integer import IntegerTest
from smartvote.forensics.shpilkin import Figures
from smartvote.pages.report.analysis import Analysis

SCHEMA = "smartvote-report/1"


def _num(value: float, digits: int = 4) -> float | None:
    """A float for JSON: rounded, ``None`` when undefined."""
    return None if math.isnan(value) else round(float(value), digits)


def _integer(test: IntegerTest) -> dict[str, Any]:
    return {
        "count": test.count,
        "weight": test.weight,
        "observed": _num(test.observed, 1),
        "expected": _num(test.expected, 2),
        "excess": _num(test.excess, 2),
        "sd": _num(test.sd, 3),
        "z": _num(test.z, 3),
        "p_value": None if math.isnan(test.p_value) else test.p_value,
        "log10_p_value": _num(test.log10_p_value, 3),
    }


def _official(figures: Figures) -> dict[str, Any]:
    return {
        "stations": figures.stations,
        "registered": figures.registered,
        "ballots_issued": figures.issued,
        "ballots": figures.ballots,
        "leader_votes": figures.leader_votes,
        "turnout_pct": _num(figures.turnout_pct),
        "leader_pct": _num(figures.leader_pct),
    }


def _shpilkin(analysis: Analysis) -> dict[str, Any]:
    result = analysis.shpilkin
    names = analysis.arrays.choice_names
    official_pct = 100.0 * result.choice_votes / max(1, result.total.ballots)
    return {
        "peak_method": result.fit.method,
        "peak_pct": result.fit.peak,
        "rho": _num(result.fit.rho, 6),
        "stations_used": result.stations_used,
        "anomalous_votes": _num(result.anomalous_votes, 1),
        "clean_turnout_pct": _num(result.total.clean_turnout_pct),
        "clean_leader_pct": _num(result.total.clean_leader_pct),
        "regions_anomalous_votes": _num(sum(r.figures.anomalous_votes for r in analysis.regions), 1),
        "regions_excess": _num(result.regions_excess, 1),
        "remote_electronic": _official(result.remote),
        "choices": [
            {
                "name": names[i],
                "leader": i == analysis.arrays.leader_column,
                "votes": int(result.choice_votes[i]),
                "official_pct": _num(official_pct[i]),
                "clean_pct": _num(result.clean_choice_pct[i]),
            }
            for i in range(len(names))
        ],
        "bins": {
            "stations": result.bins.stations.tolist(),
            "leader": result.bins.leader.tolist(),
            "others": result.bins.others.tolist(),
            "anomalous": [round(float(v), 1) for v in result.anomalous_per_bin],
        },
    }


def _region(analysis: Analysis, index: int) -> dict[str, Any]:
    row = analysis.regions[index]
    f = row.figures
    return {
        "region": row.region,
        "stations": f.stations,
        "registered": f.registered,
        "turnout_pct": _num(f.turnout_pct),
        "leader_pct": _num(f.leader_pct),
        "integer": _integer(row.integer),
        "shpilkin": {
            "anomalous_votes": _num(f.anomalous_votes, 1),
            "clean_turnout_pct": _num(f.clean_turnout_pct),
            "clean_leader_pct": _num(f.clean_leader_pct),
        },
    }


def _klimek(analysis: Analysis) -> dict[str, Any] | None:
    """Fit (b) of Klimek et al.'s model and the distances of the fitted and fair fingerprints
    (``None``: not enough stations for the fit)."""
    section = analysis.fingerprint
    if section is None:
        return None
    return {
        **section.fit.to_json(),
        "fitted_distance": _num(section.fitted_distance, 5),
        "fair_distance": _num(section.fair_distance, 5),
        "observed": section.observed.to_json(),
    }


def source_name(source: str) -> str:
    """The source file without its folders: a published report must not reveal local paths."""
    return re.split(r"[/\\]", source)[-1]


def report_document(analysis: Analysis, figures: dict[str, str]) -> dict[str, Any]:
    """The JSON document of one report; ``figures`` maps figure names to their file names."""
    headline = analysis.headline
    return {
        "schema": SCHEMA,
        "generator": f"smartvote {__version__}",
        "election": {
            "id": analysis.election.election_id,
            "title": analysis.election.title,
            "source": source_name(analysis.election.source),
            "contest": analysis.contest,
            "leader": analysis.leader,
            "notes": list(analysis.notes),
        },
        "seed": analysis.seed,
        "official": _official(analysis.shpilkin.total),
        "shpilkin": _shpilkin(analysis),
        "integer": {
            **_integer(headline),
            "turnout_from": analysis.integer.turnout_from,
            "stations_used": analysis.integer.stations_used,
            "tests": [_integer(t) for t in analysis.integer.tests],
        },
        "group_by": analysis.group_by,
        "regions": [_region(analysis, i) for i in range(len(analysis.regions))],
        "klimek": _klimek(analysis),
        "digits": analysis.digits.to_json(),
        "figures": figures,
        "practitioners": None if analysis.practitioners is None else analysis.practitioners.to_json(),
    }
