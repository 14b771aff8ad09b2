"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification.

The tree is stored as *perfect nodes*: node ``(level, index)`` is the perfect subtree over
leaves ``[index << level, (index + 1) << level)``; leaves are level 0. Every hash a proof
needs is ``MTH(D[a:b])`` for a range the RFC recursion produces, and each such range is the
right-to-left fold of at most log2(n) perfect nodes (:func:`subtree_nodes`). A log therefore
only has to keep perfect nodes, which are final once written (append-only storage), and can
answer proofs for any historical tree size in O(log n).

The RFC recursions PATH and PROOF are rewritten as loops that return the *ranges* whose
hashes form the proof (:func:`inclusion_ranges`, :func:`consistency_ranges`), so the same
code serves the in-memory tree here and the database-backed ledger.

Only the standard library is used (see the package docstring).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root of the empty tree."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof did not verify; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    """Hash a leaf input; the 0x00 prefix keeps leaves distinct from interior nodes."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children; the 0x01 prefix prevents second-preimage tricks with leaves."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """Return k, the power of two with k < n <= 2k: the RFC's left-subtree size."""
    if n < 2:
        raise ValueError(f"a split needs at least 2 leaves, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def subtree_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """Return the perfect nodes (left to right) whose :func:`fold` is MTH(D[start:end]).

    Precondition (true for every range the RFC recursion produces): ``start`` is a multiple of
    the largest power of two <= ``end - start``. Then the range splits into perfect subtrees
    following the binary decomposition of its size, largest first.
    """
    size = end - start
    if start < 0 or size < 0:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    if size == 0:
        return []
    top = size.bit_length() - 1
    if start % (1 << top):
        raise ValueError(
            f"range [{start}, {end}) is not aligned: start must be a multiple of {1 << top}"
        )
    nodes = []
    position = start
    for level in range(top, -1, -1):
        if size >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Fold hashes right to left: (h0, h1, h2) -> H(h0, H(h1, h2)); () -> EMPTY_ROOT.

    Right to left because non-power-of-two trees are left-heavy: the root is the first perfect
    subtree combined with the hash of everything to its right.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the ranges whose MTHs, in order, are PATH(index, D[size]) (sibling first)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    # The loop walks from the root down; the proof lists the leaf's sibling first.
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Return the ranges whose MTHs, in order, are PROOF(old, D[new]); [] when old == new."""
    if old == new and old >= 0:
        return []
    if not 0 < old < new:
        raise ValueError(f"no consistency proof from size {old} to size {new}: need 0 < old < new")
    ranges = []
    lo, hi = 0, new
    m = old  # old size relative to lo
    whole_old_tree = True  # SUBPROOF's flag b: the old root is still a node of this subtree
    while m != hi - lo:
        k = largest_power_of_two_below(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """Return the perfect nodes of the binary decomposition of ``size``, left to right."""
    return subtree_nodes(0, size)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes")


def _check_frontier(size: int, frontier: dict[int, bytes]) -> list[int]:
    """Return the frontier levels, highest first, after checking they match ``size``."""
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    levels = [level for level, _ in frontier_nodes(size)]
    if set(frontier) != set(levels):
        raise ValueError(
            f"frontier levels {sorted(frontier)} do not match tree size {size} "
            f"(expected levels {sorted(levels)})"
        )
    for level in levels:
        _check_hash(frontier[level], f"frontier hash at level {level}")
    return levels


def append_leaves(
    size: int, frontier: dict[int, bytes], leaf_hashes: Iterable[bytes]
) -> tuple[list[tuple[int, int, bytes]], dict[int, bytes]]:
    """Append leaf hashes to a tree known only by its size and frontier.

    Returns every new perfect node ``(level, index, hash)`` — each leaf, then each subtree it
    completes — and the new frontier ``{level: hash}``. This is binary increment: a new leaf
    carries into every level whose bit is set in the current size. O(log n) per leaf, and the
    input frontier is not modified.
    """
    _check_frontier(size, frontier)
    frontier = dict(frontier)
    created: list[tuple[int, int, bytes]] = []
    for h in leaf_hashes:
        _check_hash(h, "leaf hash")
        level, index, current = 0, size, h
        created.append((level, index, current))
        while level in frontier:
            current = node_hash(frontier.pop(level), current)
            level += 1
            index >>= 1
            created.append((level, index, current))
        frontier[level] = current
        size += 1
    return created, frontier


def root_from_frontier(size: int, frontier: dict[int, bytes]) -> bytes:
    """Return MTH of a tree of ``size`` leaves from its frontier hashes."""
    levels = _check_frontier(size, frontier)
    return fold([frontier[level] for level in levels])


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check PATH(index, D[size]) against ``root`` (RFC 9162 §2.1.3.2); raise ProofError.

    ``size`` and ``root`` must come from a verified checkpoint: many proofs also "verify" for a
    different size with the same root, so only the signature binds them together.
    """
    _check_proof_inputs(proof, (leaf_hash, "leaf hash"), (root, "root hash"))
    if index < 0 or size < 0:
        raise ProofError(f"index {index} and size {size} must not be negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(
                f"inclusion proof has {len(proof)} hashes, more than a tree of size {size} needs"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Right edge of a non-perfect subtree: climb past the levels with no sibling.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes, too few for leaf {index} of size {size}"
        )
    if not hmac.compare_digest(r, root):
        raise ProofError(
            f"inclusion proof for leaf {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.2 plus edge cases); raise ProofError.

    Edge cases, as in transparency-dev/merkle: equal sizes need an empty proof and equal roots;
    any tree is consistent with the empty tree (empty proof required); shrinking fails.
    """
    _check_proof_inputs(proof, (old_root, "old root hash"), (new_root, "new root hash"))
    if old_size < 0:
        raise ProofError(f"old size {old_size} must not be negative")
    if new_size < old_size:
        raise ProofError(f"new size {new_size} is smaller than old size {old_size}")
    if old_size == new_size:
        if proof:
            raise ProofError(f"sizes are equal ({old_size}) but the proof is not empty")
        if not hmac.compare_digest(old_root, new_root):
            raise ProofError(f"sizes are equal ({old_size}) but the roots differ")
        return
    if old_size == 0:
        if proof:
            raise ProofError("any tree is consistent with the empty tree; expected an empty proof")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {old_size} to size {new_size}")

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old root is a node of the new tree, so the proof omits it.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof from {old_size} to {new_size} has too many hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof from {old_size} to {new_size} has too few hashes")
    if not hmac.compare_digest(fr, old_root):
        raise ProofError(f"consistency proof does not reproduce the old root of size {old_size}")
    if not hmac.compare_digest(sr, new_root):
        raise ProofError(f"consistency proof does not reproduce the new root of size {new_size}")


def _check_proof_inputs(proof: Sequence[bytes], *named: tuple[bytes, str]) -> None:
    for value, what in named:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError(f"{what} must be {HASH_SIZE} bytes")
    for position, p in enumerate(proof):
        if not isinstance(p, bytes) or len(p) != HASH_SIZE:
            raise ProofError(f"proof hash #{position} must be {HASH_SIZE} bytes")


class MemoryTree:
    """An append-only in-memory tree keeping every perfect node.

    Used to rebuild the ledger from its leaves (audit) and as the reference the database-backed
    ledger mirrors: same node layout, same :func:`append_leaves`, same range-based proofs.
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._frontier: dict[int, bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, data: bytes) -> int:
        """Append a leaf input and return its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, leaf_hash: bytes) -> int:
        """Append an already hashed leaf and return its index."""
        return self.extend_hashes([leaf_hash])

    def extend_hashes(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append several leaf hashes in one batch; return the index of the first one."""
        leaf_hashes = list(leaf_hashes)
        first = self._size
        created, self._frontier = append_leaves(self._size, self._frontier, leaf_hashes)
        for level, index, h in created:
            self._nodes[(level, index)] = h
        self._size += len(leaf_hashes)
        return first

    def node(self, level: int, index: int) -> bytes:
        """Return the hash of perfect node (level, index); KeyError if not complete yet."""
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise KeyError(f"perfect node (level {level}, index {index}) does not exist") from None

    def subtree_hash(self, start: int, end: int) -> bytes:
        """Return MTH(D[start:end]) for an aligned range inside the current tree."""
        if end > self._size:
            raise ValueError(f"range [{start}, {end}) exceeds the tree size {self._size}")
        return fold([self.node(level, index) for level, index in subtree_nodes(start, end)])

    def _historical_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size {size} is outside 0..{self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Return the root of the tree at ``size`` (default: now)."""
        return self.subtree_hash(0, self._historical_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return PATH(index, D[size]) for the current or an earlier size."""
        size = self._historical_size(size)
        return [self.subtree_hash(a, b) for a, b in inclusion_ranges(index, size)]

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """Return PROOF(old, D[new]) for the current or an earlier size."""
        new = self._historical_size(new)
        return [self.subtree_hash(a, b) for a, b in consistency_ranges(old, new)]
