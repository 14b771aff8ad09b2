"""Serializers validate shape only; rules live in services and model ``clean``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from alliance import selectors
from alliance.models import IntellectualProperty, Membership, Organization, Region
from zhangzhou_ip.core.api import SlugRelatedField


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "level",
            "parent",
            "abbreviation",
            "valid_from",
            "valid_to",
        ]


class OrganizationSerializer(serializers.ModelSerializer):
    region = SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    is_member = serializers.BooleanField(read_only=True)
    # Longer than 18 so that codes sent with spaces or hyphens reach normalisation.
    uscc = serializers.CharField(max_length=40, required=False, allow_blank=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "short_name",
            "name_en",
            "region",
            "parent",
            "uscc",
            "is_key_enterprise",
            "court_code",
            "court_level",
            "alliance_joined_on",
            "is_member",
            "contact_name",
            "phone",
            "email",
            "address",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["alliance_joined_on", "is_active", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "parent" in self.fields:
            self.fields["parent"].queryset = selectors.organization_visible_to(request.user)


class MembershipSerializer(serializers.ModelSerializer):
    user = SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())

    class Meta:
        model = Membership
        fields = ["id", "user", "organization", "role", "is_active", "created_at"]
        read_only_fields = ["is_active", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "organization" in self.fields:
            self.fields["organization"].queryset = selectors.organization_visible_to(request.user)


class IntellectualPropertySerializer(serializers.ModelSerializer):
    display_number = serializers.CharField(read_only=True)

    class Meta:
        model = IntellectualProperty
        fields = [
            "id",
            "owner",
            "kind",
            "number",
            "display_number",
            "title",
            "nice_class",
            "filed_on",
            "granted_on",
            "expires_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "owner" in self.fields:
            self.fields["owner"].queryset = selectors.organization_visible_to(request.user)
