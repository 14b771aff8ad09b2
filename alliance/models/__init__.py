"""Alliance models, one module per sub-domain: the directory (regions, organisations,
memberships, IP rights, courts' jurisdiction, holiday calendar) and collaboration."""

from alliance.models.collaboration import (
    CollaborationReply,
    CollaborationRequest,
    reply_upload_to,
)
from alliance.models.directory import (
    CourtJurisdiction,
    HolidayDate,
    HolidayYear,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)
from alliance.models.indicators import Indicator, IndicatorValue

__all__ = [
    "CollaborationReply",
    "CollaborationRequest",
    "CourtJurisdiction",
    "HolidayDate",
    "HolidayYear",
    "Indicator",
    "IndicatorValue",
    "IntellectualProperty",
    "Membership",
    "Organization",
    "Region",
    "reply_upload_to",
]
