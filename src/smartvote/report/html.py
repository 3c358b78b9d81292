"""``report.html``: one self-contained page (figures embedded as data URIs, no external resources)."""

from __future__ import annotations

import base64
from typing import Any

import jinja2

from smartvote.report.analysis import choice_label

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("smartvote.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)
GROUP_LABELS = {"region": "region", "tik": "territorial commission"}


def pct(value: float | None) -> str:
    """A percentage as the headline shows it: two decimals, "n/a" when undefined."""
    return "n/a" if value is None else f"{value:.2f}%"


def millions(votes: float | None) -> str:
    """Votes in millions with two decimals ("14.70 M"), or in thousands below a million."""
    if votes is None:
        return "n/a"
    return f"{votes / 1e6:.2f} M" if abs(votes) >= 1e6 else f"{votes / 1e3:.1f} k"


def p_text(log10_p: float | None) -> str:
    """A p-value from its log10, readable where the float underflows ("7.2e-29", "10^-412.3")."""
    if log10_p is None:
        return "n/a"
    return f"{10**log10_p:.2g}" if log10_p > -300 else f"10^{log10_p:.1f}"


def num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_html(document: dict[str, Any], images: dict[str, bytes]) -> str:
    """The page for a report's JSON ``document`` and its PNG ``images`` (name -> bytes)."""
    choices = sorted(document["shpilkin"]["choices"], key=lambda c: -c["votes"])
    return _ENV.get_template("report.html.j2").render(
        doc=document,
        images={name: base64.b64encode(data).decode("ascii") for name, data in images.items()},
        choices=choices,
        leader_label=choice_label(document["election"]["leader"]),
        group_label=GROUP_LABELS.get(document["group_by"], document["group_by"]),
        pct=pct,
        millions=millions,
        p_text=p_text,
        num=num,
    )
