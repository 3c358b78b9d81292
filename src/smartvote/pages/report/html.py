"""``report.html``: one self-contained page (figures embedded as data URIs, no external resources)."""

from __future__ import annotations

from typing import Any

from smartvote.pages.common import png_base64, render
from smartvote.pages.report.analysis import choice_label
from smartvote.pages.report.formatting import millions, num, p_text, pct, signed

GROUP_LABELS = {"region": "region", "tik": "territorial commission"}


def render_html(document: dict[str, Any], images: dict[str, bytes]) -> str:
    """The page for a report's JSON ``document`` and its PNG ``images`` (name -> bytes)."""
    choices = sorted(document["shpilkin"]["choices"], key=lambda c: -c["votes"])
    return render(
        "report/report.html.j2",
        doc=document,
        images={name: png_base64(data) for name, data in images.items()},
        choices=choices,
        leader_label=choice_label(document["election"]["leader"]),
        group_label=GROUP_LABELS.get(document["group_by"], document["group_by"]),
        pct=pct,
        millions=millions,
        p_text=p_text,
        num=num,
        signed=signed,
    )
