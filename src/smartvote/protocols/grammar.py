"""The small grammar of control relations: sums of protocol lines compared with each other.

A relation is text such as ``L1 >= L3 + L4 + L5`` or ``L9 > 0 when L7 + L8 > 500``: terms are
lines (``L`` and the line's number), ``choices`` (the sum of every choice's votes) and
non-negative integer literals, joined by ``+`` and ``-``; the comparison is one of ``=``,
``>=``, ``<=``, ``>``, ``<``; an optional ``when`` clause restricts the relation to the
protocols where another comparison holds. Relations are parsed into :class:`Relation` values
and evaluated by arithmetic on those values, never by ``eval``, so a form file can only ever
express comparisons of sums. A relation with a missing line is *not checked*: an unreadable
figure proves nothing, so it neither passes nor fails (the convention of NDI's Apollo, where an
empty figure neither agrees nor disagrees).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CHOICES = "choices"
#: The comparisons, on counts or elementwise on arrays of counts (``Form.failures``).
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_TOKEN = re.compile(r"\s*(?:(L\w+)|(choices)|(\d+)|(>=|<=|=|>|<)|([+-])|(when))")


class GrammarError(ValueError):
    """A relation that does not follow the grammar; the message quotes it and the position."""


@dataclass(frozen=True)
class Term:
    """One signed term: a line id (``L10`` is line ``"10"``), :data:`CHOICES`, or a literal.

    A literal has an empty ``line`` and its number in ``value``.
    """

    sign: int
    line: str = ""
    value: int = 0


@dataclass(frozen=True)
class Sum:
    """A signed sum of terms."""

    terms: tuple[Term, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """The line ids (and :data:`CHOICES`) the sum reads."""
        return tuple(t.line for t in self.terms if t.line)

    def value(self, figures: Mapping[str, int | None]) -> int | None:
        """The sum over ``figures`` (line id -> count, ``choices`` -> their sum); None if one is missing."""
        total = 0
        for term in self.terms:
            if term.line:
                got = figures.get(term.line)
                if got is None:
                    return None
                total += term.sign * got
            else:
                total += term.sign * term.value
        return total

    def __str__(self) -> str:
        out = ""
        for i, t in enumerate(self.terms):
            text = (t.line if t.line == CHOICES else f"L{t.line}") if t.line else str(t.value)
            out += ("-" if t.sign < 0 else "+" if i else "") + text
        return out


@dataclass(frozen=True)
class Comparison:
    """``left OP right``."""

    left: Sum
    op: str
    right: Sum

    @property
    def lines(self) -> tuple[str, ...]:
        return self.left.lines + self.right.lines

    def holds(self, figures: Mapping[str, int | None]) -> bool | None:
        """Whether it holds on ``figures``; None when a line it reads is missing."""
        left, right = self.left.value(figures), self.right.value(figures)
        if left is None or right is None:
            return None
        return OPERATORS[self.op](left, right)


@dataclass(frozen=True)
class Relation:
    """A parsed relation: a comparison, optionally guarded by ``when``."""

    text: str
    check: Comparison
    guard: Comparison | None = None

    @property
    def lines(self) -> tuple[str, ...]:
        """Every line id the relation reads (guard included)."""
        return self.check.lines + (self.guard.lines if self.guard else ())


def parse(text: str) -> Relation:
    """Parse one relation; :class:`GrammarError` names what is wrong and where."""
    tokens = _tokenize(text)
    pos = 0

    def sum_at() -> Sum:
        nonlocal pos
        terms: list[Term] = []
        sign = 1
        while True:
            if pos >= len(tokens):
                raise GrammarError(f"{text!r}: a term is missing at the end")
            kind, word = tokens[pos]
            if kind not in ("line", "choices", "number"):
                raise GrammarError(f"{text!r}: expected a line, 'choices' or a number, got {word!r}")
            line = word[1:] if kind == "line" else word
            terms.append(Term(sign, value=int(word)) if kind == "number" else Term(sign, line=line))
            pos += 1
            if pos < len(tokens) and tokens[pos][0] == "sign":
                sign = -1 if tokens[pos][1] == "-" else 1
                pos += 1
            else:
                return Sum(tuple(terms))

    def comparison_at() -> Comparison:
        nonlocal pos
        left = sum_at()
        if pos >= len(tokens) or tokens[pos][0] != "op":
            raise GrammarError(f"{text!r}: expected one of {', '.join(OPERATORS)} after {left}")
        op = tokens[pos][1]
        pos += 1
        return Comparison(left, op, sum_at())

    check = comparison_at()
    guard = None
    if pos < len(tokens) and tokens[pos][0] == "when":
        pos += 1
        guard = comparison_at()
    if pos != len(tokens):
        raise GrammarError(f"{text!r}: unexpected {tokens[pos][1]!r}")
    return Relation(text, check, guard)


def _tokenize(text: str) -> list[tuple[str, str]]:
    kinds = ("line", "choices", "number", "op", "sign", "when")
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise GrammarError(f"{text!r}: cannot read {text[pos:].strip()!r} (position {pos})")
        index = match.lastindex or 0
        out.append((kinds[index - 1], match.group(index)))
        pos = match.end()
    return out
