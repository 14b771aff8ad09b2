"""``ChoiceLabels``: ``get_<field>_display()`` answers what Django's own does, per language,
from labels kept per field."""

import pytest
from django.db import models
from django.utils import translation

from alliance.models import Organization
from cases.choices import DisputeType, Status
from cases.models import MediationCase
from evidence.models import EvidenceRecord

CASES = [
    (MediationCase, "dispute_type", DisputeType.values),
    (MediationCase, "status", Status.values),
    (EvidenceRecord, "kind", EvidenceRecord.Kind.values),
    (Organization, "kind", Organization.Kind.values),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "name", "values"), CASES)
def test_each_label_is_djangos_in_the_active_language(model, name, values, language):
    field = model._meta.get_field(name)
    with translation.override(language):
        for value in values:
            instance = model(**{name: value})
            ours = getattr(instance, f"get_{name}_display")()
            assert ours == models.Model._get_FIELD_display(instance, field)
            assert isinstance(ours, str)


def test_the_label_follows_the_language_after_it_was_kept():
    value = DisputeType.values[0]
    case = MediationCase(dispute_type=value)
    labels = {}
    for language in ("en", "zh-hans", "en"):
        with translation.override(language):
            labels.setdefault(language, set()).add(case.get_dispute_type_display())
            assert case.get_dispute_type_display() == str(DisputeType(value).label)
    assert len(labels["en"]) == 1 and labels["en"] != labels["zh-hans"]


def test_a_value_outside_the_choices_is_shown_as_it_is():
    assert MediationCase(status="archived").get_status_display() == "archived"
    assert MediationCase(status=None).get_status_display() is None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_api_display_field_gives_the_label_as_drf_would(language, monkeypatch):
    """``core.api.DisplayField`` answers what DRF's ``CharField(source="get_…_display")``
    does, without testing the method's signature on every value."""
    import inspect

    from rest_framework import serializers

    from zhangzhou_ip.core.api import DisplayField

    class Ours(serializers.Serializer):
        kind_display = DisplayField(source="get_kind_display")

    class Drfs(serializers.Serializer):
        kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    records = [EvidenceRecord(kind=value) for value in EvidenceRecord.Kind.values]
    with translation.override(language):
        expected = Drfs(records, many=True).data
        monkeypatch.setattr(inspect, "signature", None)  # ours must not need it
        assert Ours(records, many=True).data == expected
        labels = [str(label) for label in EvidenceRecord.Kind.labels]
    assert [row["kind_display"] for row in expected] == labels
    assert ("Text" in labels) is (language == "en")
