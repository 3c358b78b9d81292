"""Protocol forms as data: their lines and control relations, read from the TOML files here.

One definition serves both sides: the observer service checks every submitted protocol with
these relations (:meth:`Form.check`), and the importer's irregularity flags are the failures of
the relations that carry a ``flag`` (:func:`importer_flags`), so that a control relation is
written once. The forms follow the official station protocols: Russia's (Federal Law 67-FZ,
art. 67-68; lines 1-12 and one line per choice) and Belarus 2020's (the protocol the ZUBR and
"Golos" observers collected).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal

import numpy as np
import pandas as pd

from smartvote.protocols.grammar import CHOICES, OPERATORS, Comparison, Relation, Sum, parse

Severity = Literal["hard", "soft"]
Status = Literal["passed", "failed", "not checked"]
#: The form files shipped in this package, one per country.
FORM_FILES = ("ru.toml", "by.toml")


@dataclass(frozen=True)
class Line:
    """One line of a protocol: its number, its canonical column (if any) and its labels."""

    id: str
    ru: str
    en: str
    column: str = ""


@dataclass(frozen=True)
class Rule:
    """A control relation of a form: hard (the law) or soft (plausibility), maybe an importer
    flag: an ``inconsistent`` reason (``flag``) or an ``implausible`` one (``implausible``)."""

    relation: Relation
    severity: Severity
    flag: str = ""
    implausible: str = ""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one rule on one protocol, with the failure said in words."""

    rule: str
    severity: Severity
    status: Status
    message: str = ""

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "severity": self.severity, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Form:
    """A station protocol form: its lines, its rules, and the order of the importer's reasons."""

    name: str
    ru: str
    en: str
    lines: tuple[Line, ...]
    rules: tuple[Rule, ...]
    flags: tuple[str, ...] = ()

    @property
    def line_ids(self) -> tuple[str, ...]:
        return tuple(line.id for line in self.lines)

    def check(
        self, lines: Mapping[str, int | None], choices: Mapping[str, int | None]
    ) -> tuple[CheckResult, ...]:
        """Every rule on one protocol; a rule reading a missing figure is "not checked"."""
        votes = list(choices.values())
        figures: dict[str, int | None] = dict(lines)
        figures[CHOICES] = None if any(v is None for v in votes) else sum(v for v in votes if v is not None)
        return tuple(self._check_one(rule, figures) for rule in self.rules)

    def _check_one(self, rule: Rule, figures: Mapping[str, int | None]) -> CheckResult:
        relation = rule.relation
        applies = relation.guard.holds(figures) if relation.guard else True
        holds = relation.check.holds(figures)
        if applies is None or holds is None:
            return CheckResult(relation.text, rule.severity, "not checked")
        if not applies or holds:
            return CheckResult(relation.text, rule.severity, "passed")
        left, right = relation.check.left, relation.check.right
        lv, rv = left.value(figures), right.value(figures)
        op = relation.check.op
        if not right.lines:
            message = f"{_describe(left)} {_verb(left)} {lv:,}, but the form requires {op} {rv:,}"
        else:
            message = (
                f"{_describe(left)} {_verb(left)} {lv:,} but {_describe(right)} {_verb(right)} {rv:,} "
                f"(the form requires {op})"
            )
        if relation.guard is not None:
            message += f" when {relation.guard.left} {relation.guard.op} {relation.guard.right}"
        return CheckResult(relation.text, rule.severity, "failed", message)

    def failures(self, stations: pd.DataFrame, totals: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
        """One boolean column per rule on a canonical station table: True where the rule fails.

        A rule reading a line the table lacks or leaves null is not checked (False). ``totals``
        are the canonical totals and their parts (:data:`smartvote.model.TOTALS`): a sum of all
        the parts of a total reads the total, which a source may give without its parts (the 2020
        vote reports only the ballots issued). The sums run on plain int64 arrays with a mask of
        missing figures, each column converted once, so that a federal election of ~100,000
        stations is checked in milliseconds.
        """
        figures = _Figures(stations, {line.id: line.column for line in self.lines if line.column}, totals)
        out = {}
        for rule in self.rules:
            relation = rule.relation
            fails = figures.fails(relation.check)
            if relation.guard is not None:
                fails &= figures.holds(relation.guard)
            out[relation.text] = fails
        return pd.DataFrame(out, index=stations.index)


def _describe(side: Sum) -> str:
    lines = [t.line for t in side.terms if t.line and t.line != CHOICES]
    if [t.line for t in side.terms] == [CHOICES]:
        return "the choices"
    if len(side.terms) == 1 and lines:
        return f"line {lines[0]}"
    return f"{'lines' if lines else 'the sum'} {str(side).replace('L', '')}".replace("choices", "the choices")


def _verb(side: Sum) -> str:
    return "=" if len(side.terms) == 1 and side.terms[0].line != CHOICES else "add up to"


class _Figures:
    """The lines of a canonical station table as int64 arrays and masks of missing figures."""

    def __init__(
        self, stations: pd.DataFrame, columns: Mapping[str, str], totals: Mapping[str, tuple[str, ...]]
    ) -> None:
        self.stations, self.columns, self.totals = stations, columns, totals
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, missing) of one canonical column; all missing where the table lacks it."""
        if name not in self._arrays:
            if name in self.stations:
                values = self.stations[name].astype("Int64")
                self._arrays[name] = (values.to_numpy("int64", na_value=0), values.isna().to_numpy())
            else:
                n = len(self.stations)
                self._arrays[name] = (np.zeros(n, np.int64), np.ones(n, bool))
        return self._arrays[name]

    def sum(self, side: Sum) -> tuple[np.ndarray, np.ndarray]:
        """(values, missing) of a sum; missing where a term is (a choice sum always is)."""
        positive = [self.columns.get(t.line, "") for t in side.terms if t.line and t.sign > 0]
        for total, parts in self.totals.items():
            if set(parts) <= set(positive):
                positive = [c for c in positive if c not in parts] + [total]
        negative = [self.columns.get(t.line, "") for t in side.terms if t.line and t.sign < 0]
        n = len(self.stations)
        values = np.full(n, sum(t.sign * t.value for t in side.terms if not t.line), np.int64)
        missing = np.zeros(n, bool)
        for sign, names in ((1, positive), (-1, negative)):
            for name in names:
                column, absent = self.column(name)
                values += sign * column
                missing |= absent
        return values, missing

    def holds(self, comparison: Comparison) -> np.ndarray:
        """Where the comparison is checked and holds."""
        return self._outcome(comparison, True)

    def fails(self, comparison: Comparison) -> np.ndarray:
        """Where the comparison is checked and does not hold."""
        return self._outcome(comparison, False)

    def _outcome(self, comparison: Comparison, outcome: bool) -> np.ndarray:
        (left, left_missing), (right, right_missing) = self.sum(comparison.left), self.sum(comparison.right)
        return (OPERATORS[comparison.op](left, right) == outcome) & ~left_missing & ~right_missing


@functools.cache
def forms() -> Mapping[str, Form]:
    """Every form shipped, by name (``ru-duma-list``, ``ru-president``, ``by-2020-president``...)."""
    out: dict[str, Form] = {}
    for name in FORM_FILES:
        data = tomllib.loads(files("smartvote.protocols").joinpath(name).read_text(encoding="utf-8"))
        out.update(_forms_of(data))
    return out


def form(name: str) -> Form:
    """One form by name; :class:`KeyError` names the forms there are."""
    try:
        return forms()[name]
    except KeyError:
        raise KeyError(f"no protocol form {name!r}; there are {', '.join(sorted(forms()))}") from None


def _forms_of(data: dict[str, Any]) -> dict[str, Form]:
    lines = tuple(
        Line(id=k, ru=v["ru"], en=v["en"], column=v.get("column", "")) for k, v in data["lines"].items()
    )
    rules = tuple(
        Rule(parse(r["rule"]), r["severity"], r.get("flag", ""), r.get("implausible", ""))
        for r in data["relations"]
    )
    out = {}
    for name, spec in data["forms"].items():
        without = set(spec.get("without", ()))
        replace = spec.get("replace", {})
        form_rules = tuple(
            Rule(parse(replace[r.relation.text]), r.severity, r.flag, r.implausible)
            if r.relation.text in replace
            else r
            for r in rules
        )
        out[name] = Form(
            name,
            spec["ru"],
            spec["en"],
            tuple(line for line in lines if line.id not in without),
            form_rules,
            tuple(data.get("flags", ())),
        )
    return out


#: The form whose lines are the canonical station columns (smartvote.model.COUNTS).
CANONICAL_FORM = "ru-duma-list"


def importer_flags(stations: pd.DataFrame, totals: Mapping[str, tuple[str, ...]]) -> pd.Series:
    """The importer's ``inconsistent`` reasons (``;``-joined, empty when none) from the form's flags.

    Stations without a protocol (``no_protocol``) are never flagged. The reasons come in the
    order the form's ``flags`` list gives, the order the importer has always written them.
    """
    return protocol_flags(stations, totals)[0]


def implausible_flags(stations: pd.DataFrame, totals: Mapping[str, tuple[str, ...]]) -> pd.Series:
    """The importer's ``implausible`` reasons (``;``-joined, empty when none): the soft relations
    of the form that carry no ``inconsistent`` flag but a name of their own (``implausible`` in
    the form file), such as no invalid ballot at all at a station of more than 500 ballots.

    They are plausibility checks, not breaches of the law, hence a column apart from
    ``inconsistent``. Stations without a protocol are never flagged.
    """
    return protocol_flags(stations, totals)[1]


def protocol_flags(
    stations: pd.DataFrame, totals: Mapping[str, tuple[str, ...]]
) -> tuple[pd.Series, pd.Series]:
    """(:func:`importer_flags`, :func:`implausible_flags`) from one pass over the canonical
    form's relations, since an import writes both; none at a blank station."""
    canonical = form(CANONICAL_FORM)
    failed = canonical.failures(stations, totals)
    blank = stations["no_protocol"].to_numpy(bool)

    def named(relations: Mapping[str, str]) -> pd.Series:
        hits = {name: failed[text].to_numpy(bool) & ~blank for name, text in relations.items()}
        return pd.Series(join_names(hits, len(stations)), index=stations.index, dtype=object)

    flagged = {rule.flag: rule.relation.text for rule in canonical.rules if rule.flag}
    implausible = {rule.implausible: rule.relation.text for rule in canonical.rules if rule.implausible}
    return named({flag: flagged[flag] for flag in canonical.flags}), named(implausible)


def join_names(hits: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Per row of ``n``, the ``;``-joined names whose boolean array hits it (empty when none);
    only the few rows hit are touched, so a clean federal election costs no string work."""
    names = np.full(n, "", dtype=object)
    for name, hit in hits.items():
        names[hit] = [f"{r};{name}" if r else name for r in names[hit]]
    return names
