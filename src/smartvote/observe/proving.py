"""The service side of the proofs: official figures, the receipts' log and roots, evidence packs.

Over :class:`~smartvote.observe.storage.Storage` (SQLite or PostgreSQL): the official count is
copied in by ``observe sync-official`` (the CLI reads the results store; the service never
opens DuckDB while serving), stations matched by (contest, region, number); receipts enter an
append-only log when a root is published, so that a root commits to a fixed prefix and each
root's consistency proof from the previous one is stored beside it. The pure work is done by
:mod:`.comparison`, :mod:`.merkle` and :mod:`.evidence`.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

import pandas as pd
import sqlalchemy as sa

from smartvote.jsonout import strict
from smartvote.observe import comparison as cmp
from smartvote.observe import merkle, quickcount
from smartvote.observe.evidence import EvidencePack, proofs_naming
from smartvote.observe.records import GENESIS, canonical_json, coarse_time, receipt
from smartvote.observe.storage import _CHUNK, Conflict, Invalid, NotFound, Principal, ServiceError, Storage
from smartvote.protocols import form


def _frame_rows(storage: Storage, election: str) -> pd.DataFrame:
    st = storage.t("stations")
    with storage._read() as conn:
        rows = conn.execute(
            sa.select(st.c.contest, st.c.station, st.c.region, st.c.tik, st.c.number).where(
                st.c.election == election
            )
        ).all()
    return pd.DataFrame(rows, columns=["contest", "station", "region", "tik", "number"])


def stations(storage: Storage, election: str) -> list[cmp.Station]:
    """The frame's stations with their territories."""
    frame = _frame_rows(storage, election)
    return [
        cmp.Station(str(r["contest"]), str(r["station"]), str(r["region"]), str(r["tik"]))
        for r in frame.to_dict("records")
    ]


def official_figures(
    frame: pd.DataFrame, forms_of: dict[str, str], official_stations: pd.DataFrame, votes: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """The official figures of the frame's stations (contest, station, figure, value), matched
    by (contest, region, number), and the official stations added (not in the frame) and the
    frame's stations missing from the official results."""
    left = frame[["contest", "station", "region", "number"]].dropna(subset=["number"])
    right = official_stations.assign(number=pd.to_numeric(official_stations["number"], errors="coerce"))
    right = right[right["contest"].isin(forms_of)].dropna(subset=["number"])
    left = left.assign(number=left["number"].astype("int64"))
    right = right.assign(number=right["number"].astype("int64"))
    matched = left.merge(right, on=["contest", "region", "number"], how="outer", indicator=True)
    added = matched[matched["_merge"] == "right_only"]
    missing = frame[
        ~frame.set_index(["contest", "station"]).index.isin(
            matched[matched["_merge"] == "both"].set_index(["contest", "station"]).index
        )
    ]
    both = matched[matched["_merge"] == "both"]
    rows: list[dict[str, Any]] = []
    for contest, group in both.groupby("contest"):
        lines = [(f"L{line.id}", line.column) for line in form(forms_of[str(contest)]).lines if line.column]
        for r in group.itertuples():
            for figure, column in lines:
                value = getattr(r, column, None)
                rows.append(
                    {
                        "contest": contest,
                        "station": r.station,
                        "figure": figure,
                        "value": None if pd.isna(value) else int(value),
                    }
                )
    ids = both[["contest", "station", "station_id"]]
    vote_rows = votes.merge(ids, on=["contest", "station_id"])
    rows.extend(
        {
            "contest": v["contest"],
            "station": v["station"],
            "figure": f"C{v['choice_id']}",
            "value": int(v["votes"]),
        }
        for v in vote_rows.to_dict("records")
    )
    out = pd.DataFrame(rows, columns=["contest", "station", "figure", "value"])
    return (
        out,
        [
            {
                "contest": r["contest"],
                "region": r["region"],
                "number": int(r["number"]),
                "station_id": r["station_id"],
            }
            for r in added.to_dict("records")
        ],
        [
            {"contest": r["contest"], "station": r["station"], "region": r["region"], "number": r["number"]}
            for r in missing.to_dict("records")
        ],
    )


def sync_official(
    storage: Storage, election: str, official_stations: pd.DataFrame, votes: pd.DataFrame
) -> dict[str, Any]:
    """Replace the service's copy of the official figures with those of the results store."""
    frame = _frame_rows(storage, election)
    forms_of = dict(storage.frame(election).forms)
    figures, added, missing = official_figures(frame, forms_of, official_stations, votes)
    table = storage.t("official")
    with storage._write() as conn:
        conn.execute(table.delete().where(table.c.election == election))
        rows = [
            {"election": election, **{str(k): v for k, v in r.items()}} for r in figures.to_dict("records")
        ]
        for start in range(0, len(rows), _CHUNK):
            conn.execute(table.insert(), rows[start : start + _CHUNK])
        matched = int(figures[["contest", "station"]].drop_duplicates().shape[0])
        storage._audit(
            conn,
            election,
            {
                "role": "organiser",
                "actor": "cli",
                "action": "sync-official",
                "matched": matched,
                "added": len(added),
                "missing": len(missing),
            },
        )
    return {"matched": matched, "added": added, "missing": missing}


def official(storage: Storage, election: str) -> dict[cmp.Key, dict[str, int | None]]:
    """The official figures copied into the service, per (contest, station)."""
    table = storage.t("official")
    out: dict[cmp.Key, dict[str, int | None]] = defaultdict(dict)
    with storage._read() as conn:
        for r in conn.execute(sa.select(table).where(table.c.election == election)):
            out[(r.contest, r.station)][r.figure] = r.value
    return dict(out)


def prove(storage: Storage, election: str) -> dict[str, Any]:
    """The comparison, the proofs and the independent tabulation of the election."""
    frame = stations(storage, election)
    published = official(storage, election)
    protocols = storage.consensus(election)
    verified = cmp.verified_figures(protocols)
    comparisons = cmp.compare(frame, published, verified)
    choices = dict(storage.frame(election).choices)
    found = list(cmp.copy_differs(comparisons))
    found.extend(cmp.lower_bound(voter_counts(storage, election), published, issuance(storage, election)))
    for level in cmp.TERRITORIES:
        found.extend(cmp.subset_exceeds(frame, published, verified, choices, level))
    tabulations = []
    for contest, name in sorted(storage.frame(election).forms.items()):
        f = form(name)
        columns = {line.column: f"L{line.id}" for line in f.lines if line.column}
        names = [f"L{i}" for i in f.line_ids] + [f"C{c}" for c in choices.get(contest, ())]
        issued = [columns[c] for c in cmp.ISSUED_COLUMNS if c in columns]
        tabulations.append(
            cmp.tabulate(
                contest,
                frame,
                published,
                verified,
                names,
                columns["registered"],
                issued,
                choices.get(contest, ()),
            )
        )
    return {
        "comparisons": comparisons,
        "proofs": found,
        "territories": {level: cmp.territory_sums(comparisons, level) for level in cmp.TERRITORIES},
        "tabulations": tabulations,
        "protocols": protocols,
        "verified": verified,
        "official": published,
        "stations": frame,
    }


def proofs_json(storage: Storage, election: str) -> dict[str, Any]:
    """:func:`prove` as JSON (what ``GET /api/v1/proofs`` answers)."""
    proved = prove(storage, election)
    return strict(
        {
            "proofs": [p.to_json() for p in proved["proofs"]],
            "stations": [c.to_json() for c in proved["comparisons"] if c.differences],
            "territories": proved["territories"],
            "tabulations": [t.to_json() for t in proved["tabulations"]],
        }
    )


def evidence_packs(storage: Storage, election: str, only: cmp.Key | None = None) -> list[EvidencePack]:
    """The evidence pack of every station with submissions or official figures (or of one)."""
    proved = prove(storage, election)
    by_station: dict[cmp.Key, list[Any]] = defaultdict(list)
    for p in proved["protocols"]:
        by_station[(p.contest, p.station)].append(p)
    entries, _ = storage.audit_log(election)
    moderation: dict[cmp.Key, list[dict[str, Any]]] = defaultdict(list)
    for e in entries:
        if "station" in e and "contest" in e:
            moderation[(e["contest"], e["station"])].append(e)
    organiser_view = Principal("organiser", election, "", "")
    packs = []
    for s in proved["stations"]:
        if only is not None and s.key != only:
            continue
        if s.key not in by_station and s.key not in proved["official"]:
            continue
        counted = {i for p in by_station.get(s.key, []) for i in p.counted}
        records = storage.submissions(organiser_view, contest=s.contest, station=s.station, limit=10_000)
        kept = tuple(
            {k: r[k] for k in ("id", "kind", "author", "receipt", "received", "failed", "photos")}
            | {"counted": r["id"] in counted}
            for r in records
        )
        packs.append(
            EvidencePack(
                election,
                s,
                proved["official"].get(s.key, {}),
                proved["verified"].get(s.key, {}),
                tuple(by_station.get(s.key, [])),
                kept,
                tuple(moderation.get(s.key, [])),
                proofs_naming(proved["proofs"], s),
            )
        )
    if only is not None and not packs:
        raise NotFound(f"no submission or official figure for station {only[1]!r} of contest {only[0]!r}")
    return packs


def publish_root(storage: Storage, election: str) -> dict[str, Any]:
    """Append every receipt not yet logged (in (time, id) order) and publish the new root with
    its consistency proof from the previous root and the head of the audit log."""
    subs, leaves, roots, audit = (storage.t(n) for n in ("submissions", "leaves", "roots", "audit"))
    with storage._write() as conn:
        storage.election(election, conn)
        conn.execute(
            sa.select(storage.t("elections").c.id)
            .where(storage.t("elections").c.id == election)
            .with_for_update()
        )
        logged = (
            conn.execute(
                sa.select(leaves.c.receipt).where(leaves.c.election == election).order_by(leaves.c.idx)
            )
            .scalars()
            .all()
        )
        known = set(logged)
        voters = storage.t("voter_reports")
        arrived = [
            *conn.execute(
                sa.select(subs.c.received, subs.c.id, subs.c.receipt).where(subs.c.election == election)
            ),
            *conn.execute(
                sa.select(voters.c.received, voters.c.id, voters.c.receipt).where(
                    voters.c.election == election
                )
            ),
        ]
        new = [r.receipt for r in sorted(arrived, key=lambda r: (r.received, r.id)) if r.receipt not in known]
        rows = [
            {"election": election, "idx": len(logged) + i, "receipt": r}
            for i, r in enumerate(dict.fromkeys(new))
        ]
        for start in range(0, len(rows), _CHUNK):
            conn.execute(leaves.insert(), rows[start : start + _CHUNK])
        receipts = [*logged, *(r["receipt"] for r in rows)]
        previous = conn.execute(
            sa.select(sa.func.max(roots.c.size)).where(roots.c.election == election)
        ).scalar()
        head = (
            conn.execute(
                sa.select(audit.c.hash)
                .where(audit.c.election == election)
                .order_by(audit.c.seq.desc())
                .limit(1)
            ).scalar()
            or GENESIS
        )
        leaf_bytes = [bytes.fromhex(r) for r in receipts]
        record = {
            "size": len(receipts),
            "root": merkle.root(leaf_bytes).hex(),
            "previous": int(previous or 0),
            "consistency": [p.hex() for p in merkle.consistency_proof(leaf_bytes, int(previous or 0))],
            "audit_head": head,
            "published": coarse_time(time.time()),
        }
        if previous is None or previous != len(receipts):
            conn.execute(
                roots.insert(),
                {"election": election, **{**record, "consistency": canonical_json(record["consistency"])}},
            )
    return record


def published_roots(storage: Storage, election: str) -> list[dict[str, Any]]:
    """Every published root, oldest first, each with its consistency proof from the one before."""
    roots = storage.t("roots")
    with storage._read() as conn:
        rows = conn.execute(sa.select(roots).where(roots.c.election == election).order_by(roots.c.size)).all()
    return [
        {
            "size": r.size,
            "root": r.root,
            "previous": r.previous,
            "consistency": json.loads(r.consistency),
            "audit_head": r.audit_head,
            "published": r.published,
        }
        for r in rows
    ]


def inclusion(storage: Storage, receipt: str) -> dict[str, Any]:
    """The inclusion proof of ``receipt`` under the newest root (whichever election logged it)."""
    leaves, roots = storage.t("leaves"), storage.t("roots")
    with storage._read() as conn:
        row = conn.execute(
            sa.select(leaves.c.election, leaves.c.idx).where(leaves.c.receipt == receipt)
        ).first()
        if row is None:
            raise NotFound("this receipt is not under a published root yet (roots are published every hour)")
        top = conn.execute(
            sa.select(roots).where(roots.c.election == row.election).order_by(roots.c.size.desc()).limit(1)
        ).first()
        if top is None:
            raise NotFound("no root is published yet")
        receipts = (
            conn.execute(
                sa.select(leaves.c.receipt)
                .where(leaves.c.election == row.election, leaves.c.idx < top.size)
                .order_by(leaves.c.idx)
            )
            .scalars()
            .all()
        )
    proof = merkle.prove_inclusion(list(receipts), receipt)
    return {**proof.to_json(), "published": top.published, "audit_head": top.audit_head}


def quick_count(storage: Storage, election: str, sample_text: str) -> dict[str, Any]:
    """The quick count of a drawn sample (``draw-sample``'s file) from its stations' verified
    protocols, against the official shares and turnout of the whole contest."""
    data = json.loads(sample_text)
    sample = quickcount.Sample(
        data["seed"],
        data["frame_hash"],
        int(data["n"]),
        data["strata"],
        data["allocation"],
        data["population"],
        tuple((c, s, h) for c, s, h in data["stations"]),
    )
    frame = storage.frame(election)
    contests = sorted({s[0] for s in sample.stations})
    proved = prove(storage, election)
    out = []
    for contest in contests:
        f = form(frame.forms[contest])
        columns = {line.column: f"L{line.id}" for line in f.lines if line.column}
        issued = [columns[c] for c in cmp.ISSUED_COLUMNS if c in columns]
        choices = frame.choices.get(contest, ())
        needed = [columns["registered"], *issued, *(f"C{c}" for c in choices)]
        reports = {}
        for key, figures in proved["verified"].items():
            if key[0] == contest and all(n in figures for n in needed):
                values = {n: figures[n].value for n in needed}
                reports[key] = {
                    "registered": values[columns["registered"]],
                    "ballots": sum(values[n] for n in issued),
                    "valid": sum(values[f"C{c}"] for c in choices),
                    **{c: values[f"C{c}"] for c in choices},
                }
        whole = cmp.tally(
            [v for k, v in proved["official"].items() if k[0] == contest],
            columns["registered"],
            issued,
            choices,
        )
        official_figures = {f"share:{c}": v for c, v in whole.shares().items()} | {"turnout": whole.turnout}
        drawn = quickcount.Sample(
            sample.seed,
            sample.frame,
            sample.n,
            sample.strata,
            sample.allocation,
            sample.population,
            tuple(s for s in sample.stations if s[0] == contest),
        )
        out.append(
            {
                "contest": contest,
                **quickcount.quick_count(drawn, reports, choices, official_figures).to_json(),
            }
        )
    return {"commitment": sample.commitment, "contests": out}


def is_open(storage: Storage, election: str) -> bool:
    """Whether the organiser has opened the results (an ``open-results`` entry in the audit log)."""
    entries, _ = storage.audit_log(election)
    return any(e.get("action") == "open-results" for e in entries)


def open_results(storage: Storage, election: str, actor: str = "cli") -> bool:
    """End the embargo (after the last station has closed); False if it was already over."""
    if is_open(storage, election):
        return False
    with storage._write() as conn:
        storage._audit(conn, election, {"role": "organiser", "actor": actor, "action": "open-results"})
    return True


def require_open(storage: Storage, election: str) -> None:
    """:class:`Embargoed` until the organiser has opened the results."""
    if not is_open(storage, election):
        raise Embargoed(
            f"the results of {election!r} are under embargo until the organiser opens them "
            "(`smartvote observe open-results` after the last station has closed)"
        )


class Embargoed(ServiceError):
    """Per-station data asked for before the organiser opened the results."""

    status = 403


def voter_report(
    storage: Storage, principal: Principal, payload: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """Store a voter's report (one per voter token); returns (created, its record with receipt).
    A retry with the same id and content is answered with the same receipt."""
    frame = storage.frame(principal.election)
    contest, station, choice = payload["contest"], payload["station"], payload["choice"]
    if (contest, station) not in frame.stations:
        raise Invalid(f"unknown station {station!r} in contest {contest!r}")
    if choice not in frame.choices.get(contest, ()):
        raise Invalid(f"unknown choice {choice!r} in contest {contest!r}")
    content = {"id": payload["id"], "election": principal.election, "author": principal.pseudonym,
               "contest": contest, "station": station, "choice": choice}  # fmt: skip
    row = {**content, "receipt": receipt(content), "received": coarse_time(time.time())}
    table = storage.t("voter_reports")
    with storage._write() as conn:
        earlier = conn.execute(
            sa.select(table.c.id, table.c.receipt).where(
                table.c.election == principal.election, table.c.author == principal.pseudonym
            )
        ).first()
        if earlier is not None:
            if earlier.receipt != row["receipt"]:
                raise Conflict("this voter token has already sent its one report")
            return False, {"id": earlier.id, "receipt": earlier.receipt}
        conn.execute(table.insert(), row)
    return True, {"id": row["id"], "receipt": row["receipt"]}


def voter_counts(storage: Storage, election: str) -> dict[tuple[str, str, str], int]:
    """Distinct voter tokens per (contest, station, choice)."""
    table = storage.t("voter_reports")
    with storage._read() as conn:
        rows = conn.execute(
            sa.select(
                table.c.contest, table.c.station, table.c.choice, sa.func.count(sa.distinct(table.c.author))
            )
            .where(table.c.election == election)
            .group_by(table.c.contest, table.c.station, table.c.choice)
        ).all()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}


def issuance(storage: Storage, election: str) -> str:
    """How the election's voter tokens were issued, as the organisers attested per batch."""
    entries, _ = storage.audit_log(election)
    channels = {e["batch"]: e["channel"] for e in entries if e.get("action") == "attest"}
    said = [
        f"batch {e['batch']} ({e['n']} tokens): {channels.get(e['batch'], 'no channel attested')}"
        for e in entries
        if e.get("action") == "issue-tokens" and e.get("token_role") == "voter"
    ]
    return "; ".join(said) or "no voter tokens were issued"


def attest_issuance(storage: Storage, election: str, batch: str, channel: str) -> None:
    """Record in the audit log how a batch of voter tokens is handed out (one per person, where)."""
    with storage._write() as conn:
        storage._audit(
            conn,
            election,
            {"role": "organiser", "actor": "cli", "action": "attest", "batch": batch, "channel": channel},
        )
