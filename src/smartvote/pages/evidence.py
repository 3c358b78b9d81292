"""The printable page of a station's evidence pack (one self-contained HTML file)."""

from __future__ import annotations

from typing import Any

from smartvote.pages.common import render


def evidence_page(pack: dict[str, Any]) -> str:
    """The page of an evidence pack's JSON (:meth:`smartvote.observe.evidence.EvidencePack.to_json`)."""
    return render("observe/evidence.html.j2", pack=pack)
