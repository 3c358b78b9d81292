"""Self-contained HTML pages: the one Jinja2 set-up and figure embedding every page shares.

A page carries its figures as base64 PNG data URIs and its styles inline, so that it opens
offline, from a USB stick, and makes no request that could log who read it.
"""

from __future__ import annotations

import base64
import io
from importlib import resources

import jinja2
from matplotlib.figure import Figure

#: The one template root of every page: ``pages/templates/{report,tactics,engine}/``;
#: autoescaped, and an undefined name is an error rather than an empty string.
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("smartvote.pages", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


#: ``tojson`` (JSON inside a ``<script>``: ``<``, ``>``, ``&`` and ``'`` escaped by Jinja2) keeps
#: the text as it is and compact, since the voters' page embeds a whole country's stations.
TEMPLATES.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}


def render(template: str, **context: object) -> str:
    """A page from its template (``report/report.html.j2``, ``tactics/gap.html.j2``...)."""
    return TEMPLATES.get_template(template).render(**context)


def asset(name: str) -> str:
    """A file shipped beside the templates (the site's script ``site/site.js``)."""
    return resources.files("smartvote.pages").joinpath("templates", name).read_text(encoding="utf-8")


def png_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def png_data_uri(figure: Figure) -> str:
    """The figure as an embeddable ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + png_base64(buffer.getvalue())
