"""The input formats of Smart Voting, validated: contests, endorsements, polls, adjustments.

Each reader takes an all-text table (as :func:`smartvote.data.importers.tabular.read_text_table`
returns it: empty cells null) and the file's name, and returns a typed table or raises
:class:`~smartvote.errors.InputError` naming the file, the data row (from 1) and the column.
The formats are specified, with examples, in docs/tactics-formats.md.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from smartvote.data.importers.counts import parse_counts, parse_flag
from smartvote.errors import InputError
from smartvote.tactics.parties import label_key, party_mapping

ENDORSEMENT_COLUMNS = ("district", "district_name", "candidate", "party")
CONTEST_INPUT_COLUMNS = ("district", "name", "party", "ballot_position", "ruling", "incumbent", "endorsed")
POLL_COLUMNS = ("pollster", "published", "population", "party", "share_percent", "source")
ADJUSTMENT_COLUMNS = ("district", "candidate", "effect_pp", "reason", "source", "published")

#: The sample size assumed for a poll that does not report one: the order of size of a national
#: telephone poll. It is an assumption, so results that use polls show how they change with it.
DEFAULT_EFFECTIVE_N = 1600
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _require(raw: pd.DataFrame, columns: tuple[str, ...], file: str) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise InputError(file, "missing required column", row=0, column=missing[0])
    if raw.empty:
        raise InputError(file, "no data rows", row=0)


def _text(raw: pd.DataFrame, column: str, file: str, required: bool = True) -> pd.Series:
    values = raw[column].astype(object).where(raw[column].notna(), "").map(str).str.strip()
    if required and (values == "").any():
        raise InputError(file, "empty value", row=_first(values == ""), column=column)
    return values


def _first(hit: pd.Series) -> int:
    return int(np.flatnonzero(hit.to_numpy(bool))[0]) + 1


def _numbers(raw: pd.DataFrame, column: str, file: str, whole: bool) -> pd.Series:
    text = _text(raw, column, file)
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    # A whole number beyond 2**53 has no exact float and would wrap or round in int64: refused.
    bad = values.isna() | (((values % 1 != 0) | (values.abs() >= 2**53)) if whole else False)
    if bad.any():
        kind = "a whole number (below 2**53 in size)" if whole else "a number"
        row = _first(bad)
        raise InputError(file, f"{text.iloc[row - 1]!r} is not {kind}", row=row, column=column)
    return values.astype("int64") if whole else values.astype(float)


def _flags(raw: pd.DataFrame, column: str, file: str) -> pd.Series:
    """A yes/no column (empty: no), read by the one flag parser of every format."""
    return parse_flag(raw[column], file, column).astype(bool)


def _dates(raw: pd.DataFrame, column: str, file: str) -> pd.Series:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (read as the month's first day) -> :class:`datetime.date`."""
    text = _text(raw, column, file)
    bad = ~text.str.match(_DATE)
    parsed: list[date | None] = []
    for row, value in enumerate(text, start=1):
        try:
            parsed.append(date.fromisoformat(value if len(value) == 10 else value + "-01"))
        except ValueError:
            bad.iloc[row - 1] = True
            parsed.append(None)
    if bad.any():
        row = _first(bad)
        raise InputError(file, f"{text.iloc[row - 1]!r} is not YYYY-MM-DD or YYYY-MM", row, column)
    return pd.Series(parsed, index=raw.index, dtype=object)


def _party_ids(parties: pd.Series, file: str) -> pd.Series:
    mapping = party_mapping()
    ids = [mapping.party_id(label, f"{file}, row {row}") for row, label in enumerate(parties, 1)]
    return pd.Series(ids, index=parties.index, dtype=object)


def _once_per_district(frame: pd.DataFrame, flag: str, file: str) -> None:
    per_district = frame[frame[flag]].groupby("district").size()
    if (per_district > 1).any():
        district = per_district.index[per_district > 1][0]
        second = np.flatnonzero((frame[flag] & (frame["district"] == district)).to_numpy())[1]
        row = int(second) + 1
        raise InputError(file, f"a second {flag} candidate in district {district}", row=row, column=flag)


def read_endorsements(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Endorsements: one row per district (district, district_name, candidate, party) + party_id."""
    _require(raw, ENDORSEMENT_COLUMNS, file)
    out = pd.DataFrame(
        {
            "district": _numbers(raw, "district", file, whole=True),
            "district_name": _text(raw, "district_name", file, required=False),
            "candidate": _text(raw, "candidate", file),
            "party": _text(raw, "party", file),
        }
    )
    twice = out["district"].duplicated()
    if twice.any():
        row = _first(twice)
        raise InputError(file, f"district {out['district'].iloc[row - 1]} is endorsed twice", row, "district")
    return out.assign(party_id=_party_ids(out["party"], file))


def read_contest(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Candidates of single-member districts; at most one ruling and one endorsed per district."""
    _require(raw, CONTEST_INPUT_COLUMNS, file)
    out = pd.DataFrame(
        {
            "district": _numbers(raw, "district", file, whole=True),
            "name": _text(raw, "name", file),
            "party": _text(raw, "party", file, required=False),
            "ballot_position": _numbers(raw, "ballot_position", file, whole=True),
            **{flag: _flags(raw, flag, file) for flag in ("ruling", "incumbent", "endorsed")},
        }
    )
    twice = out.duplicated(["district", "name"])
    if twice.any():
        raise InputError(file, "the same candidate twice in one district", _first(twice), "name")
    for flag in ("ruling", "endorsed"):
        _once_per_district(out, flag, file)
    return out.assign(party_id=_party_ids(out["party"], file))


def read_polls(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Poll shares; ``sample_size`` optional (null when not reported), dates YYYY-MM allowed."""
    _require(raw, POLL_COLUMNS, file)
    sizes = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    if "sample_size" in raw.columns:
        given = _text(raw, "sample_size", file, required=False) != ""
        if given.any():
            sizes[given] = _numbers(raw[given], "sample_size", file, whole=True)
        negative = (sizes <= 0).fillna(False).astype(bool)
        if negative.any():
            raise InputError(file, "sample size must be positive", _first(negative), "sample_size")
    shares = _numbers(raw, "share_percent", file, whole=False)
    bad = (shares < 0) | (shares > 100)
    if bad.any():
        raise InputError(file, "share must lie in 0..100", _first(bad), "share_percent")
    out = pd.DataFrame(
        {
            "pollster": _text(raw, "pollster", file),
            "published": _dates(raw, "published", file),
            "population": _text(raw, "population", file, required=False),
            "party": _text(raw, "party", file),
            "share_percent": shares,
            "source": _text(raw, "source", file),
            "sample_size": sizes,
        }
    )
    out["party_id"] = _party_ids(out["party"], file)
    _refuse_contradictions(out, file)
    totals = out.groupby(["pollster", "published", "population"])["share_percent"].sum()
    if (totals > 100.05).any():
        poll = totals.index[totals > 100.05][0]
        raise InputError(
            file, f"shares of poll {poll[0]} {poll[1]} add up to more than 100", column="share_percent"
        )
    return out


_POLL = ["pollster", "published", "population"]


def _refuse_contradictions(polls: pd.DataFrame, file: str) -> None:
    """One party twice in one poll, or two sample sizes for one poll: either would be resolved
    silently (summed, or the first taken), so the row that contradicts an earlier one is refused."""
    twice = polls.duplicated([*_POLL, "party_id"])
    if twice.any():
        row = polls[twice].iloc[0]
        raise InputError(
            file, f"party {row['party']!r} appears twice in poll {row['pollster']} {row['published']}",
            _first(twice), "party",
        )  # fmt: skip
    sizes = polls["sample_size"].astype("Float64")
    first = sizes.groupby([polls[c] for c in _POLL], dropna=False).transform("first")
    other = (sizes.notna() & first.notna() & (sizes != first)).fillna(False).astype(bool)
    if other.any():
        row = polls[other].iloc[0]
        raise InputError(
            file, f"poll {row['pollster']} {row['published']} gives two sample sizes "
            f"({int(first[other].iloc[0])} and {int(row['sample_size'])})",
            _first(other), "sample_size",
        )  # fmt: skip


def read_adjustments(raw: pd.DataFrame, file: str, vote_date: date | None = None) -> pd.DataFrame:
    """Analyst adjustments: each with a reason and a public source published before the vote."""
    _require(raw, ADJUSTMENT_COLUMNS, file)
    out = pd.DataFrame(
        {
            "district": _numbers(raw, "district", file, whole=True),
            "candidate": _text(raw, "candidate", file),
            "effect_pp": _numbers(raw, "effect_pp", file, whole=False),
            "reason": _text(raw, "reason", file),
            "source": _text(raw, "source", file),
            "published": _dates(raw, "published", file),
        }
    )
    too_big = out["effect_pp"].abs() > 100
    if too_big.any():
        raise InputError(file, "an effect beyond 100 percentage points", _first(too_big), "effect_pp")
    if vote_date is not None:
        late = out["published"].map(lambda d: d >= vote_date)
        if late.any():
            raise InputError(
                file, f"source published on or after the vote ({vote_date})", _first(late), "published"
            )
    return out


RULING_INPUT_COLUMNS = ("district", "candidate", "backed_by_ruling", "source")


def read_ruling_marks(raw: pd.DataFrame, file: str, ballot: pd.DataFrame) -> pd.DataFrame:
    """An analyst's ruling-side file checked against ``ballot`` (district, candidate): every
    row names a candidate on that district's ballot, once, with a non-empty source."""
    missing = [c for c in RULING_INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(file, "missing required column", row=0, column=missing[0])
    district = parse_counts(raw[["district"]], file)["district"]
    flag = parse_flag(raw["backed_by_ruling"], file, "backed_by_ruling", blank=None)
    keys = set(zip(ballot["district"].astype(int), (label_key(n) for n in ballot["candidate"]), strict=True))
    seen: set[tuple[int, str]] = set()
    rows = []
    for row, (d, name, backed, source) in enumerate(
        zip(district, raw["candidate"], flag, raw["source"], strict=True), start=1
    ):
        if pd.isna(d):
            raise InputError(file, "empty value", row, "district")
        if pd.isna(backed):
            raise InputError(file, "empty value (1 or 0)", row, "backed_by_ruling")
        if not isinstance(source, str) or not source.strip():
            raise InputError(file, "every mark needs its public source", row, "source")
        key = (int(d), label_key(str(name)))
        if key not in keys:
            raise InputError(file, f"unknown candidate {name!r} in district {int(d)}", row, "candidate")
        if key in seen:
            raise InputError(file, f"candidate {name!r} is marked twice", row, "candidate")
        seen.add(key)
        rows.append((int(d), key[1], bool(backed), source.strip()))
    return pd.DataFrame(rows, columns=["district", "key", "backed_by_ruling", "source"])
