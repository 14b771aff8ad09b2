"""Hostile uploads against every document upload (issue 8 part 4): each endpoint gets the
same set of bad files — too large, a program or an image named .pdf, HTML and SVG, an empty
file, a name that is a path or full of control characters — and must refuse them with a
clear error, or (for a good file under a bad name) store it under a name of its own making.
After every request: no partial file in the upload temp directory, nothing new in storage,
no row. Evidence deposits have their own, older set in tests/evidence/test_upload_limits.py;
``test_every_upload_route_streams_to_its_kinds_limit`` covers which limit applies where."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from alliance import collaboration
from alliance.models import CollaborationReply, CollaborationRequest, IndicatorValue
from cases.models import Agreement, ConfirmationMaterial
from tests.cases.test_views_court import prepared
from zhangzhou_ip.core.uploads import limit_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LIMIT = 1024

# (name, content, what must happen): "413" = stopped while streaming; "renamed" = accepted,
# stored under a name the server chose; anything else = refused with this field error.
PAYLOADS: list[tuple[str, bytes, str]] = [
    ("big.pdf", PDF + b"0" * (4 * LIMIT), "413"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "“.exe” are not accepted"),
    ("scan.pdf", b"MZ\x90\x00" + b"\x00" * 60, "content is not a PDF document"),
    ("scan.pdf", PNG, "content is not a PDF document"),  # an image named .pdf
    ("page.html", b"<html><script>alert(1)</script></html>", "“.html” are not accepted"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "“.svg” are"),
    ("empty.pdf", b"", "The submitted file is empty."),
    ("../../../etc/passwd.pdf", PDF, "renamed"),
    ("..\\..\\windows\\system.pdf", PDF, "renamed"),
    ("a\x00b\x1b[31m\u202efdp.exe.pdf", PDF, "renamed"),
]


def _files(root: str | Path) -> set[Path]:
    path = Path(root)
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


@dataclass
class Endpoint:
    name: str
    url: str
    client: Client
    data: dict[str, Any]
    field: str
    stored: Any  # () -> list of stored FieldFiles (the rows the upload would create)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = LIMIT
    return settings.MEDIA_ROOT


def _login(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def endpoints(case_world, media) -> list[Endpoint]:
    users, orgs = case_world["users"], case_world["orgs"]
    today = timezone.localdate()
    mediating = case_world["cases"]["mediating"]
    confirmation = prepared(case_world)
    request = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协查",
    )
    agreement = {
        "terms": "被申请人停止销售侵权产品。",
        "amount": "1000.00",
        "performance_deadline": (today + dt.timedelta(days=15)).isoformat(),
        "signatories": "甲\n乙",
        "signed_on": today.isoformat(),
        "effective_on": today.isoformat(),
    }

    def agreement_files():
        found = Agreement.objects.filter(case=mediating).first()
        return [found.document] if found and found.document else []

    def materials():
        return [m.file for m in ConfirmationMaterial.objects.filter(confirmation=confirmation)]

    def replies():
        return [r.attachment for r in CollaborationReply.objects.filter(request=request)]

    return [
        Endpoint(
            "agreement (web)",
            reverse("cases:agreement-edit", args=[mediating.pk]),
            _login(users["mediator"]),
            agreement,
            "document",
            agreement_files,
        ),
        Endpoint(
            "confirmation material (web)",
            reverse("cases:confirmation-material", args=[confirmation.pk]),
            _login(users["mediator"]),
            {"kind": "agreement", "note": "签字版"},
            "file",
            materials,
        ),
        Endpoint(
            "confirmation material (API)",
            reverse("api:judicial-confirmation-materials", args=[confirmation.pk]),
            _login(users["mediator"]),
            {"kind": "agreement"},
            "file",
            materials,
        ),
        Endpoint(
            "collaboration reply (web)",
            reverse("alliance:collaboration-reply", args=[request.pk]),
            _login(users["partner"]),
            {"body": "已调取"},
            "attachment",
            replies,
        ),
        Endpoint(
            "collaboration reply (API)",
            reverse("api:collaboration-request-replies", args=[request.pk]),
            _login(users["partner"]),
            {"body": "已调取"},
            "attachment",
            replies,
        ),
    ]


def _post(endpoint: Endpoint, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    with transaction.atomic():
        response = endpoint.client.post(endpoint.url, {**endpoint.data, endpoint.field: upload})
        stored = [f.name for f in endpoint.stored()]
        transaction.set_rollback(True)
    return response, stored


def test_hostile_document_uploads_are_refused_or_renamed_and_leave_nothing(endpoints, media):
    tried = 0
    for endpoint in endpoints:
        for name, content, expected in PAYLOADS:
            before = _files(media)
            response, stored = _post(endpoint, name, content)
            tried += 1
            where = f"{endpoint.name} ← {name!r}"
            body = html.unescape(response.content.decode())
            assert _files(settings.FILE_UPLOAD_TEMP_DIR) == set(), where
            if expected == "413":
                assert response.status_code == 413, where
                assert "larger than the limit of 1.0" in body, where
            elif expected != "renamed":
                assert response.status_code in (200, 400), where
                if endpoint.url.startswith("/api/"):
                    assert expected in " ".join(response.json()[endpoint.field]), where
                else:  # the form again, with the error and what was typed
                    assert expected in body, where
                    assert all(str(v).split("\n")[0] in body for v in endpoint.data.values())
            if expected != "renamed":
                assert stored == [], where
                assert _files(media) == before, where
                continue
            assert response.status_code in (200, 201, 302), (where, body[:400])
            [stored_name] = stored
            assert ".." not in stored_name and "\\" not in stored_name, where
            assert "passwd" not in stored_name and "system" not in stored_name, where
            assert all(ch.isprintable() for ch in stored_name), where
            assert stored_name.endswith(".pdf"), where
            new = _files(media) - before
            assert len(new) == 1 and all(p.resolve().is_relative_to(media) for p in new), where
            for path in new:  # rolled back: the row is gone, remove its file too
                path.unlink()
    assert tried == len(endpoints) * len(PAYLOADS) == 50


def test_a_refused_reply_keeps_nothing_of_its_other_fields(endpoints):
    """Parsed before the view runs: the view never acts on a request whose file was
    stopped, so the reply's text is not saved without its attachment."""
    web, api = endpoints[3], endpoints[4]
    for endpoint in (web, api):
        response = endpoint.client.post(
            endpoint.url,
            {**endpoint.data, endpoint.field: SimpleUploadedFile("a.pdf", PDF + b"0" * 4096)},
        )
        assert response.status_code == 413
        assert not CollaborationReply.objects.exists()
    assert api.client.post(api.url, api.data).status_code == 201  # the same text alone is fine


def test_indicator_import_refuses_hostile_files(case_world, settings):
    settings.INDICATOR_IMPORT_MAX_BYTES = LIMIT
    client = _login(case_world["users"]["superuser"])
    url = reverse("alliance:indicator-import")
    header = b"code,region_code,year,value,source,source_date\n"
    cases = [
        ("values.csv", header + b"patents_granted,350600,2024,1,x,2025-01-01\n" * 200, 413),
        ("values.csv", PNG, 200),
        ("../../values.csv", b"\xff\xfe\x00garbage", 200),
    ]
    for name, content, status in cases:
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == status, name
        assert _files(settings.FILE_UPLOAD_TEMP_DIR) == set()
        if status == 200:
            assert "is-invalid" in response.content.decode() or "alert-danger" in (
                response.content.decode()
            ), name
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("route", "kwargs", "setting"),
    [
        ("evidence:deposit", {}, "EVIDENCE_MAX_UPLOAD_BYTES"),
        ("api:evidence-record-list", {}, "EVIDENCE_MAX_UPLOAD_BYTES"),
        ("cases:agreement-edit", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        ("cases:confirmation-material", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        (
            "cases:confirmation-action",
            {"pk": 1, "action": "decide"},
            "AGREEMENT_DOCUMENT_MAX_BYTES",
        ),
        ("api:judicial-confirmation-materials", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        ("api:judicial-confirmation-decide", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        ("alliance:collaboration-reply", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        ("api:collaboration-request-replies", {"pk": 1}, "AGREEMENT_DOCUMENT_MAX_BYTES"),
        ("alliance:indicator-import", {}, "INDICATOR_IMPORT_MAX_BYTES"),
        ("cases:case-create", {}, "UPLOAD_DEFAULT_MAX_BYTES"),
    ],
)
def test_every_upload_route_streams_to_its_kinds_limit(settings, route, kwargs, setting):
    for name, value in (
        ("EVIDENCE_MAX_UPLOAD_BYTES", 111),
        ("AGREEMENT_DOCUMENT_MAX_BYTES", 222),
        ("INDICATOR_IMPORT_MAX_BYTES", 333),
        ("UPLOAD_DEFAULT_MAX_BYTES", 444),
    ):
        setattr(settings, name, value)
    request = RequestFactory().post(reverse(route, kwargs=kwargs))
    request.resolver_match = resolve(request.path)
    assert limit_for(request) == getattr(settings, setting)
