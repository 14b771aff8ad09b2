"""Court pages: judicial confirmation (prepare, detail with materials and the court's
decisions), court referrals (receive, detail, extend, close, referral to litigation) and the
court liaison desk (issue 4 parts 2, 4, 5; DOMAIN §1, §4).

Thin views: confirmations and referrals are looked up through ``cases.selectors`` (out of
scope → 404), every change goes through ``cases.services`` (which checks the permission,
the state and the rule, and writes the timeline); a refusal is shown on the form with the
rule's message and the HTTP status of the domain error."""

from django.urls import path, re_path

from cases.views.court.common import case_court_context
from cases.views.court.confirmations import (
    CONFIRMATION_ACTIONS,
    ConfirmationActionView,
    ConfirmationCreateView,
    MaterialUploadView,
    confirmation_detail,
    material_download,
    ruling_download,
)
from cases.views.court.desk import CourtDeskView
from cases.views.court.lists import ConfirmationListView, ReferralListView
from cases.views.court.referrals import (
    REFERRAL_ACTIONS,
    LitigationReferralView,
    ReferralActionView,
    ReferralReceiveView,
    referral_detail,
)

__all__ = ["case_court_context", "urlpatterns"]


CONFIRMATION_ACTION_RE = "|".join(CONFIRMATION_ACTIONS)
REFERRAL_ACTION_RE = "|".join(REFERRAL_ACTIONS)

urlpatterns = [
    path("court-desk/", CourtDeskView.as_view(), name="court-desk"),
    path("confirmations/", ConfirmationListView.as_view(), name="confirmation-list"),
    path("referrals/", ReferralListView.as_view(), name="referral-list"),
    path(
        "<int:pk>/confirmation/new/", ConfirmationCreateView.as_view(), name="confirmation-create"
    ),
    path("confirmations/<int:pk>/", confirmation_detail, name="confirmation-detail"),
    path(
        "confirmations/<int:pk>/materials/",
        MaterialUploadView.as_view(),
        name="confirmation-material",
    ),
    path(
        "confirmations/<int:pk>/materials/<int:material_pk>/",
        material_download,
        name="material-download",
    ),
    path("confirmations/<int:pk>/ruling/", ruling_download, name="confirmation-ruling"),
    # Only the named actions, so other pages under a confirmation are never shadowed.
    re_path(
        rf"^confirmations/(?P<pk>[0-9]+)/(?P<action>{CONFIRMATION_ACTION_RE})/$",
        ConfirmationActionView.as_view(),
        name="confirmation-action",
    ),
    path("referrals/new/", ReferralReceiveView.as_view(), name="referral-receive"),
    path("referrals/<int:pk>/", referral_detail, name="referral-detail"),
    re_path(
        rf"^referrals/(?P<pk>[0-9]+)/(?P<action>{REFERRAL_ACTION_RE})/$",
        ReferralActionView.as_view(),
        name="referral-action",
    ),
    path("<int:pk>/litigation/", LitigationReferralView.as_view(), name="referral-to-litigation"),
]
