"""The partner side of a case (issue 5): the share page (grant, revoke), the "shared with us"
inbox, comments and a collaboration request about a case.

Thin views like the rest of ``cases.views``: cases come from ``cases.selectors`` (a case the
user cannot see is a 404, one they see but may not share a 403), every change goes through
``cases.services`` and its refusals are shown on the form fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Prefetch, QuerySet
from django.db.models import Value as Constant
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from alliance import selectors as alliance_selectors
from alliance.models import Organization
from cases import exports, selectors, services
from cases.forms.sharing import CollaborationRequestForm, CommentForm, RevokeForm, ShareForm
from cases.models import CaseComment, CaseShare, MediationCase
from cases.views.cases import CaseListView, CaseRowsExportMixin, _add_errors, _visible_case
from zhangzhou_ip.core.exports import Value
from zhangzhou_ip.core.views import ExportTable, is_unfiltered

SHARE_PERM = "cases.share_mediationcase"


# --- helpers shared with the case detail ----------------------------------------------------


def _lineage_ids(case: MediationCase) -> set[int]:
    """The handling organisation and its ancestors: not offered as share targets."""
    ids, node = set(), case.handling_organization
    while node is not None and len(ids) < 4:
        ids.add(node.pk)
        node = node.parent if node.parent_id else None
    return ids


def _targets(user, case: MediationCase) -> dict[str, Any]:
    """What a target select accepts (any organisation the user sees — the service says why a
    target is refused), what it offers (the other alliance members) and which it proposes
    first (the parties' member bureaus)."""
    return {
        "selectable": alliance_selectors.organization_visible_to(user),
        "offered": alliance_selectors.member_organizations()
        .exclude(pk__in=_lineage_ids(case))
        .select_related("region")
        .order_by("region__code", "name"),
        "proposed": set(services.share_targets(case).values_list("pk", flat=True)),
    }


def _case_shares(user, case: MediationCase) -> list[CaseShare]:
    shares = getattr(case, "visible_shares", None)
    if shares is None:
        shares = list(_share_queryset(user).filter(case=case))
    for share in shares:
        share.is_active = share.in_force()
    return shares


def _share_queryset(user) -> QuerySet[CaseShare]:
    return (
        selectors.share_visible_to(user)
        .select_related("organization", "granted_by", "revoked_by", "request")
        .order_by("-granted_at", "-pk")
    )


def _comment_queryset(user) -> QuerySet[CaseComment]:
    """The comments of one case at a time (a case page, a reply): tested per case."""
    return (
        selectors.comment_visible_to(user, few=True)
        .select_related("author", "organization")
        .order_by("created_at", "pk")
    )


def comment_thread(comments: list[CaseComment]) -> list[CaseComment]:
    """Top-level comments, each with ``thread_replies``: every reply below it in time order
    (a reply to a reply is shown under the comment it finally answers — one level)."""
    by_id = {c.pk: c for c in comments}
    roots: list[CaseComment] = []
    for comment in comments:
        comment.thread_replies = []
    for comment in comments:
        root = comment
        while root.reply_to_id is not None and root.reply_to_id in by_id:
            root = by_id[root.reply_to_id]
        if root is comment:
            roots.append(comment)
        else:
            root.thread_replies.append(comment)
    return roots


def case_sharing_prefetches(user) -> list[Prefetch]:
    """For a case page's queryset: the shares the user may see, one query whatever their
    number (the rules answer from them too)."""
    return [Prefetch("shares", queryset=_share_queryset(user), to_attr="visible_shares")]


def case_sharing_context(user, case: MediationCase) -> dict[str, Any]:
    """The "Sharing" panel of the case page, and whether it shows a "Comments" tab."""
    shares = _case_shares(user, case)
    can_share = user.has_perm(SHARE_PERM, case)
    return {
        "share_panel": can_share or bool(shares),
        "can_share_case": can_share,
        "active_shares": [s for s in shares if s.is_active],
        "ended_shares": [s for s in shares if not s.is_active],
        "can_view_comments": user.has_perm("cases.view_casecomment", CaseComment(case=case)),
    }


def case_comments_context(user, case: MediationCase) -> dict[str, Any]:
    """The "Comments" tab (loaded when opened); 403 for a user who may not read them."""
    probe = CaseComment(case=case)
    if not user.has_perm("cases.view_casecomment", probe):
        raise PermissionDenied
    comments = list(_comment_queryset(user).filter(case=case))
    can_comment = user.has_perm("cases.add_casecomment", probe)
    return {
        "can_comment": can_comment,
        "comment_thread": comment_thread(comments),
        "comment_count": len(comments),
        "comment_form": CommentForm() if can_comment else None,
    }


def _shareable_case(request: HttpRequest, pk: int) -> MediationCase:
    case = _visible_case(request, pk)
    if not request.user.has_perm(SHARE_PERM, case):
        raise PermissionDenied
    return case


# --- share page -------------------------------------------------------------------------------


class CaseShareView(View):
    """GET: the share form with the case's shares; POST: ``services.share_grant``."""

    template_name = "cases/sharing/share_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.case = _shareable_case(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def share_form(self, data=None) -> ShareForm:
        return ShareForm(data, **_targets(self.request.user, self.case))

    def render_page(
        self,
        form: ShareForm,
        *,
        revoke_share: int | None = None,
        revoke_form: RevokeForm | None = None,
        revoke_errors: list[str] | None = None,
    ) -> HttpResponse:
        shares = _case_shares(self.request.user, self.case)
        context = {
            "case": self.case,
            "form": form,
            "active_shares": [s for s in shares if s.is_active],
            "ended_shares": [s for s in shares if not s.is_active],
            "revoke_share": revoke_share,
            "revoke_form": revoke_form,
            "revoke_errors": revoke_errors or [],
        }
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(self.share_form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.share_form(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            share = services.share_grant(
                actor=request.user,
                case=self.case,
                organization=form.cleaned_data["organization"],
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_page(form)
        messages.success(
            request,
            _("The case is now shared with %(org)s (%(level)s).")
            % {"org": share.organization.name, "level": share.get_level_display()},
        )
        return redirect("cases:case-share", pk=self.case.pk)


class ShareRevokeView(CaseShareView):
    """POST only: ``services.share_revoke`` with a reason; the partner loses the case at
    once."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
        share = get_object_or_404(_share_queryset(request.user).filter(case=self.case), pk=share_pk)
        form = RevokeForm(request.POST)
        form.is_valid()
        try:
            services.share_revoke(
                actor=request.user, share=share, reason=form.cleaned_data.get("reason", "")
            )
        except ValidationError as exc:
            return self.render_page(
                self.share_form(),
                revoke_share=share.pk,
                revoke_form=form,
                revoke_errors=exc.messages,
            )
        messages.success(
            request,
            _("The share with %(org)s was revoked.") % {"org": share.organization.name},
        )
        return redirect("cases:case-share", pk=self.case.pk)


# --- comments -------------------------------------------------------------------------------


class CaseCommentView(View):
    """POST only: a comment or a reply (``services.comment_add``) by the handling side or a
    partner with a `collaborate` share; a `view` partner is refused (403)."""

    http_method_names = ["post"]
    template_name = "cases/sharing/comment_form.html"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _visible_case(request, pk)
        if not request.user.has_perm("cases.add_casecomment", CaseComment(case=case)):
            raise PermissionDenied
        form = CommentForm(request.POST)
        reply_to = None
        if form.is_valid() and form.cleaned_data["reply_to"]:
            reply_to = (
                _comment_queryset(request.user)
                .filter(case=case, pk=form.cleaned_data["reply_to"])
                .first()
            )
            if reply_to is None:
                form.add_error(None, _("Reply to a comment of this case."))
        if form.is_valid():
            try:
                services.comment_add(
                    actor=request.user,
                    case=case,
                    body=form.cleaned_data["body"],
                    reply_to=reply_to,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
        if not form.is_valid():
            return render(request, self.template_name, {"case": case, "form": form}, status=400)
        messages.success(request, _("Your comment was added."))
        return redirect(reverse("cases:case-detail", args=[case.pk]) + "#comments")


# --- collaboration request about a case -----------------------------------------------------


def _acting_members(user) -> QuerySet[Organization]:
    """The member organisations the user may send a collaboration request for."""
    members = alliance_selectors.member_organizations().order_by("name")
    if user.is_superuser:
        return members
    return members.filter(
        pk__in=alliance_selectors.organization_ids_of(user, roles=alliance_selectors.ACTING_ROLES)
    )


class CaseCollaborationView(View):
    """A collaboration request about the case (``services.case_collaboration_request``):
    the case is shared with the receiving member while the request is open or accepted."""

    template_name = "cases/sharing/collaboration_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.case = _shareable_case(request, kwargs["pk"])
        self.acting = _acting_members(request.user)
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None) -> CollaborationRequestForm:
        return CollaborationRequestForm(
            data,
            case=self.case,
            acting=self.acting,
            **_targets(self.request.user, self.case),
        )

    def render_form(self, form: CollaborationRequestForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"case": self.case, "form": form, "can_send": self.acting.exists()},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_form(self.make_form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        try:
            collaboration = services.case_collaboration_request(
                actor=request.user, case=self.case, **form.cleaned_data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "organization" in exc.error_dict:
                # The case's own check names the target "organization".
                exc.error_dict["to_organization"] = exc.error_dict.pop("organization")
            _add_errors(form, exc)
            return self.render_form(form)
        messages.success(
            request,
            _("The request was sent to %(org)s; the case is shared with them while it is open.")
            % {"org": collaboration.to_organization.name},
        )
        return redirect(reverse("alliance:collaboration-detail", args=[collaboration.pk]))


# --- the "shared with us" inbox -------------------------------------------------------------


class SharedWithUsView(CaseRowsExportMixin, CaseListView):
    """Cases other members share with the user's organisations: the case list's FilterSet,
    sorting and columns, plus each case's share level and who shared it. Its export has the
    case list export's columns and the shares."""

    template_name = "cases/sharing/shared_with_us.html"
    export_stem = "shared-with-us"

    def get_base_queryset(self) -> QuerySet[MediationCase]:
        return selectors.shared_with(self.request.user).select_related(
            "handling_organization__region"
        )

    def with_row_details(self, queryset: QuerySet[MediationCase]) -> QuerySet[MediationCase]:
        """The case list's row details, and the shares each row's "Share" column shows."""
        ours = (
            selectors.active_shares_to(self.request.user)
            .select_related("organization", "request__from_organization")
            .order_by("-granted_at", "-pk")
        )
        return (
            super()
            .with_row_details(queryset)
            .prefetch_related(Prefetch("shares", queryset=ours, to_attr="our_shares"))
        )

    def rows_at_least(self) -> int:
        """With no filter but the status, the inbox is the shared cases' id array itself: no
        other array bounds it."""
        if not is_unfiltered(self.filterset, "status"):
            return 0
        return selectors.visible_at_least(self.request.user, kinds=("share",))

    def coordinated_expression(self):
        """Every case here is shared with the user: no need to ask the share table per row
        (a hashed subplan over every share of the alliance)."""
        return Constant(True, output_field=BooleanField())

    def export_table(self, queryset: QuerySet[MediationCase]) -> ExportTable:
        export = exports.CaseExport()

        def rows() -> Iterator[list[Value]]:
            for case in exports.export_queryset(queryset).iterator(chunk_size=exports.CHUNK_SIZE):
                shares = export.separator.join(
                    f"{share.get_level_display()} ({share.organization.name})"
                    for share in case.our_shares
                )
                yield [*export.row(case), shares]

        return [*export.headers, _("Share")], rows()


urlpatterns = [
    path("shared/", SharedWithUsView.as_view(), name="shared-with-us"),
    path("<int:pk>/share/", CaseShareView.as_view(), name="case-share"),
    path(
        "<int:pk>/shares/<int:share_pk>/revoke/",
        ShareRevokeView.as_view(),
        name="share-revoke",
    ),
    path("<int:pk>/comments/", CaseCommentView.as_view(), name="case-comment"),
    path(
        "<int:pk>/collaboration/new/",
        CaseCollaborationView.as_view(),
        name="case-collaboration",
    ),
]
