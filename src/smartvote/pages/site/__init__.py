"""The published site: every election's voters' lookup, district cards and forensic report, in
Russian and English, as static files that any web server, mirror or local folder can serve.

:mod:`~smartvote.pages.site.content` holds what one election shows (pure data),
:mod:`~smartvote.pages.site.build` renders the files, :mod:`~smartvote.pages.site.signing`
signs them; :func:`smartvote.pipelines.publish.publish` gathers the results from the store.
"""

from smartvote.pages.site.build import build_site
from smartvote.pages.site.content import ElectionSite

__all__ = ["ElectionSite", "build_site"]
