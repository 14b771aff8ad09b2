"""Lists of judicial confirmations and court referrals: every item the user may see (the
handling side, the parties, the court it is before), filtered by the FilterSets the API uses,
so a figure on the statistics page links to a list that counts the same rows. Sortable,
paginated, exported as CSV/XLSX with the same rows (``core.views.ExportMixin``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.filters_court import CourtReferralFilterSet, JudicialConfirmationFilterSet
from cases.models import CourtReferral, JudicialConfirmation
from zhangzhou_ip.core.views import ExportMixin, FilteredListView

CASE_NUMBER_SORT = ("case__number_year", "case__number_seq", "case__number")


def _date_inputs(filterset, names: tuple[str, ...]):
    """Browsers' date pickers for the from–to range filters."""
    for name in names:
        for widget in filterset.form.fields[name].widget.widgets:
            widget.input_type = "date"
    return filterset


class ConfirmationListView(ExportMixin, FilteredListView):
    template_name = "cases/court/confirmation_list.html"
    filterset_class = JudicialConfirmationFilterSet
    sort_fields = {
        "case": CASE_NUMBER_SORT,
        "court": ("court__name",),
        "status": ("status",),
        "filed": ("filed_on",),
        "accepted": ("accepted_on",),
        "ruling": ("ruling_on",),
    }
    default_sort = "-filed"
    export_stem = "judicial-confirmations"
    export_title = _("Judicial confirmations")
    export_columns = [
        (_("Case number"), "case.number"),
        (_("Case title"), "case.title"),
        (_("Handling organisation"), "case.handling_organization.name"),
        (_("Court"), "court.name"),
        (_("Legal basis"), "get_basis_display"),
        (_("Remote (异地)"), "is_remote"),
        (_("Status"), "get_status_display"),
        (_("Filed on"), "filed_on"),
        (_("Court should accept by"), "acceptance_due"),
        (_("Accepted on"), "accepted_on"),
        (_("Court should decide by"), "decision_due"),
        (_("Ruling date"), "ruling_on"),
        (_("Court case number"), "court_case_number"),
    ]

    def get_base_queryset(self) -> QuerySet[JudicialConfirmation]:
        return selectors.confirmation_visible_to(self.request.user).select_related(
            "case__handling_organization", "court"
        )

    def get_filterset(self):
        return _date_inputs(super().get_filterset(), ("filed", "accepted", "ruling"))


class ReferralListView(ExportMixin, FilteredListView):
    template_name = "cases/court/referral_list.html"
    filterset_class = CourtReferralFilterSet
    sort_fields = {
        "case": CASE_NUMBER_SORT,
        "court": ("court__name",),
        "kind": ("kind",),
        "status": ("status",),
        "referred": ("referred_on",),
        "term": ("term_ends_on",),
    }
    default_sort = "-referred"
    export_stem = "court-referrals"
    export_title = _("Court referrals")
    export_columns = [
        (_("Case number"), "case.number"),
        (_("Case title"), "case.title"),
        (_("Handling organisation"), "case.handling_organization.name"),
        (_("Court"), "court.name"),
        (_("Direction"), "get_direction_display"),
        (_("Kind"), "get_kind_display"),
        (_("Court reference number"), "court_reference"),
        (_("Referred on"), "referred_on"),
        (_("Mediation term ends on"), "term_ends_on"),
        (_("Status"), "get_status_display"),
        (_("Outcome"), "get_outcome_display"),
        (_("Result date"), "result_on"),
    ]

    def get_base_queryset(self) -> QuerySet[CourtReferral]:
        return selectors.referral_visible_to(self.request.user).select_related(
            "case__handling_organization", "court"
        )

    def get_filterset(self):
        return _date_inputs(super().get_filterset(), ("referred",))
