"""C2SP signed notes and checkpoints: the sumdb KAT byte for byte, strict parsing, rejection."""

from __future__ import annotations

import base64

import pytest

from evidence.tlog.note import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    NoteError,
    Signer,
    Verifier,
    checkpoint_text,
    open_checkpoint,
    parse_checkpoint,
)

# Source D: golang.org/x/mod sumdb/note package documentation (public test key; tests only).
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
SIGNED = (
    TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqd"
    "ngotpRZb6KE6RyyBwJnAM=\n"
)

# EVIDENCE.md §2.7: checkpoint over the 8-leaf transparency-dev test tree.
ROOT_B64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
ROOT8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
CHECKPOINT_NOTE = (
    "yiqizheng.example/log/test\n"
    "8\n"
    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    "\n"
    "— PeterNeumann x08go0mrRi8r+sgxnVToXRcz0zvLR9gtsR/7ZzsqBK62Ki6VU91bVoJrUCrxPEwntf0BdWYHzku"
    "gPB/mI2E8+30mtwU=\n"
)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_private_key(SKEY)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(VKEY)


def _signature_line(name: str, blob: bytes) -> str:
    return f"— {name} {base64.b64encode(blob).decode()}\n"


# --- keys ---------------------------------------------------------------------------------------


def test_signer_key_matches_published_verifier_key(signer: Signer) -> None:
    assert signer.name == "PeterNeumann"
    assert signer.key_id == 0xC74F20A3
    assert signer.private_key == SKEY
    assert signer.verifier_key == VKEY


def test_verifier_key_parses(verifier: Verifier) -> None:
    assert verifier.name == "PeterNeumann"
    assert verifier.key_id == 0xC74F20A3


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # uppercase id
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # truncated key
        "PeterNeumann+c74f20a3+AhpccQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not Ed25519
        "PeterNeumann+c74f20a3",
        "",
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        SKEY.removeprefix("PRIVATE+KEY+"),
        SKEY.replace("c74f20a3", "c74f20a4"),
        SKEY.replace("PeterNeumann", "Peter+Neumann"),
        SKEY[:-4],
    ],
)
def test_malformed_signer_keys_are_rejected(skey: str) -> None:
    with pytest.raises(NoteError):
        Signer.from_private_key(skey)


def test_generated_signer_round_trips() -> None:
    signer = Signer.generate("yiqizheng.example/log/dev")
    again = Signer.from_private_key(signer.private_key)
    assert again.verifier_key == signer.verifier_key
    assert Verifier(signer.verifier_key).verify(again.sign("hello\n")) == "hello\n"
    assert Signer.generate("yiqizheng.example/log/dev").verifier_key != signer.verifier_key


# --- signing and verifying ------------------------------------------------------------------------


def test_sumdb_known_answer_byte_for_byte(signer: Signer) -> None:
    assert signer.sign(TEXT) == SIGNED


def test_known_answer_verifies(verifier: Verifier) -> None:
    assert verifier.verify(SIGNED) == TEXT


@pytest.mark.parametrize("position", [0, 10, len(TEXT) - 2])
def test_one_character_tamper_in_text_is_rejected(verifier: Verifier, position: int) -> None:
    replacement = "X" if SIGNED[position] != "X" else "Y"
    tampered = SIGNED[:position] + replacement + SIGNED[position + 1 :]
    with pytest.raises(NoteError, match="bad signature"):
        verifier.verify(tampered)


def test_tampered_signature_is_rejected(verifier: Verifier) -> None:
    head, sig = SIGNED.rsplit(" ", 1)
    blob = bytearray(base64.b64decode(sig))
    blob[10] ^= 0x01
    with pytest.raises(NoteError, match="bad signature"):
        verifier.verify(head + " " + base64.b64encode(bytes(blob)).decode() + "\n")


def test_unknown_signatures_are_ignored(signer: Signer, verifier: Verifier) -> None:
    witness = Signer.generate("witness.example/w1")
    impostor = Signer.generate("PeterNeumann")  # same name, different key id
    note = signer.sign(TEXT) + witness.signature_line(TEXT) + impostor.signature_line(TEXT)
    assert verifier.verify(note) == TEXT
    # A line that claims the right name and id but is garbage still rejects the note.
    forged = note + _signature_line("PeterNeumann", (0xC74F20A3).to_bytes(4, "big") + b"x" * 64)
    with pytest.raises(NoteError, match="bad signature"):
        verifier.verify(forged)


def test_note_signed_only_by_others_is_rejected(verifier: Verifier) -> None:
    other = Signer.generate("PeterNeumann")
    with pytest.raises(NoteError, match="no signature by the key PeterNeumann"):
        verifier.verify(other.sign(TEXT))


def test_signature_count_limit(signer: Signer, verifier: Verifier) -> None:
    extra = [Signer.generate(f"witness{i}.example").signature_line(TEXT) for i in range(16)]
    at_limit = signer.sign(TEXT) + "".join(extra[: MAX_SIGNATURES - 1])
    assert verifier.verify(at_limit) == TEXT
    with pytest.raises(NoteError, match="more than 16"):
        verifier.verify(at_limit + extra[-1])


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (TEXT + "— PeterNeumann AAAA\n", "no blank line"),
        (SIGNED[:-1], "end with a newline"),
        (SIGNED.replace("answer", "ans\twer"), "control character"),
        (SIGNED.replace("answer", "ans\rwer"), "control character"),
        (SIGNED.replace("— PeterNeumann", "- PeterNeumann"), "must start with"),
        (SIGNED.replace("— PeterNeumann ", "— PeterNeumann  "), "base64"),
        (TEXT + "\n— PeterNeumann AAAA\n", "too short"),
        (TEXT + "\n— PeterNeumann\n", "not '— name sig'"),
        (TEXT + "\n", "no signature lines"),
        (SIGNED + "\n", "no signature lines"),
    ],
)
def test_malformed_notes_are_rejected(verifier: Verifier, note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        verifier.verify(note)


def test_non_canonical_signature_base64_is_rejected(verifier: Verifier) -> None:
    # "N=" decodes to the same bytes as "M=" but sets a padding bit: not the canonical encoding.
    sig = SIGNED.rsplit(" ", 1)[1].rstrip("\n")
    assert sig.endswith("AM=")
    with pytest.raises(NoteError, match="canonical"):
        verifier.verify(SIGNED.replace(sig, sig[:-2] + "N="))


def test_sign_rejects_invalid_text(signer: Signer) -> None:
    with pytest.raises(NoteError, match="newline"):
        signer.sign("no newline")
    with pytest.raises(NoteError, match="control character"):
        signer.sign("bell\a\n")
    with pytest.raises(NoteError, match="UTF-8"):
        signer.sign("\ud800\n")


def test_note_text_may_contain_blank_lines(signer: Signer, verifier: Verifier) -> None:
    text = "first\n\nthird\n"
    assert verifier.verify(signer.sign(text)) == text


# --- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_example_reproduces_byte_for_byte(signer: Signer) -> None:
    assert signer.sign(checkpoint_text("yiqizheng.example/log/test", 8, ROOT8)) == CHECKPOINT_NOTE


def test_open_checkpoint(verifier: Verifier) -> None:
    checkpoint = open_checkpoint(CHECKPOINT_NOTE, verifier, origin="yiqizheng.example/log/test")
    assert checkpoint == Checkpoint("yiqizheng.example/log/test", 8, ROOT8, ())
    assert checkpoint.text() == CHECKPOINT_NOTE.split("\n\n")[0] + "\n"


def test_open_checkpoint_checks_origin(verifier: Verifier) -> None:
    with pytest.raises(CheckpointError, match=r"expected 'yiqizheng\.example/log/v1'"):
        open_checkpoint(CHECKPOINT_NOTE, verifier, origin="yiqizheng.example/log/v1")


def test_open_checkpoint_verifies_before_parsing(verifier: Verifier) -> None:
    tampered = CHECKPOINT_NOTE.replace("\n8\n", "\n9\n")
    with pytest.raises(NoteError, match="bad signature") as info:
        open_checkpoint(tampered, verifier)
    assert not isinstance(info.value, CheckpointError)


def test_signed_but_malformed_checkpoint_is_rejected(signer: Signer, verifier: Verifier) -> None:
    note = signer.sign(f"yiqizheng.example/log/test\n08\n{ROOT_B64}\n")
    with pytest.raises(CheckpointError, match="leading zeros"):
        open_checkpoint(note, verifier)


def test_checkpoint_extensions_round_trip() -> None:
    text = checkpoint_text("log.example", 0, bytes(32), ("ext one", "ext-two"))
    assert parse_checkpoint(text) == Checkpoint("log.example", 0, bytes(32), ("ext one", "ext-two"))


@pytest.mark.parametrize(
    "text",
    [
        f"log\n8\n{ROOT_B64}",  # no final newline
        f"log\n8\n{ROOT_B64}\n\n",  # empty extension line
        "log\n8\n",  # no root
        f"\n8\n{ROOT_B64}\n",  # empty origin
        f"log\n08\n{ROOT_B64}\n",  # leading zero
        f"log\n+8\n{ROOT_B64}\n",
        f"log\n 8\n{ROOT_B64}\n",
        f"log\n-1\n{ROOT_B64}\n",
        f"log\n８\n{ROOT_B64}\n",  # fullwidth digit
        f"log\n18446744073709551616\n{ROOT_B64}\n",  # 2**64
        "log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==\n",  # 31 bytes
        "log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n",  # non-canonical
        "log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n",  # URL alphabet
        f"log\n8\n{ROOT_B64}\r\n",
    ],
)
def test_parse_checkpoint_is_strict(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_checkpoint_text_validates_inputs() -> None:
    with pytest.raises(CheckpointError):
        checkpoint_text("", 1, bytes(32))
    with pytest.raises(CheckpointError):
        checkpoint_text("a\nb", 1, bytes(32))
    with pytest.raises(CheckpointError):
        checkpoint_text("log", -1, bytes(32))
    with pytest.raises(CheckpointError):
        checkpoint_text("log", 1, bytes(31))
