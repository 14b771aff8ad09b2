"""The application package for judicial confirmation: the 司法确认申请书 (PDF) and a zip of the
uploaded materials with the generated application.

Like the agreement (``cases.documents``), the application is built in two steps so its content
can be checked without parsing a PDF: :func:`application_blocks` returns the plain blocks
(title, the court addressed, the applicants, the request, facts and reasons, the legal basis,
the undertaking, signatures, date, materials list) and :func:`application_pdf` lays them out
with ``zhangzhou_ip.core.pdf`` through the agreement's helpers. It is a Chinese court filing,
so it is written in the site's default language (``settings.LANGUAGE_CODE``).

Content rules: both parties apply jointly (People's Mediation Law art. 33; CPL 2023 art. 205;
DOMAIN §1.2); addresses for service and phone numbers, the agent, and the undertaking that the
agreement is genuine and harms no third party are part of the package (法释〔2011〕5号 art. 3;
DOMAIN §1.4). Administrative mediation agreements go to the court under the court–bureau
mechanism (法发〔2009〕45号 art. 20; DOMAIN §1.8).
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cases.choices import MediationKind, PartyRole
from cases.documents import Block, _date, _money, _party_rows, _story, block_texts
from cases.models import ConfirmationMaterial, JudicialConfirmation, Party
from zhangzhou_ip.core import pdf

logger = logging.getLogger(__name__)

__all__ = [
    "APPLICATION_MEMBER",
    "application_blocks",
    "application_pdf",
    "application_texts",
    "basis_sentence",
    "material_member_names",
    "materials_zip_stream",
]

#: Name of the generated application inside the zip.
APPLICATION_MEMBER = "00-application-generated.pdf"
_SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
_CHUNK = 64 * 1024
_ROLE_ORDER = {PartyRole.APPLICANT: 0, PartyRole.RESPONDENT: 1, PartyRole.THIRD_PARTY: 2}
_KIND_ORDER = {kind: index for index, kind in enumerate(ConfirmationMaterial.Kind.values)}


def _parties(confirmation: JudicialConfirmation) -> list[Party]:
    parties = confirmation.case.parties.select_related("organization")
    return sorted(parties, key=lambda p: (_ROLE_ORDER.get(p.role, 9), p.pk))


def _applicant_rows(
    party: Party, index: int, *, show_full_ids: bool
) -> tuple[tuple[str, str], ...]:
    """The agreement's party rows, relabelled as a joint applicant, plus the phones the court
    serves documents by (DOMAIN §1.4)."""
    rows = list(_party_rows(party, show_full_ids=show_full_ids))
    rows[0] = (
        _("Applicant %(n)d") % {"n": index},
        _("%(name)s (%(role)s in the mediation)")
        % {"name": party.name, "role": party.get_role_display()},
    )
    phone = party.phone or (party.organization.phone if party.organization else "")
    position = next(
        (i + 1 for i, (label, _v) in enumerate(rows) if label == _("Address")), len(rows)
    )
    if phone:
        rows.insert(position, (_("Phone"), phone))
    if party.agent_phone and party.agent_name:
        rows.append((_("Agent's phone"), party.agent_phone))
    return tuple(rows)


def basis_sentence(confirmation: JudicialConfirmation) -> str:
    """The legal basis of the application, from the confirmation's ``basis``."""
    case = confirmation.case
    if confirmation.basis == JudicialConfirmation.Basis.ADMINISTRATIVE:
        # DOMAIN §1.8: a local court–bureau mechanism layered on the CPL.
        return _(
            "This administrative mediation agreement is submitted for judicial confirmation "
            "under the mechanism agreed between %(court)s and the administrative mediation "
            "authority %(organization)s (SPC 法发〔2009〕45号 art. 20), with reference to "
            "article 205 of the Civil Procedure Law."
        ) % {"court": confirmation.court.name, "organization": case.handling_organization.name}
    if case.mediation_kind in (MediationKind.COURT_DELEGATED, MediationKind.COURT_ENTRUSTED):
        return _(
            "The mediation was conducted at the invitation of %(court)s; under article 205(1) "
            "of the Civil Procedure Law the parties jointly apply to that court within 30 days "
            "from the day the agreement took effect."
        ) % {"court": confirmation.court.name}
    if case.mediation_kind == MediationKind.PEOPLES:
        return _(
            "Under article 33 of the People's Mediation Law and article 205 of the Civil "
            "Procedure Law, the parties jointly apply for judicial confirmation within 30 days "
            "from the day the agreement took effect."
        )
    return _(
        "Under article 205 of the Civil Procedure Law, the parties jointly apply for judicial "
        "confirmation within 30 days from the day the agreement took effect."
    )


def _materials(confirmation: JudicialConfirmation) -> list[ConfirmationMaterial]:
    materials = list(confirmation.materials.all())
    materials.sort(key=lambda m: (_KIND_ORDER.get(m.kind, 99), m.pk))
    return materials


def _materials_lines(confirmation: JudicialConfirmation) -> list[str]:
    """One line per uploaded kind of the checklist, in checklist order, with the count."""
    counts: dict[str, int] = {}
    for material in _materials(confirmation):
        counts[material.kind] = counts.get(material.kind, 0) + 1
    lines = []
    for number, (kind, count) in enumerate(counts.items(), start=1):
        label = str(ConfirmationMaterial.Kind(kind).label)
        if count > 1:
            label = _("%(document)s (%(count)d files)") % {"document": label, "count": count}
        lines.append(f"{number}. {label}")
    return lines


def application_blocks(confirmation: JudicialConfirmation, *, show_full_ids: bool) -> list[Block]:
    """The content of the 司法确认申请书 in document order. Resident ID numbers are masked
    unless ``show_full_ids`` (``selectors.may_see_full_id_numbers``)."""
    case = confirmation.case
    agreement = confirmation.agreement
    organization = case.handling_organization.name
    court = confirmation.court.name
    parties = _parties(confirmation)
    number = case.number or _("(no case number yet)")

    blocks = [
        Block("title", _("Application for judicial confirmation of a mediation agreement")),
        Block("subtitle", _("To: %(court)s") % {"court": court}),
        Block("heading", _("Applicants")),
    ]
    blocks += [
        Block("table", rows=_applicant_rows(party, index, show_full_ids=show_full_ids))
        for index, party in enumerate(parties, start=1)
    ]
    names = "、".join(p.name for p in parties)
    blocks.append(Block("heading", _("Request")))
    blocks.append(
        Block(
            "body",
            _(
                "The applicants request the court to confirm that the mediation agreement "
                "reached between %(parties)s under the auspices of %(organization)s (case "
                "number %(number)s) is valid."
            )
            % {"parties": names, "organization": organization, "number": number},
        )
    )
    blocks.append(Block("heading", _("Facts and reasons")))
    blocks.append(
        Block(
            "body",
            _(
                "The dispute between the applicants (%(title)s) was mediated by %(organization)s "
                "under case number %(number)s (%(kind)s). The parties signed the mediation "
                "agreement on %(signed)s; it took effect on %(effective)s. The agreed terms are:"
            )
            % {
                "title": case.title,
                "organization": organization,
                "number": number,
                "kind": case.get_mediation_kind_display(),
                "signed": _date(agreement.signed_on),
                "effective": _date(agreement.effective_on),
            },
        )
    )
    blocks.append(Block("body", agreement.terms))
    rows = []
    if agreement.amount is not None:
        rows.append((_("Amount"), _money(agreement.amount)))
    if agreement.performance_deadline:
        rows.append((_("Performance deadline"), _date(agreement.performance_deadline)))
    if rows:
        blocks.append(Block("table", rows=tuple(rows)))
    blocks.append(Block("body", basis_sentence(confirmation)))
    blocks.append(Block("heading", _("Undertaking")))
    blocks.append(
        Block(
            "body",
            _(
                "The applicants undertake that the mediation agreement was reached voluntarily, "
                "that its content is genuine and lawful, that it harms neither the interests of "
                "the state or the public nor the lawful rights and interests of any third party, "
                "and that the materials submitted are true; they bear the legal consequences of "
                "any false statement."
            ),
        )
    )
    blocks.append(Block("plain", _("Respectfully submitted to")))
    blocks.append(Block("plain", court))
    labels = [
        _("Applicant %(n)d %(name)s (signature/seal)") % {"n": index, "name": party.name}
        for index, party in enumerate(parties, start=1)
    ]
    blocks.append(Block("signatures", labels=tuple(labels)))
    blocks.append(Block("right", _date(confirmation.filed_on)))
    blocks.append(Block("heading", _("Materials submitted")))
    lines = _materials_lines(confirmation)
    blocks.append(Block("plain", "\n".join(lines) if lines else _("(none uploaded yet)")))
    return blocks


def application_texts(confirmation: JudicialConfirmation, *, show_full_ids: bool) -> list[str]:
    """Every string the application prints, in order, in the site's language (for tests)."""
    with translation.override(settings.LANGUAGE_CODE):
        return block_texts(application_blocks(confirmation, show_full_ids=show_full_ids))


def application_pdf(confirmation: JudicialConfirmation, *, show_full_ids: bool) -> bytes:
    """The 司法确认申请书 as PDF bytes, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        blocks = application_blocks(confirmation, show_full_ids=show_full_ids)
        title = _("Application for judicial confirmation of a mediation agreement")
    return pdf.build_pdf(
        lambda: _story(blocks),
        title=f"{title} {confirmation.case.number}".strip(),
        author=confirmation.case.handling_organization.name,
    )


# --- the zip of the package ----------------------------------------------------------------------


def _extension(name: str) -> str:
    """The stored file's extension when it is a plain one (``.pdf``, ``.jpg``), else ``.bin``."""
    suffix = PurePath(name).suffix.lower()
    return suffix if _SAFE_EXTENSION.match(suffix) else ".bin"


def material_member_names(
    materials: list[ConfirmationMaterial],
) -> list[tuple[ConfirmationMaterial, str]]:
    """Each material with its name in the zip, derived only from its position, kind and stored
    extension (``01-application.pdf``, ``02-agreement.pdf`` …) — never a user-chosen path."""
    ordered = sorted(materials, key=lambda m: (_KIND_ORDER.get(m.kind, 99), m.pk))
    names = []
    for index, material in enumerate(ordered, start=1):
        kind = material.kind if material.kind in _KIND_ORDER else "other"
        names.append((material, f"{index:02d}-{kind}{_extension(material.file.name)}"))
    return names


class _Pipe:
    """A write-only, unseekable buffer that ``zipfile`` writes to and the response drains."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def materials_zip_stream(
    confirmation: JudicialConfirmation, *, show_full_ids: bool
) -> Iterator[bytes]:
    """The uploaded materials plus the generated application, as zip bytes produced piece by
    piece (for a ``StreamingHttpResponse``). A file missing from storage is left out and
    logged, so one lost upload does not break the download."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            APPLICATION_MEMBER, application_pdf(confirmation, show_full_ids=show_full_ids)
        )
        yield pipe.drain()
        for material, name in material_member_names(_materials(confirmation)):
            try:
                source = material.file.open("rb")
            except OSError:
                logger.warning("confirmation material %s is missing from storage", material.pk)
                continue
            with source, archive.open(name, mode="w") as member:
                while chunk := source.read(_CHUNK):
                    member.write(chunk)
                    if pipe.chunks:
                        yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()  # the central directory
