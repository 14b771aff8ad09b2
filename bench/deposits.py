"""The evidence depositor of the load test (``bench/load.py``): a service-point clerk who
deposits on a fixed schedule through the API and the deposit form, then reads every deposit
back. Separate so that issue 9's runner can deposit alongside its own clients."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.common import API, DEMO_PASSWORD, HttpSession, Recorder, multipart_body, timed

DEPOSITOR = "servicepoint"  # the demo's service-point clerk


@dataclass
class Deposit:
    kind: str
    sha256: str
    record_id: int | None = None
    late_seconds: float = 0.0
    verified: bool = False
    problem: str = ""


class Depositor:
    """The service-point clerk: one deposit every 1/rate seconds, alternating API text, API
    file (token auth, like an integration) and the web form with a file (session + CSRF).

    Open loop: deposits arrive on schedule whether or not the previous one was answered (each
    on its own connection, at most ``max_in_flight`` at once), as deposits at many service
    points would; a slow server therefore meets concurrent writers instead of fewer deposits.
    """

    KINDS = ("deposit_api_text", "deposit_api_file", "deposit_form_file")

    def __init__(self, host: str, port: int, timeout: float, max_in_flight: int = 8) -> None:
        self.web = HttpSession(host, port, timeout)
        self.api = HttpSession(host, port, timeout)
        self.max_in_flight = max_in_flight
        self.deposits: list[Deposit] = []
        self.enterprise = self.service_point = 0

    def setup(self) -> None:
        self.web.login(DEPOSITOR, DEMO_PASSWORD)
        self.api.api_token(DEPOSITOR, DEMO_PASSWORD)
        records = self.api.get("/api/v1/evidence-records/?page_size=1", API).json()["results"]
        if not records:
            raise RuntimeError("the service point sees no evidence record to deposit like")
        self.enterprise = records[0]["depositor"]["id"]
        self.service_point = records[0]["service_point"]["id"]

    def run(self, recorder: Recorder, rate: float, start: threading.Event) -> None:
        start.wait()
        t0 = time.monotonic()
        in_flight: list[threading.Thread] = []
        count = 0
        while True:
            due = t0 + count / rate
            if recorder.stopped.wait(max(0.0, due - time.monotonic())):
                break
            in_flight = [thread for thread in in_flight if thread.is_alive()]
            if len(in_flight) >= self.max_in_flight:
                in_flight.pop(0).join()
            if not recorder.claim():
                break
            kind = self.KINDS[count % len(self.KINDS)]
            late = time.monotonic() - due
            thread = threading.Thread(target=self.deposit, args=(recorder, kind, late))
            thread.start()
            in_flight.append(thread)
            count += 1
        for thread in in_flight:
            thread.join()

    def deposit(self, recorder: Recorder, kind: str, late: float) -> None:
        tag = uuid.uuid4().hex
        fields = {
            "depositor": str(self.enterprise),
            "title": f"负载测试 {kind} {tag[:8]}",
            "category": "other" if kind == "deposit_api_text" else "transaction",
        }
        if kind == "deposit_api_text":
            content = f"负载测试存证文本 {tag}\n" * 8
            fields |= {"kind": "text", "text": content}
            files = None
            data = content.encode()
        else:
            data = (
                "日期,商品,数量,金额\n" + f"2026-12-01,平和琯溪蜜柚,{len(tag)},{tag}\n" * 40
            ).encode()
            fields["kind"] = "file"
            files = {"file": (f"sales-{tag[:8]}.csv", data, "text/csv")}
        record = Deposit(kind, hashlib.sha256(data).hexdigest(), late_seconds=max(0.0, late))
        self.deposits.append(record)
        web, api = self.web.clone(), self.api.clone()  # one connection per deposit in flight
        try:
            self._send(recorder, record, fields, files, web, api)
        finally:
            web.close()
            api.close()

    def _send(
        self,
        recorder: Recorder,
        record: Deposit,
        fields: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None,
        web: HttpSession,
        api: HttpSession,
    ) -> None:
        kind = record.kind
        if kind == "deposit_form_file":
            fields |= {
                "csrfmiddlewaretoken": web.csrf_token,
                "service_point": str(self.service_point),
            }
            content_type, body = multipart_body(fields, files)
            answer = timed(
                recorder, kind, 302, lambda: web.post("/evidence/deposit/", body, content_type)
            )
            match = (
                re.search(r"/evidence/(\d+)/", answer.headers.get("location", ""))
                if answer
                else None
            )
            record.record_id = int(match.group(1)) if match and answer.status == 302 else None
        else:
            content_type, body = multipart_body(fields, files)
            answer = timed(
                recorder,
                kind,
                201,
                lambda: api.post("/api/v1/evidence-records/", body, content_type, API),
            )
            record.record_id = answer.json()["id"] if answer and answer.status == 201 else None
        if record.record_id is None:
            record.problem = f"no record: status {answer.status if answer else 'no answer'}"

    def verify(self) -> None:
        """Read every deposit back through the API: it exists and holds the same bytes."""
        for record in self.deposits:
            if record.record_id is None:
                continue
            answer = self.api.get(f"/api/v1/evidence-records/{record.record_id}/", API)
            if answer.status != 200:
                record.problem = f"read back: status {answer.status}"
                continue
            data = answer.json()
            if data["sha256"] != record.sha256:
                record.problem = "read back: another SHA-256"
            elif not data["number"]:
                record.problem = "read back: no record number"
            else:
                record.verified = True


def deposit_summary(deposits: list[Deposit]) -> dict[str, Any]:
    late = [d.late_seconds for d in deposits]
    return {
        "attempted": len(deposits),
        "stored": sum(1 for d in deposits if d.record_id is not None),
        "verified": sum(1 for d in deposits if d.verified),
        "problems": [f"{d.kind}: {d.problem}" for d in deposits if d.problem][:20],
        "started_late_over_1s": sum(1 for value in late if value > 1),
        "max_late_s": round(max(late, default=0.0), 2),
    }
