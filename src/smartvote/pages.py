"""Self-contained HTML pages: the one Jinja2 set-up and figure embedding every page shares.

A page carries its figures as base64 PNG data URIs and its styles inline, so that it opens
offline, from a USB stick, and makes no request that could log who read it.
"""

from __future__ import annotations

import base64
import io

import jinja2
from matplotlib.figure import Figure


def templates(package: str, folder: str = "templates") -> jinja2.Environment:
    """The templates shipped in ``package``/``folder``: autoescaped, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def png_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def png_data_uri(figure: Figure) -> str:
    """The figure as an embeddable ``data:image/png;base64,...`` URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + png_base64(buffer.getvalue())
