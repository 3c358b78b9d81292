"""The consensus core: order-independent, blind to quarantined and superseded submissions, and
no single moderator can confirm a value or release a quarantine; the audit chain detects edits."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from smartvote.observe.consensus import Event, Submission, consensus
from smartvote.observe.records import GENESIS, chain_hash, first_broken, receipt

FIGURES = ("L1", "L2", "C1")
AUTHORS = ("a", "b", "c", "d")


@st.composite
def submissions(draw: st.DrawFn) -> list[Submission]:
    out: list[Submission] = []
    for i in range(draw(st.integers(1, 10))):
        author = draw(st.sampled_from(AUTHORS))
        station = draw(st.sampled_from(("1", "2")))
        earlier = [s.id for s in out if s.author == author and s.station == station]
        supersedes = draw(st.sampled_from(earlier)) if earlier and draw(st.booleans()) else None
        figures = {f: draw(st.one_of(st.none(), st.integers(0, 3))) for f in FIGURES}
        out.append(Submission(f"s{i:02d}", author, "c", station, "protocol", figures, supersedes))
    return out


def _events(draw: st.DrawFn, subs: list[Submission]) -> list[Event]:
    events = []
    for seq in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(("quarantine", "release", "confirm")))
        actor = draw(st.sampled_from(("m1", "m2", "m3")))
        sub = draw(st.sampled_from(subs))
        events.append(
            Event(
                seq,
                actor,
                action,
                submission=sub.id,
                contest="c",
                station=sub.station,
                kind="protocol",
                figure="L1",
                value=draw(st.integers(0, 3)),
            )
        )
    return events


@settings(max_examples=150, deadline=None)
@given(subs=submissions(), data=st.data(), k=st.integers(1, 3))
def test_the_result_does_not_depend_on_the_order_of_submissions(subs, data, k) -> None:
    events = _events(data.draw, subs)
    shuffled = data.draw(st.permutations(subs))
    assert consensus(subs, events, k, FIGURES) == consensus(shuffled, events, k, FIGURES)


@settings(max_examples=150, deadline=None)
@given(subs=submissions(), data=st.data())
def test_quarantined_and_superseded_submissions_never_count(subs, data) -> None:
    held = data.draw(st.sets(st.sampled_from([s.id for s in subs])))
    events = [Event(i, "m1", "quarantine", submission=s) for i, s in enumerate(sorted(held))]
    superseded = {s.supersedes for s in subs if s.supersedes}
    for protocol in consensus(subs, events, 2, FIGURES):
        assert not set(protocol.counted) & (held | superseded)
        # Dropping the excluded submissions altogether gives the same figures.
        kept = [s for s in subs if s.id in protocol.counted or s.station != protocol.station]
        again = [p for p in consensus(kept, [], 2, FIGURES) if p.station == protocol.station]
        if protocol.counted:
            assert [f for p in again for f in p.figures] == list(protocol.figures)
        else:
            assert all(f.status == "empty" for f in protocol.figures)


@settings(max_examples=100, deadline=None)
@given(value=st.integers(0, 5), repeats=st.integers(1, 4))
def test_one_moderator_alone_cannot_confirm_or_release(value, repeats) -> None:
    subs = [
        Submission("s1", "a", "c", "1", "protocol", {"L1": 7}),
        Submission("s2", "b", "c", "1", "protocol", {"L1": 8}),
    ]
    alone = [
        Event(i, "m1", "confirm", contest="c", station="1", kind="protocol", figure="L1", value=value)
        for i in range(repeats)
    ]
    (protocol,) = consensus(subs, alone, 2, ("L1",))
    assert protocol.figures[0].status == "conflict"
    two = [
        *alone,
        Event(99, "m2", "confirm", contest="c", station="1", kind="protocol", figure="L1", value=value),
    ]
    (protocol,) = consensus(subs, two, 2, ("L1",))
    assert (protocol.figures[0].status, protocol.figures[0].value) == ("confirmed", value)
    quarantine = [Event(0, "m1", "quarantine", submission="s2")]
    released_alone = quarantine + [Event(i + 1, "m1", "release", submission="s2") for i in range(repeats)]
    assert consensus(subs, released_alone, 2, ("L1",))[0].quarantined == ("s2",)
    released = [*released_alone, Event(50, "m2", "release", submission="s2")]
    assert consensus(subs, released, 2, ("L1",))[0].quarantined == ()


def test_verified_single_and_empty_figures() -> None:
    subs = [
        Submission("s1", "a", "c", "1", "protocol", {"L1": 7, "L2": None, "C1": 3}),
        Submission("s2", "b", "c", "1", "protocol", {"L1": 7, "L2": None, "C1": None}),
        Submission("s3", "b", "c", "1", "repeat", {"L1": 9, "L2": 1, "C1": 1}),
    ]
    first, repeat = consensus(subs, [], 2, FIGURES)
    assert [f.status for f in first.figures] == ["verified", "empty", "single"]
    assert first.status == "pending" and repeat.kind == "repeat" and repeat.status == "pending"
    assert consensus(subs[:2], [], 1, ("L1", "C1"))[0].status == "verified"


def test_the_audit_chain_detects_an_edited_or_removed_entry() -> None:
    entries = [{"action": "lock", "n": i} for i in range(4)]
    hashes, previous = [], GENESIS
    for entry in entries:
        previous = chain_hash(previous, entry)
        hashes.append(previous)
    assert first_broken(list(zip(entries, hashes, strict=True))) is None
    edited = [*entries[:2], {"action": "unlock", "n": 2}, entries[3]]
    assert first_broken(list(zip(edited, hashes, strict=True))) == 2
    removed = list(zip(entries, hashes, strict=True))
    del removed[1]
    assert first_broken(removed) == 1
    assert receipt({"id": "x", "a": 1}) == receipt({"a": 1, "id": "x"}) != receipt({"id": "y", "a": 1})
