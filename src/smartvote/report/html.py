"""``report.html``: one self-contained page (figures embedded as data URIs, no external resources)."""

from __future__ import annotations

import base64
from typing import Any

import jinja2

from smartvote.report.analysis import choice_label
from smartvote.report.formatting import millions, num, p_text, pct, signed

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("smartvote.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)
GROUP_LABELS = {"region": "region", "tik": "territorial commission"}


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
        signed=signed,
    )
