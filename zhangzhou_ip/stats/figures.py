"""The statistics of a scope, computed by the database from the records the reader may see.

Every figure is counted over a *source*: the app's visibility selector filtered by the app's
own FilterSet with the scope's parameters (period, organisation, region) — the FilterSet the
list page and the API use. The figure's link is that list with the same parameters (plus the
figure's own, e.g. ``status=settled``), so the list shows exactly the rows the figure counts;
the tests open every link and compare. Counting happens in one aggregate per source and one
GROUP BY per breakdown (decision 0014). Sources and helpers: ``sources.py``; the result
objects: ``results.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from alliance.models import Organization, Region
from cases.choices import DisputeType, Source, Status
from cases.filters import Outcome, outcome_q
from cases.models import CaseShare, CourtReferral, JudicialConfirmation
from zhangzhou_ip.stats.period import Scope
from zhangzhou_ip.stats.results import ZERO, Flow, Row, Statistics
from zhangzhou_ip.stats.sources import SourceList, SourcesBase, region_at


class StatisticsBuilder(SourcesBase):
    """Computes the statistics of ``scope`` for ``request.user``: one method per section."""

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
        province = region_at("region", Region.Level.PROVINCE)
        rows = self.grouped(members, province, lambda code: names.get(code, code), None)
        for row in rows:
            row.url = members.url(region=row.key)
        return rows

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
                region_at("handling_organization__region", level),
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
