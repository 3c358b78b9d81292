"""Synthetic elections drawn from the strength model itself: the ground truth of the
calibration test and the workload of the benchmark.

A synthetic election has a ruling party and a few challengers in every district, expected
shares drawn from a Dirichlet distribution around a national profile (the ruling party near
45%, the strongest challenger near 20%, as in Russian State Duma districts), and districts
grouped into regions. The truth of an election is one more draw of the same model, so a
calibrated engine must state probabilities that match the frequencies it observes.
"""

from __future__ import annotations

import numpy as np

from smartvote.engine.strength import Field

#: National profile of expected shares: ruling party first.
PROFILE = (0.45, 0.2, 0.12, 0.08, 0.06, 0.04, 0.03, 0.02)
CONCENTRATION = 12.0


def synthetic_field(rng: int | np.random.Generator | None, districts: int = 225, regions: int = 60) -> Field:
    """One synthetic election: a party per slot, the ruling party in slot 0."""
    generator = np.random.default_rng(rng)
    n_parties = len(PROFILE)
    mean = generator.dirichlet(np.array(PROFILE) * CONCENTRATION, size=districts)
    mean = np.maximum(mean, 1e-4)
    parties = tuple(f"party-{i}" for i in range(n_parties))
    return Field(
        districts=tuple(str(d + 1) for d in range(districts)),
        names=tuple(parties for _ in range(districts)),
        parties=parties,
        regions=tuple(f"region-{r}" for r in range(regions)),
        party=np.tile(np.arange(n_parties), (districts, 1)),
        mean=mean / mean.sum(axis=1, keepdims=True),
        ruling=np.zeros(districts, dtype=np.int64),
        region=np.sort(generator.integers(0, regions, size=districts)),
    )
