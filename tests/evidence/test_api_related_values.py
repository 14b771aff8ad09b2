"""The API's record rows read the blob's SM3 and the corrected record's number by subquery
(``evidence.api.views.with_related_values``), in the list and in the detail."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from evidence.models import EvidenceBlob

pytestmark = pytest.mark.django_db
RECORDS = "/api/v1/evidence-records/"


def test_a_correction_names_the_record_it_corrects_and_its_content_sm3(world, deposit, settings):
    original = deposit(actor="servicepoint", depositor="ent_a", text="原来的文字")
    settings.EVIDENCE_SM3 = True
    correction = deposit(
        actor="servicepoint", depositor="ent_a", text="更正后的文字", corrects=original
    )
    sm3 = hashlib.new("sm3", "更正后的文字".encode()).hexdigest()
    assert EvidenceBlob.objects.get(pk=correction.sha256).sm3 == sm3
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world["users"]["superuser"])
    rows = {row["number"]: row for row in client.get(RECORDS).json()["results"]}
    assert rows[correction.number]["corrects"] == original.number
    assert rows[correction.number]["sm3"] == sm3
    assert rows[original.number]["corrects"] is None
    assert rows[original.number]["sm3"] == ""  # deposited before SM3 was switched on
    detail = client.get(f"{RECORDS}{correction.pk}/").json()
    assert (detail["corrects"], detail["sm3"]) == (original.number, sm3)
