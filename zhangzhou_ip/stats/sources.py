"""Where the figures are counted: each *source* is an app's visibility selector narrowed by the
app's FilterSet with the scope's parameters, together with the URL of the list page that
applies the same FilterSet — and the builder's plumbing (grouping, months, durations) that the
figure sections in ``figures.py`` share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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
    ExpressionWrapper,
    F,
    QuerySet,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import get_language

from alliance import selectors as alliance_selectors
from alliance.filters import OrganizationFilterSet
from alliance.filters_collaboration import CollaborationRequestFilterSet
from alliance.models import Organization, Region
from cases import selectors as case_selectors
from cases.filters import MediationCaseFilterSet
from cases.filters_court import CourtReferralFilterSet, JudicialConfirmationFilterSet
from cases.filters_protection import ProtectionActionFilterSet
from cases.protection import protection_action_visible_to
from evidence.filters import EvidenceRecordFilterSet, RetrievalRequestFilterSet
from evidence.selectors import evidence_visible_to, retrieval_visible_to
from zhangzhou_ip.stats.period import Scope
from zhangzhou_ip.stats.results import Breakdown, Figure, Monthly, Number, Row


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


def region_at(path: str, level: str) -> Case:
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


def days_of(value: dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 86400).quantize(Decimal("0.1"))


class SourcesBase:
    """The sources of a scope as the reader sees them, and the helpers that fill the results."""

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

    def _region_names(self, level: str) -> dict[str, str]:
        """Region names of ``level`` in the active language (English names where recorded)."""
        english = (get_language() or "").startswith("en")
        rows = Region.objects.filter(level=level).values_list("code", "name", "name_en")
        return {code: (name_en if english and name_en else name) for code, name, name_en in rows}

    def _durations(self, settled: QuerySet) -> tuple[Decimal | None, Decimal | None]:
        duration = ExpressionWrapper(
            F("agreement__signed_on") - F("received_on"), output_field=DurationField()
        )
        settled = settled.filter(received_on__isnull=False).annotate(_days=duration)
        result = settled.aggregate(n=Count("pk"), average=Avg("_days"))
        n = result["n"]
        if not n:
            return None, None
        average = days_of(result["average"])
        # The median by the database: the one or two middle rows of the sorted durations.
        middle = list(
            settled.order_by("_days", "pk").values_list("_days", flat=True)[
                (n - 1) // 2 : n // 2 + 1
            ]
        )
        median = sum((days_of(d) for d in middle), Decimal(0)) / len(middle)
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
