"""The publication's inputs from the store: per election, the engine's recommendations, the
forensic report of its party list, and the district names and endorsements attached with
``smartvote endorse``; then the site, its signed manifest, written as one folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartvote.atomic import check_folder_target, write_folder
from smartvote.data.store import Store
from smartvote.engine.forecast import EngineRun
from smartvote.errors import SmartvoteError
from smartvote.model import district_of
from smartvote.pages.messages import LANGUAGES, messages
from smartvote.pages.report.document import report_document
from smartvote.pages.report.figures import FIGURES, figures_for, png
from smartvote.pages.site import ElectionSite, build_site
from smartvote.pages.site.build import DEFAULT_LANGUAGE, page_name
from smartvote.pages.site.signing import MANIFEST, SIGNATURE, manifest_text, public_key_of, sign
from smartvote.pipelines.report import analyse_inputs, read_inputs
from smartvote.tactics.parties import party_mapping

#: The file that marks a folder as an earlier site, which a new publication may replace.
SITE_MARKER = "site.js"


def check_output(out: Path) -> None:
    """Refuse an output folder that is neither new, empty nor an earlier site, before any work."""
    check_folder_target(out, SITE_MARKER)


@dataclass(frozen=True)
class Published:
    """What was written: the folder, its files and total size, and the key that signed it."""

    folder: Path
    files: int
    size: int
    fingerprint: str | None


def district_names(
    run: EngineRun, endorsements: pd.DataFrame
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """District label -> name and -> endorsed candidate and party id, from the attached endorsements (the
    sv-2021 list names all 225 districts). Labels are the engine's: a contest (candidate
    level) or the district number (party level)."""
    labels = {(district_of(d.district) or int(d.district)): d.district for d in run.recommendation.districts}
    names: dict[str, str] = {}
    endorsed: dict[str, tuple[str, str]] = {}
    mapping = party_mapping()
    for row in endorsements.to_dict("records"):
        label = labels.get(int(row["district"]))
        if label is None:
            continue
        if isinstance(row["district_name"], str) and row["district_name"].strip():
            names[label] = row["district_name"].strip()
        if isinstance(row["candidate"], str) and row["candidate"].strip():
            endorsed[label] = (row["candidate"].strip(), mapping.party_id(str(row["party"])))
    return names, endorsed


def election_site(store: Store, run: EngineRun, contest: str | None, seed: int = 0) -> ElectionSite:
    """One election's part of the site; ``contest`` is the report's (None: no report). The
    report's figures are drawn once per language: their words come from the catalogue."""
    election_id = run.forecast.election
    names, endorsed = district_names(run, store.endorsements(election_id))
    document, figures = None, {}
    if contest is not None:
        analysis = analyse_inputs(read_inputs(store, election_id, contest), seed=seed)
        drawn = {k: v for k, v in figures_for(analysis).items() if k in FIGURES}  # the report's own
        figures = {
            lang: {name: png(draw(analysis, messages(lang))) for name, draw in drawn.items()}
            for lang in LANGUAGES
        }
        document = report_document(
            analysis, {name: page_name(name, DEFAULT_LANGUAGE, "png") for name in drawn}
        )
    title = store.election(election_id).title
    return ElectionSite(election_id, title, run, document, figures, names, endorsed)


def publish(out: Path, sites: list[ElectionSite], secret: Ed25519PrivateKey | None) -> Published:
    """Render the site, sign its manifest with ``secret`` (if any) and write it as ``out``."""
    if not sites:
        raise SmartvoteError("nothing to publish: name at least one election")
    public = None if secret is None else public_key_of(secret)
    files = build_site(sites, public)
    if secret is not None:
        manifest = manifest_text(files).encode("utf-8")
        comment = f"timestamp:{int(time.time())} file:{MANIFEST} key:{public_key_of(secret).fingerprint}"
        files[MANIFEST] = manifest
        files[SIGNATURE] = sign(secret, manifest, comment).encode("ascii")
    write_folder(out, files, replaceable=SITE_MARKER)
    return Published(
        out, len(files), sum(len(v) for v in files.values()), None if public is None else public.fingerprint
    )
