"""JSON log lines (LOG_FORMAT=json, the production default): one object per line with the
request id, and resident ID numbers masked everywhere in it — message, extras (Django's
``request``), traceback."""

from __future__ import annotations

import io
import json
import logging

from tests.deploy.helpers import PRODUCTION, clean_env, run_python
from zhangzhou_ip.core.logging import JsonFormatter, MaskPersonalIds

ID, MASKED = "35060219850612453X", "350602********453X"


def test_a_request_logs_json_with_its_id_and_no_id_number(tmp_path):
    """The real settings with DEBUG=0: a 404 whose path and query carry an ID number is logged
    by django.request inside the request, a line outside any request follows."""
    code = f"""
import logging, os
os.environ["DJANGO_SETTINGS_MODULE"] = "zhangzhou_ip.settings"
import django
django.setup()
from django.test import Client
response = Client().get(
    "/no-such-page/{ID}/", {{"q": "{ID}"}}, secure=True, HTTP_X_REQUEST_ID="req-404-test"
)
print(response.status_code, response["X-Request-ID"])
logging.getLogger("zhangzhou_ip.deploy_test").warning("outside a request: %s", "{ID}")
"""
    result = run_python(
        code,
        clean_env(
            **{**PRODUCTION, "ALLOWED_HOSTS": "testserver"},
            DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            EVIDENCE_ROOT=str(tmp_path / "evidence"),
            FILE_UPLOAD_TEMP_DIR=str(tmp_path / "uploads"),
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "req-404-test"]
    assert ID not in result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["level"] == "WARNING"
    assert not_found["request_id"] == "req-404-test"
    assert not_found["message"] == f"Not Found: /no-such-page/{MASKED}/"
    assert not_found["request"] == f"<WSGIRequest: GET '/no-such-page/{MASKED}/?q={MASKED}'>"
    assert not_found["status_code"] == 404
    assert not_found["time"].endswith("+00:00")
    outside = next(line for line in lines if line["logger"] == "zhangzhou_ip.deploy_test")
    assert outside["request_id"] is None
    assert outside["message"] == f"outside a request: {MASKED}"


def test_tracebacks_and_extras_are_masked():
    """python-json-logger formats the traceback again from exc_info; it is masked all the
    same, and so are extras of any type."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(MaskPersonalIds())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.deploy.json")
    log.addHandler(handler)
    log.propagate = False

    class Opaque:
        def __str__(self) -> str:
            return f"<object holding {ID}>"

    try:
        try:
            raise ValueError(f"invalid party {ID}")
        except ValueError:
            log.exception(
                "party %s failed",
                ID,
                extra={"sql": f"SELECT 1 WHERE id_number = '{ID}'", "params": [ID],
                       "obj": Opaque(), "nested": {"ids": (ID,)}},
            )  # fmt: skip
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = buffer.getvalue()
    assert ID not in text
    line = json.loads(text)
    assert line["message"] == f"party {MASKED} failed"
    assert line["exc_info"].endswith(f"ValueError: invalid party {MASKED}")
    assert line["sql"] == f"SELECT 1 WHERE id_number = '{MASKED}'"
    assert line["params"] == [MASKED]
    assert line["obj"] == f"<object holding {MASKED}>"
    assert line["nested"] == {"ids": [MASKED]}
    assert (line["level"], line["logger"]) == ("ERROR", "tests.deploy.json")


def test_chinese_stays_readable():
    record = logging.LogRecord("x", logging.INFO, "", 0, "案件已受理", (), None)
    assert '"message": "案件已受理"' in JsonFormatter().format(record)


def test_the_request_id_is_never_rewritten():
    """Masking is for personal data; a request id with a long run of digits (possible in 32 hex
    digits from nginx) must reach the log as sent, or the lines no longer match."""
    request_id = "0350602198506124530e9b1c2d3f4a5b"
    record = logging.LogRecord("x", logging.INFO, "", 0, "party %s", (ID,), None)
    record.request_id = request_id
    MaskPersonalIds().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["request_id"]) == (f"party {MASKED}", request_id)
