"""Protocol forms as data: the grammar, the checks in words, and one definition on both sides.

The importer's irregularity flags are computed from the forms and must equal today's
``model.flag_inconsistent`` on every federal election and St Petersburg 2021; the soft checks
on the raw St Petersburg protocols must fire where a direct pandas computation says.
"""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings

from smartvote.data.loader import read_path
from smartvote.model import TOTALS, fill_totals, flag_inconsistent
from smartvote.protocols import GrammarError, form, forms, importer_flags, parse

#: Every federal election today's importer reads (it refuses 2007 and 2008, whose files name the
#: ballots issued in a way it does not recognise yet).
FEDERAL_YEARS = (2004, 2011, 2012, 2016, 2018, 2020, 2021, 2024)
#: The raw St Petersburg columns of each Russian protocol line (spb-2021/protocols.csv).
SPB_LINES = {
    "1": "registered",
    "2": "ballots_received",
    "3": "ballots_early",
    "4": "ballots_in_station",
    "5": "ballots_outside",
    "6": "ballots_cancelled",
    "7": "ballots_portable_box",
    "8": "ballots_stationary_box",
    "9": "invalid",
    "10": "valid",
    "11": "lost",
    "12": "unaccounted",
}


def test_grammar_parses_sums_comparisons_and_guards() -> None:
    relation = parse("L9 > 0 when L7 + L8 > 500")
    assert relation.check.op == ">" and relation.guard is not None
    assert relation.lines == ("9", "7", "8")
    assert relation.check.holds({"9": 0}) is False
    assert parse("L2 = L3 + L4 - L12").check.right.value({"3": 5, "4": 7, "12": 2}) == 10
    assert parse("L10 = choices").check.holds({"10": 3, "choices": 3}) is True


@pytest.mark.parametrize(
    "text", ["L1 >=", "L1 == L2", "__import__('os') = 1", "L1 = L2 when", "L1 L2", "1 = choices +"]
)
def test_grammar_refuses_anything_else(text: str) -> None:
    with pytest.raises(GrammarError):
        parse(text)


def test_a_relation_with_a_missing_line_is_not_checked() -> None:
    lines = {str(i): 10 for i in range(1, 13)} | {"1": 100, "10": None}
    results = {r.rule: r.status for r in form("ru-duma-list").check(lines, {"1": 5})}
    assert results["L10 = choices"] == "not checked"
    assert results["L7 + L8 = L9 + L10"] == "not checked"
    assert results["L1 >= L3 + L4 + L5"] == "passed"


def test_failures_are_said_in_words() -> None:
    lines = {
        "1": 1500,
        "2": 1500,
        "3": 0,
        "4": 1203,
        "5": 0,
        "6": 297,
        "7": 0,
        "8": 1203,
        "9": 0,
        "10": 1203,
        "11": 0,
        "12": 0,
    }
    failed = [r for r in form("ru-duma-list").check(lines, {"1": 1000, "2": 230}) if r.status == "failed"]
    messages = [r.message for r in failed]
    assert "line 10 = 1,203 but the choices add up to 1,230 (the form requires =)" in messages
    assert "line 9 = 0, but the form requires > 0 when L7+L8 > 500" in messages


def test_the_forms_the_issue_lists() -> None:
    assert {"ru-duma-list", "ru-duma-smd", "ru-president", "ru-2020-vote", "by-2020-president"} <= set(
        forms()
    )
    assert form("ru-duma-list").line_ids == tuple(str(i) for i in range(1, 13))
    vote = form("ru-2020-vote")
    assert "11" not in vote.line_ids and "L2 = L3 + L4 + L5 + L6" in [r.relation.text for r in vote.rules]
    belarus = form("by-2020-president")
    hard = {r.relation.text for r in belarus.rules if r.severity == "hard"}
    assert {"L2 = L3 + L4 + L5 + L9 + L10", "L6 = choices + L7 + L8", "L6 <= L3 + L4 + L5"} <= hard
    assert all(line.ru and line.en for f in forms().values() for line in f.lines)


@pytest.mark.parametrize("year", FEDERAL_YEARS)
def test_importer_flags_from_the_forms_equal_todays(federal_zip, year: int) -> None:
    for tables in read_path(federal_zip(year)):
        stations = tables.stations
        expected = _todays_reasons(stations)
        assert importer_flags(stations, TOTALS).tolist() == expected
        assert flag_inconsistent(stations).tolist() == expected
        assert tables.stations["inconsistent"].tolist() == expected
        assert tables.stations["implausible"].tolist() == _zero_invalid(stations)
        if year == 2021:
            assert sum(r != "" for r in expected) == 24


def _todays_reasons(stations: pd.DataFrame) -> list[str]:
    """The importer's reasons as ``model.flag_inconsistent`` computed them before the forms,
    directly on the canonical columns: boxes > issued, issued > received, issued > registered,
    registered = 0, never at a station without a protocol."""
    issued = stations["ballots_issued"]
    checks = {
        "boxes>issued": stations["ballots_in_boxes"] > issued,
        "issued>received": issued > stations["ballots_received"],
        "issued>registered": issued > stations["registered"],
        "registered=0": stations["registered"] == 0,
    }
    hits = {
        k: v.fillna(False).to_numpy(bool) & ~stations["no_protocol"].to_numpy(bool) for k, v in checks.items()
    }
    return [";".join(k for k, hit in hits.items() if hit[i]) for i in range(len(stations))]


def _zero_invalid(stations: pd.DataFrame) -> list[str]:
    """``invalid=0`` computed directly on the canonical columns: no invalid ballot at a station
    of more than 500 ballots in the boxes, never at a station without a protocol."""
    hit = (stations["invalid"] == 0) & (stations["ballots_in_boxes"] > 500) & ~stations["no_protocol"]
    return ["invalid=0" if h else "" for h in hit.fillna(False)]


def test_importer_flags_on_spb_2021(data_dir: Path) -> None:
    for tables in read_path(data_dir / "spb-2021"):
        expected = _todays_reasons(tables.stations)
        assert importer_flags(tables.stations, TOTALS).tolist() == expected
        assert tables.stations["inconsistent"].tolist() == expected


@pytest.fixture(scope="module")
def spb(data_dir: Path) -> pd.DataFrame:
    """The raw protocols with the sum of each protocol's votes from votes.csv (``choices``)."""
    raw = pd.read_csv(data_dir / "spb-2021" / "protocols.csv")
    votes = pd.read_csv(data_dir / "spb-2021" / "votes.csv").groupby(["contest", "uik"])["votes"].sum()
    return raw.join(votes.rename("choices"), on=["contest", "uik"])


def _pandas_failures(raw: pd.DataFrame) -> dict[str, pd.Series]:
    """The soft and hard relations computed directly on the raw columns (NaN compares False)."""
    line = {k: raw[v] for k, v in SPB_LINES.items()}
    issued = line["3"] + line["4"] + line["5"]
    boxes = line["7"] + line["8"]
    return {
        "L1 >= L3 + L4 + L5": line["1"] < issued,
        "L2 = L3 + L4 + L5 + L6 + L11 - L12": line["2"] != issued + line["6"] + line["11"] - line["12"],
        "L7 + L8 = L9 + L10": boxes != line["9"] + line["10"],
        "L3 + L4 + L5 >= L7 + L8": issued < boxes,
        "L3 + L4 + L5 <= L2": issued > line["2"],
        "L9 > 0 when L7 + L8 > 500": (line["9"] <= 0) & (boxes > 500),
        "L1 > 0": line["1"] <= 0,
        "L10 = choices": line["10"] != raw["choices"],
    }


def _form_failures(raw: pd.DataFrame) -> pd.DataFrame:
    canonical = raw.rename(
        columns={"ballots_stationary_box": "ballots_stationary", "ballots_portable_box": "ballots_portable"}
    )
    for column in ("ballots_issued", "ballots_in_boxes"):
        canonical[column] = pd.Series(pd.NA, index=canonical.index, dtype="Int64")
    for column in (
        "ballots_early",
        "ballots_in_station",
        "ballots_outside",
        "ballots_stationary",
        "ballots_portable",
    ):
        canonical[column] = canonical[column].astype("Int64")
    fill_totals(canonical)
    return form("ru-duma-list").failures(canonical, TOTALS)


def test_soft_checks_on_spb_protocols_fire_as_pandas_says(spb: pd.DataFrame) -> None:
    direct = _pandas_failures(spb)
    blank = spb[list(SPB_LINES.values())].isna().any(axis=1)
    failed = _form_failures(spb)
    for rule, hit in direct.items():
        if rule == "L10 = choices":  # a station table has no votes: not checked there
            assert not failed[rule].any()
            continue
        assert failed[rule].tolist() == (hit & ~blank).tolist(), rule
    assert int(failed["L9 > 0 when L7 + L8 > 500"].sum()) == 123
    assert int(failed["L1 > 0"].sum()) == 50
    assert int(failed["L3 + L4 + L5 >= L7 + L8"].sum()) == 2
    hard = [r.relation.text for r in form("ru-duma-list").rules if r.severity == "hard"]
    assert not failed[[h for h in hard if h != "L10 = choices"]].any().any()
    assert not (direct["L10 = choices"] & ~blank).any()


def test_importer_stores_the_soft_checks_on_spb_2021_as_pandas_says(
    spb: pd.DataFrame, data_dir: Path
) -> None:
    """The importer's columns on the raw St Petersburg protocols: ``implausible`` holds the soft
    check of its own (no invalid ballot among more than 500: 123 protocols), ``inconsistent``
    the flagged ones (line 1 = 0 at 50, 3+4+5 < 7+8 at 2), each where pandas says on the raw file."""
    boxes = spb["ballots_stationary_box"] + spb["ballots_portable_box"]
    issued = spb["ballots_early"] + spb["ballots_in_station"] + spb["ballots_outside"]
    direct = {
        "invalid=0": (spb["invalid"] == 0) & (boxes > 500),
        "registered=0": spb["registered"] == 0,
        "boxes>issued": boxes > issued,
    }
    expected = {
        name: set(map(tuple, spb.loc[hit, ["contest", "uik"]].to_numpy())) for name, hit in direct.items()
    }
    assert {name: len(keys) for name, keys in expected.items()} == {
        "invalid=0": 123,
        "registered=0": 50,
        "boxes>issued": 2,
    }
    stations = pd.concat([t.stations for t in read_path(data_dir / "spb-2021")])
    key = list(zip(stations["contest"], stations["number"], strict=True))
    column = {"invalid=0": "implausible", "registered=0": "inconsistent", "boxes>issued": "inconsistent"}
    got = {
        name: {k for k, r in zip(key, stations[col], strict=True) if name in r.split(";")}
        for name, col in column.items()
    }
    assert got == expected
    assert set(stations["implausible"]) == {"", "invalid=0"}


@settings(max_examples=60, deadline=None)
@given(row=st.integers(0, 8077), line=st.sampled_from(sorted(SPB_LINES)), delta=st.integers(-300, 300))
def test_one_mutated_line_fails_what_pandas_says(spb: pd.DataFrame, row: int, line: str, delta: int) -> None:
    """A real protocol with one line changed: the per-protocol checks (the service's path) fail
    exactly the relations a direct pandas computation on the mutated row says."""
    mutated = spb.iloc[[row]].copy()
    column = SPB_LINES[line]
    if mutated[column].isna().any():
        return
    mutated[column] = (mutated[column] + delta).clip(lower=0)
    direct = {rule: bool(hit.iloc[0]) for rule, hit in _pandas_failures(mutated).items()}
    lines = {
        k: (None if pd.isna(mutated[v].iloc[0]) else int(mutated[v].iloc[0])) for k, v in SPB_LINES.items()
    }
    choices = {"all": int(mutated["choices"].iloc[0])}
    results = {r.rule: r.status == "failed" for r in form("ru-duma-list").check(lines, choices)}
    assert results == direct
    assert {**_form_failures(mutated).iloc[0].to_dict(), "L10 = choices": direct["L10 = choices"]} == direct
