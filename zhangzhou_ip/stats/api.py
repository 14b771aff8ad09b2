"""``/api/v1/stats/?year=2024``: the statistics page's figures as JSON — one key per figure,
plus the period, each figure's list URL (the HTML list behind it), its definition and the
breakdowns. Same scope form, same permission and same computation as the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhangzhou_ip.core.api import responses
from zhangzhou_ip.stats.figures import statistics
from zhangzhou_ip.stats.period import StatsScopeForm
from zhangzhou_ip.stats.results import Statistics

COUNTS = (
    "member_bureaus", "member_provinces", "collaborations", "coordinated_cases",
    "cases_received", "cases_settled", "cases_failed", "confirmations", "confirmations_remote",
    "confirmations_administrative", "confirmations_confirmed", "referrals_in", "referrals_out",
    "evidence_records", "enterprises_served", "service_points", "retrieval_requests",
    "protection_actions", "enterprises_helped",
)  # fmt: skip
RATES = ("success_rate", "settlement_days_average", "settlement_days_median")
AMOUNTS = ("amount_recovered", "evidence_cost_saved", "alliance_cost_saved")


class CanViewStatistics(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("stats.view_statistics"))


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField()
    url = serializers.CharField(allow_null=True)


def _fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {
        "period": PeriodSerializer(),
        "organization": serializers.IntegerField(allow_null=True),
        "region": serializers.CharField(allow_null=True),
    }
    fields.update({key: serializers.IntegerField() for key in COUNTS})
    fields.update(
        {
            key: serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
            for key in RATES
        }
    )
    fields.update(
        {key: serializers.DecimalField(max_digits=18, decimal_places=2) for key in AMOUNTS}
    )
    fields["links"] = serializers.DictField(child=serializers.CharField())
    fields["definitions"] = serializers.DictField(child=serializers.CharField())
    fields["breakdowns"] = serializers.DictField(child=RowSerializer(many=True))
    return fields


StatisticsSerializer = type("StatisticsSerializer", (serializers.Serializer,), _fields())


def _payload(stats: Statistics, request: Request) -> dict[str, Any]:
    def absolute(url: str | None) -> str | None:
        if not url or url.startswith("#"):
            return url
        return request.build_absolute_uri(url)

    scope = stats.scope
    data: dict[str, Any] = {
        "period": {"start": scope.start, "end": scope.end, "label": scope.label},
        "organization": scope.organization.pk if scope.organization else None,
        "region": scope.region.code if scope.region else None,
        **stats.values(),
        "links": {f.key: absolute(f.url) for f in stats.figures if f.url},
        "definitions": {f.key: str(f.definition) for f in stats.figures},
        "breakdowns": {
            key: [
                {"key": r.key, "label": r.label, "value": r.value, "url": absolute(r.url)}
                for r in breakdown.rows
            ]
            for key, breakdown in stats.breakdowns.items()
        },
    }
    return StatisticsSerializer(data).data


class StatisticsAPIView(APIView):
    permission_classes = [CanViewStatistics]

    @extend_schema(
        operation_id="statistics",
        summary="The alliance statistics of a period",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Year (default: this year)"),
            OpenApiParameter("quarter", OpenApiTypes.INT, enum=[1, 2, 3, 4]),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Custom period start"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Custom period end"),
            OpenApiParameter("organization", OpenApiTypes.INT, description="Organisation id"),
            OpenApiParameter("region", OpenApiTypes.STR, description="Province or city code"),
        ],
        responses=responses(StatisticsSerializer, 400, 403),
    )
    def get(self, request: Request) -> Response:
        form = StatsScopeForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise DjangoValidationError(
                {name: list(errors) for name, errors in form.errors.items()}
            )
        return Response(_payload(statistics(request, form.scope()), request))
