"""The offline verifier ``python -m evidence.verify``: verdicts, exit codes, no Django."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.tlog.leaf import encode_leaf
from evidence.tlog.merkle import MemoryTree
from evidence.tlog.note import Signer, checkpoint_text
from evidence.tlog.proof import format_receipt
from evidence.verify import main

REPO = Path(__file__).resolve().parents[2]
# The public sumdb test key (golang.org/x/mod sumdb/note); tests only.
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ORIGIN = "yiqizheng.example/log/test"
CONTENT = b"product photo bytes\n" * 70_000  # > 1 MiB: the file is hashed in several chunks
NUMBER = "益企证〔2026〕第000003号"
TIME = "2026-03-01T02:11:09.123456Z"
INDEX = 2
SIZE = 6


def _leaf(sha256: str, number: str = NUMBER) -> bytes:
    return encode_leaf(
        "deposit",
        [("number", number), ("kind", "file"), ("sha256", sha256), ("time", TIME)],
    )


@pytest.fixture
def case(tmp_path: Path) -> dict[str, Path | str | bytes]:
    """A log of SIZE leaves, a signed checkpoint and the receipt of the deposit at INDEX."""
    signer = Signer.from_private_key(SKEY)
    digest = hashlib.sha256(CONTENT).hexdigest()
    leaf = _leaf(digest)
    tree = MemoryTree()
    for n in range(SIZE):
        tree.append(leaf if n == INDEX else _leaf(hashlib.sha256(b"%d" % n).hexdigest(), f"N{n}"))
    note = signer.sign(checkpoint_text(ORIGIN, SIZE, tree.root()))
    receipt = tmp_path / "evidence-2.tlog-proof"
    receipt.write_text(format_receipt(INDEX, tree.inclusion_proof(INDEX), note, leaf), "utf-8")
    file = tmp_path / "photo.png"
    file.write_bytes(CONTENT)
    key = tmp_path / "log.pub"
    key.write_text(VKEY + "\n", "utf-8")
    return {"receipt": receipt, "file": file, "key": key, "sha256": digest}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_good_receipt_and_file_verify(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(case["receipt"]), str(case["file"]), "--key", str(case["key"]))
    assert code == 0
    lines = out.splitlines()
    assert f"存证编号：{NUMBER}" in lines
    assert f"Record number: {NUMBER}" in lines
    assert f"Deposit time: {TIME}" in lines
    assert f"Ledger index: {INDEX}" in lines
    assert f"Tree size: {SIZE}" in lines
    assert f"SHA-256: {case['sha256']}" in lines
    assert "File hash: matches" in lines
    assert lines[-2:] == ["结论：验证通过", "Result: VERIFIED"]
    # Bilingual: every English line follows its Chinese line.
    assert lines.index(f"Record number: {NUMBER}") == lines.index(f"存证编号：{NUMBER}") + 1


def test_key_string_and_origin_without_file(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(case["receipt"]), "--key", VKEY, "--origin", ORIGIN)
    assert code == 0
    assert "File: not given, file hash not checked" in out
    assert "Result: VERIFIED" in out


def test_different_file_fails(
    case: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.png"
    other.write_bytes(CONTENT + b"!")
    code, out, _ = _run(capsys, str(case["receipt"]), str(other), "--key", VKEY)
    assert code == 1
    assert "Result: FAILED (file hash)" in out
    assert hashlib.sha256(CONTENT + b"!").hexdigest() in out
    assert "验证失败（文件哈希）" in out


def test_tampered_leaf_in_receipt_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    receipt: Path = case["receipt"]
    text = receipt.read_text("utf-8")
    forged = base64.b64encode(_leaf(case["sha256"], number="益企证〔2025〕第000001号")).decode()
    original = base64.b64encode(_leaf(case["sha256"])).decode()
    receipt.write_text(text.replace(original, forged), "utf-8")
    code, out, _ = _run(capsys, str(receipt), str(case["file"]), "--key", VKEY)
    assert code == 1
    assert "Result: FAILED (inclusion proof)" in out
    assert "VERIFIED" not in out


def test_tampered_checkpoint_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    receipt: Path = case["receipt"]
    receipt.write_text(receipt.read_text("utf-8").replace(f"\n{SIZE}\n", f"\n{SIZE + 1}\n"))
    code, out, _ = _run(capsys, str(receipt), str(case["file"]), "--key", VKEY)
    assert code == 1
    assert "Result: FAILED (checkpoint signature): bad signature" in out


def test_malformed_receipt_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    receipt: Path = case["receipt"]
    receipt.write_text(receipt.read_text("utf-8").replace(f"index {INDEX}", f"index 0{INDEX}"))
    code, out, _ = _run(capsys, str(receipt), "--key", VKEY)
    assert code == 1
    assert "Result: FAILED (receipt format)" in out


def test_receipt_without_leaf_data_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    receipt: Path = case["receipt"]
    text = receipt.read_text("utf-8")
    receipt.write_text("\n".join(line for line in text.split("\n") if not line.startswith("extra")))
    code, out, _ = _run(capsys, str(receipt), "--key", VKEY)
    assert code == 1
    assert "carries no leaf data" in out


def test_wrong_key_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    impostor = Signer.generate("PeterNeumann").verifier_key
    code, out, _ = _run(capsys, str(case["receipt"]), str(case["file"]), "--key", impostor)
    assert code == 1
    assert "Result: FAILED (checkpoint signature): the note has no signature" in out


def test_wrong_origin_fails(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(case["receipt"]), "--key", VKEY, "--origin", "other/log")
    assert code == 1
    assert "Result: FAILED (checkpoint signature): checkpoint is for the log" in out


def test_missing_file_is_a_usage_error(
    case: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.png"
    code, out, err = _run(capsys, str(case["receipt"]), str(missing), "--key", VKEY)
    assert code == 2
    assert "missing.png" in err
    assert "VERIFIED" not in out


def test_missing_receipt_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, str(tmp_path / "nope.tlog-proof"), "--key", VKEY)
    assert code == 2
    assert "cannot read the receipt" in err


def test_invalid_key_is_a_usage_error(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(case["receipt"]), "--key", "no-such-key-file.pub")
    assert code == 2
    assert "neither a key file nor a valid verifier key" in err


def test_missing_key_option_is_a_usage_error(
    case: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([str(case["receipt"])])
    assert info.value.code == 2


def test_module_runs_as_a_script(case: dict) -> None:
    argv = [
        "-m",
        "evidence.verify",
        str(case["receipt"]),
        str(case["file"]),
        "--key",
        str(case["key"]),
    ]
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Result: VERIFIED" in result.stdout


def test_verifier_does_not_import_django() -> None:
    code = (
        "import evidence.verify, sys; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
