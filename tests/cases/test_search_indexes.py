"""The search boxes' conditions are the expressions their trigram indexes hold (issue 9
part 3; cases 0008, evidence 0003): with sequential and ordered index scans priced out,
PostgreSQL answers each branch of the case list's and the evidence list's search from its
index. A change that compared differently (``ILIKE``, no ``UPPER``, an OR that mixes
tables) would show here as a plan without the index — at 1M records, a 7.6 s scan instead
of a millisecond."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cases.filters import MediationCaseFilterSet
from cases.models import CaseRight, MediationCase, Party
from evidence.filters import EvidenceRecordFilterSet
from evidence.models import EvidenceRecord

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_trgm indexes exist on PostgreSQL only (CI runs both databases)",
    ),
]


def _plan(filterset_class, model, user, term: str) -> str:
    """The plans of every statement the search runs (the list's query and the id queries
    ``pk_in`` reads first), as PostgreSQL would run them with only bitmap scans allowed."""
    request = RequestFactory().get("/", {"q": term})
    request.user = user
    filterset = filterset_class({"q": term}, queryset=model.objects.all(), request=request)
    assert filterset.is_valid(), filterset.errors
    with connection.cursor() as cursor:
        # only bitmap scans: an index that holds the condition, or nothing at all
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    with CaptureQueriesContext(connection) as queries:
        list(filterset.qs)
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans += [row[0] for row in cursor.fetchall()]
    return "\n".join(plans)


def test_the_case_search_uses_the_trigram_indexes(case_world):
    plan = _plan(
        MediationCaseFilterSet, MediationCase, case_world["users"]["superuser"], "蜜柚保鲜"
    )
    for index in (
        "cases_title_trgm",
        "cases_number_trgm",
        "cases_party_name_trgm",
        "cases_right_number_trgm",
        "cases_right_description_trgm",
    ):
        assert index in plan, plan


def test_a_uscc_search_reads_the_parties_by_their_organisation(case_world):
    uscc = case_world["orgs"]["ent_a"].uscc
    plan = _plan(MediationCaseFilterSet, MediationCase, case_world["users"]["superuser"], uscc)
    assert "cases_party_name_trgm" in plan
    assert "cases_party_organization_id" in plan or "cases_party_organiz_" in plan, plan


def test_the_evidence_search_uses_the_trigram_indexes(world):
    plan = _plan(EvidenceRecordFilterSet, EvidenceRecord, world["users"]["superuser"], "abcdef12")
    for index in (
        "evidence_number_trgm",
        "evidence_title_trgm",
        "evidence_original_name_trgm",
        "evidence_source_url_trgm",
        "sha256",  # the prefix of a hash: the varchar_pattern_ops index
    ):
        assert index in plan, plan


# --- two-character terms: the stored bigrams (decision 0020 §18) ------------------------------


def test_a_two_character_search_reads_the_stored_bigrams(case_world):
    plan = _plan(MediationCaseFilterSet, MediationCase, case_world["users"]["superuser"], "茶业")
    for index in ("cases_mediationcase_bigrams", "cases_party_bigrams", "cases_caseright_bigrams"):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_two_character_evidence_search_reads_the_stored_bigrams(world):
    plan = _plan(EvidenceRecordFilterSet, EvidenceRecord, world["users"]["superuser"], "店铺")
    assert "evidence_evidencerecord_bigrams" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    "model", [MediationCase, Party, CaseRight, EvidenceRecord], ids=lambda m: m.__name__
)
def test_the_stored_bigrams_hold_the_texts_the_model_declares(model):
    """``contains_any`` trusts ``search_bigram_fields`` to name exactly the column's texts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = 'search_bigrams'",
            [model._meta.db_table],
        )
        (expression,) = cursor.fetchone()
    columns = re.findall(r"upper\(\(?(\w+)\)?::text\)", expression)
    assert columns == [model._meta.get_field(f).column for f in model.search_bigram_fields]
