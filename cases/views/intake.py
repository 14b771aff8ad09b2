"""Intake: new case with parties and rights, party/right management, autocompletes.

Thin views: forms validate what was typed, services write (one transaction for the whole
intake), selectors decide what the user may see (out of scope → 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from alliance import selectors as alliance_selectors
from alliance import services as alliance_services
from alliance.validators import mask_resident_id, normalize_uscc
from cases import selectors, services
from cases.forms.intake import CaseIntakeForm, PartyForm, PartyFormSet, RightForm, RightFormSet
from cases.models import CaseRight, MediationCase, Party
from zhangzhou_ip.core.errors import DomainError

AUTOCOMPLETE_LIMIT = 20

# Model/service field → intake form field, where they differ.
PARTY_FIELD_MAP = {"organization": "enterprise"}
ENTERPRISE_FIELD_MAP = {"name": "name", "uscc": "uscc", "region": "region"}


def add_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ``ValidationError`` on the form: field errors next to their fields
    (renamed through ``field_map``), anything else at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = (field_map or {}).get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def related_disputes_message(case: MediationCase, user) -> str:
    """The related-dispute check as one message: visible cases linked, hidden ones only
    counted (DESIGN issue 3 part 5). Empty when there are none."""
    related = selectors.related_disputes(case, user)
    if not related.total:
        return ""
    parts = []
    if related.visible:
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("cases:case-detail", args=[c.pk]), str(c)) for c in related.visible),
        )
        parts.append(format_html("{} {}", _("Related disputes:"), links))
    if related.hidden_count:
        parts.append(
            format_html(
                "{}",
                ngettext(
                    "%(count)d related case in other cities.",
                    "%(count)d related cases in other cities.",
                    related.hidden_count,
                )
                % {"count": related.hidden_count},
            )
        )
    return format_html_join(" ", "{}", ((p,) for p in parts))


def _add_party(user, case: MediationCase, form: PartyForm) -> Party | None:
    """Register the new enterprise (if any) and add the party; errors go on ``form``.
    Raises ``ValidationError`` after recording it so the caller's transaction rolls back."""
    organization = None
    enterprise = form.enterprise_kwargs()
    if enterprise is not None:
        try:
            organization = alliance_services.organization_create(actor=user, **enterprise)
        except ValidationError as exc:
            add_errors(form, exc, ENTERPRISE_FIELD_MAP)
            raise
    try:
        return services.party_add(actor=user, case=case, **form.service_kwargs(organization))
    except ValidationError as exc:
        add_errors(form, exc, PARTY_FIELD_MAP)
        raise


def _add_right(user, case: MediationCase, form: RightForm) -> CaseRight:
    try:
        return services.right_add(actor=user, case=case, **form.service_kwargs())
    except ValidationError as exc:
        add_errors(form, exc)
        raise


def _filled(formset) -> list:
    return [form for form in formset.forms if form.has_changed()]


class CaseCreateView(View):
    """The intake form: case facts, parties and rights saved in one transaction as a draft,
    optionally submitted (which allocates the number). Any error re-renders everything
    typed and saves nothing."""

    template_name = "cases/intake/case_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("cases.add_mediationcase"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _forms(self, data=None) -> dict[str, Any]:
        user = self.request.user
        return {
            "form": CaseIntakeForm(data, user=user),
            "parties": PartyFormSet(data, prefix="parties", form_kwargs={"user": user}),
            "rights": RightFormSet(data, prefix="rights", form_kwargs={"user": user}),
        }

    def _render(self, forms: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {**forms, "enterprise_autocomplete": reverse("cases:enterprise-autocomplete")}
        context["ip_autocomplete"] = reverse("cases:ip-autocomplete")
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._forms())

    def post(self, request: HttpRequest) -> HttpResponse:
        forms = self._forms(request.POST)
        valid = [forms["form"].is_valid(), forms["parties"].is_valid(), forms["rights"].is_valid()]
        if not all(valid):
            return self._render(forms, status=400)
        submit = "submit" in request.POST
        user = request.user
        submit_refused: ValidationError | None = None
        try:
            with transaction.atomic():
                try:
                    case = services.case_create(actor=user, **forms["form"].service_kwargs())
                except ValidationError as exc:
                    add_errors(forms["form"], exc)
                    raise
                for form in _filled(forms["parties"]):
                    _add_party(user, case, form)
                for form in _filled(forms["rights"]):
                    _add_right(user, case, form)
                if submit:
                    try:
                        case = services.case_submit(actor=user, case=case)
                    except DomainError as exc:
                        # The draft stays; only the submission is refused.
                        submit_refused = exc
        except ValidationError as exc:
            if not _has_errors(forms):
                forms["form"].add_error(None, exc)
            return self._render(forms, status=400)
        if submit_refused is not None:
            messages.warning(
                request,
                _("The draft was saved but not submitted: %(reason)s")
                % {"reason": " ".join(submit_refused.messages)},
            )
        elif case.number:
            messages.success(request, _("Case %(number)s submitted.") % {"number": case.number})
        else:
            messages.success(request, _("Draft saved."))
        related = related_disputes_message(case, user)
        if related:
            messages.warning(request, related)
        return redirect("cases:case-detail", pk=case.pk)


def _has_errors(forms: dict[str, Any]) -> bool:
    if forms["form"].errors:
        return True
    return any(f.errors for key in ("parties", "rights") for f in forms[key].forms)


def _case_for_editing(request: HttpRequest, pk: int) -> MediationCase:
    case = get_object_or_404(selectors.case_visible_to(request.user, few=True), pk=pk)
    if not request.user.has_perm("cases.change_mediationcase", case):
        raise PermissionDenied
    return case


def party_rows(case: MediationCase, user) -> list[dict[str, Any]]:
    """Parties for display, resident ID numbers masked unless the user may see them."""
    full = selectors.may_see_full_id_numbers(user, case)
    rows = []
    for party in (
        selectors.party_visible_to(user).filter(case=case).select_related("organization__region")
    ):
        if party.id_number:
            shown = party.id_number if full else mask_resident_id(party.id_number)
        else:
            shown = ""
        rows.append({"party": party, "id_number": shown})
    return rows


class CasePartiesView(View):
    """Parties and rights of a case: list, add, links to edit and remove."""

    template_name = "cases/intake/case_parties.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _case_for_editing(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _render(self, party_form, right_form, status: int = 200) -> HttpResponse:
        user = self.request.user
        context = {
            "case": self.case,
            "party_rows": party_rows(self.case, user),
            "rights": selectors.case_right_visible_to(user).filter(case=self.case),
            "party_form": party_form,
            "right_form": right_form,
            "related": selectors.related_disputes(self.case, user),
            "enterprise_autocomplete": reverse("cases:enterprise-autocomplete"),
            "ip_autocomplete": reverse("cases:ip-autocomplete"),
        }
        return render(self.request, self.template_name, context, status=status)

    def _blank(self, prefix: str):
        user = self.request.user
        form_class = PartyForm if prefix == "party" else RightForm
        return form_class(prefix=prefix, user=user)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(self._blank("party"), self._blank("right"))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        if request.POST.get("action") == "add_right":
            form = RightForm(request.POST, prefix="right", user=user)
            if form.is_valid():
                try:
                    _add_right(user, self.case, form)
                except ValidationError:
                    pass
                else:
                    messages.success(request, _("Right added."))
                    self._related_message()
                    return redirect("cases:case-parties", pk=self.case.pk)
            return self._render(self._blank("party"), form, status=400)
        form = PartyForm(request.POST, prefix="party", user=user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    _add_party(user, self.case, form)
            except ValidationError:
                pass
            else:
                messages.success(request, _("Party added."))
                self._related_message()
                return redirect("cases:case-parties", pk=self.case.pk)
        return self._render(form, self._blank("right"), status=400)

    def _related_message(self) -> None:
        related = related_disputes_message(self.case, self.request.user)
        if related:
            messages.warning(self.request, related)


def _party(request: HttpRequest, pk: int, party_pk: int, perm: str) -> Party:
    party = get_object_or_404(selectors.party_visible_to(request.user), pk=party_pk, case_id=pk)
    if not request.user.has_perm(perm, party):
        raise PermissionDenied
    return party


class PartyEditView(View):
    template_name = "cases/intake/party_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.party = _party(request, kwargs["pk"], kwargs["party_pk"], "cases.change_party")
        self.full_ids = selectors.may_see_full_id_numbers(request.user, self.party.case)
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None) -> PartyForm:
        party = self.party
        keep = bool(party.id_number) and not self.full_ids
        initial = {
            "role": party.role,
            "kind": party.kind,
            "enterprise": party.organization.uscc if party.organization else "",
            "name": party.name if party.organization is None else "",
            "id_number": "" if keep else party.id_number,
            "region": party.region,
            "address": party.address,
            "phone": party.phone,
            "agent_name": party.agent_name,
            "agent_phone": party.agent_phone,
        }
        return PartyForm(
            data, prefix="party", user=self.request.user, keep_id_number=keep, initial=initial
        )

    def _render(self, form, status: int = 200) -> HttpResponse:
        context = {
            "case": self.party.case,
            "party": self.party,
            "form": form,
            "masked_id": mask_resident_id(self.party.id_number) if self.party.id_number else "",
            "enterprise_autocomplete": reverse("cases:enterprise-autocomplete"),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    organization = None
                    enterprise = form.enterprise_kwargs()
                    if enterprise is not None:
                        try:
                            organization = alliance_services.organization_create(
                                actor=request.user, **enterprise
                            )
                        except ValidationError as exc:
                            add_errors(form, exc, ENTERPRISE_FIELD_MAP)
                            raise
                    try:
                        services.party_update(
                            actor=request.user,
                            party=self.party,
                            **form.service_kwargs(organization),
                        )
                    except ValidationError as exc:
                        add_errors(form, exc, PARTY_FIELD_MAP)
                        raise
            except ValidationError:
                return self._render(form, status=400)
            messages.success(request, _("Party updated."))
            return redirect("cases:case-parties", pk=self.party.case_id)
        return self._render(form, status=400)


class _DeleteView(View):
    """Confirm (GET) and remove (POST) a party or right through its service."""

    template_name = "cases/intake/confirm_delete.html"

    def get_object(self, request: HttpRequest, **kwargs):
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj) -> None:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = self.get_object(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return render(
            request, self.template_name, {"object": self.object, "case": self.object.case}
        )

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            self.remove(request, self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Removed: %(object)s") % {"object": self.object})
        return redirect("cases:case-parties", pk=self.object.case_id)


class PartyDeleteView(_DeleteView):
    def get_object(self, request: HttpRequest, **kwargs) -> Party:
        return _party(request, kwargs["pk"], kwargs["party_pk"], "cases.delete_party")

    def remove(self, request: HttpRequest, obj: Party) -> None:
        services.party_remove(actor=request.user, party=obj)


class RightDeleteView(_DeleteView):
    def get_object(self, request: HttpRequest, **kwargs) -> CaseRight:
        right = get_object_or_404(
            selectors.case_right_visible_to(request.user),
            pk=kwargs["right_pk"],
            case_id=kwargs["pk"],
        )
        if not request.user.has_perm("cases.delete_caseright", right):
            raise PermissionDenied
        return right

    def remove(self, request: HttpRequest, obj: CaseRight) -> None:
        services.right_remove(actor=request.user, right=obj)


def _query(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


def enterprise_autocomplete(request: HttpRequest) -> HttpResponse:
    """Enterprises the user may see whose name contains ``q`` or whose USCC starts with it.
    JSON by default; ``<option>`` elements for htmx (``HX-Request``)."""
    q = _query(request)
    results = []
    if q:
        code = normalize_uscc(q)
        match = Q(name__icontains=q) | Q(short_name__icontains=q)
        if code:
            match |= Q(uscc__startswith=code)
        results = list(
            alliance_selectors.enterprise_list(request.user)
            .filter(match)
            .order_by("name")[:AUTOCOMPLETE_LIMIT]
        )
    if getattr(request, "htmx", False):
        return render(request, "cases/intake/enterprise_options.html", {"results": results})
    return JsonResponse(
        {
            "results": [
                {
                    "id": org.pk,
                    "name": org.name,
                    "uscc": org.uscc,
                    "region": org.region.name if org.region_id else "",
                    "label": f"{org.name} · {org.uscc}",
                }
                for org in results
            ]
        }
    )


def ip_autocomplete(request: HttpRequest) -> HttpResponse:
    """Registered rights the user may see, of the given owners (``owner``: enterprise USCCs or
    ids, repeatable — the parties typed so far) and/or matching ``q`` (number or title)."""
    q = _query(request)
    owners = [o.strip() for o in request.GET.getlist("owner") if o.strip()][:20]
    qs = alliance_selectors.intellectual_property_visible_to(request.user)
    if owners:
        ids = [int(o) for o in owners if o.isdigit() and len(o) < 12]
        codes = [normalize_uscc(o) for o in owners if not o.isdigit()]
        qs = qs.filter(Q(owner_id__in=ids) | Q(owner__uscc__in=codes))
    if q:
        qs = qs.filter(Q(number__icontains=q.upper().removeprefix("ZL")) | Q(title__icontains=q))
    results = list(qs.order_by("kind", "number")[:AUTOCOMPLETE_LIMIT]) if (q or owners) else []
    if getattr(request, "htmx", False):
        return render(request, "cases/intake/ip_options.html", {"results": results})
    return JsonResponse(
        {
            "results": [
                {
                    "id": ip.pk,
                    "kind": ip.kind,
                    "kind_label": ip.get_kind_display(),
                    "number": ip.number,
                    "display_number": ip.display_number,
                    "title": ip.title,
                    "owner": ip.owner.name,
                }
                for ip in results
            ]
        }
    )


urlpatterns = [
    path("new/", CaseCreateView.as_view(), name="case-create"),
    path("<int:pk>/parties/", CasePartiesView.as_view(), name="case-parties"),
    path("<int:pk>/parties/<int:party_pk>/edit/", PartyEditView.as_view(), name="party-edit"),
    path("<int:pk>/parties/<int:party_pk>/delete/", PartyDeleteView.as_view(), name="party-delete"),
    path("<int:pk>/rights/<int:right_pk>/delete/", RightDeleteView.as_view(), name="right-delete"),
    path("autocomplete/enterprises/", enterprise_autocomplete, name="enterprise-autocomplete"),
    path("autocomplete/rights/", ip_autocomplete, name="ip-autocomplete"),
]
