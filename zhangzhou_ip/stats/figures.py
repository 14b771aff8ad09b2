"""The statistics of a scope, computed by the database from the records the reader may see.

Every figure is counted over a *source*: the app's visibility selector filtered by the app's
own FilterSet with the scope's parameters (period, organisation, region) — the FilterSet the
list page and the API use. The figure's link is that list with the same parameters (plus the
figure's own, e.g. ``status=settled``), so the list shows exactly the rows the figure counts;
the tests open every link and compare. Counting happens in one aggregate per source and one
GROUP BY per breakdown; nothing is summed in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from alliance import selectors as alliance_selectors
from alliance.filters import OrganizationFilterSet
from alliance.filters_collaboration import CollaborationRequestFilterSet
from alliance.models import Organization, Region
from cases import selectors as case_selectors
from cases.choices import DisputeType, Source, Status
from cases.filters import MediationCaseFilterSet, Outcome, outcome_q
from cases.filters_court import CourtReferralFilterSet, JudicialConfirmationFilterSet
from cases.filters_protection import ProtectionActionFilterSet
from cases.models import CaseShare, CourtReferral, JudicialConfirmation
from cases.protection import protection_action_visible_to
from evidence.filters import EvidenceRecordFilterSet, RetrievalRequestFilterSet
from evidence.selectors import evidence_visible_to, retrieval_visible_to
from zhangzhou_ip.stats.period import Scope

Number = int | Decimal | float | None
ZERO = Decimal("0.00")


@dataclass
class Figure:
    key: str
    section: str
    label: Any
    definition: Any
    value: Number
    url: str | None
    unit: str = ""  # "", "CNY", "%", "days"

    @property
    def display(self) -> str:
        return format_value(self.value, self.unit)


def format_value(value: Number, unit: str = "") -> str:
    """Thousands grouped in both languages (Django's zh-hans formats do not group)."""
    if value is None:
        return "—"
    if unit == "CNY":
        return f"{value:,.2f}"
    if unit in ("%", "days"):
        return f"{value:.1f}"
    return f"{value:,}"


@dataclass
class Row:
    key: str
    label: str
    value: Number
    url: str | None = None


@dataclass
class Flow:
    """Collaboration requests from one member to another in the period."""

    source: str
    target: str
    value: int
    url: str

    @property
    def label(self) -> str:
        return f"{self.source} → {self.target}"


@dataclass
class Breakdown:
    key: str
    title: Any
    rows: list[Row]
    definition: Any = ""

    @property
    def total(self) -> Number:
        return sum((row.value or 0) for row in self.rows)


@dataclass
class Monthly:
    """Counts per month of the period (``months`` as YYYY-MM), one series per group."""

    key: str
    title: Any
    months: list[str]
    series: list[tuple[str, str, list[int]]]  # (key, label, counts per month)
    urls: list[str | None] = field(default_factory=list)  # the month's list, all groups


@dataclass
class Statistics:
    scope: Scope
    figures: list[Figure]
    breakdowns: dict[str, Breakdown]
    monthly: dict[str, Monthly]
    flows: list[Flow]
    notes: list[Any]

    def __getitem__(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def values(self) -> dict[str, Number]:
        return {figure.key: figure.value for figure in self.figures}


SECTIONS: dict[str, Any] = {
    "alliance": _("Alliance and collaboration"),
    "cases": _("Mediation cases"),
    "court": _("Judicial confirmation and court referral"),
    "evidence": _("益企证 evidence service"),
    "protection": _("Protection actions"),
}


class SourceList:
    """A visible queryset narrowed by a FilterSet with the scope's parameters, and the URL of
    the list page that applies the same FilterSet to the same queryset."""

    def __init__(
        self,
        filterset_class: type,
        queryset: QuerySet,
        url_name: str,
        params: dict[str, str],
        request: Any,
    ) -> None:
        self.params = {key: value for key, value in params.items() if value not in (None, "")}
        self.url_name = url_name
        data = QueryDict(mutable=True)  # as the list page receives them (multi-value filters)
        data.update(self.params)
        self.filterset = filterset_class(data, queryset=queryset, request=request)

    @cached_property
    def qs(self) -> QuerySet:
        """The scoped rows; an organisation or region outside the filter's choices (nothing of
        it is visible) leaves no rows, as the list page shows none."""
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs.order_by()

    def url(self, **extra: Any) -> str:
        params = {**self.params, **{k: v for k, v in extra.items() if v is not None}}
        return reverse(self.url_name) + "?" + urlencode(params)


def _date(value: dt.date) -> str:
    return value.isoformat()


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _month_key(value: dt.date | dt.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _region_at(path: str, level: str) -> Case:
    """The code of the province (or city) containing the region at ``path``: regions nest
    province → city → district, and a province-level municipality is its own city."""
    code, parent, grandparent = (
        f"{path}__code",
        f"{path}__parent__code",
        f"{path}__parent__parent__code",
    )
    if level == Region.Level.PROVINCE:
        return Case(
            When(**{f"{path}__level": Region.Level.PROVINCE}, then=F(code)),
            When(**{f"{path}__level": Region.Level.CITY}, then=F(parent)),
            default=Coalesce(F(grandparent), F(parent)),
            output_field=CharField(),
        )
    return Case(
        When(**{f"{path}__level": Region.Level.COUNTY}, then=F(parent)),
        default=F(code),
        output_field=CharField(),
    )


class StatisticsBuilder:
    """Computes the statistics of ``scope`` for ``request.user``."""

    def __init__(self, request: Any, scope: Scope) -> None:
        self.request = request
        self.user = request.user
        self.scope = scope
        self.figures: list[Figure] = []
        self.breakdowns: dict[str, Breakdown] = {}
        self.monthly: dict[str, Monthly] = {}
        self.notes: list[Any] = []

    # --- sources ---------------------------------------------------------------------------

    def _source(
        self,
        filterset_class: type,
        queryset: QuerySet,
        url_name: str,
        date_params: tuple[str, str],
        organization_param: str | None,
        region: bool = True,
    ) -> SourceList:
        scope = self.scope
        params = {date_params[0]: _date(scope.start), date_params[1]: _date(scope.end)}
        if scope.organization is not None and organization_param:
            params[organization_param] = str(scope.organization.pk)
        if scope.region is not None and region:
            params["region"] = scope.region.code
        return SourceList(filterset_class, queryset, url_name, params, self.request)

    @cached_property
    def cases(self) -> SourceList:
        return self._source(
            MediationCaseFilterSet,
            case_selectors.case_visible_to(self.user),
            "cases:case-list",
            ("received_after", "received_before"),
            "handling_organization",
        )

    @cached_property
    def confirmations(self) -> SourceList:
        return self._source(
            JudicialConfirmationFilterSet,
            case_selectors.confirmation_visible_to(self.user),
            "cases:confirmation-list",
            ("filed_after", "filed_before"),
            "handling_organization",
        )

    @cached_property
    def referrals(self) -> SourceList:
        return self._source(
            CourtReferralFilterSet,
            case_selectors.referral_visible_to(self.user),
            "cases:referral-list",
            ("referred_after", "referred_before"),
            "handling_organization",
        )

    @cached_property
    def collaborations(self) -> SourceList:
        return self._source(
            CollaborationRequestFilterSet,
            alliance_selectors.collaboration_visible_to(self.user),
            "alliance:collaboration-list",
            ("sent_after", "sent_before"),
            "organization",
        )

    def _service_point_param(self) -> str | None:
        """Evidence belongs to service points: the organisation filter narrows it only when
        the organisation is one (a note on the page says so otherwise)."""
        org = self.scope.organization
        is_point = org is not None and org.kind == Organization.Kind.SERVICE_POINT
        return "service_point" if is_point else None

    @cached_property
    def evidence(self) -> SourceList:
        return self._source(
            EvidenceRecordFilterSet,
            evidence_visible_to(self.user),
            "evidence:list",
            ("deposited_after", "deposited_before"),
            self._service_point_param(),
        )

    @cached_property
    def retrievals(self) -> SourceList:
        return self._source(
            RetrievalRequestFilterSet,
            retrieval_visible_to(self.user),
            "evidence:retrieval-list",
            ("requested_after", "requested_before"),
            self._service_point_param(),
        )

    @cached_property
    def protection(self) -> SourceList:
        return self._source(
            ProtectionActionFilterSet,
            protection_action_visible_to(self.user),
            "cases:protection-list",
            ("started_after", "started_before"),
            "handled_by",
        )

    @cached_property
    def members(self) -> SourceList:
        """Member bureaus at the end of the period (joined on or before it)."""
        params = {"kind": Organization.Kind.BUREAU, "is_member": "true"}
        params["joined_before"] = _date(self.scope.end)
        if self.scope.region is not None:
            params["region"] = self.scope.region.code
        return SourceList(
            OrganizationFilterSet,
            alliance_selectors.organization_visible_to(self.user).filter(is_active=True),
            "alliance:organization-list",
            params,
            self.request,
        )

    # --- helpers -----------------------------------------------------------------------------

    def add(
        self,
        key: str,
        section: str,
        label: Any,
        definition: Any,
        value: Number,
        url: str | None,
        unit: str = "",
    ) -> None:
        self.figures.append(Figure(key, section, label, definition, value, url, unit))

    def breakdown(
        self,
        key: str,
        title: Any,
        rows: Iterable[Row],
        definition: Any = "",
    ) -> Breakdown:
        result = Breakdown(key, title, list(rows), definition)
        self.breakdowns[key] = result
        return result

    def grouped(
        self,
        source: SourceList,
        group: str | Any,
        labels: Callable[[Any], str] | None,
        url_param: str | None,
        *,
        value: Any = None,
        order_by_value: bool = True,
    ) -> list[Row]:
        """One row per value of ``group`` (a field name or an expression), with its count.
        ``labels=None``: the values are organisation ids, named by one lookup of those ids
        (not by repeating the source's query in a subquery)."""
        qs = source.qs
        if not isinstance(group, str):
            qs = qs.annotate(_group=group)
            group = "_group"
        rows = list(qs.values(group).annotate(n=value or Count("pk")).order_by())
        if labels is None:
            names = dict(
                Organization.objects.filter(
                    pk__in=[item[group] for item in rows if item[group] is not None]
                ).values_list("pk", "name")
            )

            def labels(pk: Any) -> str:
                return names.get(pk, str(pk))

        result = [
            Row(
                str(item[group]),
                labels(item[group]),
                item["n"],
                source.url(**{url_param: item[group]}) if url_param else None,
            )
            for item in rows
            if item[group] is not None
        ]
        if order_by_value:
            result.sort(key=lambda row: (-(row.value or 0), row.label))
        return result

    # --- the figures ---------------------------------------------------------------------------

    def build(self) -> Statistics:
        self._alliance()
        self._cases()
        self._court()
        self._evidence()
        self._protection()
        flows = self._flows()
        if self.scope.organization is not None and self.scope.organization.kind not in (
            Organization.Kind.SERVICE_POINT,
        ):
            self.notes.append(
                _(
                    "The organisation filter does not apply to evidence records and retrieval "
                    "requests (they belong to service points): choose a service point to narrow "
                    "them."
                )
            )
        return Statistics(
            self.scope, self.figures, self.breakdowns, self.monthly, flows, self.notes
        )

    def _alliance(self) -> None:
        members = self.members
        member_count = members.qs.count()
        by_province = self.breakdown(
            "members_by_province",
            _("Member bureaus by province"),
            self._members_by_province(members),
            _("Member bureaus at the end of the period, grouped by the province of their city."),
        )
        self.add(
            "member_bureaus",
            "alliance",
            _("Member bureaus"),
            _(
                "Market-regulation bureaus that had joined the alliance by the last day of the "
                "period (joining date on or before it) and are active."
            ),
            member_count,
            members.url(),
        )
        self.add(
            "member_provinces",
            "alliance",
            _("Provinces"),
            _(
                "Distinct provinces of those member bureaus (a city's province; a municipality "
                "directly under the central government counts as a province)."
            ),
            len(by_province.rows),
            "#members_by_province",
        )
        collaborations = self.collaborations
        self.add(
            "collaborations",
            "alliance",
            _("Protection collaborations"),
            _(
                "Collaboration requests sent in the period between member bureaus (evidence, "
                "service, enforcement, information), whatever their status."
            ),
            collaborations.qs.count(),
            collaborations.url(),
        )
        cases = self.cases
        coordinated = Exists(CaseShare.objects.filter(case=OuterRef("pk")))
        self.add(
            "coordinated_cases",
            "alliance",
            _("Coordinated cases"),
            _(
                "Cases received in the period that were shared with, or the subject of a "
                "collaboration request to, another member — counted once however many cities "
                "took part."
            ),
            cases.qs.filter(coordinated).count(),
            cases.url(coordinated="true"),
        )

    def _members_by_province(self, members: SourceList) -> list[Row]:
        names = self._region_names(Region.Level.PROVINCE)
        province = _region_at("region", Region.Level.PROVINCE)
        rows = self.grouped(members, province, lambda code: names.get(code, code), None)
        for row in rows:
            row.url = members.url(region=row.key)
        return rows

    def _region_names(self, level: str) -> dict[str, str]:
        """Region names of ``level`` in the active language (English names where recorded)."""
        english = (get_language() or "").startswith("en")
        rows = Region.objects.filter(level=level).values_list("code", "name", "name_en")
        return {code: (name_en if english and name_en else name) for code, name, name_en in rows}

    def _cases(self) -> None:
        cases = self.cases
        settled_q, failed_q = outcome_q(Outcome.SETTLED), outcome_q(Outcome.FAILED)
        counts = cases.qs.aggregate(
            received=Count("pk"),
            settled=Count("pk", filter=settled_q),
            failed=Count("pk", filter=failed_q),
        )
        section = "cases"
        self.add(
            "cases_received",
            section,
            _("Cases received"),
            _("Mediation cases received (submitted) in the period; drafts are not counted."),
            counts["received"],
            cases.url(),
        )
        self.add(
            "cases_settled",
            section,
            _("Settled"),
            _(
                "Of those, cases settled with a signed agreement (status settled, or closed "
                "after settlement)."
            ),
            counts["settled"],
            cases.url(outcome=Outcome.SETTLED),
        )
        self.add(
            "cases_failed",
            section,
            _("Mediation failed"),
            _("Of those, cases whose mediation failed (failed, or closed without agreement)."),
            counts["failed"],
            cases.url(outcome=Outcome.FAILED),
        )
        concluded = counts["settled"] + counts["failed"]
        rate = (
            (Decimal(counts["settled"]) * 100 / concluded).quantize(Decimal("0.1"))
            if concluded
            else None
        )
        self.add(
            "success_rate",
            section,
            _("Success rate"),
            _(
                "Settled ÷ (settled + failed) among the cases received in the period; withdrawn, "
                "declined and open cases are left out. Empty when no case has ended yet."
            ),
            rate,
            cases.url(outcome=Outcome.SETTLED),
            "%",
        )
        average, median = self._durations(cases.qs.filter(settled_q))
        self.add(
            "settlement_days_average",
            section,
            _("Average days to settlement"),
            _(
                "Calendar days from receipt to the signing of the agreement, averaged over the "
                "settled cases received in the period."
            ),
            average,
            cases.url(outcome=Outcome.SETTLED),
            "days",
        )
        self.add(
            "settlement_days_median",
            section,
            _("Median days to settlement"),
            _("The middle value of the same durations (half settled faster, half slower)."),
            median,
            cases.url(outcome=Outcome.SETTLED),
            "days",
        )
        statuses = dict(Status.choices)
        self.breakdown(
            "cases_by_status",
            _("Cases by status"),
            self.grouped(cases, "status", lambda v: str(statuses.get(v, v)), "status"),
            _("The current status of the cases received in the period."),
        )
        types = dict(DisputeType.choices)
        self.breakdown(
            "cases_by_dispute_type",
            _("Cases by dispute type"),
            self.grouped(cases, "dispute_type", lambda v: str(types.get(v, v)), "dispute_type"),
        )
        sources = dict(Source.choices)
        self.breakdown(
            "cases_by_source",
            _("Cases by source"),
            self.grouped(cases, "source", lambda v: str(sources.get(v, v)), "source"),
        )
        # Provinces; within a chosen province, its cities.
        by_city = self.scope.region is not None and self.scope.region.level == Region.Level.PROVINCE
        level = Region.Level.CITY if by_city else Region.Level.PROVINCE
        names = self._region_names(level)
        if by_city:  # a municipality's own code stands for its city
            names.update(self._region_names(Region.Level.PROVINCE))
        self.breakdown(
            "cases_by_region",
            _("Cases by city of the handling organisation")
            if by_city
            else _("Cases by province of the handling organisation"),
            self.grouped(
                cases,
                _region_at("handling_organization__region", level),
                lambda v: names.get(v, v),
                "region",
            ),
        )
        self.monthly["cases_by_month"] = self._monthly(
            "cases_by_month",
            cases,
            "received_on",
            "status",
            statuses,
            _("Cases received per month, by current status"),
            ("received_after", "received_before"),
        )

    def _durations(self, settled: QuerySet) -> tuple[Decimal | None, Decimal | None]:
        duration = ExpressionWrapper(
            F("agreement__signed_on") - F("received_on"), output_field=DurationField()
        )
        settled = settled.filter(received_on__isnull=False).annotate(_days=duration)
        result = settled.aggregate(n=Count("pk"), average=Avg("_days"))
        n = result["n"]
        if not n:
            return None, None
        average = _days(result["average"])
        # The median by the database: the one or two middle rows of the sorted durations.
        middle = list(
            settled.order_by("_days", "pk").values_list("_days", flat=True)[
                (n - 1) // 2 : n // 2 + 1
            ]
        )
        median = sum((_days(d) for d in middle), Decimal(0)) / len(middle)
        return average, median.quantize(Decimal("0.1"))

    def _monthly(
        self,
        key: str,
        source: SourceList,
        date_field: str,
        group: str | None,
        labels: dict[str, Any],
        title: Any,
        date_params: tuple[str, str],
    ) -> Monthly:
        months = _month_starts(self.scope.start, self.scope.end)
        keys = [_month_key(m) for m in months]
        rows = (
            source.qs.annotate(_month=TruncMonth(date_field))
            .values("_month", *([group] if group else []))
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts: dict[str, list[int]] = {}
        for row in rows:
            key = _month_key(row["_month"]) if row["_month"] is not None else None
            if key in keys:
                name = row[group] if group else ""
                counts.setdefault(name, [0] * len(keys))[keys.index(key)] += row["n"]
        if group:
            series = [
                (name, str(label), counts[name]) for name, label in labels.items() if name in counts
            ]
        else:
            series = [("", str(title), counts.get("", [0] * len(keys)))]
        urls = [
            source.url(
                **{
                    date_params[0]: _date(max(month, self.scope.start)),
                    date_params[1]: _date(min(_month_end(month), self.scope.end)),
                }
            )
            for month in months
        ]
        return Monthly(key, title, keys, series, urls)

    def _court(self) -> None:
        confirmations = self.confirmations
        CS = JudicialConfirmation.Status
        counts = confirmations.qs.aggregate(
            filed=Count("pk"),
            remote=Count("pk", filter=Q(is_remote=True)),
            administrative=Count("pk", filter=Q(basis=JudicialConfirmation.Basis.ADMINISTRATIVE)),
            confirmed=Count("pk", filter=Q(status=CS.CONFIRMED)),
        )
        section = "court"
        self.add(
            "confirmations",
            section,
            _("Judicial confirmations"),
            _(
                "Applications for judicial confirmation of a mediation agreement filed with a "
                "court in the period, whatever the court decided."
            ),
            counts["filed"],
            confirmations.url(),
        )
        self.add(
            "confirmations_remote",
            section,
            _("… of which remote (异地)"),
            _("Filed with a court outside the handling organisation's city."),
            counts["remote"],
            confirmations.url(is_remote="true"),
        )
        self.add(
            "confirmations_administrative",
            section,
            _("… of which on administrative mediation"),
            _(
                "Agreements reached in administrative mediation by a market-regulation bureau "
                "(court–bureau mechanism) rather than by a people's mediation committee."
            ),
            counts["administrative"],
            confirmations.url(basis=JudicialConfirmation.Basis.ADMINISTRATIVE),
        )
        self.add(
            "confirmations_confirmed",
            section,
            _("… of which confirmed"),
            _("Of the applications filed in the period, those the court has confirmed so far."),
            counts["confirmed"],
            confirmations.url(status=CS.CONFIRMED),
        )
        self.breakdown(
            "confirmations_by_court",
            _("Judicial confirmations by court"),
            self.grouped(confirmations, "court", None, "court"),
        )
        referrals = self.referrals
        Direction = CourtReferral.Direction
        counts = referrals.qs.aggregate(
            inbound=Count("pk", filter=Q(direction=Direction.INBOUND)),
            outbound=Count("pk", filter=Q(direction=Direction.OUTBOUND)),
        )
        self.add(
            "referrals_in",
            section,
            _("Court referrals received"),
            _(
                "Cases a court delegated or entrusted to mediation (委派/委托), referred in the "
                "period."
            ),
            counts["inbound"],
            referrals.url(direction=Direction.INBOUND),
        )
        self.add(
            "referrals_out",
            section,
            _("Referred to court"),
            _("Failed mediations referred to litigation in the period (诉调对接)."),
            counts["outbound"],
            referrals.url(direction=Direction.OUTBOUND),
        )

    def _evidence(self) -> None:
        """Two GROUP BYs (per depositor, per service point) give every evidence figure: the
        records are the sum of the per-depositor counts, the enterprises and points the number
        of groups — a third scan of the period's records (``COUNT(DISTINCT …)``) would cost as
        much as both at a million records."""
        evidence = self.evidence
        section = "evidence"
        depositors = self.breakdown(
            "enterprises_served",
            _("Enterprises served"),
            self.grouped(evidence, "depositor", None, "depositor"),
            _("Records per depositing enterprise."),
        )
        points = self.breakdown(
            "service_points",
            _("Records by service point"),
            self.grouped(evidence, "service_point", None, "service_point"),
        )
        self.add(
            "evidence_records",
            section,
            _("Evidence records"),
            _(
                "益企证 records deposited in the period (withdrawn records included: a "
                "withdrawal is a later entry, the deposit happened)."
            ),
            depositors.total,
            evidence.url(),
        )
        self.add(
            "enterprises_served",
            section,
            _("Enterprises served"),
            _("Distinct enterprises that deposited at least one record in the period."),
            len(depositors.rows),
            "#enterprises_served",
        )
        self.add(
            "service_points",
            section,
            _("Service points"),
            _("Distinct service points through which records were deposited in the period."),
            len(points.rows),
            "#service_points",
        )
        retrievals = self.retrievals
        self.add(
            "retrieval_requests",
            section,
            _("Retrieval requests"),
            _("Requests to collect evidence (取证) made in the period, whatever their status."),
            retrievals.qs.count(),
            retrievals.url(),
        )
        self.monthly["evidence_by_month"] = self._monthly(
            "evidence_by_month",
            evidence,
            "deposited_at",
            None,
            {},
            _("Evidence deposits per month"),
            ("deposited_after", "deposited_before"),
        )

    def _protection(self) -> None:
        actions = self.protection
        totals = actions.qs.aggregate(
            actions=Count("pk"),
            enterprises=Count("enterprise", distinct=True),
            recovered=Sum("amount_recovered"),
            evidence_saved=Sum("evidence_cost_saved"),
            alliance_saved=Sum("alliance_cost_saved"),
        )
        section = "protection"
        self.add(
            "protection_actions",
            section,
            _("Protection actions"),
            _("Rights-protection actions of enterprises started in the period."),
            totals["actions"],
            actions.url(),
        )
        self.breakdown(
            "enterprises_helped",
            _("Enterprises helped"),
            self.grouped(actions, "enterprise", None, "enterprise"),
            _("Actions per enterprise."),
        )
        self.add(
            "enterprises_helped",
            section,
            _("Enterprises helped"),
            _("Distinct enterprises with at least one action started in the period."),
            totals["enterprises"],
            "#enterprises_helped",
        )
        for key, label, definition, total in (
            (
                "amount_recovered",
                _("Amount recovered"),
                _("Sum of the amounts recovered by those actions (CNY)."),
                totals["recovered"],
            ),
            (
                "evidence_cost_saved",
                _("Cost saved through 益企证 evidence"),
                _(
                    "Sum of the estimated costs the enterprises saved by using 益企证 records "
                    "instead of notarised evidence (CNY; each action states its basis)."
                ),
                totals["evidence_saved"],
            ),
            (
                "alliance_cost_saved",
                _("Cost saved through alliance cooperation"),
                _(
                    "Sum of the estimated travel and litigation costs saved by cross-city "
                    "cooperation (CNY; each action states its basis)."
                ),
                totals["alliance_saved"],
            ),
        ):
            amount = (total or ZERO).quantize(ZERO)
            self.add(key, section, label, definition, amount, actions.url(), "CNY")

    def _flows(self) -> list[Flow]:
        """Requests per (sender, receiver) pair in the period — the collaboration flows."""
        collaborations = self.collaborations
        rows = (
            collaborations.qs.values(
                "from_organization",
                "from_organization__name",
                "to_organization",
                "to_organization__name",
            )
            .annotate(n=Count("pk"))
            .order_by("-n", "from_organization__name", "to_organization__name")
        )
        return [
            Flow(
                row["from_organization__name"],
                row["to_organization__name"],
                row["n"],
                collaborations.url(
                    from_organization=row["from_organization"],
                    to_organization=row["to_organization"],
                ),
            )
            for row in rows
        ]


def _days(value: dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 86400).quantize(Decimal("0.1"))


def statistics(request: Any, scope: Scope) -> Statistics:
    """The statistics of ``scope`` as ``request.user`` may see them (cached until the next
    write to what they count: ``stats.cache``)."""
    from zhangzhou_ip.stats import cache

    key = (
        scope.start,
        scope.end,
        scope.organization.pk if scope.organization else "",
        scope.region.code if scope.region else "",
        scope.year or "",
        scope.quarter or "",
    )
    return cache.cached(request.user, key, lambda: StatisticsBuilder(request, scope).build())
