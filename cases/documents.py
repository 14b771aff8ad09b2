"""Documents generated from a case: the mediation agreement (调解协议书) as PDF and the
iCalendar invitation to a mediation session.

The agreement is built in two steps so its content can be checked without parsing a PDF:
:func:`agreement_blocks` returns the document as plain blocks (title, case number, parties,
facts, terms, the legal sentences that apply, signatures, date, organisation);
:func:`agreement_pdf` lays them out with ``zhangzhou_ip.core.pdf`` (embedded Noto Serif SC
subset, SIL OFL 1.1). The agreement is a Chinese legal instrument, so it is written in the
site's default language (``settings.LANGUAGE_CODE``) whatever language the requesting page
uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance.validators import mask_resident_id
from cases.choices import MediationKind, PartyKind, PartyRole
from cases.models import Agreement, MediationCase, MediationSession, Party
from zhangzhou_ip.core import pdf

# A session without an end time is shown in calendars with this length.
DEFAULT_SESSION_LENGTH = dt.timedelta(hours=2)
ICS_PRODID = "-//zhangzhou_ip//Mediation sessions//ZH"
# UIDs must stay the same for a session across downloads, whatever host served them.
ICS_UID_DOMAIN = "zhangzhou-ip.cases"


# --- agreement (调解协议书) ---------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One element of a generated document. ``style`` is a key of ``pdf.styles()`` or
    ``table`` (label/value ``rows``) or ``signatures`` (signature ``labels``)."""

    style: str
    text: str = ""
    rows: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    labels: tuple[str, ...] = field(default_factory=tuple)

    def texts(self) -> list[str]:
        return [t for t in (self.text, *(v for row in self.rows for v in row), *self.labels) if t]


def _date(value: dt.date | None) -> str:
    if value is None:
        return "____年__月__日"
    return f"{value.year}年{value.month}月{value.day}日"


def _money(amount: Decimal) -> str:
    return _("CNY %(amount)s") % {"amount": f"{amount:,.2f}"}


def _party_rows(party: Party, *, show_full_ids: bool) -> tuple[tuple[str, str], ...]:
    rows = [(party.get_role_display(), party.name)]
    if party.kind == PartyKind.ORGANIZATION and party.organization is not None:
        if party.organization.uscc:
            rows.append((_("USCC"), party.organization.uscc))
        address = party.address or party.organization.address
    else:
        if party.id_number:
            number = party.id_number if show_full_ids else mask_resident_id(party.id_number)
            rows.append((_("Resident ID number"), number))
        address = party.address
    if address:
        rows.append((_("Address"), address))
    if party.agent_name:
        rows.append((_("Agent"), party.agent_name))
    return tuple(rows)


def legal_sentences(case: MediationCase, agreement: Agreement) -> list[str]:
    """The sentences on effect, binding force and judicial confirmation that apply to this
    agreement (People's Mediation Law arts. 29, 31, 33; DOMAIN §3.1, §1.6)."""
    peoples = case.mediation_kind == MediationKind.PEOPLES
    sentences = []
    if peoples:
        sentences.append(
            _(
                "This agreement takes effect when all parties have signed, sealed or "
                "fingerprinted it, the people's mediator has signed it and the seal of the "
                "people's mediation committee is affixed (People's Mediation Law, art. 29)."
            )
        )
        sentences.append(
            _(
                "This agreement is legally binding; the parties shall perform it as agreed "
                "(People's Mediation Law, art. 31)."
            )
        )
    else:
        sentences.append(
            _("This agreement takes effect when signed or sealed by all parties and the mediator.")
        )
    if agreement.is_ownership_determination:
        sentences.append(
            _(
                "This agreement determines the ownership of an intellectual property right; "
                "courts do not accept applications to confirm such content."
            )
        )
    elif peoples:
        sentences.append(
            _(
                "The parties may jointly apply to the people's court for judicial confirmation "
                "within 30 days from the day this agreement takes effect (People's Mediation "
                "Law, art. 33)."
            )
        )
    else:
        sentences.append(
            _(
                "The parties may jointly apply to the people's court for judicial confirmation "
                "within 30 days from the day this agreement takes effect."
            )
        )
    return sentences


def agreement_blocks(
    case: MediationCase, agreement: Agreement, *, show_full_ids: bool
) -> list[Block]:
    """The content of the 调解协议书 in document order. Resident ID numbers are masked
    unless ``show_full_ids`` (``selectors.may_see_full_id_numbers``)."""
    order = {PartyRole.APPLICANT: 0, PartyRole.RESPONDENT: 1, PartyRole.THIRD_PARTY: 2}
    parties = sorted(
        case.parties.select_related("organization"), key=lambda p: (order.get(p.role, 9), p.pk)
    )
    organization = case.handling_organization.name
    blocks = [
        Block("title", _("Mediation agreement")),
        Block("subtitle", case.number or _("(draft, no case number yet)")),
        Block("heading", _("Parties")),
    ]
    blocks += [Block("table", rows=_party_rows(p, show_full_ids=show_full_ids)) for p in parties]
    blocks.append(Block("heading", _("Facts and matters in dispute")))
    blocks.append(Block("body", case.facts or case.title))
    blocks.append(Block("heading", _("Agreed terms")))
    blocks.append(Block("body", agreement.terms))
    rows = []
    if agreement.amount is not None:
        rows.append((_("Amount"), _money(agreement.amount)))
    if agreement.performance_deadline:
        rows.append((_("Performance deadline"), _date(agreement.performance_deadline)))
    if rows:
        blocks.append(Block("table", rows=tuple(rows)))
    blocks.append(Block("heading", _("Effect")))
    blocks += [Block("body", s) for s in legal_sentences(case, agreement)]
    blocks.append(
        Block(
            "body",
            _(
                "This agreement is made in %(copies)d copies: one for each party and one kept "
                "by %(organization)s."
            )
            % {"copies": len(parties) + 1, "organization": organization},
        )
    )
    labels = [
        _("%(role)s %(name)s (signature/seal)") % {"role": p.get_role_display(), "name": p.name}
        for p in parties
    ]
    labels.append(_("Mediator (signature)"))
    labels.append(_("%(organization)s (seal)") % {"organization": organization})
    blocks.append(Block("signatures", labels=tuple(labels)))
    blocks.append(Block("right", organization))
    blocks.append(Block("right", _date(agreement.signed_on)))
    return blocks


def block_texts(blocks: list[Block]) -> list[str]:
    """Every string the document prints, in order (for checks and tests)."""
    return [text for block in blocks for text in block.texts()]


def _story(blocks: list[Block]) -> list:
    sheet = pdf.styles()
    story: list = []
    for block in blocks:
        if block.style == "table":
            story += [pdf.kv_table(list(block.rows)), pdf.Spacer(1, 4)]
        elif block.style == "signatures":
            story.append(pdf.signature_block(list(block.labels), date_line=False))
        elif block.style == "body":
            story += pdf.paragraphs(block.text, sheet["body"])
        else:
            story.append(pdf.Paragraph(pdf.text_markup(block.text), sheet[block.style]))
    return story


def agreement_pdf(case: MediationCase, agreement: Agreement, *, show_full_ids: bool) -> bytes:
    """The 调解协议书 as PDF bytes, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        blocks = agreement_blocks(case, agreement, show_full_ids=show_full_ids)
        title = _("Mediation agreement")
    return pdf.build_pdf(
        lambda: _story(blocks),
        title=f"{title} {case.number}".strip(),
        author=case.handling_organization.name,
    )


def agreement_unprintable(case: MediationCase, agreement: Agreement) -> set[str]:
    """Characters of the agreement the embedded font cannot print (rare names)."""
    blocks = agreement_blocks(case, agreement, show_full_ids=True)
    return pdf.unsupported_chars("".join(block_texts(blocks)))


# --- session invitation (.ics) -----------------------------------------------------------


def session_uid(session: MediationSession) -> str:
    return f"mediation-session-{session.pk}@{ICS_UID_DOMAIN}"


def session_ics(session: MediationSession) -> bytes:
    """An iCalendar (RFC 5545) invitation for one session: a VEVENT with a stable UID, times
    in Asia/Shanghai with its VTIMEZONE, the case number and title as summary, the room
    and/or the online link."""
    case = session.case
    zone = ZoneInfo(settings.TIME_ZONE)
    starts = timezone.localtime(session.starts_at, zone).replace(microsecond=0)
    ends = session.ends_at or session.starts_at + DEFAULT_SESSION_LENGTH
    ends = timezone.localtime(ends, zone).replace(microsecond=0)
    label = f"{case.number} {case.title}".strip() if case.number else case.title
    calendar = icalendar.Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", _("Mediation session: %(case)s") % {"case": label})
    description = [
        _("Case: %(case)s") % {"case": label},
        _("Handling organisation: %(org)s") % {"org": case.handling_organization.name},
    ]
    if session.online_link:
        description.append(_("Online meeting: %(link)s") % {"link": session.online_link})
        event.add("url", session.online_link)
    if session.attendees:
        description.append(_("Attendees:") + "\n" + session.attendees)
    event.add("description", "\n".join(description))
    event.add("location", session.location or session.online_link)
    event.add("last-modified", session.updated_at.astimezone(dt.UTC))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
