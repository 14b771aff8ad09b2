"""Benchmark: a 1 GiB evidence deposit through the full Django stack (issue 6, part 12).

    .venv/bin/python bench/evidence_upload.py [--size-mib 1024] [--reps 3] [--dir /dev/shm]

What it measures: one multipart POST of a file to ``/evidence/deposit/`` through
``WSGIHandler`` — every middleware (CSRF reads the body, so the multipart parse happens there),
the streaming ``HashingUploadHandler`` (SHA-256 while the body arrives), the form, the deposit
service (store by rename into the content-addressed store, number, ledger append) and the
redirect — logged in as a service-point clerk by a session cookie. The body is generated on the
fly by a ``wsgi.input`` object, so the benchmark itself never holds more than 1 MiB of it.

Reported per repetition: wall time of the request and peak RSS growth (``ru_maxrss`` after
minus before, in MiB; the database is migrated by a child process so that its peak does
not hide the request's). Goal (issue 6): ≤ 1.5 s and ≤ 64 MiB for 1 GiB.

Everything lives in a throwaway directory (default: under /dev/shm, so disk writeback does not
dominate, as in shared EVIDENCE.md §3.3): a fresh SQLite database, the evidence store, the
upload temp directory and a fresh signing key. Nothing in var/ is touched; the directory is
removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
BLOCK = MIB


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def rss_mib() -> float:
    """The current RSS (Linux), to show the peak before a request is not a stale high."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


class MultipartBody(io.RawIOBase):
    """A ``wsgi.input`` that produces ``head + file content + tail`` on demand; the content is
    one random 1 MiB block repeated (a PNG signature first, so the type sniffing agrees)."""

    def __init__(self, head: bytes, block: bytes, blocks: int, tail: bytes) -> None:
        super().__init__()
        self._parts = iter([head, *([block] * blocks), tail])
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._buffer = memoryview(part)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def multipart(fields: dict[str, str], file_name: str, boundary: str) -> tuple[bytes, bytes]:
    """The parts before and after the file's bytes."""
    lines = []
    for name, value in fields.items():
        lines.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    lines.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
        "\r\nContent-Type: image/png\r\n\r\n"
    )
    return "".join(lines).encode("utf-8"), f"\r\n--{boundary}--\r\n".encode("ascii")


def configure(workdir: Path) -> None:
    """Point every path at the throwaway directory before Django reads its settings."""
    sys.path.insert(0, str(BASE_DIR))
    from evidence.tlog.note import Signer

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "zhangzhou_ip.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "EVIDENCE_ROOT": str(workdir / "store"),
            "FILE_UPLOAD_TEMP_DIR": str(workdir / "uploads"),
            "EVIDENCE_SIGNING_KEY": Signer.generate("bench.example/yiqizheng").private_key,
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def migrate() -> None:
    """In a child process: migrating peaks far above a request, and ``ru_maxrss`` only ever
    grows, so doing it here would hide the request's own peak."""
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "migrate", "-v0"], check=True)


def make_world() -> tuple[Any, Any, Any]:
    """Create a service point, an enterprise and its clerk in the migrated database."""
    from django.contrib.auth import get_user_model

    from alliance.models import Membership, Organization, Region
    from alliance.validators import uscc_check_character

    region = Region.objects.get(code="350602")
    point = Organization.objects.create(
        kind=Organization.Kind.SERVICE_POINT, name="基准测试服务网点", region=region
    )
    enterprise = Organization.objects.create(
        kind=Organization.Kind.ENTERPRISE,
        name="基准测试企业有限公司",
        region=region,
        uscc="91350602MA0000001" + uscc_check_character("91350602MA0000001"),
        parent=point,
    )
    clerk = get_user_model().objects.create_user("bench-clerk", password=secrets.token_hex(8))
    Membership.objects.create(user=clerk, organization=point, role=Membership.Role.CLERK)
    return point, enterprise, clerk


def session_cookie(user: Any) -> str:
    """A logged-in session, as ``login()`` would have stored it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    backends = settings.AUTHENTICATION_BACKENDS
    # The backend that logs users in (django-rules only answers permissions).
    store[BACKEND_SESSION_KEY] = next(b for b in backends if hasattr(import_string(b), "get_user"))
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def deposit_once(handler: Any, cookies: str, body: MultipartBody, boundary: str, length: int):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/evidence/deposit/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_ORIGIN": "https://localhost",
        "HTTP_REFERER": "https://localhost/evidence/deposit/",
        "HTTP_COOKIE": cookies,
        "HTTP_ACCEPT_LANGUAGE": "en",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(length),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": body,
        "wsgi.url_scheme": "https",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    headers: list[tuple[str, str]] = []

    def start_response(s: str, h: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(s)
        headers.extend(h)

    response = handler(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()
    return status[0], dict(headers), content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--dir", default="/dev/shm", help="where the throwaway files go")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="zzip-bench-upload-", dir=args.dir))
    try:
        configure(workdir)
        migrate()
        from django.core.handlers.wsgi import WSGIHandler

        from evidence.models import EvidenceRecord, blob_storage_name
        from evidence.services import evidence_storage

        point, enterprise, clerk = make_world()
        handler = WSGIHandler()
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        cookies = f"sessionid={session_cookie(clerk)}; csrftoken={csrf}"
        fields = {
            "csrfmiddlewaretoken": csrf,
            "kind": "file",
            "depositor": str(enterprise.pk),
            "service_point": str(point.pk),
            "title": "1 GiB benchmark deposit",
            "category": "product",
        }
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {workdir}")
        times, growths = [], []
        # Rep 0 (1 MiB, not reported) warms up lazy imports, templates and connections.
        for rep in range(args.reps + 1):
            size_mib = args.size_mib if rep else 1
            # A different block per repetition: each deposit stores new content.
            block = b"\x89PNG\r\n\x1a\n" + os.urandom(BLOCK - 8)
            expected = hashlib.sha256()
            for _ in range(size_mib):
                expected.update(block)
            boundary = f"----zzip-bench-{uuid.uuid4().hex}"
            head, tail = multipart(fields, f"bench-{rep}.png", boundary)
            length = len(head) + BLOCK * size_mib + len(tail)
            body = MultipartBody(head, block, size_mib, tail)

            current, before = rss_mib(), maxrss_mib()
            started = time.perf_counter()
            status, headers, content = deposit_once(handler, cookies, body, boundary, length)
            elapsed = time.perf_counter() - started
            growth = maxrss_mib() - before

            record = EvidenceRecord.objects.order_by("-ledger_index").first()
            if not status.startswith("302") or record is None:
                raise SystemExit(f"deposit failed: {status} {content[:500]!r}")
            if record.sha256 != expected.hexdigest() or record.size != size_mib * MIB:
                raise SystemExit(f"wrong content stored for {record.number}")
            # Free the stored GiB: on a VM, writing into never-touched guest memory is several
            # times slower than reusing freed pages, which would skew later repetitions.
            evidence_storage().delete(blob_storage_name(record.sha256))
            if not rep:
                continue
            times.append(elapsed)
            growths.append(growth)
            print(
                f"rep {rep}: {size_mib} MiB in {elapsed:.2f} s "
                f"({size_mib / elapsed:.0f} MiB/s), peak RSS growth {growth:.1f} MiB "
                f"(RSS {current:.0f} MiB, peak so far {before:.0f} MiB before), "
                f"{record.number} → {headers.get('Location')}"
            )
        times.sort()
        print(
            f"median {times[len(times) // 2]:.2f} s, peak RSS growth {max(growths):.1f} MiB "
            "(goal ≤ 1.5 s and ≤ 64 MiB per GiB; ru_maxrss is the process peak, so later "
            "repetitions only show growth beyond the first)"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
