"""The Merkle tree hash of RFC 6962 §2.1 (Certificate Transparency): leaves are prefixed 0x00, inner nodes
0x01, and a tree of n leaves splits at the largest power of two below n. A checkpoint's root commits to
every chain head at once, so the root alone can be published elsewhere (a newspaper, another authority)
and any single head proven against it."""
from __future__ import annotations

import hashlib


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: list[bytes]) -> str:
    """Hex root over the leaves' data (in order); the hash of nothing for no leaves."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _mth([leaf_hash(x) for x in leaves]).hex()


def _mth(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return _node(_mth(hashes[:k]), _mth(hashes[k:]))
