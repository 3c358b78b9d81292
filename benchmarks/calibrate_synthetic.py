"""Measure the defaults of the synthetic-election generator on the 2021 State Duma election.

Run: ``.venv/bin/python benchmarks/calibrate_synthetic.py [PATH/2021.csv.zip]`` (default:
``../shared/data/russia-federal/2021.csv.zip``). It prints the constants of
:class:`smartvote.synthetic.Country` and of the remote electronic pseudo-stations as Python,
so that ``src/smartvote/synthetic.py`` can quote them with this script as their provenance;
docs/synthetic-elections.md explains each measurement.

The clean core: ordinary stations (a protocol, not remote electronic, E >= 100, R > 0) whose
turnout bin k = floor(100 B/E) is at or below the turnout peak p, the bin Shpilkin's method
takes as the reference (the smallest local maximum of the centred 3-bin moving average of the
other choices' votes O_k that reaches half the maximum; issue 3, item 2). Below the peak the
2021 data look like a smooth unimodal cloud; above it lies the fraud tail. Turnout is
therefore measured on the left half only, mirrored: its centre is the peak bin's centre and
its spread the root-mean-square distance (in logits) of the core stations from that centre.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from smartvote.loader import read_path

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def shpilkin_peak(issued: np.ndarray, registered: np.ndarray, others: np.ndarray) -> int:
    """The reference turnout bin of issue 3 (centred moving average of O_k, first local
    maximum reaching half the maximum)."""
    k = (100 * issued) // registered
    o = np.bincount(k, weights=others, minlength=101)[:101]
    padded = np.concatenate([[0.0], o, [0.0]])
    s = (padded[:-2] + padded[1:-1] + padded[2:]) / 3
    left = np.concatenate([[-np.inf], s[:-1]])
    right = np.concatenate([s[1:], [-np.inf]])
    ok = (s >= left) & (s >= right) & (s >= 0.5 * s.max())
    return int(np.flatnonzero(ok)[0])


def variance_components(x: np.ndarray, region: np.ndarray, tik: np.ndarray) -> dict[str, np.ndarray]:
    """Method-of-moments covariance matrices of a nested region > commission > station model.

    ``x`` is (n, d). Station level: pooled within-commission covariance. Commission level:
    covariance of commission means around their region's mean, minus the share of station
    noise a commission mean carries. Region level: covariance of region means around the
    national mean, minus what commissions and stations contribute to a region mean.
    """
    frame = pd.DataFrame(x)
    c_mean = frame.groupby(tik).transform("mean").to_numpy()
    within = x - c_mean
    n_c = pd.Series(tik).value_counts()
    station = within.T @ within / (len(x) - len(n_c))
    commissions = frame.groupby(tik).mean()
    c_region = pd.Series(region).groupby(tik).first().reindex(commissions.index)
    r_of_c = commissions.groupby(c_region.to_numpy()).transform("mean").to_numpy()
    dev_c = commissions.to_numpy() - r_of_c
    per_region = c_region.value_counts()
    commission = dev_c.T @ dev_c / (len(dev_c) - len(per_region)) - station * np.mean(1 / n_c)
    regions = frame.groupby(region).mean().to_numpy()
    dev_r = regions - regions.mean(axis=0)
    n_r = pd.Series(region).value_counts()
    region_cov = (
        dev_r.T @ dev_r / (len(dev_r) - 1) - commission * np.mean(1 / per_region) - station * np.mean(1 / n_r)
    )
    return {"region": region_cov, "commission": commission, "station": station}


def describe(cov: np.ndarray) -> tuple[float, float, float]:
    """(sd of turnout logit, sd of share logit, correlation) of a 2x2 covariance matrix."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    rho = cov[0, 1] / (sd[0] * sd[1]) if sd.all() else 0.0
    return float(sd[0]), float(sd[1]), float(np.clip(rho, -1, 1))


def size_mixture(
    log_e: np.ndarray, steps: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two-component normal mixture of log(registered) by EM: weights, means, sds, and each
    station's probability of belonging to the larger ("urban") component."""
    w, mu, sd = np.array([0.3, 0.7]), np.array([5.0, 7.3]), np.array([1.0, 0.4])
    for _ in range(steps):
        dens = w * np.exp(-0.5 * ((log_e[:, None] - mu) / sd) ** 2) / sd
        resp = dens / dens.sum(axis=1, keepdims=True)
        w = resp.mean(axis=0)
        mu = (resp * log_e[:, None]).sum(axis=0) / resp.sum(axis=0)
        sd = np.sqrt((resp * (log_e[:, None] - mu) ** 2).sum(axis=0) / resp.sum(axis=0))
    return w, mu, sd, resp[:, 1]


def rounded(values: np.ndarray, digits: int = 4) -> tuple[float, ...]:
    return tuple(round(float(v), digits) for v in values)


def beta_moments(values: np.ndarray) -> tuple[float, float]:
    """(mean, concentration a+b) of a Beta distribution with the values' mean and variance."""
    m, v = float(values.mean()), float(values.var())
    return m, m * (1 - m) / v - 1


def main(path: Path) -> None:
    (tables,) = read_path(path)
    st = tables.stations
    leader_id = int(tables.choices.loc[tables.choices["ruling"], "choice_id"].iloc[0])
    wide = tables.votes.pivot_table(index="station_id", columns="choice_id", values="votes", aggfunc="sum")
    wide = wide.reindex(st["station_id"]).fillna(0).to_numpy()
    counts = {c: st[c].astype("float64").fillna(0).to_numpy() for c in ("registered", "ballots_issued")}
    e, b = counts["registered"], counts["ballots_issued"]
    boxes = (st["ballots_stationary"].astype("float64") + st["ballots_portable"].astype("float64")).to_numpy()
    invalid = st["invalid"].astype("float64").to_numpy()
    valid = st["valid"].astype("float64").to_numpy()
    leader = wide[:, leader_id - 1]
    remote = st["remote_electronic"].to_numpy(bool)
    ordinary = ~remote & ~st["no_protocol"].to_numpy(bool) & (e > 0) & (b <= e)
    region = st["region"].to_numpy(object)
    tik = (st["region"] + "|" + st["tik"]).to_numpy(object)

    print("# geography (ordinary stations with a protocol)")
    per_region = pd.Series(region[ordinary]).value_counts()
    per_tik = pd.Series(tik[ordinary]).value_counts()
    print(f"regions={len(per_region)} commissions={len(per_tik)} stations={ordinary.sum()}")
    for name, sizes in (("region", per_region), ("commission", per_tik)):
        print(f"stations_per_{name}={sizes.mean():.1f} {name}_size_cv={sizes.std() / sizes.mean():.3f}")

    print("# station sizes: log(registered) mixture, E >= 1")
    sized = ordinary & (e >= 1)
    w, mu, sd, urban = size_mixture(np.log(e[sized]))
    print(f"size_weights={rounded(w)} size_log_means={rounded(mu)} size_log_sds={rounded(sd)}")
    urban_by_tik = pd.Series(urban).groupby(tik[sized]).mean()
    m, conc = beta_moments(urban_by_tik.to_numpy())
    print(f"urban_share_mean={m:.4f} urban_share_concentration={conc:.3f}  (Beta over commissions)")

    peak = shpilkin_peak(
        b[ordinary].astype(np.int64), e[ordinary].astype(np.int64), (valid + invalid - leader)[ordinary]
    )
    print(f"# turnout peak bin p={peak} (turnout {peak}-{peak + 1}%)")
    k = np.zeros(len(e), dtype=np.int64)
    k[ordinary] = (100 * b[ordinary].astype(np.int64)) // e[ordinary].astype(np.int64)
    core = ordinary & (e >= 100) & (boxes > 0) & (valid > leader) & (leader > 0) & (k <= peak)
    t = b[core] / e[core]
    p = leader[core] / valid[core]
    x = np.column_stack([logit(t), logit(p)])
    centre = logit(np.array((peak + 0.5) / 100))
    binomial_t = np.mean(1 / (e[core] * t * (1 - t)))
    binomial_p = np.mean(1 / (valid[core] * p * (1 - p)))
    mirrored_sd = float(np.sqrt(np.mean((x[:, 0] - centre) ** 2) - binomial_t))
    print(f"core stations={core.sum()} turnout_logit_mean={float(centre):.4f} (peak bin centre)")
    print(f"turnout_logit_sd (mirrored, net of binomial noise)={mirrored_sd:.4f}")
    print(f"share_logit_mean={x[:, 1].mean():.4f} (leader's share of valid ballots)")
    comps = variance_components(x, region[core], tik[core])
    comps["station"] = comps["station"] - np.diag([binomial_t, binomial_p])
    described = {level: describe(cov) for level, cov in comps.items()}
    truncated_t = np.sqrt(sum(d[0] ** 2 for d in described.values()))
    for level, (sd_t, sd_p, rho) in described.items():
        scaled = sd_t * mirrored_sd / truncated_t
        print(f"{level}: turnout_sd={scaled:.4f} (truncated {sd_t:.4f}) ", end="")
        print(f"share_sd={sd_p:.4f} correlation={rho:.3f}")

    print("# other choices (their votes in the core)")
    others = wide[core].copy()
    others[:, leader_id - 1] = 0
    mix = others.sum(axis=0) / others.sum()
    print(f"other_mix={rounded(np.delete(mix, leader_id - 1), 5)}")
    largest = int(np.argmax(mix))
    n_other = others.sum(axis=1)
    frac = others[:, largest] / n_other
    excess = frac.var() - np.mean(mix[largest] * (1 - mix[largest]) / n_other)
    concentration = mix[largest] * (1 - mix[largest]) / excess - 1
    print(f"other_concentration={concentration:.2f} (Dirichlet, from choice {largest + 1})")

    print("# ballots")
    inv_frac = invalid[core] / boxes[core]
    m, v = inv_frac.mean(), inv_frac.var() - np.mean(inv_frac.mean() * (1 - inv_frac.mean()) / boxes[core])
    print(f"invalid_mean={m:.5f} invalid_concentration={m * (1 - m) / v - 1:.2f}")
    outside = st["ballots_outside"].astype("float64").to_numpy()
    print(f"outside_fraction={outside[core].sum() / b[core].sum():.5f}")
    print(f"taken_away_fraction={1 - boxes[core].sum() / b[core].sum():.5f}")

    print("# remote electronic pseudo-stations")
    share = e[remote].sum() / e[ordinary | remote].sum()
    print(f"count={remote.sum()} registered_fraction={share:.5f} ", end="")
    print(f"turnout={b[remote].sum() / e[remote].sum():.4f} ", end="")
    print(f"leader_share={leader[remote].sum() / valid[remote].sum():.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
