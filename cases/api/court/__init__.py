"""Judicial confirmations and court referrals API (issue 4): ``/api/v1/judicial-confirmations/``
and ``/api/v1/court-referrals/``.

Built like the case API (``cases/api/views.py``): querysets from ``cases.selectors`` (an item
out of scope is a 404 — a court liaison sees only the items at their court), the shared
FilterSets (``cases/filters_court.py``), every write through a service (which checks the
permission, the state and the rule, and writes the timeline), refusals as JSON through the
shared exception handler, and the object's ``version`` for optimistic concurrency (409 when
stale). Serializers validate the shape of a request only.
"""

from cases.api.court.common import CaseRefSerializer, _plain, _visible_cases
from cases.api.court.confirmations import JudicialConfirmationViewSet, material_download_url
from cases.api.court.referrals import CourtReferralViewSet

__all__ = [
    "CaseRefSerializer",
    "CourtReferralViewSet",
    "JudicialConfirmationViewSet",
    "_plain",
    "_visible_cases",
    "material_download_url",
]
