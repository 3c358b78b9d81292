"""The practitioners' tests of one contest together, as the report shows them.

Kireev's flags (:mod:`.kireev`), remote electronic voting against paper (:mod:`.remote`, where
the contest has remote pseudo-stations), scanners against hand counts (:mod:`.scanners`,
where stations say whether they used one) and the ranking (:mod:`.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartvote.forensics.kireev import KireevResult
from smartvote.forensics.ranking import Ranking
from smartvote.forensics.remote import RemoteResult
from smartvote.forensics.scanners import ScannerResult


@dataclass(frozen=True, eq=False)
class Practitioners:
    """The results; ``None`` where the contest lacks what a test needs."""

    kireev: KireevResult
    ranking: Ranking
    remote: RemoteResult | None = None
    scanners: ScannerResult | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kireev": self.kireev.to_json(),
            "ranking": self.ranking.to_json(),
            "remote": None if self.remote is None else self.remote.to_json(),
            "scanners": None if self.scanners is None else self.scanners.to_json(),
        }
