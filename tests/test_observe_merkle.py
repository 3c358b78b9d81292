"""The receipts' Merkle tree (RFC 9162): the published test vector, and proofs that verify for
every leaf and prefix and fail for a changed receipt, a changed root or a removed receipt."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from smartvote.observe import merkle

#: The leaves and the 8-leaf root of the Certificate Transparency reference test vectors
#: (RFC 6962's tree, unchanged in RFC 9162; certificate-transparency's merkle_test data).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"

receipts = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40, unique=True)


def test_reference_vector() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    assert merkle.root(CT_LEAVES[:1]) == hashlib.sha256(b"\x00").digest()
    assert merkle.root(CT_LEAVES).hex() == CT_ROOT_8


@settings(max_examples=60, deadline=None)
@given(receipts)
def test_inclusion_for_every_receipt(leaves: list[bytes]) -> None:
    top = merkle.root(leaves)
    n = len(leaves)
    for i, leaf in enumerate(leaves):
        path = merkle.inclusion_proof(leaves, i)
        assert merkle.verify_inclusion(leaf, i, n, path, top)
        changed = bytes([leaf[0] ^ 1]) + leaf[1:]
        assert not merkle.verify_inclusion(changed, i, n, path, top)
        assert not merkle.verify_inclusion(leaf, i, n, path, merkle.leaf_hash(top))
        if n > 1:
            assert not merkle.verify_inclusion(leaf, (i + 1) % n, n, path, top)


@settings(max_examples=60, deadline=None)
@given(receipts)
def test_consistency_between_prefixes(leaves: list[bytes]) -> None:
    n = len(leaves)
    second = merkle.root(leaves)
    for m in range(n + 1):
        first = merkle.root(leaves[:m])
        proof = merkle.consistency_proof(leaves, m)
        assert merkle.verify_consistency(m, n, first, second, proof)
        if 0 < m < n:
            assert not merkle.verify_consistency(m, n, merkle.leaf_hash(first), second, proof)
            assert not merkle.verify_consistency(m, n, first, merkle.leaf_hash(second), proof)


@settings(max_examples=60, deadline=None)
@given(receipts, st.data())
def test_consistency_fails_when_a_past_receipt_is_removed(leaves: list[bytes], data: st.DataObject) -> None:
    if len(leaves) < 2:
        return
    m = data.draw(st.integers(1, len(leaves) - 1))
    gone = data.draw(st.integers(0, m - 1))
    first = merkle.root(leaves[:m])
    rewritten = leaves[:gone] + leaves[gone + 1 :] + [hashlib.sha256(b"new").digest()]
    proof = merkle.consistency_proof(rewritten, m)
    assert not merkle.verify_consistency(m, len(rewritten), first, merkle.root(rewritten), proof)


def test_receipt_proof_round_trip() -> None:
    hexes = [hashlib.sha256(bytes([i])).hexdigest() for i in range(13)]
    proof = merkle.prove_inclusion(hexes, hexes[5])
    assert proof.verify() and proof.to_json()["size"] == 13
    assert not merkle.InclusionProof(hexes[6], 5, 13, proof.root, proof.path).verify()
