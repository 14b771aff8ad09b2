"""Session and agreement pages: scheduling and recording through the services, the .ics
invitation, the agreement form (only while mediating), upload checks before anything is
stored, the generated PDF and the signed-document download — all scoped to who may see
the case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import DisputeType, PartyRole, SessionOutcome
from cases.models import Agreement, MediationSession
from tests.cases.conftest import advance, make_case, org_party

SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def login(client, case_world):
    def as_user(name):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(case_world["users"][name])
        return client

    return as_user


@pytest.fixture
def accepted_case(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title="商标侵权纠纷（已受理）",
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    return advance(case, users["clerk"], users["mediator"], "accepted")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def _agreement_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "terms": "被申请人于十五日内支付赔偿金并停止销售侵权产品。",
        "amount": "50000.00",
        "performance_deadline": (today + dt.timedelta(days=15)).isoformat(),
        "signatories": "漳州甲食品有限公司\n厦门乙科技有限公司\n调解员",
        "signed_on": today.isoformat(),
        "effective_on": today.isoformat(),
    }
    data.update(overrides)
    return data


# --- sessions ------------------------------------------------------------------------------


def test_schedule_a_session_in_beijing_time(login, case_world, accepted_case):
    url = reverse("cases:session-create", args=[accepted_case.pk])
    response = login("mediator").post(
        url,
        {
            "starts_at": "2026-03-02T09:30",
            "ends_at": "2026-03-02T11:00",
            "location": "第二调解室",
            "attendees": "申请人代理人\n被申请人",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[accepted_case.pk])
    session = accepted_case.sessions.get()
    assert session.starts_at == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert session.location == "第二调解室" and "被申请人" in session.attendees
    assert accepted_case.events.filter(verb="session.scheduled").exists()


def test_a_session_needs_a_place_or_a_link(login, accepted_case):
    url = reverse("cases:session-create", args=[accepted_case.pk])
    response = login("mediator").post(url, {"starts_at": "2026-03-02T09:30", "attendees": "甲"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a room or place, or an online meeting link" in html
    assert 'value="2026-03-02T09:30"' in html
    assert not MediationSession.objects.filter(case=accepted_case).exists()


def test_a_session_must_end_after_it_starts(login, accepted_case):
    url = reverse("cases:session-create", args=[accepted_case.pk])
    response = login("mediator").post(
        url,
        {
            "starts_at": "2026-03-02T09:30",
            "ends_at": "2026-03-02T09:00",
            "online_link": "https://meeting.example.cn/123",
        },
    )
    assert response.status_code == 400
    assert "The session must end after it starts." in response.content.decode()


def test_an_online_session_is_accepted(login, accepted_case):
    url = reverse("cases:session-create", args=[accepted_case.pk])
    response = login("mediator").post(
        url, {"starts_at": "2026-03-02T14:00", "online_link": "https://meeting.example.cn/9"}
    )
    assert response.status_code == 302
    assert accepted_case.sessions.get().online_link == "https://meeting.example.cn/9"


def test_session_pages_are_scoped(login, case_world, accepted_case):
    mediating = case_world["cases"]["mediating"]
    session = mediating.sessions.get()
    partner = login("partner")
    assert partner.get(reverse("cases:session-create", args=[accepted_case.pk])).status_code == 404
    record = reverse("cases:session-record", args=[mediating.pk, session.pk])
    assert partner.get(record).status_code == 404
    # Visible but not the assigned mediator: forbidden, not hidden.
    assert login("mediator2").get(record).status_code == 403
    # A draft cannot have sessions yet.
    draft = case_world["cases"]["draft"]
    assert login("clerk").get(reverse("cases:session-create", args=[draft.pk])).status_code == 403


def test_record_minutes_and_outcome(login, case_world):
    case = case_world["cases"]["mediating"]
    session = case.sessions.get()
    url = reverse("cases:session-record", args=[case.pk, session.pk])
    client = login("mediator")
    assert "Save minutes" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "outcome": SessionOutcome.AGREEMENT,
            "minutes": "双方同意以五万元和解。",
            "attendees": "甲公司代理人\n乙公司法定代表人",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.outcome == SessionOutcome.AGREEMENT
    assert session.minutes == "双方同意以五万元和解。"
    assert "乙公司法定代表人" in session.attendees and session.recorded_at is not None
    assert case.events.filter(verb="session.recorded").exists()


def test_record_requires_an_outcome(login, case_world):
    case = case_world["cases"]["mediating"]
    session = case.sessions.get()
    url = reverse("cases:session-record", args=[case.pk, session.pk])
    response = login("mediator").post(url, {"minutes": "未完成"})
    assert response.status_code == 400
    assert "未完成" in response.content.decode()
    session.refresh_from_db()
    assert session.minutes == "" and session.recorded_at is None


def test_session_ics_is_a_valid_invitation(login, case_world):
    case = case_world["cases"]["mediating"]
    session = case.sessions.get()
    session_url = reverse("cases:session-ics", args=[case.pk, session.pk])
    response = login("org_admin").get(session_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".ics" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.events
    starts = event.decoded("dtstart")
    # iCalendar times have whole seconds.
    assert starts == session.starts_at.replace(microsecond=0)
    assert starts.tzinfo is not None and starts.utcoffset() == dt.timedelta(hours=8)
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("dtend") > starts
    summary = str(event["summary"])
    assert case.number in summary and case.title in summary
    assert str(event["location"]) == session.location
    # The same UID on every download: calendars update instead of duplicating.
    again = icalendar.Calendar.from_ical(login("mediator").get(session_url).content)
    assert str(again.events[0]["uid"]) == str(event["uid"])
    assert login("partner").get(session_url).status_code == 404


# --- agreement -------------------------------------------------------------------------------


def test_agreement_saved_while_mediating(login, case_world, media):
    case = case_world["cases"]["mediating"]
    url = reverse("cases:agreement-edit", args=[case.pk])
    client = login("mediator")
    page = client.get(url).content.decode()
    assert "cannot be judicially confirmed" in page
    response = client.post(url, _agreement_data())
    assert response.status_code == 302
    agreement = Agreement.objects.get(case=case)
    assert str(agreement.amount) == "50000.00"
    assert agreement.signed_on == timezone.localdate()
    assert "厦门乙科技有限公司" in agreement.signatories
    assert not agreement.is_ownership_determination
    assert case.events.filter(verb="agreement.recorded").exists()


def test_agreement_refused_when_not_mediating_with_the_services_message(
    login, accepted_case, media
):
    url = reverse("cases:agreement-edit", args=[accepted_case.pk])
    response = login("mediator").post(url, _agreement_data())
    assert response.status_code == 400
    html = response.content.decode()
    assert "The agreement can only be recorded while the case is being mediated." in html
    assert "被申请人于十五日内支付赔偿金并停止销售侵权产品。" in html
    assert not Agreement.objects.filter(case=accepted_case).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"effective_on": "2020-01-01"}, "cannot take effect before it is signed"),
        ({"performance_deadline": "2020-01-01"}, "cannot be before the signing date"),
        ({"signed_on": ""}, "takes effect only once signed"),
        ({"amount": "-1.00"}, "greater than or equal to 0"),
        ({"amount": "1.234"}, "no more than 2 decimal places"),
    ],
)
def test_agreement_dates_and_amount_are_checked(login, case_world, overrides, message):
    case = case_world["cases"]["mediating"]
    url = reverse("cases:agreement-edit", args=[case.pk])
    response = login("mediator").post(url, _agreement_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Agreement.objects.filter(case=case).exists()


def test_ownership_flag_is_prefilled_for_ownership_disputes(login, case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title="专利权权属纠纷",
        dispute_type=DisputeType.PATENT_OWNERSHIP,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = advance(case, users["clerk"], users["mediator"], "mediating")
    html = login("mediator").get(reverse("cases:agreement-edit", args=[case.pk])).content.decode()
    assert 'name="is_ownership_determination" id="id_is_ownership_determination"' in html
    assert 'class="form-check-input" checked' in html
    other = case_world["cases"]["mediating"]
    html = login("mediator").get(reverse("cases:agreement-edit", args=[other.pk])).content.decode()
    assert 'class="form-check-input" checked' not in html


def _upload(name: str, content: bytes, content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agreement.exe", b"MZ\x90\x00" + b"\x00" * 64, "are not accepted"),
        ("agreement.pdf", b"just some text, renamed\n" * 4, "content is not a PDF document"),
        ("agreement.png", PDF_BYTES, "content is not a PNG document"),
    ],
    ids=["exe", "text-renamed-pdf", "pdf-renamed-png"],
)
def test_wrong_type_uploads_are_refused_before_storing(
    login, case_world, media, name, content, message
):
    case = case_world["cases"]["mediating"]
    url = reverse("cases:agreement-edit", args=[case.pk])
    data = {**_agreement_data(), "document": _upload(name, content)}
    response = login("mediator").post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Agreement.objects.filter(case=case).exists()
    assert _files(media) == []


def test_oversize_upload_is_refused_before_storing(login, case_world, media, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 32
    case = case_world["cases"]["mediating"]
    url = reverse("cases:agreement-edit", args=[case.pk])
    data = {**_agreement_data(), "document": _upload("agreement.pdf", PDF_BYTES)}
    response = login("mediator").post(url, data)
    # Stopped while it streamed (core/uploads.py), answered 413 with the limit.
    assert response.status_code == 413
    assert "larger than the limit of 32" in response.content.decode()
    assert not Agreement.objects.filter(case=case).exists()
    assert _files(media) == []
    assert _files(Path(settings.FILE_UPLOAD_TEMP_DIR)) == []


def test_signed_document_is_stored_and_downloaded_only_by_who_sees_the_case(
    login, case_world, media
):
    case = case_world["cases"]["mediating"]
    url = reverse("cases:agreement-edit", args=[case.pk])
    data = {**_agreement_data(), "document": _upload("签字版.pdf", PDF_BYTES)}
    assert login("mediator").post(url, data).status_code == 302
    agreement = Agreement.objects.get(case=case)
    assert agreement.document.name == f"cases/{case.pk}/agreement.pdf"
    assert [p.name for p in _files(media)] == ["agreement.pdf"]
    download = reverse("cases:agreement-document", args=[case.pk])
    response = login("org_admin").get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert login("partner").get(download).status_code == 404
    assert login("nobody").get(download).status_code == 404


def test_agreement_pages_of_a_case_without_agreement_are_404(login, case_world):
    case = case_world["cases"]["mediating"]
    client = login("mediator")
    assert client.get(reverse("cases:agreement-pdf", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:agreement-document", args=[case.pk])).status_code == 404


def test_agreement_pdf_has_an_embedded_cjk_font(login, case_world):
    case = case_world["cases"]["mediating"]
    services.agreement_save(
        actor=case_world["users"]["mediator"],
        case=case,
        terms="被申请人停止销售侵权产品。",
        amount="12000.00",
        signed_on=timezone.localdate(),
    )
    url = reverse("cases:agreement-pdf", args=[case.pk])
    response = login("org_admin").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content
    assert body.startswith(b"%PDF")
    assert b"FontFile2" in body and b"+NotoSerifSC" in body
    assert login("partner").get(url).status_code == 404
    edit = reverse("cases:agreement-edit", args=[case.pk])
    assert url in login("mediator").get(edit).content.decode()


def test_agreement_page_warns_about_characters_the_pdf_cannot_print(login, case_world):
    case = case_world["cases"]["mediating"]
    services.agreement_save(
        actor=case_world["users"]["mediator"], case=case, terms="向𠮷野家公司支付款项。"
    )
    html = login("mediator").get(reverse("cases:agreement-edit", args=[case.pk])).content.decode()
    assert "will print as empty boxes: 𠮷" in html
