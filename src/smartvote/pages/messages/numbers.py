"""Numbers in the reader's notation: ``45%`` / ``45%``, ``96,325`` / ``96 325``, ``0.55`` /
``0,55``, ``14.70 M`` / ``14,70 млн``; one function per kind, shared by the pages and the figures."""

from __future__ import annotations

from smartvote.pages.messages import Messages


def percent(p: float | None, t: Messages, digits: int = 0) -> str:
    """A probability or share as a percentage in the reader's notation (``45%``, ``4,5%``)."""
    if p is None:
        return t("number.na")
    text = f"{100 * p:.{digits}f}%"
    return text.replace(".", ",") if t.lang == "ru" else text


def integer(n: float | None, t: Messages) -> str:
    """A count with thousands separated (``96,325`` / ``96 325``)."""
    if n is None:
        return t("number.na")
    text = f"{n:,.0f}"
    return text.replace(",", "\u00a0") if t.lang == "ru" else text


def decimal(x: float | None, digits: int, t: Messages, sign: bool = False) -> str:
    if x is None:
        return t("number.na")
    text = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if t.lang == "ru" else text


def votes(n: float | None, t: Messages) -> str:
    """Votes in millions or thousands (``14.70 M`` / ``14,70 млн``)."""
    if n is None:
        return t("number.na")
    if abs(n) >= 1e6:
        return t("number.millions", value=decimal(n / 1e6, 2, t))
    return t("number.thousands", value=decimal(n / 1e3, 1, t))
