"""Case models, one module per sub-domain: mediation (the case and its children) and court
(judicial confirmation, court referrals)."""

from cases.models.court import ConfirmationMaterial, CourtReferral, JudicialConfirmation
from cases.models.mediation import (
    DEFAULT_NUMBER_TEMPLATE,
    NON_NEGATIVE,
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseNumbering,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
    agreement_upload_to,
)
from cases.models.protection import ProtectionAction
from cases.models.sharing import CaseComment, CaseShare

__all__ = [
    "DEFAULT_NUMBER_TEMPLATE",
    "NON_NEGATIVE",
    "Agreement",
    "CaseAssignment",
    "CaseComment",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseNumbering",
    "CaseRight",
    "CaseShare",
    "ConfirmationMaterial",
    "CourtReferral",
    "JudicialConfirmation",
    "MediationCase",
    "MediationSession",
    "Party",
    "ProtectionAction",
    "agreement_upload_to",
]
