"""What keeps lists fast at scale: counting up to a limit (``CappedPaginator``), grouping
counts over a limited sample (``count_groups``), ids read once per request as one array
(``pk_in``/``AnyOf``, request_memo) and Django's model permissions for staff only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F, Q
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from zhangzhou_ip.core import lookups, pagination, request_memo
from zhangzhou_ip.core.lookups import AnyOf, IdArray, pk_in, read_id_array, union_of
from zhangzhou_ip.core.pagination import CappedPaginator, count_groups

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def users():
    User.objects.bulk_create([User(username=f"u{i:02d}", is_staff=i % 3 == 0) for i in range(12)])
    return User.objects.order_by("pk")


def test_a_count_under_the_limit_is_exact(users):
    paginator = CappedPaginator(users, 5, limit=20)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (12, False, 3)


def test_a_count_over_the_limit_stops_at_it_and_says_so(users):
    paginator = CappedPaginator(users, 5, limit=10)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped, paginator.num_pages) == (10, True, 2)
    assert len(queries.captured_queries) == 1
    assert "LIMIT 11" in queries.captured_queries[0]["sql"]
    assert paginator.get_page(99).number == 2  # pages past the limit show the last one


def test_a_count_made_elsewhere_costs_no_query(users):
    paginator = CappedPaginator(users, 5, limit=10)
    paginator.counted_elsewhere(7)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped) == (7, False)
    assert queries.captured_queries == []
    paginator = CappedPaginator(users, 5, limit=10)
    paginator.counted_elsewhere(500)
    assert (paginator.count, paginator.capped) == (10, True)


def _by_ids(ids: IdArray):
    return User.objects.filter(AnyOf(F("pk"), ids)).order_by("-username")


def test_a_short_list_reads_its_page_by_the_ids_its_count_found(users, monkeypatch):
    """With ``rows_by_ids``, PostgreSQL's count of at most ``FEW_ROWS`` rows gives their ids
    in the same statement, and the page is read by them alone: same rows, same order."""
    staff = users.filter(is_staff=True).order_by("-username")  # u09 u06 u03 u00
    paginator = CappedPaginator(staff, 3, limit=10, rows_by_ids=_by_ids)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(1)
        names = [user.username for user in page]
        assert (paginator.count, page.has_next()) == (4, True)
    assert names == ["u09", "u06", "u03"]
    assert [user.username for user in paginator.get_page(2)] == ["u00"]
    count, rows = (q["sql"] for q in queries.captured_queries)
    rows = rows.split(" WHERE ", 1)[1]  # the filters, not the columns
    if connection.vendor == "postgresql":
        assert "ARRAY_AGG" in count and "is_staff" in count
        assert "= ANY(" in rows and "is_staff" not in rows  # by the ids, without the filter
    else:  # SQLite counts as before
        assert "ARRAY_AGG" not in count and "is_staff" in rows
    # more rows than FEW_ROWS: counted, and the page read with the filters as before
    monkeypatch.setattr(pagination, "FEW_ROWS", 3)
    paginator = CappedPaginator(staff, 3, limit=10, rows_by_ids=_by_ids)
    with CaptureQueriesContext(connection) as queries:
        assert [user.username for user in paginator.get_page(1)] == ["u09", "u06", "u03"]
    assert (
        paginator.count == 4 and "is_staff" in queries.captured_queries[-1]["sql"].split("WHERE")[1]
    )
    # nothing matches: no ids, an empty first page
    paginator = CappedPaginator(users.filter(pk__in=[]), 3, limit=10, rows_by_ids=_by_ids)
    assert (paginator.count, list(paginator.get_page(1))) == (0, [])


def test_without_rows_by_ids_the_count_reads_no_ids(users):
    paginator = CappedPaginator(users.filter(is_staff=True), 3, limit=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 4
    assert "ARRAY_AGG" not in queries.captured_queries[0]["sql"] and paginator.ids is None


def test_count_groups_counts_each_combination_within_the_slice(users):
    everyone = count_groups(users.values_list("pk", "is_staff")[:100])
    assert sorted(everyone) == [(False, 8), (True, 4)]
    first_six = count_groups(users.values_list("pk", "is_staff")[:6])  # u00 … u05
    assert sorted(first_six) == [(False, 4), (True, 2)]
    assert count_groups(users.filter(pk__in=[]).values_list("pk", "is_staff")[:5]) == []
    # a DISTINCT over the rows (a filter through a join) still counts every row
    distinct = count_groups(users.distinct().values_list("pk", "is_staff")[:100])
    assert sorted(distinct) == [(False, 8), (True, 4)]


def test_pk_in_matches_the_subquery_and_reads_it_once_per_request(users):
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)
    expected = set(staff)
    request_memo_token = request_memo._memo.set({})
    try:
        with CaptureQueriesContext(connection) as queries:
            first = set(User.objects.filter(pk_in("staff", staff)).values_list("pk", flat=True))
            again = set(User.objects.filter(pk_in("staff", staff)).values_list("pk", flat=True))
        assert first == again == expected
        selects = [q["sql"] for q in queries.captured_queries]
        if connection.vendor == "postgresql":
            assert len(selects) == 3  # the ids once, then the two lists
            assert "= ANY(" in selects[-1]
        else:
            assert len(selects) == 2 and "IN (SELECT" in selects[-1]
    finally:
        request_memo._memo.reset(request_memo_token)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays: PostgreSQL only")
def test_the_database_builds_the_id_array_sorted_and_without_repeats(users):
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)
    first_four = User.objects.filter(pk__in=list(users.values_list("pk", flat=True)[:4]))
    ids = union_of(staff, first_four.values_list("pk", flat=True))
    expected = sorted(set(staff) | set(first_four.values_list("pk", flat=True)))
    with CaptureQueriesContext(connection) as queries:
        array = read_id_array(ids)
    assert len(queries.captured_queries) == 1
    assert array == IdArray("{" + ",".join(map(str, expected)) + "}", len(expected))
    assert array == IdArray.of(reversed(expected + expected))  # Python's form agrees
    assert array.rows == len(expected)  # the UNION dropped the repeats
    with_repeats = read_id_array(
        union_of(staff, first_four.values_list("pk", flat=True), repeats=True)
    )
    assert with_repeats == array and with_repeats.rows == 8  # 4 staff, then 4 users
    assert read_id_array(User.objects.none().values_list("pk", flat=True)) == IdArray("{}", 0)
    assert read_id_array(staff.filter(username="nobody")) == IdArray("{}", 0)
    found = User.objects.filter(AnyOf(F("pk"), array)).values_list("pk", flat=True)
    assert sorted(found) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays: PostgreSQL only")
def test_past_the_id_limit_the_subquery_stays(users, monkeypatch):
    monkeypatch.setattr(lookups, "ID_LIST_LIMIT", 3)
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)  # 4 users
    token = request_memo._memo.set({})
    try:
        chosen = User.objects.filter(pk_in("over-limit", staff))
        assert "IN (SELECT" in str(chosen.query) and "ANY(" not in str(chosen.query)
        assert set(chosen) == set(User.objects.filter(is_staff=True))
    finally:
        request_memo._memo.reset(token)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays: PostgreSQL only")
def test_repeated_ids_are_read_once_and_counted_as_rows(users):
    """The subqueries are read as ``UNION ALL``: the array drops the repeats, and the rows
    they came from are what the limit counts."""
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)  # 4 users
    token = request_memo._memo.set({})
    try:
        chosen = User.objects.filter(pk_in("staff twice", staff, staff))
        assert "ANY(" in str(chosen.query)
        assert sorted(chosen.values_list("pk", flat=True)) == sorted(staff)
        assert lookups.id_array_size("staff twice") == 4
        assert request_memo.peek("staff twice").rows == 8
    finally:
        request_memo._memo.reset(token)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays: PostgreSQL only")
def test_rows_cut_short_by_the_limit_keep_the_subqueries(users, monkeypatch):
    """16 rows (4 staff, then all 12 users) hold 12 ids: under a limit of 13 ids but over 13
    rows. The array of the first 14 rows could miss users, so the subqueries stay."""
    monkeypatch.setattr(lookups, "ID_LIST_LIMIT", 13)
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)
    everyone = User.objects.values_list("pk", flat=True)
    token = request_memo._memo.set({})
    try:
        chosen = User.objects.filter(pk_in("cut short", staff, everyone))
        assert "IN (SELECT" in str(chosen.query) and "ANY(" not in str(chosen.query)
        assert sorted(chosen.values_list("pk", flat=True)) == sorted(everyone)
    finally:
        request_memo._memo.reset(token)


def test_outside_a_request_nothing_is_kept(users):
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)
    before = set(User.objects.filter(pk_in("staff", staff)).values_list("pk", flat=True))
    User.objects.filter(username="u01").update(is_staff=True)
    after = set(User.objects.filter(pk_in("staff", staff)).values_list("pk", flat=True))
    assert after == before | {User.objects.get(username="u01").pk}


def test_pk_in_with_or_keeps_both_sides(users):
    staff = User.objects.filter(is_staff=True).values_list("pk", flat=True)
    chosen = User.objects.filter(Q(username="u01") | pk_in("staff-or", staff))
    assert set(chosen.values_list("username", flat=True)) == {"u00", "u01", "u03", "u06", "u09"}


def test_the_memo_middleware_forgets_after_the_response():
    seen = []

    def view(request):
        seen.append(request_memo.memoized("k", lambda: len(seen)))
        seen.append(request_memo.memoized("k", lambda: 99))
        return None

    middleware = request_memo.RequestMemoMiddleware(view)
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert seen == [0, 0, 2, 2]
    assert request_memo.memoized("k", lambda: "fresh") == "fresh"


def test_model_permissions_count_for_staff_only(users):
    permission = Permission.objects.get(codename="view_user")
    clerk, admin = User.objects.get(username="u01"), User.objects.get(username="u03")
    for user in (clerk, admin):
        user.user_permissions.add(permission)
    clerk, admin = User.objects.get(pk=clerk.pk), User.objects.get(pk=admin.pk)
    with CaptureQueriesContext(connection) as queries:
        assert not clerk.has_perm("auth.view_user")
    assert queries.captured_queries == []  # no permission tables read for non-staff
    assert admin.has_perm("auth.view_user")


def test_per_user_computes_once_per_request_and_user_and_keeps_nothing_outside(users):
    calls: list[int] = []

    @request_memo.per_user
    def names(user):
        calls.append(user.pk)
        return {user.username}

    first, second = users[0], users[1]
    assert names(first) == {first.username} and names(first) == {first.username}
    assert calls == [first.pk, first.pk]  # outside a request: computed every time
    token = request_memo._memo.set({})
    try:
        assert names(first) == names(User.objects.get(pk=first.pk)) == {first.username}
        assert names(second) == {second.username}
        assert calls == [first.pk, first.pk, first.pk, second.pk]  # once per user
    finally:
        request_memo._memo.reset(token)
    names(first)
    assert calls[-1] == first.pk and len(calls) == 5  # the request's values are gone
