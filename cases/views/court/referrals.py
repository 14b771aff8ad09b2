"""Court referrals (诉调对接): receiving one, its page, referral to litigation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import selectors, services
from cases.choices import Status
from cases.forms.court import (
    LitigationReferralForm,
    ReferralCloseForm,
    ReferralExtendForm,
    ReferralReceiveForm,
)
from cases.models import (
    CaseAssignment,
    CourtReferral,
)
from cases.views.court.common import (
    _litigation_referral,
    _status_of,
    annotate_referral_clocks,
)
from cases.views.court.confirmations import (
    Action,
)
from cases.views.intake import add_errors

# --- referrals ----------------------------------------------------------------------------------


class ReferralReceiveView(View):
    """A court delegates (委派) or entrusts (委托) a dispute: opens a draft case with the
    referral and its 30-day term (DOMAIN §4); then the parties are added."""

    template_name = "cases/court/referral_receive.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("cases.add_mediationcase"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: ReferralReceiveForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(ReferralReceiveForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReferralReceiveForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            referral = services.referral_receive(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_errors(form, exc)
            return self._render(form, status=_status_of(exc))
        messages.success(
            request,
            _(
                "The referral of %(court)s was received and a draft case opened; the mediation "
                "term ends on %(date)s. Add the parties now."
            )
            % {
                "court": referral.court.name,
                "date": referral.term_ends_on.isoformat() if referral.term_ends_on else "—",
            },
        )
        return redirect("cases:case-parties", pk=referral.case_id)


REFERRAL_ACTIONS: dict[str, Action] = {
    "extend": Action(
        ReferralExtendForm,
        services.referral_extend,
        "cases.change_courtreferral",
        gettext_lazy("Extend the mediation term"),
        "outline-primary",
    ),
    "close": Action(
        ReferralCloseForm,
        services.referral_close,
        "cases.change_courtreferral",
        gettext_lazy("Record the outcome"),
    ),
}


def _visible_referral(request: HttpRequest, pk: int) -> CourtReferral:
    queryset = (
        selectors.referral_visible_to(request.user)
        .select_related("case__handling_organization__parent__parent__parent", "court")
        .prefetch_related(
            Prefetch(
                "case__assignments",
                queryset=CaseAssignment.objects.filter(unassigned_at__isnull=True),
                to_attr="active_assignments",
            )
        )
    )
    return get_object_or_404(queryset, pk=pk)


def available_referral_actions(user, referral: CourtReferral) -> list[str]:
    if referral.status != CourtReferral.Status.OPEN:
        return []
    if not user.has_perm("cases.change_courtreferral", referral):
        return []
    names = ["close"]
    if referral.direction == CourtReferral.Direction.INBOUND and not referral.extension_days:
        names.insert(0, "extend")
    return names


def _referral_form(name: str, referral: CourtReferral, data=None):
    kwargs: dict[str, Any] = {
        "initial": {"version": referral.version},
        "prefix": name,
    }
    if name == "close":
        kwargs["referral"] = referral
    return REFERRAL_ACTIONS[name].form_class(data, **kwargs)


def render_referral(
    request: HttpRequest,
    referral: CourtReferral,
    *,
    bound: tuple[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    annotate_referral_clocks(referral, timezone.localdate())
    names = available_referral_actions(user, referral)
    if bound is not None and bound[0] not in names:
        names.append(bound[0])
    actions = []
    for name in names:
        form = bound[1] if bound is not None and bound[0] == name else None
        actions.append(
            {
                "name": name,
                "label": REFERRAL_ACTIONS[name].label,
                "style": REFERRAL_ACTIONS[name].style,
                "form": form or _referral_form(name, referral),
                "open": form is not None,
            }
        )
    context = {
        "r": referral,
        "case": referral.case,
        "can_view_case": user.has_perm("cases.view_mediationcase", referral.case),
        "actions": actions,
    }
    return render(request, "cases/court/referral_detail.html", context, status=status)


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_referral(request, _visible_referral(request, pk))


class ReferralActionView(View):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.name = kwargs["action"]
        if self.name not in REFERRAL_ACTIONS:
            raise Http404
        self.referral = _visible_referral(request, kwargs["pk"])
        if not request.user.has_perm("cases.change_courtreferral", self.referral):
            raise PermissionDenied(_("You are not allowed to do this on this referral."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        return redirect(f"{self.referral.get_absolute_url()}#action-{self.name}")

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        form = _referral_form(self.name, self.referral, request.POST)
        if not form.is_valid():
            return render_referral(request, self.referral, bound=(self.name, form), status=400)
        try:
            REFERRAL_ACTIONS[self.name].service(
                actor=request.user, referral=self.referral, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            referral = _visible_referral(request, pk)
            return render_referral(
                request, referral, bound=(self.name, form), status=_status_of(exc)
            )
        messages.success(
            request, _("%(action)s: done.") % {"action": REFERRAL_ACTIONS[self.name].label}
        )
        return redirect(self.referral.get_absolute_url())


class LitigationReferralView(View):
    """Refer a failed mediation to litigation: the court, the date and a note."""

    template_name = "cases/court/litigation_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = get_object_or_404(
            selectors.case_visible_to(request.user, few=True), pk=kwargs["pk"]
        )
        if not request.user.has_perm("cases.add_courtreferral", _litigation_referral(self.case)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: LitigationReferralForm, status: int = 200) -> HttpResponse:
        context = {"case": self.case, "form": form, "failed": self.case.status == Status.FAILED}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(LitigationReferralForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = LitigationReferralForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            referral = services.referral_to_litigation(
                actor=request.user, case=self.case, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self._render(form, status=_status_of(exc))

        messages.success(
            request,
            _("The case was referred to %(court)s for litigation.")
            % {"court": referral.court.name},
        )
        return redirect(referral.get_absolute_url())
