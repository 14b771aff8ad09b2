"""Small worlds for the journeys, built through the services on top of ``case_world``
(tests/cases/conftest.py): only what a journey needs, not the demo."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from alliance.models import Organization
from cases import services
from cases.models import ConfirmationMaterial, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def settled_case(case_world: dict[str, Any], title: str, dispute_type: str):
    """A case of the committee taken to ``settled`` through the services."""
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title=title,
        dispute_type=dispute_type,
        parties=[org_party("applicant", orgs["ent_a"]), org_party("respondent", orgs["ent_b"])],
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


def filed_confirmation(
    case_world: dict[str, Any], *, court_code: str, title: str, dispute_type: str
) -> JudicialConfirmation:
    """A settled case of the committee whose judicial confirmation was filed with the court
    ``court_code`` (which must be competent for ``dispute_type``: DOMAIN §1.3). Written in
    Chinese, as the mediator's browser would have: the court's reason is stored text."""
    mediator = case_world["users"]["mediator"]
    case = settled_case(case_world, title, dispute_type)
    with translation.override("zh-hans"):
        confirmation = services.confirmation_prepare(
            actor=mediator,
            case=case,
            court=Organization.objects.get(court_code=court_code),
            joint_application=True,
        )
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=mediator,
            confirmation=confirmation,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf"),
        )
    return services.confirmation_file(actor=mediator, confirmation=confirmation)
