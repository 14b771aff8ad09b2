"""Enumerations of the cases app and the allowed-transition table (DESIGN §5, DOMAIN §3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    MEDIATING = "mediating", _("Mediating")
    SETTLED = "settled", _("Settled")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.MEDIATING)
FINISHED_STATUSES = (Status.DECLINED, Status.WITHDRAWN, Status.CLOSED)

# transition name → (statuses it may start from, status it leads to). DESIGN §5.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((Status.DRAFT,), Status.SUBMITTED),
    "accept": ((Status.SUBMITTED,), Status.ACCEPTED),
    "decline": ((Status.SUBMITTED,), Status.DECLINED),
    "start_mediation": ((Status.ACCEPTED,), Status.MEDIATING),
    "settle": ((Status.MEDIATING,), Status.SETTLED),
    "fail": ((Status.MEDIATING,), Status.FAILED),
    "withdraw": ((Status.SUBMITTED, Status.ACCEPTED, Status.MEDIATING), Status.WITHDRAWN),
    "close": ((Status.SETTLED, Status.FAILED), Status.CLOSED),
}

TRANSITION_LABELS = {
    "submit": _("Submit"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "start_mediation": _("Start mediation"),
    "settle": _("Record settlement"),
    "fail": _("Record failure"),
    "withdraw": _("Record withdrawal"),
    "close": _("Close the case"),
}


class DisputeType(models.TextChoices):
    """Civil causes of action of 《民事案件案由规定》 part 5 (DOMAIN §3.2)."""

    INVENTION_INFRINGEMENT = "invention_infringement", _("Invention patent infringement")
    UTILITY_MODEL_INFRINGEMENT = "utility_model_infringement", _("Utility model infringement")
    DESIGN_INFRINGEMENT = "design_infringement", _("Design patent infringement")
    PATENT_OWNERSHIP = "patent_ownership", _("Patent (application) ownership")
    INVENTOR_REMUNERATION = "inventor_remuneration", _("Service-invention reward or remuneration")
    PATENT_CONTRACT = "patent_contract", _("Patent contract (transfer, licence)")
    TRADEMARK_INFRINGEMENT = "trademark_infringement", _("Trademark infringement")
    TRADEMARK_OWNERSHIP = "trademark_ownership", _("Trademark ownership")
    TRADEMARK_CONTRACT = "trademark_contract", _("Trademark contract")
    GI_INFRINGEMENT = "gi_infringement", _("Geographical-indication mark infringement")
    COPYRIGHT_INFRINGEMENT = "copyright_infringement", _("Copyright infringement (incl. software)")
    COPYRIGHT_OWNERSHIP = "copyright_ownership", _("Copyright ownership")
    COPYRIGHT_CONTRACT = "copyright_contract", _("Copyright contract")
    TRADE_SECRET = "trade_secret", _("Trade secret infringement")
    UNFAIR_COMPETITION = (
        "unfair_competition",
        _("Unfair competition (passing off, false advertising)"),
    )
    OTHER = "other", _("Other IP dispute")


# Ownership (权属) disputes: an agreement settling them is likely an ownership determination,
# which courts will not confirm (DOMAIN §1.6 item 5).
OWNERSHIP_DISPUTES = (
    DisputeType.PATENT_OWNERSHIP,
    DisputeType.TRADEMARK_OWNERSHIP,
    DisputeType.COPYRIGHT_OWNERSHIP,
)


class MediationKind(models.TextChoices):
    """DOMAIN §1.8: the kind of mediation decides the confirmation basis."""

    PEOPLES = "peoples", _("People's mediation")
    ADMINISTRATIVE = "administrative", _("Administrative mediation")
    INDUSTRY = "industry", _("Industry mediation")
    COMMERCIAL = "commercial", _("Commercial mediation")
    COURT_DELEGATED = "court_delegated", _("Court-invited mediation (delegated, pre-filing)")
    COURT_ENTRUSTED = "court_entrusted", _("Court-invited mediation (entrusted, after filing)")


class Source(models.TextChoices):
    DIRECT = "direct", _("Direct application")
    COURT_DELEGATION = "court_delegation", _("Court delegation (委派)")
    COURT_ENTRUSTMENT = "court_entrustment", _("Court entrustment (委托)")
    ADMINISTRATIVE_REFERRAL = "administrative_referral", _("Administrative referral")
    ALLIANCE_COLLABORATION = "alliance_collaboration", _("Alliance collaboration")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class PartyKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organisation")
    PERSON = "person", _("Natural person")


class SessionOutcome(models.TextChoices):
    CONTINUED = "continued", _("To be continued")
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    ADJOURNED = "adjourned", _("Adjourned")
