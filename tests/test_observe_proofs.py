"""The three proofs that need no statistics, each on a crafted case and its honest twin; the
comparison's differences and territory sums; the independent tabulation's coverage bias."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smartvote.observe import comparison as cmp
from smartvote.observe.consensus import Event, Submission, consensus

C = "federal-list"
CHOICES = {C: ("1", "2")}
FIGURES = ("L1", "L3", "L4", "L5", "C1", "C2")


def station(n: int, region: str = "Minsk", tik: str = "T1") -> cmp.Station:
    return cmp.Station(C, str(n), region, tik)


def figures(c1: int, c2: int, registered: int = 1000) -> dict[str, int | None]:
    return {"L1": registered, "L3": 0, "L4": c1 + c2, "L5": 0, "C1": c1, "C2": c2}


def verified_of(
    protocols: dict[str, dict[str, int | None]], k: int = 2
) -> dict[cmp.Key, dict[str, cmp.Verified]]:
    """Run the real consensus: k observers per station send the same figures."""
    subs = [
        Submission(f"{s}-{i}", f"obs{s}-{i}", C, s, "protocol", figs)
        for s, figs in protocols.items()
        for i in range(k)
    ]
    return cmp.verified_figures(consensus(subs, [], k, FIGURES))


def test_copy_differs_fires_on_a_rewritten_station_and_not_on_its_honest_twin() -> None:
    signed = {"1": figures(300, 500), "2": figures(400, 400)}
    official = {(C, "1"): figures(600, 200), (C, "2"): figures(400, 400)}
    ver = verified_of(signed)
    comps = cmp.compare([station(1), station(2)], official, ver)
    proofs = cmp.copy_differs(comps)
    assert [p.where for p in proofs] == ["station 1"]
    diff = {d.figure: d for d in comps[0].differences}
    assert diff["C1"].delta == 300 and diff["C2"].delta == -300 and diff["C1"].basis == "tokens"
    assert comps[0].favours == "1" and comps[1].favours is None
    sums = cmp.territory_sums(comps, "region")
    assert sums["Minsk"] == {"compared": 2, "differing": 1, "difference": {"C1": 300, "C2": -300}}
    honest = {(C, "1"): figures(300, 500), (C, "2"): figures(400, 400)}
    assert cmp.copy_differs(cmp.compare([station(1), station(2)], honest, ver)) == ()


def test_a_single_unconfirmed_report_proves_nothing_but_two_moderators_do() -> None:
    subs = [Submission("a", "obs-a", C, "1", "protocol", figures(300, 500))]
    official = {(C, "1"): figures(600, 200)}
    single = cmp.verified_figures(consensus(subs, [], 2, FIGURES))
    assert cmp.copy_differs(cmp.compare([station(1)], official, single)) == ()
    events = [
        Event(i, f"mod{i}", "confirm", contest=C, station="1", kind="protocol", figure="C1", value=300)
        for i in (1, 2)
    ]
    confirmed = cmp.verified_figures(consensus(subs, events, 2, FIGURES))
    (proof,) = cmp.copy_differs(cmp.compare([station(1)], official, confirmed))
    assert proof.evidence["station"]["differences"][0]["basis"] == "moderators"


def test_lower_bound_fires_only_above_the_official_votes() -> None:
    official = {(C, "1"): figures(600, 200)}
    issued = "one card per voter at the station's door, from numbered sealed envelopes"
    (proof,) = cmp.lower_bound({(C, "1", "2"): 201}, official, issued)
    assert proof.evidence["reports"] == 201 and proof.evidence["tokens_issued"] == issued
    assert cmp.lower_bound({(C, "1", "2"): 200}, official, issued) == ()


def test_subset_exceeds_aggregate_reproduces_the_minsk_pattern() -> None:
    """Half of a territory's stations, verified, hold more votes for the opposition (choice 2)
    than the official total of all its stations; the honest twin publishes the signed counts."""
    n = 10
    signed = {str(i): figures(200, 600) for i in range(n)}
    published = {(C, str(i)): figures(720, 80) for i in range(n)}  # 800 for choice 2 in all
    observed = {s: f for s, f in signed.items() if int(s) < n // 2}  # 3,000 for choice 2
    ver = verified_of(observed)
    frame = [station(i) for i in range(n)]
    (proof,) = cmp.subset_exceeds(frame, published, ver, CHOICES, "region")
    assert proof.evidence["verified_votes"] == 3000 and proof.evidence["official_total"] == 800
    assert proof.evidence["choice"] == "2" and len(proof.evidence["stations"]) == n // 2
    honest = {(C, s): f for s, f in signed.items()}
    assert cmp.subset_exceeds(frame, honest, ver, CHOICES, "region") == ()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 900), st.integers(0, 900)), min_size=1, max_size=12), st.data())
def test_no_proof_on_an_honest_publication(counts: list[tuple[int, int]], data: st.DataObject) -> None:
    """Invariant: whatever subset is verified, a publication equal to the signed protocols
    yields no proof of either kind."""
    signed = {str(i): figures(a, b) for i, (a, b) in enumerate(counts)}
    chosen = data.draw(st.sets(st.sampled_from(sorted(signed))))
    ver = verified_of({s: signed[s] for s in chosen})
    official = {(C, s): f for s, f in signed.items()}
    frame = [station(i, tik=f"T{i % 3}") for i in range(len(counts))]
    assert cmp.copy_differs(cmp.compare(frame, official, ver)) == ()
    for level in cmp.TERRITORIES:
        assert cmp.subset_exceeds(frame, official, ver, CHOICES, level) == ()


def test_tabulation_states_coverage_and_its_bias() -> None:
    signed = {str(i): figures(300 + 100 * (i < 2), 300, registered=1000) for i in range(4)}
    ver = verified_of({"0": signed["0"], "1": signed["1"]})
    official = {(C, s): f for s, f in signed.items()}
    tab = cmp.tabulate(
        C, [station(i) for i in range(4)], official, ver, FIGURES, "L1", ("L3", "L4", "L5"), ["1", "2"]
    )
    out = tab.to_json()
    assert out["coverage"] == 0.5 and out["verified"]["votes"] == {"1": 800, "2": 600}
    assert abs(tab.coverage_bias["share:1"] - (800 / 1400 - 600 / 1200)) < 1e-12
    assert abs(tab.coverage_bias["turnout"] - (1400 / 2000 - 1200 / 2000)) < 1e-12
