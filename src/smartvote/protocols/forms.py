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

import pandas as pd

from smartvote.protocols.grammar import CHOICES, Relation, Sum, parse

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
    """A control relation of a form: hard (the law) or soft (plausibility), maybe an importer flag."""

    relation: Relation
    severity: Severity
    flag: str = ""


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
        vote reports only the ballots issued).
        """
        columns = {line.id: line.column for line in self.lines if line.column}
        out = {}
        for rule in self.rules:
            relation = rule.relation
            fails = ~_holds(relation.check, stations, columns, totals)
            if relation.guard is not None:
                fails &= _holds(relation.guard, stations, columns, totals)
            out[relation.text] = fails.fillna(False).astype(bool)
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


def _holds(
    comparison: Any, stations: pd.DataFrame, columns: Mapping[str, str], totals: Mapping[str, tuple[str, ...]]
) -> pd.Series:
    left = _column_sum(comparison.left, stations, columns, totals)
    right = _column_sum(comparison.right, stations, columns, totals)
    ops = {">=": left.ge, "<=": left.le, "=": left.eq, ">": left.gt, "<": left.lt}
    return ops[comparison.op](right).astype("boolean")


def _column_sum(
    side: Sum, stations: pd.DataFrame, columns: Mapping[str, str], totals: Mapping[str, tuple[str, ...]]
) -> pd.Series:
    """The sum on a canonical table; null where a term is missing (a choice sum always is)."""
    positive = [columns.get(t.line, "") for t in side.terms if t.line and t.sign > 0]
    for total, parts in totals.items():
        if set(parts) <= set(positive):
            positive = [c for c in positive if c not in parts] + [total]
    missing = pd.Series(pd.NA, index=stations.index, dtype="Int64")
    result = pd.Series(0, index=stations.index, dtype="Int64")
    for column in positive:
        result = result + (stations[column].astype("Int64") if column in stations else missing)
    for term in side.terms:
        if term.sign < 0 and term.line:
            column = columns.get(term.line, "")
            result = result - (stations[column].astype("Int64") if column in stations else missing)
        elif not term.line:
            result = result + term.sign * term.value
    return result


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
    rules = tuple(Rule(parse(r["rule"]), r["severity"], r.get("flag", "")) for r in data["relations"])
    out = {}
    for name, spec in data["forms"].items():
        without = set(spec.get("without", ()))
        replace = spec.get("replace", {})
        form_rules = tuple(
            Rule(parse(replace[r.relation.text]), r.severity, r.flag) if r.relation.text in replace else r
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
    canonical = form(CANONICAL_FORM)
    failed = canonical.failures(stations, totals)
    blank = stations["no_protocol"].to_numpy(bool)
    reasons = pd.Series("", index=stations.index, dtype=object)
    by_flag = {rule.flag: rule.relation.text for rule in canonical.rules if rule.flag}
    for flag in canonical.flags:
        hit = failed[by_flag[flag]].to_numpy(bool) & ~blank
        reasons[hit] = reasons[hit] + ";" + flag
    return reasons.str.lstrip(";").astype(object)
