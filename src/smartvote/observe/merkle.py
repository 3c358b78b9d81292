"""Commitments to the receipts: a Merkle tree with inclusion and consistency proofs.

The construction of RFC 9162 (Certificate Transparency version 2.0, section 2.1): leaves are
hashed as SHA-256(0x00 || leaf) and inner nodes as SHA-256(0x01 || left || right), the tree
of n leaves splits at the largest power of two below n. A published root commits the service
to every receipt received so far; an inclusion proof shows a volunteer, on their own device,
that their receipt is under a root; a consistency proof shows that a later root extends an
earlier one, so that no receipt was removed or rewritten in between. Leaves are receipts
(SHA-256 of a submission with its random id), so a proof identifies nobody.

Pure: bytes and hex strings in, values out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162, 2.1.1: the hash of a leaf, SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162, 2.1.1: the hash of an inner node, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162, 2.1.1: the Merkle tree hash MTH of ``leaves`` (SHA-256 of nothing when empty)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = [leaf_hash(leaf) for leaf in leaves]
    return _mth(level)


def _mth(hashes: Sequence[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162, 2.1.3.1: the audit path PATH(index, leaves)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    return _path(index, [leaf_hash(leaf) for leaf in leaves])


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _split(len(hashes))
    if m < k:
        return [*_path(m, hashes[:k]), _mth(hashes[k:])]
    return [*_path(m - k, hashes[k:]), _mth(hashes[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162, 2.1.3.2: whether ``path`` proves ``leaf`` is leaf ``index`` of the tree ``expected_root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """RFC 9162, 2.1.4.1: PROOF(first, leaves), that the tree of the first ``first`` leaves is a prefix."""
    if not 0 <= first <= len(leaves):
        raise ValueError(f"a tree of {first} leaves is not a prefix of one of {len(leaves)}")
    if first in (0, len(leaves)):
        return []
    return _subproof(first, [leaf_hash(leaf) for leaf in leaves], True)


def _subproof(m: int, hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [_mth(hashes)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], whole), _mth(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), _mth(hashes[:k])]


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162, 2.1.4.2: whether ``path`` proves the tree ``first_root`` of ``first`` leaves is a
    prefix of the tree ``second_root`` of ``second`` leaves (an empty first tree is a prefix of all)."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not path
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


@dataclass(frozen=True)
class InclusionProof:
    """What a volunteer checks on their own device: their receipt is leaf ``index`` under ``root``."""

    receipt: str
    index: int
    size: int
    root: str
    path: tuple[str, ...]

    def verify(self) -> bool:
        """Whether the proof holds (the receipt's bytes, its position and the path give the root)."""
        return verify_inclusion(
            bytes.fromhex(self.receipt),
            self.index,
            self.size,
            [bytes.fromhex(p) for p in self.path],
            bytes.fromhex(self.root),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "receipt": self.receipt,
            "index": self.index,
            "size": self.size,
            "root": self.root,
            "path": list(self.path),
            "construction": "RFC 9162 section 2.1; leaf = the receipt's 32 bytes",
        }


def prove_inclusion(receipts: Sequence[str], receipt: str) -> InclusionProof:
    """The inclusion proof of ``receipt`` (hex) in the tree of ``receipts`` (hex, in log order)."""
    leaves = [bytes.fromhex(r) for r in receipts]
    index = list(receipts).index(receipt)
    return InclusionProof(
        receipt,
        index,
        len(leaves),
        root(leaves).hex(),
        tuple(p.hex() for p in inclusion_proof(leaves, index)),
    )
