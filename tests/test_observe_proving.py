"""The proofs in the service, on both back-ends: the official count copied in, the comparison
and proofs over HTTP, the receipts' roots with inclusion and consistency proofs, evidence packs
(JSON, the page in headless Chromium, the export) and the quick count's CLI round trip."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pypdf import PdfReader

from browser import chromium, only_local, recorded_tab
from observe_support import CONTEST, frame, jpeg, protocol
from smartvote.atomic import OutputError
from smartvote.cli import main
from smartvote.data.store import Store
from smartvote.observe import merkle, proving, quickcount
from smartvote.observe.app import create_app
from smartvote.observe.export import pack_name, write_packs
from smartvote.observe.settings import Settings
from smartvote.observe.storage import Storage
from smartvote.synthetic import simulate_election

pytest_plugins = ["observe_fixtures"]

#: Station 1's signed protocol (observe_support.protocol) and a publication that moves 100
#: votes from choice 2 to choice 1 there; stations 2 and 4 are published as signed.
LINES = {"registered": 1500, "ballots_received": 1300, "ballots_early": 0, "ballots_in_station": 551}


def official_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results store's stations and votes of the frame's contest: stations 1, 2, 4 by
    (region, number), plus number 9 that the frame lacks (station 3 is missing)."""
    rows = []
    for n in (1, 2, 4, 9):
        counts = {"ballots_outside": 20, "ballots_cancelled": 729, "ballots_portable": 20}
        counts |= {"ballots_stationary": 551, "invalid": 15, "valid": 556, "lost": 0, "unaccounted": 0}
        rows.append(
            {"contest": CONTEST, "station_id": f"S{n}", "region": "R", "number": n, **LINES, **counts}
        )
    votes = []
    for n in (1, 2, 4, 9):
        split = (400, 100, 56) if n == 1 else (300, 200, 56)
        votes.extend(
            {"contest": CONTEST, "station_id": f"S{n}", "choice_id": c, "votes": v}
            for c, v in zip((1, 2, 3), split, strict=True)
        )
    return pd.DataFrame(rows), pd.DataFrame(votes)


class Night:
    def __init__(self, store: Storage) -> None:
        self.storage = store
        self.organiser = store.create_election("demo", "Demo", *frame())
        _, self.observers = store.issue_tokens("demo", "observer", 3)
        _, (self.moderator,) = store.issue_tokens("demo", "moderator", 1)
        self.client = TestClient(create_app(Settings(store.url, store.photo_dir), store))

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def night(storage: Storage) -> Iterator[Night]:
    made = Night(storage)
    with made.client:
        yield made


def test_official_count_comparison_and_proofs(night: Night) -> None:
    result = proving.sync_official(night.storage, "demo", *official_tables())
    assert result["matched"] == 3
    assert [a["number"] for a in result["added"]] == [9]
    assert [m["station"] for m in result["missing"] if m["contest"] == CONTEST] == ["3"]
    for token in night.observers[:2]:
        for station in ("1", "2"):
            assert (
                night.call("POST", "/api/v1/submissions", token, json=protocol(station=station)).status_code
                == 201
            )
    response = night.call("GET", "/api/v1/proofs", night.moderator)
    assert response.status_code == 200, response.text
    answer = response.json()
    (proof,) = [p for p in answer["proofs"] if p["kind"] == "copy-differs"]
    assert proof["where"] == "station 1"
    diffs = {d["figure"]: d["difference"] for d in answer["stations"][0]["differences"]}
    assert diffs == {"C1": 100, "C2": -100}
    assert answer["stations"][0]["favours"] == "1"
    assert answer["territories"]["region"]["R"]["difference"] == {"C1": 100, "C2": -100}
    (tab,) = [t for t in answer["tabulations"] if t["contest"] == CONTEST]
    assert tab["verified"]["stations"] == 2 and tab["verified"]["votes"] == {"1": 600, "2": 400, "3": 112}
    assert tab["official_covered"]["votes"] == {"1": 700, "2": 300, "3": 112}
    pack = night.call("GET", f"/api/v1/evidence/{CONTEST}/1", night.moderator).json()
    by_figure = {f["figure"]: f for f in pack["figures"]}
    assert by_figure["C1"] == {"figure": "C1", "official": 400, "verified": 300, "basis": "tokens"}
    receipts = {r["receipt"] for r in night.storage.submissions(_organiser(night), station="1")}
    assert {s["receipt"] for s in pack["submissions"]} == receipts and len(receipts) == 2
    assert [p["kind"] for p in pack["proofs"]] == ["copy-differs"]


def test_voters_reports_give_a_lower_bound_with_how_tokens_were_issued(night: Night) -> None:
    """Station 1 officially gives choice 3 56 votes: 56 voters' reports prove nothing, 57 do."""
    proving.sync_official(night.storage, "demo", *official_tables())
    channel = "one card per voter at the door, from numbered sealed envelopes"
    batch, voters = night.storage.issue_tokens("demo", "voter", 58)
    proving.attest_issuance(night.storage, "demo", batch, channel)

    def report(token: str, choice: str = "3", id_: str | None = None) -> Any:
        body = {"id": id_ or str(uuid.uuid4()), "contest": CONTEST, "station": "1", "choice": choice}
        return night.call("POST", "/api/v1/voter-reports", token, json=body)

    for token in voters[:56]:
        assert report(token).status_code == 201

    def lower_bounds() -> list[dict[str, Any]]:
        proofs = night.call("GET", "/api/v1/proofs", night.moderator).json()["proofs"]
        return [p for p in proofs if p["kind"] == "lower-bound"]

    assert lower_bounds() == []
    first = report(voters[56])
    assert first.status_code == 201
    again = report(voters[56], id_=first.json()["id"])
    assert again.status_code == 200 and again.json()["receipt"] == first.json()["receipt"]
    assert report(voters[56], choice="1").status_code == 409
    (proof,) = lower_bounds()
    assert proof["evidence"]["reports"] == 57 and proof["evidence"]["official"] == 56
    assert channel in proof["evidence"]["tokens_issued"]
    assert report(voters[57], choice="9").status_code == 422
    assert night.call("POST", "/api/v1/voter-reports", night.observers[0], json={}).status_code in (403, 422)
    assert proving.publish_root(night.storage, "demo")["size"] == 57


def _organiser(night: Night) -> Any:
    return night.storage.authenticate(night.organiser)


def test_roots_inclusion_and_consistency(night: Night) -> None:
    sent = []
    for round_ in range(3):
        for token in night.observers:
            body = protocol(station=str(1 + round_))
            sent.append(night.call("POST", "/api/v1/submissions", token, json=body).json()["receipt"])
        assert night.call("POST", "/api/v1/roots", night.organiser).status_code == 201
    assert night.call("POST", "/api/v1/roots", night.observers[0]).status_code == 403
    roots = night.call("GET", "/api/v1/roots").json()
    assert [r["size"] for r in roots] == [3, 6, 9]
    for before, after in zip(roots, roots[1:], strict=False):
        path = [bytes.fromhex(p) for p in after["consistency"]]
        assert merkle.verify_consistency(
            before["size"], after["size"], bytes.fromhex(before["root"]), bytes.fromhex(after["root"]), path
        )
        assert not merkle.verify_consistency(
            before["size"], after["size"], merkle.leaf_hash(b"x"), bytes.fromhex(after["root"]), path
        )
    for receipt in sent:
        answer = night.call("GET", f"/api/v1/receipts/{receipt}")
        assert answer.status_code == 200
        proof = merkle.InclusionProof(**{k: answer.json()[k] for k in ("receipt", "index", "size", "root")},
                                      path=tuple(answer.json()["path"]))  # fmt: skip
        assert proof.verify() and proof.root == roots[-1]["root"]
        changed = format(int(receipt, 16) ^ 1, "064x")
        assert not merkle.InclusionProof(changed, proof.index, proof.size, proof.root, proof.path).verify()
    assert night.call("GET", f"/api/v1/receipts/{'0' * 64}").status_code == 404
    assert night.call("GET", "/api/v1/receipts/not-hex").status_code == 422
    assert set(night.call("GET", f"/api/v1/receipts/{sent[0]}").json()) >= {"path", "root"}
    assert "station" not in json.dumps(night.call("GET", f"/api/v1/receipts/{sent[0]}").json())


def test_per_station_routes_need_a_staff_token(night: Night) -> None:
    for path in ("/api/v1/proofs", f"/api/v1/evidence/{CONTEST}/1", f"/api/v1/evidence/{CONTEST}/1/page"):
        assert night.call("GET", path).status_code == 401
        assert night.call("GET", path, night.observers[0]).status_code == 403


def test_the_embargo_holds_for_every_route_until_the_results_are_opened(night: Night) -> None:
    """Without a token, before opening: every route answers 401, 403 or 404, except health,
    the roots and the inclusion proofs, whose answers hold no station and no figure."""
    proving.sync_official(night.storage, "demo", *official_tables())
    for token in night.observers[:2]:
        night.call("POST", "/api/v1/submissions", token, json=protocol(station="1"))
    proving.publish_root(night.storage, "demo")
    receipt = night.storage.submissions(_organiser(night))[0]["receipt"]
    values = {
        "submission": night.storage.submissions(_organiser(night))[0]["id"],
        "n": "1",
        "receipt": receipt,
    }
    values |= {"contest": CONTEST, "station": "1"}
    public = {"/api/v1/health", "/api/v1/roots", "/api/v1/receipts/{receipt}"}
    routes = [
        (m, r.path)
        for r in night.client.app.routes
        for m in getattr(r, "methods", ())
        if r.path.startswith("/api/")
    ]
    assert len(routes) > 20
    for method, template in routes:
        path = template.format(**{k: values[k] for k in values if "{" + k + "}" in template})
        answer = night.call(method, path)
        if template in public and method == "GET":
            assert answer.status_code == 200, path
            text = answer.text
            assert '"station"' not in text and "federal-list" not in text and '"C1"' not in text, path
        else:
            assert answer.status_code in (401, 403, 404, 405), (method, path, answer.status_code)
    assert night.call("GET", "/api/v1/results").status_code == 403
    assert night.call("POST", "/api/v1/open", night.moderator).status_code == 403
    assert night.call("POST", "/api/v1/open", night.organiser).json() == {"open": True, "changed": True}
    opened = night.call("GET", "/api/v1/results")
    assert opened.status_code == 200 and opened.json()["proofs"][0]["where"] == "station 1"


def test_evidence_page_opens_in_chromium_and_matches_the_database(night: Night, tmp_path: Path) -> None:
    proving.sync_official(night.storage, "demo", *official_tables())
    ids = []
    for token in night.observers[:2]:
        body = protocol(station="1")
        ids.append(body["id"])
        night.call("POST", "/api/v1/submissions", token, json=body)
    photo = jpeg()
    headers = {"content-type": "image/jpeg", "Authorization": f"Bearer {night.observers[0]}"}
    assert (
        night.client.put(f"/api/v1/submissions/{ids[0]}/photos/1", content=photo, headers=headers).status_code
        == 201
    )
    packs = proving.evidence_packs(night.storage, "demo")

    assert write_packs(tmp_path / "out", packs, night.storage.photo_dir) == len(packs)
    (one,) = [p for p in packs if p.station.station == "1" and p.station.contest == CONTEST]
    (stored,) = [ph for s in one.to_json()["submissions"] for ph in s["photos"]]
    exported = (tmp_path / "out" / f"{pack_name(one)}-{ids[0]}-1.jpg").read_bytes()
    assert hashlib.sha256(exported).hexdigest() == stored["sha256"]
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert summary.set_index("station").loc["1", "differences"] == 2
    page = tmp_path / "out" / f"{pack_name(one)}.html"
    official = {
        (k[1], f): v for k, figs in proving.official(night.storage, "demo").items() for f, v in figs.items()
    }
    with chromium() as browser:
        tab, requests = recorded_tab(browser)
        tab.goto(page.as_uri())
        rows = tab.eval_on_selector_all(
            "#figures tr[data-figure]",
            "rows => rows.map(r => [r.dataset.figure, r.querySelector('.official').textContent,"
            " r.querySelector('.verified').textContent])",
        )
        tab.close()
    assert only_local(requests)
    shown = {f: (o, v) for f, o, v in rows}
    assert shown["C1"] == (str(official[("1", "C1")]), "300") and shown["C2"] == ("100", "200")


def test_cli_sync_draw_quick_count_and_export(home: Path, tmp_path: Path) -> None:
    tables, _truth = simulate_election(300, seed=3, election_id="synth")
    with Store() as results:
        results.add_election(tables)
    runner = CliRunner()
    init = runner.invoke(main, ["observe", "init", "synth", "--from-store"])
    assert init.exit_code == 0, init.output
    synced = runner.invoke(main, ["observe", "sync-official", "synth"])
    assert synced.exit_code == 0, synced.output
    out = json.loads(synced.stdout)
    assert out["matched"] == 300 and out["added"] == [] and out["missing"] == []
    sample = tmp_path / "sample.json"
    drawn = runner.invoke(
        main, ["observe", "draw-sample", "--n", "40", "--strata", "region", "--out", str(sample)]
    )
    assert drawn.exit_code == 0, drawn.output
    public, secret = json.loads(drawn.stdout), json.loads(sample.read_text())
    assert "seed" not in public and len(secret["stations"]) == 40
    again = tmp_path / "again.json"
    redrawn = runner.invoke(
        main,
        [
            "observe",
            "draw-sample",
            "--n",
            "40",
            "--strata",
            "region",
            "--out",
            str(again),
            "--seed",
            secret["seed"],
        ],
    )
    assert json.loads(redrawn.stdout)["commitment"] == public["commitment"]
    assert json.loads(again.read_text())["stations"] == secret["stations"]
    short = runner.invoke(
        main, ["observe", "draw-sample", "--n", "4", "--out", str(again), "--seed", "ab" * 8]
    )
    assert short.exit_code == 2 and "256 bits" in short.output
    counted = runner.invoke(main, ["observe", "quick-count", str(sample)])
    assert counted.exit_code == 0, counted.output
    (contest,) = json.loads(counted.stdout)["contests"]
    assert contest["drawn"] == 40 and contest["reported"] == 0
    refused = runner.invoke(main, ["observe", "export", str(tmp_path / "packs")])
    assert refused.exit_code == 1 and "embargo" in refused.output and not (tmp_path / "packs").exists()
    assert runner.invoke(main, ["observe", "open-results"]).exit_code == 0
    exported = runner.invoke(main, ["observe", "export", str(tmp_path / "packs")])
    assert exported.exit_code == 0, exported.output
    assert len(pd.read_csv(tmp_path / "packs" / "summary.csv")) == 300
    roots = runner.invoke(main, ["observe", "publish-root"])
    assert roots.exit_code == 0 and json.loads(roots.stdout)["size"] == 0


def test_quick_count_from_the_services_verified_protocols(night: Night) -> None:
    """The whole frame as the sample: the two verified stations give the estimate (their sum),
    the official shares come from the copied publication, and the stations without a verified
    protocol count as not reported."""
    proving.sync_official(night.storage, "demo", *official_tables())
    for token in night.observers[:2]:
        for station in ("1", "2"):
            night.call("POST", "/api/v1/submissions", token, json=protocol(station=station))
    frame_ = [(s.contest, s.station, s.region) for s in proving.stations(night.storage, "demo")]
    sample = quickcount.draw(frame_, len(frame_), quickcount.new_seed())
    answer = proving.quick_count(night.storage, "demo", json.dumps(sample.to_json()))
    (ru,) = [c for c in answer["contests"] if c["contest"] == CONTEST]
    assert ru["drawn"] == 4 and ru["reported"] == 2
    share = {e["name"]: e for e in ru["estimates"]}
    assert share["share:1"]["estimate"] == pytest.approx(600 / 1112)
    assert share["share:1"]["official"] == pytest.approx(1000 / 1668)
    assert answer["commitment"] == sample.commitment


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the page, not the back-end, is tested
def test_export_pdf_opens_and_its_figures_match_the_database(night: Night, tmp_path: Path) -> None:
    """`observe export --pdf`: each pack's page printed by headless Chromium; the PDF's text,
    read back by pypdf, shows every figure's official and verified value as the database has it."""
    proving.sync_official(night.storage, "demo", *official_tables())
    for token in night.observers[:2]:
        night.call("POST", "/api/v1/submissions", token, json=protocol(station="1"))
    packs = proving.evidence_packs(night.storage, "demo")
    assert write_packs(tmp_path / "out", packs, night.storage.photo_dir, pdf=True) == len(packs)
    assert all((tmp_path / "out" / f"{pack_name(p)}.pdf").is_file() for p in packs)
    (one,) = [p for p in packs if p.station.station == "1" and p.station.contest == CONTEST]
    pages = PdfReader(tmp_path / "out" / f"{pack_name(one)}.pdf").pages
    text = "\n".join(page.extract_text() for page in pages)
    shown = {m[1]: (int(m[2]), int(m[3])) for m in re.finditer(r"^([LC]\d+) (\d+) (\d+) ", text, re.M)}
    sent = protocol(station="1")
    expected = {f"L{k}": v for k, v in sent["lines"].items()} | {
        f"C{k}": v for k, v in sent["choices"].items()
    }
    official = proving.official(night.storage, "demo")[(CONTEST, "1")]
    assert shown == {f: (official[f], v) for f, v in expected.items()}
    assert shown["C1"] == (400, 300) and "copy-differs" in text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_export_pdf_without_chromium_fails_in_one_line_and_writes_nothing(
    night: Night, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(OutputError, match="PDF export needs Chromium"):
        write_packs(tmp_path / "out", proving.evidence_packs(night.storage, "demo"), pdf=True)
    assert not (tmp_path / "out").exists()
