"""Offline verifier for 益企证 receipts (存证回执离线验证).

Usage::

    python -m evidence.verify RECEIPT [FILE] --key KEY [--origin ORIGIN]

RECEIPT is a ``.tlog-proof`` file; FILE is the deposited file (optional); KEY is the log's
verifier key (``name+id+base64``) or a path to a file containing it. The checks, in order:

1. the receipt is well formed and carries the leaf input as its ``extra`` data;
2. the leaf input is a well-formed leaf (:mod:`evidence.tlog.leaf`);
3. the checkpoint is signed by KEY (and is for ORIGIN when given);
4. the leaf is included in the tree of the checkpoint's size and root;
5. when FILE is given, its SHA-256 equals the leaf's ``sha256`` field.

Exit status: 0 when every check passes, 1 when a check fails (the output names it), 2 on
usage or I/O errors. Only the standard library and ``cryptography`` are needed, so parties,
courts and mediators can run it without the web application (no Django import).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from evidence.tlog.leaf import LeafError, parse_leaf
from evidence.tlog.merkle import ProofError, leaf_hash
from evidence.tlog.note import NoteError, Verifier
from evidence.tlog.proof import ReceiptError, parse_receipt, verify_receipt

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
CHUNK_SIZE = 1024 * 1024
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class UsageError(Exception):
    """Bad arguments or unreadable input: exit status 2, nothing was verified."""


class CheckFailed(Exception):
    """A verification check failed: exit status 1."""

    def __init__(self, check_zh: str, check_en: str, detail: str) -> None:
        super().__init__(f"{check_en}: {detail}")
        self.check_zh = check_zh
        self.check_en = check_en
        self.detail = detail


def _say(zh: str, en: str) -> None:
    print(zh)
    print(en)


def _load_verifier(key: str) -> Verifier:
    """Accept the key itself or a file holding it, so keys can be pasted or distributed."""
    path = Path(key)
    if path.is_file():
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the key file {path}: {exc}") from None
    try:
        return Verifier(key)
    except NoteError as exc:
        raise UsageError(f"--key is neither a key file nor a valid verifier key: {exc}") from None


def _read_receipt(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the receipt {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckFailed("回执格式", "receipt format", "the receipt is not UTF-8 text") from None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
    except OSError as exc:
        raise UsageError(f"cannot read the file {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _verify(args: argparse.Namespace) -> int:
    verifier = _load_verifier(args.key)
    receipt_path = Path(args.receipt)
    file_path = Path(args.file) if args.file else None
    if file_path is not None and not file_path.is_file():
        raise UsageError(f"the file {file_path} does not exist or is not a regular file")
    text = _read_receipt(receipt_path)

    try:
        receipt = parse_receipt(text)
    except ReceiptError as exc:
        raise CheckFailed("回执格式", "receipt format", str(exc)) from None
    if receipt.extra is None:
        raise CheckFailed("回执格式", "receipt format", "the receipt carries no leaf data (extra)")
    try:
        kind, fields = parse_leaf(receipt.extra)
    except LeafError as exc:
        raise CheckFailed("存证数据", "leaf data", str(exc)) from None

    try:
        checkpoint = verify_receipt(receipt, verifier, leaf_hash(receipt.extra), args.origin)
    except ReceiptError as exc:
        if isinstance(exc.__cause__, ProofError):
            raise CheckFailed("包含证明", "inclusion proof", str(exc.__cause__)) from None
        raise CheckFailed("检查点签名", "checkpoint signature", str(exc.__cause__ or exc)) from None

    number = fields.get("number", "-")
    when = fields.get("time", "-")
    recorded = fields.get("sha256", "-")
    _say(f"记录类型：{kind}", f"Record type: {kind}")
    _say(f"存证编号：{number}", f"Record number: {number}")
    _say(f"存证时间：{when}", f"Deposit time: {when}")
    _say(f"账本序号：{receipt.index}", f"Ledger index: {receipt.index}")
    _say(f"账本大小：{checkpoint.size}", f"Tree size: {checkpoint.size}")
    _say(f"账本：{checkpoint.origin}", f"Log: {checkpoint.origin}")
    _say(f"SHA-256：{recorded}", f"SHA-256: {recorded}")
    _say(
        "签名与包含证明：通过（该记录已写入签名账本）",
        "Signature and inclusion proof: OK (the record is in the signed ledger)",
    )

    if file_path is None:
        _say("文件：未提供，未比对文件哈希", "File: not given, file hash not checked")
    else:
        if not _SHA256_HEX.fullmatch(recorded):
            raise CheckFailed("文件哈希", "file hash", "the record has no valid sha256 field")
        actual = _file_sha256(file_path)
        if actual != recorded:
            raise CheckFailed(
                "文件哈希",
                "file hash",
                f"the file's SHA-256 is {actual}, the record says {recorded}",
            )
        _say("文件哈希：一致", "File hash: matches")
    _say("结论：验证通过", "Result: VERIFIED")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evidence.verify",
        description="离线验证益企证存证回执 / Verify a Yiqizheng evidence receipt offline.",
    )
    parser.add_argument("receipt", metavar="RECEIPT", help="receipt file (.tlog-proof)")
    parser.add_argument("file", metavar="FILE", nargs="?", help="the deposited file (optional)")
    parser.add_argument(
        "--key", required=True, help="the log's verifier key, or a file containing it"
    )
    parser.add_argument("--origin", help="expected log origin (checkpoint first line)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the verifier and return the exit status (argparse itself exits 2 on bad usage)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            # A non-UTF-8 console must not turn a verdict into a crash.
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    try:
        return _verify(args)
    except CheckFailed as exc:
        _say(
            f"结论：验证失败（{exc.check_zh}）",
            f"Result: FAILED ({exc.check_en}): {exc.detail}",
        )
        return EXIT_FAILED
    except UsageError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
