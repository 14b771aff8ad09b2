"""Serializers of the evidence API. They check the shape of a request; every rule (who may
deposit for whom, bad files, empty text, withdrawal rights) is enforced by
``evidence.services``, whose refusals the views turn into JSON naming the field."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alliance.models import Organization
from evidence import selectors
from evidence.models import AccessEvent, Category, EvidenceRecord, EvidenceWithdrawal
from evidence.receipts import is_sha256_hex
from zhangzhou_ip.core.api import DisplayField

User = get_user_model()


def _request_user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- small read-only shapes -------------------------------------------------------------------


class EvidenceOrganizationSerializer(serializers.ModelSerializer):
    """An organisation named on a record (depositor or service point)."""

    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class EvidenceUserSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


# --- records ----------------------------------------------------------------------------------


class EvidenceRecordSerializer(serializers.ModelSerializer):
    """A deposit as the API shows it. ``sha256`` is the content address; ``ledger_index``
    is the record's leaf in the ledger (its receipt proves the inclusion)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:evidence-record-detail")
    sha256 = serializers.CharField(read_only=True, help_text=_("SHA-256 of the content (hex)."))
    # ``sm3`` and ``corrects_number`` are annotations of the viewset's queryset
    # (``views.with_related_values``): joining the blob and the corrected record cost the
    # list's query more to plan than to run.
    sm3 = serializers.CharField(read_only=True, help_text=_("SM3 of the content, when computed."))
    kind_display = DisplayField(source="get_kind_display")
    category_display = DisplayField(source="get_category_display")
    depositor = EvidenceOrganizationSerializer(read_only=True)
    service_point = EvidenceOrganizationSerializer(read_only=True, allow_null=True)
    withdrawn = serializers.BooleanField(source="is_withdrawn", read_only=True)
    withdrawn_at = serializers.DateTimeField(
        source="withdrawal.withdrawn_at", read_only=True, allow_null=True
    )
    # Declared: built from the model as read-only it would lose ``blank=True`` (DRF drops
    # ``allow_blank`` for read-only fields) and be documented as a URL, which "" is not.
    source_url = serializers.URLField(
        read_only=True,
        allow_blank=True,
        help_text=_("Web captures: the captured page's URL; empty for other kinds."),
    )
    corrects = serializers.CharField(
        source="corrects_number",
        label=EvidenceRecord._meta.get_field("number").verbose_name,
        read_only=True,
        allow_null=True,
        help_text=_("The number of the record this one corrects."),
    )

    class Meta:
        model = EvidenceRecord
        fields = [
            "id",
            "url",
            "number",
            "sha256",
            "sm3",
            "ledger_index",
            "kind",
            "kind_display",
            "title",
            "description",
            "category",
            "category_display",
            "depositor",
            "service_point",
            "deposited_at",
            "size",
            "media_type",
            "original_name",
            "source_url",
            "captured_at",
            "withdrawn",
            "withdrawn_at",
            "corrects",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class DepositKindField(serializers.ChoiceField):
    """The kind of a deposit, documented as a string listing its values: the record's own
    ``kind`` enum keeps its schema name (``EvidenceRecordKindEnum``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("One of: file, web_capture, text."))
        super().__init__(choices=EvidenceRecord.Kind.choices, **kwargs)


class EvidenceDepositSerializer(serializers.Serializer):
    """A deposit, sent as ``multipart/form-data``: a ``file`` (kinds file and web capture)
    or a ``text`` (kind text)."""

    kind = DepositKindField()
    depositor = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("The enterprise the evidence belongs to (one you may deposit for)."),
    )
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,  # the service refuses it with a clearer message
        use_url=False,
        help_text=_("The evidence file (kinds file and web_capture); hashed as it streams in."),
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        default="",
        help_text=_("The text to deposit (kind text); stored as UTF-8 exactly as sent."),
    )
    source_url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text=_("Web captures: the captured page's URL."),
    )
    captured_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("Web captures: when.")
    )
    service_point = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The service point taking the deposit (default: yours, or the enterprise's)."),
    )
    corrects = serializers.PrimaryKeyRelatedField(
        queryset=EvidenceRecord.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The id of a record this deposit corrects (same enterprise)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None and user.is_authenticated:
            self.fields["depositor"].queryset = selectors.depositable_enterprises(user)
            self.fields["service_point"].queryset = selectors.service_points()
            self.fields["corrects"].queryset = selectors.evidence_visible_to(user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == EvidenceRecord.Kind.TEXT:
            if attrs.get("file") is not None:
                raise serializers.ValidationError(
                    {"file": [_("A text deposit takes no file; send the text in “text”.")]}
                )
        elif attrs.get("text"):
            raise serializers.ValidationError(
                {"text": [_("A file or web capture deposit takes no text; send the file.")]}
            )
        return attrs


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why the record is withdrawn (kept in the ledger).")
    )


class EvidenceWithdrawalSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="record.number", read_only=True)
    withdrawn_by = EvidenceUserSerializer(read_only=True)

    class Meta:
        model = EvidenceWithdrawal
        fields = [
            "id",
            "record",
            "number",
            "reason",
            "withdrawn_by",
            "withdrawn_at",
            "ledger_index",
        ]
        read_only_fields = fields


class AccessEventSerializer(serializers.ModelSerializer):
    action_display = DisplayField(source="get_action_display")
    user = EvidenceUserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "record",
            "action",
            "action_display",
            "user",
            "reason",
            "ip_address",
            "user_agent",
            "at",
        ]
        read_only_fields = fields


# --- public verification ----------------------------------------------------------------------


class VerifyQuerySerializer(serializers.Serializer):
    sha256 = serializers.CharField(
        help_text=_("SHA-256 of the file, 64 hexadecimal digits (computed on your side).")
    )

    def validate_sha256(self, value: str) -> str:
        value = value.strip().lower()
        if not is_sha256_hex(value):
            raise serializers.ValidationError(
                _("Give the file's SHA-256 as 64 hexadecimal digits (0-9, a-f).")
            )
        return value


class VerifiedRecordSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField(help_text=_("file, web_capture or text."))
    deposited_at = serializers.DateTimeField()
    ledger_index = serializers.IntegerField()
    size = serializers.IntegerField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    leaf = serializers.CharField(help_text=_("The record's leaf input, base64."))
    proof = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Inclusion proof hashes (base64), against the checkpoint below."),
    )
    in_checkpoint = serializers.BooleanField(
        help_text=_("Whether the latest signed checkpoint covers the record yet.")
    )


class VerificationSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    found = serializers.BooleanField()
    records = VerifiedRecordSerializer(many=True)
    checkpoint = serializers.CharField(
        help_text=_("The latest signed checkpoint (C2SP signed note); the tree size is its.")
    )
    public_key = serializers.CharField(help_text=_("The verifier key of the log."))
