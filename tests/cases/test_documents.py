"""Generated documents: what the 调解协议书 says (checked on its blocks, before layout), that
the rendered PDF embeds its CJK font, and the session invitation."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import timezone, translation

from cases import documents, services
from cases.choices import MediationKind
from cases.models import Agreement


@pytest.fixture
def agreement(case_world) -> Agreement:
    """The mediating case (enterprises 甲/乙 and the natural person 张三) with an agreement."""
    return services.agreement_save(
        actor=case_world["users"]["mediator"],
        case=case_world["cases"]["mediating"],
        terms="一、被申请人停止销售侵权产品。\n二、被申请人赔偿申请人人民币50,000元。",
        amount="50000.00",
        performance_deadline=dt.date(2026, 12, 31),
        signed_on=dt.date(2026, 12, 1),
        effective_on=dt.date(2026, 12, 1),
    )


def _texts(agreement: Agreement, *, show_full_ids: bool = False) -> list[str]:
    blocks = documents.agreement_blocks(agreement.case, agreement, show_full_ids=show_full_ids)
    return documents.block_texts(blocks)


def test_agreement_names_case_parties_and_organisation(agreement, case_world):
    case = agreement.case
    texts = _texts(agreement)
    joined = "\n".join(texts)
    assert texts[0] == "Mediation agreement"
    assert texts[1] == case.number
    for name in ("漳州甲食品有限公司", "厦门乙科技有限公司", "张三"):
        assert name in texts
    assert case_world["orgs"]["ent_a"].uscc in texts
    assert "Applicant" in texts and "Respondent" in texts and "Third party" in texts
    assert agreement.terms in texts
    assert "CNY 50,000.00" in texts
    assert "2026年12月31日" in texts
    assert texts[-2:] == ["漳州市知识产权纠纷人民调解委员会", "2026年12月1日"]
    assert "Mediator (signature)" in texts
    assert "漳州市知识产权纠纷人民调解委员会 (seal)" in texts
    assert "Respondent 厦门乙科技有限公司 (signature/seal)" in joined


def test_resident_ids_masked_unless_allowed(agreement):
    assert "110105********002X" in _texts(agreement)
    assert "11010519491231002X" not in _texts(agreement)
    assert "11010519491231002X" in _texts(agreement, show_full_ids=True)


def test_peoples_mediation_cites_articles_29_31_33(agreement):
    joined = "\n".join(_texts(agreement))
    for article in ("art. 29", "art. 31", "art. 33"):
        assert f"People's Mediation Law, {article}" in joined
    assert "ownership" not in joined


def test_ownership_determination_drops_the_confirmation_sentence(agreement):
    agreement.is_ownership_determination = True
    joined = "\n".join(_texts(agreement))
    assert "art. 33" not in joined
    assert "courts do not accept applications to confirm such content" in joined


def test_other_mediation_kinds_do_not_cite_the_peoples_mediation_law(agreement):
    agreement.case.mediation_kind = MediationKind.ADMINISTRATIVE
    joined = "\n".join(_texts(agreement))
    assert "People's Mediation Law" not in joined
    assert "signed or sealed by all parties and the mediator" in joined
    assert "within 30 days" in joined


def test_pdf_embeds_the_subset_font_and_is_written_in_the_default_language(agreement):
    data = documents.agreement_pdf(agreement.case, agreement, show_full_ids=False)
    assert data.startswith(b"%PDF")
    assert b"FontFile2" in data and b"+NotoSerifSC" in data
    assert b"Helvetica" not in data
    # Nothing the agreement prints is missing from the font.
    assert documents.agreement_unprintable(agreement.case, agreement) == set()


def test_rare_characters_are_reported(agreement):
    case = agreement.case
    case.facts = "当事人𠮷野家"
    assert "𠮷" in documents.agreement_unprintable(case, agreement)


def test_session_ics_without_an_end_uses_the_default_length(case_world):
    case = case_world["cases"]["mediating"]
    session = case.sessions.get()
    session.online_link = "https://meeting.example.cn/77"
    session.ends_at = None
    with translation.override("en"):
        calendar = icalendar.Calendar.from_ical(documents.session_ics(session))
    (event,) = calendar.events
    starts = event.decoded("dtstart")
    assert event.decoded("dtend") - starts == documents.DEFAULT_SESSION_LENGTH
    assert str(event["url"]) == "https://meeting.example.cn/77"
    assert "https://meeting.example.cn/77" in str(event["description"])
    assert str(event["uid"]) == f"mediation-session-{session.pk}@zhangzhou-ip.cases"
    assert str(event["summary"]) == f"Mediation session: {case.number} {case.title}"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    assert starts.astimezone(dt.UTC) == timezone.localtime(session.starts_at).replace(microsecond=0)
