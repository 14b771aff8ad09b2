"""A two-character search term finds exactly the records whose number, title, file name or
URL contain it, ignoring case (issue 9; decision 0020 §18): on PostgreSQL through the stored
``search_bigrams`` column, on SQLite through ``icontains``. Every two-character piece of
every record's texts, and pieces found nowhere, are searched and compared with Python's
answer."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from evidence.filters import EvidenceRecordFilterSet
from evidence.models import EvidenceRecord
from evidence.selectors import evidence_visible_to
from tests.evidence.conftest import PNG
from tests.search_helpers import found_in, two_character_pieces

pytestmark = pytest.mark.django_db


def _search(user, term: str) -> set[int]:
    request = RequestFactory().get("/evidence/", {"q": term})
    request.user = user
    filterset = EvidenceRecordFilterSet(
        {"q": term}, queryset=evidence_visible_to(user), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_every_two_character_piece_finds_exactly_the_records_that_contain_it(world, deposit):
    tea = deposit(title="茶业商行网店截图", kind="web_capture",
                  source_url="https://shop.example.com/店铺/茶叶?q=Ab")  # fmt: skip
    photo = deposit(title="现场照片", kind="file",
                    upload=SimpleUploadedFile("店铺门头-Été.png", PNG + b"1"))  # fmt: skip
    deposit(title="商标注册证", depositor="ent_b")
    records = {
        r.pk: [r.number, r.title, r.original_name, r.source_url]
        for r in EvidenceRecord.objects.all()
    }
    pieces = two_character_pieces(text for texts in records.values() for text in texts)
    terms = sorted(pieces | {"éT", "茶水", "图现"})
    assert len(terms) > 20
    superuser = world["users"]["superuser"]
    for term in terms:
        assert _search(superuser, term) == found_in(records, term), term
    assert _search(superuser, "店铺") == {tea.pk, photo.pk}  # the URL; the file name
    assert _search(superuser, "茶业") == {tea.pk}
    assert _search(superuser, "图现") == set()  # the end of one title, the start of another
    # an enterprise sees its own records only
    assert _search(world["users"]["enterprise"], "商标") == set()
    assert _search(world["users"]["superuser"], "商标") != set()
