"""Serializers of the cases API. They validate the shape of a request only; every rule
(permission, state, conditions) is enforced by ``cases.services``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alliance import selectors as alliance_selectors
from alliance.models import IntellectualProperty, Membership, Organization, Region
from alliance.validators import mask_resident_id
from cases import selectors
from cases.choices import PartyKind, SessionOutcome
from cases.models import (
    Agreement,
    CaseEvent,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.rules import HANDLING_KINDS
from cases.services import EDITABLE_FIELDS
from zhangzhou_ip.core.api import DisplayField, SlugRelatedField

User = get_user_model()
Role = Membership.Role

# Fields only the workflow sets: a write naming one of them is refused (never ignored), so a
# client cannot believe it changed a status that did not change.
WORKFLOW_FIELDS = (
    "status",
    "number",
    "received_on",
    "accepted_on",
    "closed_on",
    "mediation_deadline",
    "outcome_reason",
    "is_cross_region",
    "mediators",
)


def _request_user(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def creatable_organizations(user) -> QuerySet[Organization]:
    """Organisations the user may open cases for (the same policy as ``rules.can_create_case``)."""
    qs = Organization.objects.filter(kind__in=HANDLING_KINDS, is_active=True)
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    staff = {
        org
        for org, kind, role in alliance_selectors._memberships(user)
        if kind in HANDLING_KINDS and role in (Role.ADMIN, Role.MEDIATOR, Role.CLERK)
    }
    return qs.filter(pk__in=staff)


# --- small read-only shapes -------------------------------------------------------------------


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


# --- cases ------------------------------------------------------------------------------------


class MediationCaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:mediation-case-detail")
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)
    status_display = DisplayField(source="get_status_display")
    dispute_type_display = DisplayField(source="get_dispute_type_display")
    handling_organization = OrganizationRefSerializer(read_only=True)
    mediators = serializers.SerializerMethodField()

    class Meta:
        model = MediationCase
        fields = [
            "id",
            "url",
            "web_url",
            "number",
            "status",
            "status_display",
            "title",
            "facts",
            "dispute_type",
            "dispute_type_display",
            "mediation_kind",
            "source",
            "claim_amount",
            "settled_amount",
            "is_online",
            "is_cross_region",
            "handling_organization",
            "received_on",
            "accepted_on",
            "closed_on",
            "mediation_deadline",
            "outcome_reason",
            "mediators",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(UserRefSerializer(many=True))
    def get_mediators(self, obj: MediationCase) -> list[dict[str, Any]]:
        assignments = getattr(obj, "active_assignments", None)
        if assignments is None:
            assignments = obj.assignments.filter(unassigned_at__isnull=True).select_related("user")
        return UserRefSerializer([a.user for a in assignments], many=True).data


class MediationCaseDetailSerializer(MediationCaseSerializer):
    available_transitions = serializers.SerializerMethodField()

    class Meta(MediationCaseSerializer.Meta):
        fields = [*MediationCaseSerializer.Meta.fields, "available_transitions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, obj: MediationCase) -> list[str]:
        from cases.services import available_transitions

        user = _request_user(self)
        return available_transitions(user, obj) if user is not None else []


class _RefuseWorkflowFieldsMixin:
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [name for name in WORKFLOW_FIELDS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {
                    name: [_("This field is changed by the workflow only; use the transitions.")]
                    for name in sent
                }
            )
        return super().validate(attrs)


class MediationCaseCreateSerializer(_RefuseWorkflowFieldsMixin, serializers.ModelSerializer):
    handling_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("An organisation you may open cases for."),
    )

    class Meta:
        model = MediationCase
        fields = ["handling_organization", *EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handling_organization"].queryset = creatable_organizations(_request_user(self))


class MediationCaseUpdateSerializer(_RefuseWorkflowFieldsMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; a stale version is refused with 409."),
    )

    class Meta:
        model = MediationCase
        fields = [*EDITABLE_FIELDS, "version"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "handling_organization" in self.initial_data:
            raise serializers.ValidationError(
                {"handling_organization": [_("The handling organisation cannot be changed.")]}
            )
        return super().validate(attrs)


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; a stale version is refused with 409."),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Accepted for every transition; used only by those that take a reason."),
    )


class ReasonTransitionSerializer(TransitionSerializer):
    reason = serializers.CharField(
        help_text=_("Why (declining, failure, withdrawal, or why confirmation is waived).")
    )


class WithdrawTransitionSerializer(ReasonTransitionSerializer):
    withdrawn_on = serializers.DateField(
        required=False, help_text=_("When the applicant withdrew (default: today).")
    )


class MediatorSerializer(serializers.Serializer):
    mediator = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), help_text=_("The user id of the mediator.")
    )

    def __init__(self, *args, mediators=None, **kwargs):
        super().__init__(*args, **kwargs)
        if mediators is not None:
            self.fields["mediator"].queryset = mediators


class RelatedDisputesSerializer(serializers.Serializer):
    visible = MediationCaseSerializer(many=True, read_only=True)
    hidden_count = serializers.IntegerField(
        read_only=True, help_text=_("Related cases you may not see: counted, never named.")
    )
    hidden_cities = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)


# --- children ---------------------------------------------------------------------------------


class _CaseChildMixin:
    """``case`` is a case the user may see: any other id is 'does not exist' (no leak)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        field = self.fields.get("case")
        if field is not None and not field.read_only:
            field.queryset = (
                selectors.case_visible_to(user)
                if user is not None
                else MediationCase.objects.none()
            )

    def validate_case(self, case: MediationCase) -> MediationCase:
        instance = getattr(self, "instance", None)
        if instance is not None and instance.case_id != case.pk:
            raise serializers.ValidationError(_("This cannot be moved to another case."))
        return case


class PartySerializer(_CaseChildMixin, serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=MediationCase.objects.none())
    role_display = DisplayField(source="get_role_display")
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("For an organisation party: the enterprise (its name is copied)."),
    )
    region = SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("GB/T 2260 code."),
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    id_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Natural persons only; shown masked unless you may see it in full."),
    )

    class Meta:
        model = Party
        fields = [
            "id",
            "case",
            "role",
            "role_display",
            "kind",
            "organization",
            "name",
            "id_number",
            "region",
            "address",
            "phone",
            "agent_name",
            "agent_phone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["organization"].queryset = alliance_selectors.organization_visible_to(user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance if isinstance(self.instance, Party) else None

        def current(name: str) -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(instance, name, None) if instance is not None else None

        kind, organization = current("kind"), current("organization")
        errors: dict[str, list[str]] = {}
        if kind == PartyKind.ORGANIZATION:
            if organization is None:
                errors["organization"] = [_("An organisation party needs its organisation.")]
            if attrs.get("id_number"):
                errors["id_number"] = [_("Only natural persons have a resident ID number.")]
        elif kind == PartyKind.PERSON:
            if organization is not None:
                errors["organization"] = [_("A natural person is not an organisation.")]
            if not (current("name") or "").strip():
                errors["name"] = [_("Give the person's name.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_representation(self, instance: Party) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = _request_user(self)
        if data.get("id_number") and not (
            user is not None and selectors.may_see_full_id_numbers(user, instance.case)
        ):
            data["id_number"] = mask_resident_id(instance.id_number)
        return data


@extend_schema_field(
    {"type": "string", "enum": [value for value, _label in IntellectualProperty.Kind.choices]}
)
class RightKindField(serializers.ChoiceField):
    """The kind of an IP right. Declared as a plain enum so the schema names it
    ``CaseRightKindEnum`` instead of colliding with the directory's ``kind`` enums."""


class CaseRightSerializer(_CaseChildMixin, serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=MediationCase.objects.none())
    kind_display = DisplayField(source="get_kind_display")
    intellectual_property = serializers.PrimaryKeyRelatedField(
        queryset=IntellectualProperty.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("A right of the directory (its kind and number are copied)."),
    )
    kind = RightKindField(choices=IntellectualProperty.Kind.choices, required=False)

    class Meta:
        model = CaseRight
        fields = [
            "id",
            "case",
            "intellectual_property",
            "kind",
            "kind_display",
            "number",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields[
                "intellectual_property"
            ].queryset = alliance_selectors.intellectual_property_visible_to(user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("intellectual_property") is None:
            errors: dict[str, list[str]] = {}
            if not attrs.get("kind"):
                errors["kind"] = [_("Give the kind of an unregistered right.")]
            if not attrs.get("number") and not attrs.get("description"):
                errors["number"] = [_("Give the right's number or a description.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class _SessionListSerializer(serializers.ListSerializer):
    """A page of sessions: which of their cases the user sees in full is read once for the
    page (``selectors.case_ids_seen_in_full``), not once per session."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        sessions = list(data.all() if hasattr(data, "all") else data)
        user = _request_user(self.child)
        if user is not None:
            self.child.full_case_ids = selectors.case_ids_seen_in_full(
                user, {session.case_id for session in sessions}
            )
        return [self.child.to_representation(session) for session in sessions]


class MediationSessionSerializer(_CaseChildMixin, serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=MediationCase.objects.none())
    # Declared: a read-only field built from the model loses ``blank=True`` (DRF drops
    # ``allow_blank`` for read-only fields), and a session without minutes has no outcome ("").
    outcome = serializers.ChoiceField(
        choices=SessionOutcome.choices, read_only=True, allow_blank=True
    )
    outcome_display = DisplayField(source="get_outcome_display")

    class Meta:
        model = MediationSession
        list_serializer_class = _SessionListSerializer
        fields = [
            "id",
            "case",
            "starts_at",
            "ends_at",
            "location",
            "online_link",
            "attendees",
            "minutes",
            "outcome",
            "outcome_display",
            "recorded_at",
            "created_at",
        ]
        read_only_fields = ["minutes", "outcome", "recorded_at", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if not attrs.get("location") and not attrs.get("online_link"):
            errors["location"] = [_("Give a room or an online meeting link.")]
        ends_at = attrs.get("ends_at")
        if ends_at is not None and ends_at <= attrs["starts_at"]:
            errors["ends_at"] = [_("The session must end after it starts.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_representation(self, instance: MediationSession) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = _request_user(self)
        full = getattr(self, "full_case_ids", None)  # set by the list, one query per page
        if user is None:
            summary_only = True
        elif full is not None:
            summary_only = instance.case_id not in full
        else:
            summary_only = selectors.sees_summary_only(user, instance.case)
        if summary_only:
            data["minutes"] = ""  # minutes are internal; a party's enterprise sees the summary
        return data


class SessionRecordSerializer(serializers.Serializer):
    minutes = serializers.CharField()
    outcome = serializers.ChoiceField(choices=SessionOutcome.choices)
    attendees = serializers.CharField(required=False, allow_blank=True)


class AgreementSerializer(_CaseChildMixin, serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=MediationCase.objects.none())
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("CNY, two decimal places, not negative."),
    )
    is_signed = serializers.BooleanField(read_only=True)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "case",
            "terms",
            "amount",
            "performance_deadline",
            "signatories",
            "signed_on",
            "effective_on",
            "is_signed",
            "is_ownership_determination",
            "has_document",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"is_ownership_determination": {"required": False}}

    def get_has_document(self, obj: Agreement) -> bool:
        return bool(obj.document)

    def validate_case(self, case: MediationCase) -> MediationCase:
        case = super().validate_case(case)
        if self.instance is None and Agreement.objects.filter(case=case).exists():
            raise serializers.ValidationError(
                _("This case already has an agreement; update that one instead.")
            )
        return case

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance if isinstance(self.instance, Agreement) else None
        signed_on = attrs.get("signed_on", getattr(instance, "signed_on", None))
        effective_on = attrs.get("effective_on", getattr(instance, "effective_on", None))
        if effective_on is not None and (signed_on is None or effective_on < signed_on):
            raise serializers.ValidationError(
                {"effective_on": [_("An agreement takes effect on or after it is signed.")]}
            )
        return attrs


class CaseEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    from_status = serializers.CharField(
        read_only=True, help_text=_("The case status before the event (see StatusEnum).")
    )
    to_status = serializers.CharField(
        read_only=True, help_text=_("The case status after the event (see StatusEnum).")
    )
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "case", "verb", "actor", "from_status", "to_status", "data", "created_at"]
        read_only_fields = fields


class CitedEvidenceSerializer(serializers.Serializer):
    """A 益企证 record cited in a case (the evidence API has the full record)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    ledger_index = serializers.IntegerField(read_only=True)
    deposited_at = serializers.DateTimeField(read_only=True)
    depositor = serializers.CharField(source="depositor.name", read_only=True)
    withdrawn = serializers.BooleanField(source="is_withdrawn", read_only=True)


class CiteEvidenceSerializer(serializers.Serializer):
    record = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("The id of an evidence record you may see."),
    )

    def __init__(self, *args, records=None, **kwargs):
        super().__init__(*args, **kwargs)
        if records is not None:
            self.fields["record"].queryset = records
