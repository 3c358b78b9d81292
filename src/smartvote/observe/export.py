"""Evidence packs on disk: one JSON file and one printable page per station, and a summary table.

Written whole or not at all (:func:`smartvote.atomic.atomic_files`), as strict JSON
(:func:`smartvote.jsonout.dumps`). A detached signature (the publication's minisign signing)
can later be added beside each ``.json`` file by one function, since the JSON is the pack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from smartvote.atomic import OutputError, atomic_files
from smartvote.jsonout import dumps
from smartvote.observe.evidence import EvidencePack
from smartvote.observe.photos import file_name
from smartvote.pages.evidence import evidence_page


def pack_name(pack: EvidencePack) -> str:
    """A file name per station that any station label fits in (a digest of the label)."""
    label = f"{pack.station.contest}/{pack.station.station}"
    return f"{pack.station.contest[:40]}-{hashlib.sha256(label.encode()).hexdigest()[:12]}"


def write_packs(out: Path, packs: Sequence[EvidencePack], photo_dir: Path | None = None) -> int:
    """Write ``packs`` into the folder ``out``: ``NAME.json``, ``NAME.html``, the photos the
    packs name (from ``photo_dir``, as ``NAME-SUBMISSION-N.jpg``, checked against their
    SHA-256) and ``summary.csv`` / ``summary.parquet`` (a row per pack with its file name)."""
    rows = []
    with atomic_files(out) as tmp:
        for pack in packs:
            name = pack_name(pack)
            data = pack.to_json()
            if photo_dir is not None:
                _copy_photos(data["submissions"], photo_dir, tmp, name)
            (tmp / f"{name}.json").write_text(dumps(data) + "\n", encoding="utf-8")
            (tmp / f"{name}.html").write_text(evidence_page(data), encoding="utf-8")
            rows.append({**pack.summary(), "file": f"{name}.json"})
        table = pd.DataFrame(rows, columns=[*EMPTY_COLUMNS, "file"])
        table.to_csv(tmp / "summary.csv", index=False)
        table.to_parquet(tmp / "summary.parquet", index=False)
    return len(rows)


def _copy_photos(submissions: list[dict[str, Any]], photo_dir: Path, folder: Path, name: str) -> None:
    """The photos of a pack's submissions, beside it, each checked against its SHA-256."""
    for s in submissions:
        for photo in s["photos"]:
            stored = (photo_dir / file_name(s["id"], photo["n"], photo["sha256"])).read_bytes()
            if hashlib.sha256(stored).hexdigest() != photo["sha256"]:
                raise OutputError(
                    f"photo {photo['n']} of submission {s['id']}: its file does not match its SHA-256"
                )
            (folder / f"{name}-{s['id']}-{photo['n']}.jpg").write_bytes(stored)


#: The summary's columns (also of an empty export).
EMPTY_COLUMNS = (
    "contest", "station", "region", "tik", "official", "verified_figures", "differences",
    "proofs", "submissions", "photos", "failed_checks",
)  # fmt: skip
