"""RFC 9162 Merkle tree: published vectors, an independent naive oracle, corruption probes."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import pytest

from evidence.tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    append_leaves,
    consistency_ranges,
    fold,
    frontier_nodes,
    inclusion_ranges,
    largest_power_of_two_below,
    leaf_hash,
    node_hash,
    root_from_frontier,
    subtree_nodes,
    verify_consistency,
    verify_inclusion,
)

H = bytes.fromhex

# --- Source A: transparency-dev/merkle testonly/constants.go and proof/verify_test.go ----------

LEAF_INPUTS = [
    H(""),
    H("00"),
    H("10"),
    H("2021"),
    H("3031"),
    H("40414243"),
    H("5051525354555657"),
    H("606162636465666768696a6b6c6d6e6f"),
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
# Interior nodes as published (truncated): (level, index) -> (prefix, suffix).
NODE_HASHES = {
    (1, 0): ("fac54203", "c125"),
    (1, 1): ("5f083f0a", "031e"),
    (1, 2): ("0ebc5d34", "ef6a"),
    (1, 3): ("ca854ea1", "0ae0"),
    (2, 0): ("d37ee418", "14b7"),
    (2, 1): ("6b47aaf2", "f6e4"),
}
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
RANDOM_ROOT = H("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture(scope="module")
def vector_tree() -> MemoryTree:
    tree = MemoryTree()
    for data in LEAF_INPUTS:
        tree.append(data)
    return tree


# --- An independent oracle, straight from the RFC 9162 pseudocode over leaf lists -------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.cache
def naive_mth(d: tuple[bytes, ...]) -> bytes:
    if not d:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _split(len(d))
    return _sha(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: tuple[bytes, ...]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _split(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: tuple[bytes, ...], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [naive_mth(d)]
    k = _split(len(d))
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def naive_proof(m: int, d: tuple[bytes, ...]) -> list[bytes]:
    return naive_subproof(m, d, True)


MAX_SIZE = 64
LEAVES = tuple(f"leaf {i}".encode() for i in range(MAX_SIZE))


@pytest.fixture(scope="module")
def big_tree() -> MemoryTree:
    tree = MemoryTree()
    for data in LEAVES:
        tree.append(data)
    return tree


# --- Hasher KATs (source B) ------------------------------------------------------------------


def test_hasher_known_answers() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


# --- Source A vectors --------------------------------------------------------------------------


def test_leaf_hashes_match_vectors(vector_tree: MemoryTree) -> None:
    for index, expected in enumerate(LEAF_HASHES):
        assert leaf_hash(LEAF_INPUTS[index]).hex() == expected
        assert vector_tree.node(0, index).hex() == expected


def test_interior_nodes_match_vectors(vector_tree: MemoryTree) -> None:
    for (level, index), (prefix, suffix) in NODE_HASHES.items():
        value = vector_tree.node(level, index).hex()
        assert value.startswith(prefix)
        assert value.endswith(suffix)


@pytest.mark.parametrize("size", range(9))
def test_roots_match_vectors(vector_tree: MemoryTree, size: int) -> None:
    assert vector_tree.root(size).hex() == ROOTS[size]
    frontier = {level: vector_tree.node(level, index) for level, index in frontier_nodes(size)}
    assert root_from_frontier(size, frontier).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors(
    vector_tree: MemoryTree, index: int, size: int, proof: list[str]
) -> None:
    assert [h.hex() for h in vector_tree.inclusion_proof(index, size)] == proof
    verify_inclusion(index, size, H(LEAF_HASHES[index]), [H(p) for p in proof], H(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors(vector_tree: MemoryTree, old: int, new: int, proof: list[str]) -> None:
    assert [h.hex() for h in vector_tree.consistency_proof(old, new)] == proof
    verify_consistency(old, new, H(ROOTS[old]), H(ROOTS[new]), [H(p) for p in proof])


def _must_fail(verify: Callable[..., None], name: str, args: tuple) -> None:
    try:
        verify(*args)
    except ProofError:
        return
    pytest.fail(f"corruption probe {name!r} verified: sizes/index {args[:2]}")


def _inclusion_probes(
    index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
) -> list[tuple[str, tuple]]:
    """The negative probes of transparency-dev/merkle verify_test.go for one inclusion proof."""
    probes: list[tuple[str, tuple]] = [
        ("index - 1", (index - 1, size, leaf, proof, root)),
        ("index + 1", (index + 1, size, leaf, proof, root)),
        ("index ^ 2", (index ^ 2, size, leaf, proof, root)),
        ("size * 2", (index, size * 2, leaf, proof, root)),
        ("size / 2", (index, size // 2, leaf, proof, root)),
        ("wrong leaf", (index, size, leaf_hash(b"WrongLeaf"), proof, root)),
        ("empty root", (index, size, leaf, proof, EMPTY_ROOT)),
        ("random root", (index, size, leaf, proof, RANDOM_ROOT)),
        ("trailing garbage", (index, size, leaf, [*proof, _sha(b"garbage")], root)),
        ("leading garbage", (index, size, leaf, [_sha(b"garbage"), *proof], root)),
        ("extra root", (index, size, leaf, [*proof, root], root)),
    ]
    for position in range(len(proof)):
        flipped = list(proof)
        flipped[position] = bytes([flipped[position][0] ^ 0x01]) + flipped[position][1:]
        probes.append((f"bit flip #{position}", (index, size, leaf, flipped, root)))
        removed = proof[:position] + proof[position + 1 :]
        probes.append((f"remove #{position}", (index, size, leaf, removed, root)))
        inserted = [*proof[:position], _sha(b"inserted"), *proof[position:]]
        probes.append((f"insert #{position}", (index, size, leaf, inserted, root)))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vector_negative_probes(index: int, size: int, proof: list[str]) -> None:
    probes = _inclusion_probes(
        index, size, H(LEAF_HASHES[index]), [H(p) for p in proof], H(ROOTS[size])
    )
    for name, args in probes:
        _must_fail(verify_inclusion, name, args)


def _consistency_probes(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> list[tuple[str, tuple]]:
    probes: list[tuple[str, tuple]] = [
        ("swapped roots", (old, new, new_root, old_root, proof)),
        ("empty proof", (old, new, old_root, new_root, [])),
        ("random old root", (old, new, RANDOM_ROOT, new_root, proof)),
        ("random new root", (old, new, old_root, RANDOM_ROOT, proof)),
        ("trailing garbage", (old, new, old_root, new_root, [*proof, _sha(b"garbage")])),
        ("leading garbage", (old, new, old_root, new_root, [_sha(b"garbage"), *proof])),
        ("extra root", (old, new, old_root, new_root, [*proof, new_root])),
        ("shrinking", (new, old, new_root, old_root, proof)),
    ]
    for position in range(len(proof)):
        flipped = list(proof)
        flipped[position] = proof[position][:31] + bytes([proof[position][31] ^ 0x80])
        probes.append((f"bit flip #{position}", (old, new, old_root, new_root, flipped)))
        removed = proof[:position] + proof[position + 1 :]
        probes.append((f"remove #{position}", (old, new, old_root, new_root, removed)))
        inserted = [*proof[:position], _sha(b"inserted"), *proof[position:]]
        probes.append((f"insert #{position}", (old, new, old_root, new_root, inserted)))
    return probes


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY_VECTORS if v[0] != v[1]])
def test_consistency_vector_negative_probes(old: int, new: int, proof: list[str]) -> None:
    probes = _consistency_probes(old, new, H(ROOTS[old]), H(ROOTS[new]), [H(p) for p in proof])
    for name, args in probes:
        _must_fail(verify_consistency, name, args)


def test_consistency_edge_cases() -> None:
    empty, one, two = H(ROOTS[0]), H(ROOTS[1]), H(ROOTS[2])
    verify_consistency(0, 0, empty, empty, [])
    verify_consistency(0, 1, empty, one, [])
    verify_consistency(1, 1, one, one, [])
    with pytest.raises(ProofError, match="roots differ"):
        verify_consistency(1, 1, one, two, [])
    with pytest.raises(ProofError, match="not empty"):
        verify_consistency(1, 1, one, one, [one])
    with pytest.raises(ProofError, match="empty proof"):
        verify_consistency(0, 1, empty, one, [one])
    with pytest.raises(ProofError, match="smaller"):
        verify_consistency(2, 1, two, one, [])
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(1, 2, one, two, [])


def test_inclusion_edge_cases() -> None:
    one = H(ROOTS[1])
    verify_inclusion(0, 1, one, [], one)
    with pytest.raises(ProofError, match="not inside"):
        verify_inclusion(0, 0, one, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="not inside"):
        verify_inclusion(1, 1, one, [], one)
    with pytest.raises(ProofError, match="32 bytes"):
        verify_inclusion(0, 2, one, [b"short"], one)
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        verify_inclusion(0, 1, b"", [], one)


# --- Source C: the RFC 9162 §2.1.5 symbolic example -------------------------------------------


def test_rfc_symbolic_example() -> None:
    tree = MemoryTree()
    inputs = [f"d{i}".encode() for i in range(7)]
    for data in inputs:
        tree.append(data)
    a, b, c, d, e, f, j = (leaf_hash(x) for x in inputs)
    g, h, i = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, l = node_hash(g, h), node_hash(i, j)  # noqa: E741 (the RFC's names)
    assert tree.root() == node_hash(k, l)
    assert tree.inclusion_proof(0) == [b, h, l]
    assert tree.inclusion_proof(3) == [c, g, l]
    assert tree.inclusion_proof(4) == [f, j, k]
    assert tree.inclusion_proof(6) == [i, k]
    assert tree.consistency_proof(3, 7) == [c, d, g, l]
    assert tree.consistency_proof(4, 7) == [l]
    assert tree.consistency_proof(6, 7) == [i, j, k]


# --- Exhaustive comparison with the naive oracle ----------------------------------------------


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_proof_matches_naive_rfc_and_verifies(big_tree: MemoryTree, size: int) -> None:
    d = LEAVES[:size]
    root = naive_mth(d)
    assert big_tree.root(size) == root
    for index in range(size):
        proof = big_tree.inclusion_proof(index, size)
        assert proof == naive_path(index, d), (index, size)
        verify_inclusion(index, size, leaf_hash(d[index]), proof, root)
    for old in range(1, size + 1):
        proof = big_tree.consistency_proof(old, size)
        expected = [] if old == size else naive_proof(old, d)
        assert proof == expected, (old, size)
        verify_consistency(old, size, naive_mth(d[:old]), root, proof)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_corrupted_proofs_fail_for_every_size(big_tree: MemoryTree, size: int) -> None:
    root = big_tree.root(size)
    for index in range(size):
        proof = big_tree.inclusion_proof(index, size)
        for name, args in _inclusion_probes(index, size, big_tree.node(0, index), proof, root):
            _must_fail(verify_inclusion, name, args)
    for old in range(1, size):
        proof = big_tree.consistency_proof(old, size)
        probes = _consistency_probes(old, size, big_tree.root(old), root, proof)
        for name, args in probes:
            _must_fail(verify_consistency, name, args)


def test_size_must_come_from_a_trusted_source(big_tree: MemoryTree) -> None:
    """Documents the hazard verify_receipt guards against: many proofs verify for size n + 1."""
    hits = 0
    for size in range(1, 33):
        for index in range(size):
            proof = big_tree.inclusion_proof(index, size)
            leaf, root = big_tree.node(0, index), big_tree.root(size)
            try:
                verify_inclusion(index, size + 1, leaf, proof, root)
            except ProofError:
                continue
            hits += 1
    assert hits > 0


# --- Ranges, node addressing, frontier ---------------------------------------------------------


def test_largest_power_of_two_below() -> None:
    assert [largest_power_of_two_below(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError):
        largest_power_of_two_below(1)


def test_subtree_nodes_and_fold() -> None:
    assert subtree_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert subtree_nodes(8, 13) == [(2, 2), (0, 12)]
    assert subtree_nodes(4, 4) == []
    assert fold([]) == EMPTY_ROOT
    a, b, c = _sha(b"a"), _sha(b"b"), _sha(b"c")
    assert fold([a, b, c]) == node_hash(a, node_hash(b, c))
    with pytest.raises(ValueError, match="not aligned"):
        subtree_nodes(2, 6)


def test_every_proof_range_satisfies_the_alignment_precondition() -> None:
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            for a, b in inclusion_ranges(index, size):
                subtree_nodes(a, b)
        for old in range(1, size):
            for a, b in consistency_ranges(old, size):
                subtree_nodes(a, b)


def test_ranges_reject_impossible_requests() -> None:
    assert consistency_ranges(5, 5) == []
    with pytest.raises(ValueError):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        consistency_ranges(0, 3)
    with pytest.raises(ValueError):
        consistency_ranges(4, 3)


def test_frontier_nodes_decompose_the_size() -> None:
    assert frontier_nodes(0) == []
    assert frontier_nodes(8) == [(3, 0)]
    assert frontier_nodes(13) == [(3, 0), (2, 2), (0, 12)]


# --- append_leaves ------------------------------------------------------------------------------


def _build(batches: list[int]) -> tuple[dict[tuple[int, int], bytes], dict[int, bytes], int]:
    nodes: dict[tuple[int, int], bytes] = {}
    frontier: dict[int, bytes] = {}
    size = 0
    for count in batches:
        hashes = [leaf_hash(LEAVES[i]) for i in range(size, size + count)]
        created, frontier = append_leaves(size, frontier, hashes)
        for level, index, h in created:
            assert (level, index) not in nodes, "a node was created twice"
            nodes[(level, index)] = h
        size += count
    return nodes, frontier, size


@pytest.mark.parametrize(
    "batches",
    [[64], [1] * 64, [2] * 32, [3] * 21 + [1], [5, 7, 11, 13, 17, 11], [63, 1], [1, 63], [0, 64]],
)
def test_append_leaves_batches_match_one_by_one(big_tree: MemoryTree, batches: list[int]) -> None:
    reference, reference_frontier, _ = _build([1] * 64)
    nodes, frontier, size = _build(batches)
    assert size == 64
    assert nodes == reference
    assert frontier == reference_frontier
    assert nodes == {key: big_tree.node(*key) for key in nodes}


def test_append_leaves_returns_frontier_of_new_size() -> None:
    nodes, frontier, size = _build([5, 8])
    assert size == 13
    assert frontier == {level: nodes[(level, index)] for level, index in frontier_nodes(13)}
    assert root_from_frontier(13, frontier) == naive_mth(LEAVES[:13])


def test_append_leaves_leaves_input_frontier_untouched() -> None:
    _, frontier, size = _build([3])
    before = dict(frontier)
    append_leaves(size, frontier, [leaf_hash(b"x")])
    assert frontier == before


def test_append_leaves_rejects_a_frontier_that_does_not_match_the_size() -> None:
    _, frontier, _ = _build([3])
    with pytest.raises(ValueError, match="do not match"):
        append_leaves(4, frontier, [leaf_hash(b"x")])
    with pytest.raises(ValueError, match="32 bytes"):
        append_leaves(3, frontier, [b"short"])


# --- MemoryTree API ----------------------------------------------------------------------------


def test_memory_tree_indices_and_history() -> None:
    tree = MemoryTree()
    assert tree.size == 0
    assert tree.root() == EMPTY_ROOT
    assert tree.append(b"a") == 0
    assert tree.append_hash(leaf_hash(b"b")) == 1
    assert tree.extend_hashes([leaf_hash(b"c"), leaf_hash(b"d")]) == 2
    assert tree.size == 4
    assert tree.root(2) == naive_mth((b"a", b"b"))
    assert tree.subtree_hash(2, 4) == naive_mth((b"c", b"d"))
    with pytest.raises(ValueError, match="outside"):
        tree.root(5)
    with pytest.raises(ValueError, match="outside"):
        tree.inclusion_proof(0, 5)
    with pytest.raises(KeyError):
        tree.node(3, 0)
