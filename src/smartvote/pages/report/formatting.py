"""How the report writes numbers, one function per kind, shared by the page, the figures and the CLI."""

from __future__ import annotations


def pct(value: float | None) -> str:
    """A percentage as the headline shows it: two decimals, "n/a" when undefined."""
    return "n/a" if value is None else f"{value:.2f}%"


def millions(votes: float | None) -> str:
    """Votes in millions with two decimals ("14.70 M"), or in thousands below a million ("78.5 k")."""
    if votes is None:
        return "n/a"
    return f"{votes / 1e6:.2f} M" if abs(votes) >= 1e6 else f"{votes / 1e3:.1f} k"


def p_text(log10_p: float | None) -> str:
    """A p-value from its log10, readable where the float underflows ("7.2e-29", "10^-412.3")."""
    if log10_p is None:
        return "n/a"
    return f"{10**log10_p:.2g}" if log10_p > -300 else f"10^{log10_p:.1f}"


def num(value: float | None, digits: int) -> str:
    """A number with ``digits`` decimals (thousands separated), "n/a" when undefined."""
    return "n/a" if value is None else f"{value:,.{digits}f}"


def signed(value: float | None, digits: int = 1) -> str:
    """A number with its sign ("+1312.4", "-14.3"), "n/a" when undefined."""
    return "n/a" if value is None else f"{value:+.{digits}f}"
