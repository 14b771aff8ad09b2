"""C2SP tlog-proof receipts and the leaf encoding."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from evidence.tlog.leaf import LEAF_HEADER, LeafError, encode_leaf, parse_leaf
from evidence.tlog.merkle import MemoryTree, leaf_hash, verify_inclusion
from evidence.tlog.note import Checkpoint, Signer, Verifier, checkpoint_text
from evidence.tlog.proof import (
    RECEIPT_HEADER,
    Receipt,
    ReceiptError,
    format_receipt,
    parse_receipt,
    verify_receipt,
)

# The public sumdb test key (golang.org/x/mod sumdb/note); tests only.
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ORIGIN = "yiqizheng.example/log/test"
SIZE = 21


def _leaf(n: int) -> bytes:
    return encode_leaf(
        "deposit",
        [("number", f"YQZ-{n:04d}"), ("time", f"2026-03-01T10:{n:02d}:00Z"), ("sha256", "ab" * 32)],
    )


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_private_key(SKEY)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(VKEY)


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    tree = MemoryTree()
    for n in range(SIZE + 1):
        tree.append(_leaf(n))
    return tree


def _note(signer: Signer, tree: MemoryTree, size: int) -> str:
    return signer.sign(checkpoint_text(ORIGIN, size, tree.root(size)))


def _receipt(signer: Signer, tree: MemoryTree, index: int, size: int = SIZE) -> str:
    return format_receipt(
        index, tree.inclusion_proof(index, size), _note(signer, tree, size), _leaf(index)
    )


# --- receipts ------------------------------------------------------------------------------------


def test_receipt_layout(signer: Signer, tree: MemoryTree) -> None:
    note = _note(signer, tree, SIZE)
    text = _receipt(signer, tree, 5)
    proof = tree.inclusion_proof(5, SIZE)
    expected_head = [
        RECEIPT_HEADER,
        "extra " + base64.b64encode(_leaf(5)).decode(),
        "index 5",
        *(base64.b64encode(h).decode() for h in proof),
    ]
    assert text == "\n".join(expected_head) + "\n\n" + note


def test_receipt_round_trips(signer: Signer, tree: MemoryTree) -> None:
    for index in range(SIZE):
        text = _receipt(signer, tree, index)
        receipt = parse_receipt(text)
        assert receipt == Receipt(
            index, tree.inclusion_proof(index, SIZE), _note(signer, tree, SIZE), _leaf(index)
        )
        assert receipt.text() == text


def test_receipt_without_extra_round_trips(signer: Signer, tree: MemoryTree) -> None:
    text = format_receipt(0, tree.inclusion_proof(0, 1), _note(signer, tree, 1), None)
    assert "extra" not in text.split("\n\n")[0]
    receipt = parse_receipt(text)
    assert receipt.extra is None
    assert receipt.proof == []


def test_every_receipt_verifies(signer: Signer, verifier: Verifier, tree: MemoryTree) -> None:
    for index in range(SIZE):
        receipt = parse_receipt(_receipt(signer, tree, index))
        checkpoint = verify_receipt(receipt, verifier, leaf_hash(receipt.extra), origin=ORIGIN)
        assert checkpoint == Checkpoint(ORIGIN, SIZE, tree.root(SIZE))


def _n_plus_one_case(tree: MemoryTree) -> tuple[int, int]:
    """Find a leaf whose size-n proof also 'verifies' as size n + 1 with the size-n root."""
    for size in range(2, SIZE):
        for index in range(size):
            try:
                verify_inclusion(
                    index,
                    size + 1,
                    tree.node(0, index),
                    tree.inclusion_proof(index, size),
                    tree.root(size),
                )
            except ValueError:
                continue
            return index, size
    raise AssertionError("no such case")


def test_size_comes_from_the_signed_checkpoint(
    signer: Signer, verifier: Verifier, tree: MemoryTree
) -> None:
    index, size = _n_plus_one_case(tree)
    proof = tree.inclusion_proof(index, size)
    leaf = tree.node(0, index)
    # A genuine checkpoint at n + 1 does not accept the size-n proof ...
    genuine = format_receipt(index, proof, _note(signer, tree, size + 1), _leaf(index))
    with pytest.raises(ReceiptError, match="inclusion proof"):
        verify_receipt(parse_receipt(genuine), verifier, leaf)
    # ... and rewriting the size in a size-n checkpoint breaks its signature.
    note = _note(signer, tree, size).replace(f"\n{size}\n", f"\n{size + 1}\n", 1)
    forged = format_receipt(index, proof, note, _leaf(index))
    with pytest.raises(ReceiptError, match="checkpoint: bad signature"):
        verify_receipt(parse_receipt(forged), verifier, leaf)


def test_receipt_for_another_leaf_fails(
    signer: Signer, verifier: Verifier, tree: MemoryTree
) -> None:
    receipt = parse_receipt(_receipt(signer, tree, 3))
    with pytest.raises(ReceiptError, match="inclusion proof"):
        verify_receipt(receipt, verifier, leaf_hash(_leaf(4)))
    receipt.index = 4
    with pytest.raises(ReceiptError, match="inclusion proof"):
        verify_receipt(receipt, verifier, leaf_hash(_leaf(4)))


def test_receipt_with_flipped_proof_hash_fails(
    signer: Signer, verifier: Verifier, tree: MemoryTree
) -> None:
    receipt = parse_receipt(_receipt(signer, tree, 7))
    receipt.proof[1] = bytes([receipt.proof[1][0] ^ 1]) + receipt.proof[1][1:]
    with pytest.raises(ReceiptError, match="inclusion proof"):
        verify_receipt(receipt, verifier, leaf_hash(_leaf(7)))


def test_receipt_checks_key_and_origin(signer: Signer, tree: MemoryTree) -> None:
    receipt = parse_receipt(_receipt(signer, tree, 2))
    other = Verifier(Signer.generate("PeterNeumann").verifier_key)
    with pytest.raises(ReceiptError, match="checkpoint: the note has no signature"):
        verify_receipt(receipt, other, leaf_hash(_leaf(2)))
    with pytest.raises(ReceiptError, match="checkpoint: checkpoint is for the log"):
        verify_receipt(receipt, Verifier(VKEY), leaf_hash(_leaf(2)), origin="other.example/log")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: t.replace(RECEIPT_HEADER, "c2sp.org/tlog-proof@v2"), "must start with"),
        (lambda t: t.replace("index 4\n", "index 04\n"), "leading zeros"),
        (lambda t: t.replace("index 4\n", "index -4\n"), "invalid leaf index"),
        (lambda t: t.replace("index 4\n", ""), "no 'index <n>' line"),
        (lambda t: t.replace("\nextra ", "\nextra  "), "base64"),
        (lambda t: t.replace("\nindex 4\n", "\nindex 4\nAAAA\n"), "is 3 bytes"),
        (lambda t: t.replace("\nindex 4\n", "\nindex 4\n!!!!\n"), "not valid base64"),
        (lambda t: t.split("\n\n")[0] + "\n", "no empty line"),
        (lambda t: t.split("\n\n")[0] + "\n\n", "no checkpoint"),
        (lambda t: t[:-1], "must end with a newline"),
    ],
)
def test_parse_receipt_is_strict(
    signer: Signer, tree: MemoryTree, mutate: Callable[[str], str], reason: str
) -> None:
    with pytest.raises(ReceiptError, match=reason):
        parse_receipt(mutate(_receipt(signer, tree, 4)))


def test_blank_line_inside_the_proof_cannot_verify(
    signer: Signer, verifier: Verifier, tree: MemoryTree
) -> None:
    text = _receipt(signer, tree, 4).replace("\nindex 4\n", "\nindex 4\n\n")
    receipt = parse_receipt(text)  # the hashes now sit in front of the checkpoint text
    assert receipt.proof == []
    with pytest.raises(ReceiptError, match="checkpoint: bad signature"):
        verify_receipt(receipt, verifier, leaf_hash(_leaf(4)))


def test_parse_receipt_rejects_an_overlong_proof(signer: Signer, tree: MemoryTree) -> None:
    text = format_receipt(0, [], _note(signer, tree, 1), None)
    head, note = text.split("\n\n", 1)
    padded = head + "\n" + (base64.b64encode(bytes(32)).decode() + "\n") * 65 + "\n" + note
    with pytest.raises(ReceiptError, match="more than 64"):
        parse_receipt(padded)


def test_format_receipt_validates_inputs(signer: Signer, tree: MemoryTree) -> None:
    note = _note(signer, tree, 1)
    with pytest.raises(ReceiptError):
        format_receipt(-1, [], note, None)
    with pytest.raises(ReceiptError):
        format_receipt(0, [b"short"], note, None)
    with pytest.raises(ReceiptError):
        format_receipt(0, [], note, b"")
    with pytest.raises(ReceiptError):
        format_receipt(0, [], note.rstrip("\n"), None)


# --- leaf encoding ------------------------------------------------------------------------------


def test_encode_leaf_layout() -> None:
    data = encode_leaf("deposit", [("number", "益企证〔2026〕第000001号"), ("sha256", "ab" * 32)])
    assert (
        data
        == (
            f"{LEAF_HEADER}\ntype deposit\nnumber 益企证〔2026〕第000001号\nsha256 {'ab' * 32}\n"
        ).encode()
    )
    assert parse_leaf(data) == (
        "deposit",
        {"number": "益企证〔2026〕第000001号", "sha256": "ab" * 32},
    )


def test_leaf_round_trip_keeps_order_and_spaces() -> None:
    fields = [("zeta", "a b  c"), ("alpha-2", " leading space"), ("m9", "x")]
    kind, parsed = parse_leaf(encode_leaf("withdrawal v2", fields))
    assert kind == "withdrawal v2"
    assert list(parsed.items()) == fields


@pytest.mark.parametrize(
    ("kind", "fields", "reason"),
    [
        ("", [], "kind line"),
        ("dep\nosit", [], "control character"),
        ("deposit", [("Number", "1")], "invalid field key"),
        ("deposit", [("1number", "1")], "invalid field key"),
        ("deposit", [("num ber", "1")], "invalid field key"),
        ("deposit", [("type", "x")], "reserved"),
        ("deposit", [("a", "1"), ("a", "2")], "duplicate"),
        ("deposit", [("a", "")], "non-empty"),
        ("deposit", [("a", "x\ny")], "control character"),
        ("deposit", [("a", "x\ry")], "control character"),
        ("deposit", [("a", "x\x85y")], "control character"),
        ("deposit", [("a", "\ud800")], "surrogate"),
    ],
)
def test_encode_leaf_rejects_bad_input(kind: str, fields: list, reason: str) -> None:
    with pytest.raises(LeafError, match=reason):
        encode_leaf(kind, fields)


GOOD = f"{LEAF_HEADER}\ntype deposit\nnumber 1\n".encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (GOOD[:-1], "end with a newline"),
        (GOOD.replace(b"v1", b"v2"), "must start with"),
        (b"\xef\xbb\xbf" + GOOD, "must start with"),
        (GOOD.replace(b"type deposit", b"kind deposit"), "second line"),
        (f"{LEAF_HEADER}\n".encode(), "second line"),
        (GOOD.replace(b"type deposit", b"type "), "kind line"),
        (GOOD + b"number 2\n", "duplicate"),
        (GOOD + b"lonely\n", "not '<key> <value>'"),
        (GOOD + b"\n", "not '<key> <value>'"),
        (GOOD + b"Key v\n", "invalid field key"),
        (GOOD + b"k v\r\n", "control character"),
        (GOOD + b"k \xff\n", "UTF-8"),
        (GOOD + b"k \xc0\xaf\n", "UTF-8"),  # overlong encoding of "/"
        (GOOD.replace(b"\n", b"\r\n"), "must start with"),
    ],
)
def test_parse_leaf_is_strict(data: bytes, reason: str) -> None:
    with pytest.raises(LeafError, match=reason):
        parse_leaf(data)
