"""Remote electronic voting against paper, per district or region.

Where remote electronic voting (Russia's "DEG") was held, its pseudo-stations report the
leader's share among online voters; the paper stations of the same single-member district
(2021) or region (2024, where the online results are published per region) report it on paper.
Online above paper in most districts is what Kobak's analysis of 2021 shows
(github.com/dkobak/elections, ``analysis/duma2021/duma2021.ipynb``, figure "Electronic
voting"); it is not by itself proof of falsification: online voters differ from paper voters
(employees of state institutions were pressed to register online), and online voting can
itself be manipulated where no observer can see it. Shares are of the ballots in the boxes
(valid + invalid), as in the notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def _share(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


@dataclass(frozen=True, eq=False)
class RemoteResult:
    """``table``: one row per unit (district or region) with remote voting: region, unit,
    online and paper ballots and leader's votes and shares; ``level``: "district" or "region"."""

    table: pd.DataFrame
    level: str

    def total(self, mask: np.ndarray | None = None) -> dict[str, float]:
        t = self.table if mask is None else self.table[mask]
        return {
            "units": len(t),
            "online_pct": _share(t["online_leader"].sum(), t["online_ballots"].sum()),
            "paper_pct": _share(t["paper_leader"].sum(), t["paper_ballots"].sum()),
            "online_above_paper": int((t["online_pct"] > t["paper_pct"]).sum()),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "remote_vs_paper",
            "level": self.level,
            "total": self.total(),
            "units": self.table.to_dict(orient="records"),
            "caveat": "online voters differ from paper voters, and online voting can itself be manipulated",
        }


def remote_vs_paper(
    remote: np.ndarray, region: np.ndarray, district: np.ndarray, leader: np.ndarray, ballots: np.ndarray
) -> RemoteResult:
    """Compare each unit's remote pseudo-stations with its paper stations. The unit is the
    single-member district when every remote station has one, else the region."""
    by_district = bool(remote.any()) and not pd.isna(pd.Series(district[remote], dtype=object)).any()
    unit = district if by_district else region
    frame = pd.DataFrame(
        {"region": region, "unit": unit, "remote": remote, "leader": leader, "ballots": ballots}
    )
    units = frame.loc[frame["remote"], ["region", "unit"]].drop_duplicates()
    sums = frame.groupby(["region", "unit", "remote"], dropna=False)[["leader", "ballots"]].sum()
    online = sums.xs(True, level="remote")
    paper = sums.xs(False, level="remote") if (~remote).any() else online.iloc[0:0]
    table = units.merge(online.reset_index(), on=["region", "unit"], how="left").rename(
        columns={"leader": "online_leader", "ballots": "online_ballots"}
    )
    table = table.merge(paper.reset_index(), on=["region", "unit"], how="left").rename(
        columns={"leader": "paper_leader", "ballots": "paper_ballots"}
    )
    table[["paper_leader", "paper_ballots"]] = table[["paper_leader", "paper_ballots"]].fillna(0)
    table["online_pct"] = 100.0 * table["online_leader"] / table["online_ballots"]
    table["paper_pct"] = (
        100.0 * table["paper_leader"] / table["paper_ballots"].where(table["paper_ballots"] > 0)
    )
    return RemoteResult(table.reset_index(drop=True), "district" if by_district else "region")
