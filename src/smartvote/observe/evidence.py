"""The evidence pack of one station: everything a complaint about it needs, as data.

Official figures, verified figures (with how each was verified), their differences, the
consensus trail (every protocol's figures with the tokens per value), the submissions that
counted (receipts, coarse times, failing checks, the photos' SHA-256), the moderators' actions
on the station, and the proofs that name it. Serialised as strict JSON and rendered as a page
(:mod:`smartvote.pages.evidence`); the JSON is the pack, the page a reading of it, so that a
detached signature over the JSON file (the publication's signing) covers what a court sees.

Pure: values in, a frozen pack out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from smartvote.observe.comparison import Difference, Proof, Station, Verified
from smartvote.observe.consensus import Protocol

#: The pack's format, so that a reader years later knows what it holds.
FORMAT = "smartvote-evidence-pack/1"


@dataclass(frozen=True)
class EvidencePack:
    """One station's evidence."""

    election: str
    station: Station
    official: Mapping[str, int | None]
    verified: Mapping[str, Verified]
    protocols: tuple[Protocol, ...]
    submissions: tuple[Mapping[str, Any], ...]
    moderation: tuple[Mapping[str, Any], ...]
    proofs: tuple[Proof, ...]

    @property
    def differences(self) -> tuple[Difference, ...]:
        out = []
        for name in sorted(self.verified):
            published = self.official.get(name)
            mine = self.verified[name]
            if published is not None and published != mine.value:
                out.append(Difference(name, mine.value, int(published), mine.basis, mine.tokens))
        return tuple(out)

    @property
    def figures(self) -> list[str]:
        """Every figure named by the publication or the verified protocol, lines first."""
        names = set(self.official) | set(self.verified)
        return sorted(names, key=lambda f: (f[0] != "L", len(f), f))

    def summary(self) -> dict[str, Any]:
        """The pack's row of the export's summary table."""
        return {
            "contest": self.station.contest,
            "station": self.station.station,
            "region": self.station.region,
            "tik": self.station.tik,
            "official": bool(self.official),
            "verified_figures": len(self.verified),
            "differences": len(self.differences),
            "proofs": len(self.proofs),
            "submissions": len(self.submissions),
            "photos": sum(len(s.get("photos", ())) for s in self.submissions),
            "failed_checks": sum(len(s.get("failed", ())) for s in self.submissions),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "election": self.election,
            "contest": self.station.contest,
            "station": self.station.station,
            "region": self.station.region,
            "tik": self.station.tik,
            "figures": [
                {
                    "figure": name,
                    "official": self.official.get(name),
                    "verified": self.verified[name].value if name in self.verified else None,
                    "basis": self.verified[name].basis if name in self.verified else None,
                }
                for name in self.figures
            ],
            "differences": [d.to_json() for d in self.differences],
            "proofs": [p.to_json() for p in self.proofs],
            "consensus": [p.to_json() for p in self.protocols],
            "submissions": [dict(s) for s in self.submissions],
            "moderation": [dict(m) for m in self.moderation],
        }


def proofs_naming(proofs: Sequence[Proof], station: Station) -> tuple[Proof, ...]:
    """The proofs about ``station``: its own, and those of its territories listing it."""
    out = []
    for p in proofs:
        if p.contest != station.contest:
            continue
        listed = {s.get("station") for s in p.evidence.get("stations", ())}
        if p.where == f"station {station.station}" or station.station in listed:
            out.append(p)
    return tuple(out)
