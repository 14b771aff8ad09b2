"""Citing 益企证 records in a case (issue 6, part 8)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import MediationCase
from cases.services._base import _lock, _require, record_event
from evidence.models import EvidenceRecord
from evidence.selectors import evidence_visible_to
from zhangzhou_ip.core.errors import DomainError
from zhangzhou_ip.core.errors import PermissionDenied as DomainPermissionDenied


@transaction.atomic
def evidence_link(*, actor, case: MediationCase, record: EvidenceRecord) -> None:
    """Cite a record the actor may see; withdrawn records cannot be cited."""
    case = _lock(case, None)
    _require(actor, "cases.change_mediationcase", case)
    if not evidence_visible_to(actor, few=True).filter(pk=record.pk).exists():
        raise DomainPermissionDenied(
            _("You may not cite this evidence record."), code="evidence_forbidden"
        )
    if record.is_withdrawn:
        raise DomainError(
            _("Record %(number)s was withdrawn and cannot be cited.") % {"number": record.number},
            code="evidence_withdrawn",
        )
    if case.evidence.filter(pk=record.pk).exists():
        raise DomainError(
            _("Record %(number)s is already cited in this case.") % {"number": record.number},
            code="evidence_duplicate",
        )
    case.evidence.add(record)
    record_event(case, actor, "evidence.linked", number=record.number, record=record.pk)


@transaction.atomic
def evidence_unlink(*, actor, case: MediationCase, record: EvidenceRecord) -> None:
    case = _lock(case, None)
    _require(actor, "cases.change_mediationcase", case)
    if not case.evidence.filter(pk=record.pk).exists():
        raise DomainError(_("This record is not cited in this case."), code="evidence_not_cited")
    case.evidence.remove(record)
    record_event(case, actor, "evidence.unlinked", number=record.number, record=record.pk)
