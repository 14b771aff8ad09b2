"""Query-count guards for every list (issue 9 part 4): the SQL statements a list page or a list
endpoint of the REST API makes must not grow with the number of rows it shows.

What is guarded: every HTML route whose view is a list — a ``ListView`` (most are the
``FilteredListView`` subclasses of ``zhangzhou_ip.core.views``) or has a ``filterset_class``,
or whose name says it lists (``…-list``, ``…-inbox``, ``…-desk`` …) — found through the URL
resolver, plus the start page and the statistics page; every list operation of the OpenAPI
schema (a GET ``…_list`` on a collection path without ``{id}``); the benchmark's case-list
variants (three filters, a search). Lists whose first page the world fills are requested at
``page_size=100``. Exports and the schema/docs pages are not lists. Each is requested as
every role of the world (tests/conftest.py) that may open it: the roles whose cell in the
authorization matrix (tests/cases/test_authorization_matrix.py) is 200.

How: the world of ``tests.world.build_objects`` plus one round of ``add_rows`` (so that every
list a role can see shows it a row: an empty page skips the statements of its rows, and
0 → n rows would differ without any N+1). Each (role, url) is requested once to warm the
caches (filter choices are cached per user for ``FILTER_CHOICES_CACHE_SECONDS``, the
statistics for ``STATS_CACHE_SECONDS``) and once more inside ``CaptureQueriesContext``. Two
more rounds of ``add_rows`` add two rows of every kind the lists show, through the services
the world is built with; each (role, url) is warmed and counted again. Then:

- the two counts are equal (an N+1 shows as a count that grows with the rows; the failure
  lists the statements whose number changed, literals left out);
- the main lists show each role the added rows (``<tr`` in a page, ``results`` of an API
  answer), except as ``NOT_GROWING`` says, and every list shows some role the added rows,
  except as ``NEVER_GROWING`` says — otherwise the equality would prove nothing;
- the pages bench/run.py measures stay within its ``QUERY_BUDGET`` statements per request.

The guards found two lists that grew (the API's mediation sessions asked per row whether
the case is seen in full; the workload page ran one query per organisation); both are fixed.
The world is built and every pair measured once per test process, by the first test that needs the
numbers (``measured``): building it for each of the ~400 pairs would take many minutes; each
parametrized test then checks its own pair. Counts differ between SQLite and PostgreSQL
(PostgreSQL reads visibility id arrays in one extra query, ``zhangzhou_ip.core.lookups.pk_in``)
but not with the rows. ``QUERY_BUDGET_PRINT=1 pytest -s`` prints every pair's numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.views.generic.list import MultipleObjectMixin

from alliance import collaboration, indicators
from alliance import services as alliance_services
from alliance.models import (
    CollaborationRequest,
    Indicator,
    IntellectualProperty,
    Membership,
    Organization,
)
from cases import services
from cases.choices import PartyRole
from cases.models import MediationCase
from evidence import retrieval as evidence_retrieval
from evidence import services as evidence_services
from tests.api.schema_helpers import openapi_document
from tests.cases.conftest import (  # noqa: F401 (an autouse fixture of tests/cases)
    _holiday_calendar_ahead,
    advance,
    make_case,
    org_party,
    person_party,
)

# the fixture of tests/cases/conftest.py, under a name that leaves ``case_world`` to arguments
from tests.cases.conftest import case_world as cases_world  # noqa: F401
from tests.cases.test_authorization_matrix import EXPECTED, MATRIX, _client, _codes
from tests.cases.test_authorization_matrix import ROLES as MATRIX_ROLES
from tests.conftest import make_uscc
from tests.world import build_objects
from zhangzhou_ip.core.models import PreparedDownload
from zhangzhou_ip.core.notifications import notify

# One xdist worker measures every pair (make test runs with --dist loadgroup): the world
# is built once per process, so spreading the pairs would build it on both workers.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("query_budget")]

#: The roles of the world (tests/conftest.py) that see lists; ``anonymous`` and ``nobody``
#: see none and are left out.
ROLES = [role for role in MATRIX_ROLES if role not in ("anonymous", "nobody")]

QUERY_BUDGET = 10  # bench/run.py QUERY_BUDGET: statements per request (issue 9 part 3)

# The benchmark's case-list variants (bench/run.py FILTERED, SEARCH_TERMS), with values the
# rows of this world match: an empty page would skip the statements of its rows.
FILTERED = "status=submitted&status=mediating&dispute_type=design_infringement"
FILTERED += "&received_after=2000-01-01&received_before=2099-12-31"
SEARCH = "q=甲食品"  # a fragment of ent_a's name, a party to most cases


# --- what is guarded --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One list: a route name, its query string and a short label for the test id."""

    name: str
    query: str = ""
    label: str = ""

    @property
    def id(self) -> str:
        return self.name + (f"?{self.label}" if self.label else "")

    def url(self, objects: dict[str, Any]) -> str:
        kwargs = MATRIX[self.name][0](objects)  # URL arguments as the matrix fills them
        path = reverse(self.name, kwargs=kwargs)
        return f"{path}?{self.query}" if self.query else path


def _patterns(patterns: list, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name, pattern


# Names that say "a list" although the view is not a ListView (dashboards of rows).
LIST_NAME = re.compile(r"(-list|-inbox|-outbox|-overdue|-desk|workload|reciprocity)$")
# Not lists, though a list's name or view class: file downloads of a list's rows.
EXPORT = re.compile(r"export")
# Lists the resolver does not tell apart from other pages.
EXTRA_PAGES = ["home", "stats:page"]


def html_lists() -> list[str]:
    """Route names of the HTML lists (the API's come from the schema)."""
    names = set(EXTRA_PAGES)
    for name, pattern in _patterns(get_resolver().url_patterns):
        if name.startswith(("admin:", "api:")) or EXPORT.search(name):
            continue
        view = getattr(pattern.callback, "view_class", None)
        is_list = view is not None and (
            issubclass(view, MultipleObjectMixin) or getattr(view, "filterset_class", None)
        )
        if is_list or LIST_NAME.search(name):
            names.add(name)
    return sorted(names)


def api_lists() -> list[str]:
    """Route names of the API's list operations: GET ``…_list`` on a collection path."""
    names = set()
    for path, item in openapi_document()["paths"].items():
        operation = item.get("get")
        if operation and operation["operationId"].endswith("_list") and "{" not in path:
            names.add(resolve(path).view_name)
    return sorted(names)


#: Lists whose first page is full on the world (the courts of the migrations; the events of
#: every case): the same 25 rows before and after would hide an N+1, so they are measured at
#: the largest page size instead, where the added rows show.
FULL_FIRST_PAGE = {"alliance:organization-list", "api:case-event-list", "api:organization-list"}


def targets() -> list[Target]:
    found = [
        Target(name, "page_size=100", "page_size=100") if name in FULL_FIRST_PAGE else Target(name)
        for name in html_lists() + api_lists()
    ]
    found += [
        Target("cases:case-list", FILTERED, "filtered"),
        Target("cases:case-list", SEARCH, "q"),
    ]
    return found


def may_open(target: Target) -> list[str]:
    """The roles whose matrix cell for GET is 200."""
    codes = dict(zip(MATRIX_ROLES, _codes(EXPECTED[f"{target.name} GET"]), strict=True))
    return [role for role in ROLES if codes[role] == 200]


# Lists no role opens without parameters are left out: the courts proposed for a case
# (api:judicial-confirmation-proposed-courts) answer 400 without ``?case=``.
TARGETS = [target for target in targets() if may_open(target)]
PAIRS = [(role, target) for target in TARGETS for role in may_open(target)]

#: The pages and endpoints bench/run.py measures, for the roles it measures them as.
BENCHMARKED = {
    "cases:case-list",
    "cases:case-list?filtered",
    "cases:case-list?q",
    "cases:shared-with-us",
    "evidence:list",
    "api:mediation-case-list",
    "api:evidence-record-list",
}
BENCH_ROLES = {"mediator", "partner", "superuser"}

#: The main lists: each role that may open them sees the added rows, except as ``NOT_GROWING``
#: says.
MAIN_LISTS = BENCHMARKED - {"cases:case-list?filtered", "cases:case-list?q"}

#: Main lists that show a role no rows at all, and why (the equality of the counts still holds
#: for them, trivially).
NOT_GROWING: dict[str, tuple[set[str], str]] = {
    "cases:shared-with-us": (
        set(ROLES) - {"partner"},
        "only the partner bureau has cases shared with it",
    ),
    "cases:case-list": ({"servicepoint"}, "a service point's clerk handles no cases"),
    "api:mediation-case-list": ({"servicepoint"}, "a service point's clerk handles no cases"),
}

#: Lists that show no more rows to any role after ``add_rows``, and why.
NEVER_GROWING: dict[str, str] = {
    "alliance:region-list": "administrative divisions: reference data of the migrations",
    "api:region-list": "administrative divisions: reference data of the migrations",
    "api:indicator-list": "the indicator catalogue: reference data of the migrations",
}


# --- more rows of every kind ------------------------------------------------------------------


def _committee_case(
    case_world: dict[str, Any], title: str, to: str, parties: list[dict[str, Any]]
) -> MediationCase:
    """A case of the committee, entered by the clerk and driven by the mediator to ``to``."""
    users, committee = case_world["users"], case_world["orgs"]["committee"]
    made = make_case(users["clerk"], committee, title=title, parties=parties)
    return advance(made, users["clerk"], users["mediator"], to)


def add_rows(
    case_world: dict[str, Any], objects: dict[str, Any], rounds: Iterable[int] = range(2)
) -> None:
    """One more row of each kind the lists show per round, for each role that sees the kind,
    through the services ``tests.world.build_objects`` uses. Each round brings a new
    enterprise (a party, an IP owner), a new mediation committee and a new member bureau, so
    rows also differ in what they refer to; ``rounds`` numbers them (names stay unique)."""
    for i in rounds:
        _add_round(case_world, objects, i)


def _add_round(case_world: dict[str, Any], objects: dict[str, Any], i: int) -> None:
    users, orgs = case_world["users"], case_world["orgs"]
    admin, mediator, partner = users["superuser"], users["mediator"], users["partner"]
    court = Organization.objects.get(court_code="闽06")

    # the directory: organisations, IP rights, memberships
    enterprise = alliance_services.organization_create(
        actor=admin,
        kind=Organization.Kind.ENTERPRISE,
        name=f"漳州新增{i}茶业有限公司",
        region=orgs["ent_a"].region,
        uscc=make_uscc(100 + i, "350602"),
        parent=orgs["service_point"],
    )
    committee = alliance_services.organization_create(
        actor=admin,
        kind=Organization.Kind.MEDIATION_COMMITTEE,
        name=f"新增{i}调解委员会",
        region=orgs["committee"].region,
        parent=orgs["zz_bureau"],
    )
    make_case(admin, committee, title=f"新增委员会案件{i}")  # on the workload board
    member = alliance_services.organization_create(
        actor=admin,
        kind=Organization.Kind.BUREAU,
        name=f"新增{i}市市场监督管理局",
        region=orgs["ent_b"].region,
        alliance_joined_on=dt.date(2024, 1, 1),
    )
    for owner in (enterprise, orgs["ent_a"]):
        alliance_services.intellectual_property_create(
            actor=admin,
            owner=owner,
            kind=IntellectualProperty.Kind.TRADEMARK,
            number=f"87654{i:02d}{owner.pk % 10}",
            title=f"新增商标{i}",
            nice_class=30,
        )
    for org, role in [
        (committee, Membership.Role.MEDIATOR),
        (orgs["committee"], Membership.Role.MEDIATOR),
        (orgs["zz_bureau"], Membership.Role.CLERK),
        (orgs["partner"], Membership.Role.MEDIATOR),
        (orgs["court"], Membership.Role.LIAISON),
        (orgs["service_point"], Membership.Role.CLERK),
        (orgs["ent_a"], Membership.Role.CLERK),
    ]:
        user = get_user_model().objects.create_user(f"extra-{org.pk}-{i}", password="pw-123")
        alliance_services.membership_grant(actor=admin, user=user, organization=org, role=role)

    # cases of the committee in the states the lists show, ent_a a party to each: mediating
    # (a session, a right, a comment), submitted and shared with the partner, settled with a
    # confirmation at 漳州中院 (``court``), failed and referred to it; and one of the partner
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, enterprise),
    ]

    def case(title: str, to: str) -> MediationCase:
        return _committee_case(case_world, f"{title}{i}", to, parties)

    mediating = case("新增调解中案件", "mediating")
    services.right_add(actor=mediator, case=mediating, kind="trademark", number=f"2233{i}")
    services.comment_add(actor=mediator, case=mediating, body=f"新增意见{i}")
    shared = case("新增已提交案件", "submitted")
    services.share_grant(
        actor=users["org_admin"],
        case=shared,
        organization=orgs["partner"],
        level="view",
        reason="协查",
    )
    services.confirmation_prepare(
        actor=mediator,
        case=case("新增已调解案件", "settled"),
        court=court,
        joint_application=True,
    )
    failing = case("新增失败案件", "mediating")
    partner_parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_b"]),
        person_party(PartyRole.RESPONDENT, name=f"王{i}"),
    ]
    own = make_case(partner, orgs["partner"], title=f"新增沈阳案件{i}", parties=partner_parties)
    advance(own, partner, partner, "submitted")

    # 益企证: a record deposited at the service point for ent_a and cited where the mediator,
    # the partner (the shared case) and the court (the referred one) see it; one the
    # enterprise deposits itself; two accesses to the world's record (its access log); a
    # retrieval request and a protection action of the enterprise
    record = evidence_services.deposit(
        actor=users["servicepoint"],
        depositor=orgs["ent_a"],
        kind="text",
        title=f"新增证据{i}",
        category="listing",
        text=f"query budget evidence {i}",
    )
    for citing in (mediating, shared, failing):
        services.evidence_link(actor=admin, case=citing, record=record)
    failed = services.case_fail(actor=mediator, case=failing, reason="分歧过大")
    services.referral_to_litigation(actor=mediator, case=failed, court=court)
    evidence_services.deposit(
        actor=users["enterprise"],
        depositor=orgs["ent_a"],
        kind="text",
        title=f"企业自存证据{i}",
        category="listing",
        text=f"query budget own evidence {i}",
    )
    for user in (users["servicepoint"], users["enterprise"]):
        evidence_services.log_access(objects["record"], action="view", user=user)
    evidence_retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=orgs["service_point"],
        kind="web_capture",
        subject=f"新增取证{i}",
        target_url=f"https://shop.example.com/item/{10 + i}",
    )
    services.action_record(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        kind="platform_takedown",
        title=f"新增维权行动{i}",
        counterparty=enterprise.name,
        started_on=dt.date(2024, 4, 1 + i),
        outcome="ongoing",
        evidence=[record],
    )

    # collaboration: both ways with the partner and to the new member (a new pair on the
    # reciprocity board), each with a reply; the last one overdue — the services refuse a
    # due date in the past, so it is backdated (a test-only update)
    for sender, source, target in [
        (users["org_admin"], orgs["zz_bureau"], member),
        (users["org_admin"], orgs["zz_bureau"], orgs["partner"]),
        (partner, orgs["partner"], orgs["zz_bureau"]),
    ]:
        request = collaboration.collaboration_send(
            actor=sender,
            from_organization=source,
            to_organization=target,
            kind=CollaborationRequest.Kind.EVIDENCE,
            subject=f"新增协查{i}",
        )
        collaboration.collaboration_reply(
            actor=sender,
            request=request,
            body="补充材料",
            attachment=SimpleUploadedFile("r.pdf", b"%PDF-1.4 z", "application/pdf"),
        )
    sent_on = timezone.localdate() - dt.timedelta(days=30)
    CollaborationRequest.objects.filter(pk=request.pk).update(
        sent_on=sent_on, due_on=sent_on + dt.timedelta(days=7)
    )

    # a yearly indicator value, a notification for everyone
    indicators.indicator_value_create(
        actor=admin,
        indicator=Indicator.objects.get(code="patents_granted"),
        region=orgs["zz_bureau"].region,
        year=2010 + i,
        value=Decimal(5000 + i),
        source="漳州市知识产权局",
    )
    notify(users.values(), verb="case.accepted", title=f"新增通知{i}", url="/cases/")
    # a prepared download for everyone ("My downloads" lists only one's own)
    PreparedDownload.objects.bulk_create(
        PreparedDownload(
            owner=user,
            kind=PreparedDownload.Kind.EXPORT,
            title=f"新增导出{i}",
            file_format="csv",
            source_url="/cases/?format=csv",
            site="http://testserver",
            language="zh-hans",
            time_zone="Asia/Shanghai",
            expires_at=timezone.now() + dt.timedelta(hours=72),
        )
        for user in users.values()
    )


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Measurement:
    status: int
    queries: list[str]
    rows: int


def _rows(response: HttpResponse) -> int:
    """Rows shown: an API answer's ``results`` (or its items); a page's table rows and
    list-group items (the notifications), headers included."""
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        items = data.get("results", data) if isinstance(data, dict) else data
        return len(items) if isinstance(items, list) else 0
    content = response.content
    return content.count(b"<tr") + content.count(b'<li class="list-group-item')


def _measure(client: Client, url: str) -> Measurement:
    client.get(url)  # warm: filter choices cached per user, the statistics cache …
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    sql = [query["sql"] for query in captured.captured_queries]
    return Measurement(response.status_code, sql, _rows(response))


Measured = dict[tuple[str, str], tuple[str, Measurement, Measurement]]  # url, before, after

_MEASURED: dict[str, Any] = {}  # "all": the numbers (or why measuring failed); "printed"


def _measure_all(case_world: dict[str, Any]) -> Measured:
    """The world, and one round of ``add_rows`` so that every list a role can see shows it a
    row before (an empty page skips the statements of its rows: 0 → n rows would differ
    without an N+1); measure; two more rounds; measure again."""
    objects = build_objects(case_world)
    add_rows(case_world, objects, rounds=[0])
    clients = {role: _client(role, objects["users"]) for role in ROLES}
    urls = {target.id: target.url(objects) for target in TARGETS}
    before = {(r, t.id): _measure(clients[r], urls[t.id]) for r, t in PAIRS}
    add_rows(case_world, objects, rounds=[1, 2])
    after = {(r, t.id): _measure(clients[r], urls[t.id]) for r, t in PAIRS}
    return {pair: (urls[pair[1]], before[pair], after[pair]) for pair in before}


@pytest.fixture
def measured(request: pytest.FixtureRequest) -> Measured:
    """Every pair, measured once per test process, by the first test that asks (on the
    ``case_world`` of that test; later tests only read the numbers)."""
    if "all" not in _MEASURED:
        try:
            _MEASURED["all"] = _measure_all(request.getfixturevalue("cases_world"))
        except BaseException as exc:
            _MEASURED["all"] = exc
            raise
    result = _MEASURED["all"]
    if isinstance(result, BaseException):
        pytest.fail(f"measuring the lists failed in an earlier test: {result!r}")
    if os.environ.get("QUERY_BUDGET_PRINT") and "printed" not in _MEASURED:
        # QUERY_BUDGET_PRINT=1 pytest -s: the table of all pairs, to review the numbers
        _MEASURED["printed"] = True
        for (role, target), (url, before, after) in sorted(result.items()):
            print(
                f"BUDGET {target:45} {role:12} {len(before.queries):3} {len(after.queries):3}"
                f"  rows {before.rows:3} → {after.rows:3}  {url}"
            )
    return result


_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
_COLUMNS = re.compile(r"^SELECT (?:DISTINCT )?.*? FROM ")


def _shape(sql: str) -> str:
    """A statement without its literals: the same query for another row has the same shape."""
    return _LITERAL.sub("?", sql)


def _differing(before: list[str], after: list[str]) -> str:
    """The statements whose number differs (``before → after×``), columns left out."""
    counts_before = Counter(map(_shape, before))
    counts_after = Counter(map(_shape, after))
    lines = [
        f"  {counts_before[shape]} → {counts_after[shape]}×  "
        + _COLUMNS.sub("SELECT … FROM ", shape)
        for shape in dict.fromkeys([*counts_before, *counts_after])
        if counts_before[shape] != counts_after[shape]
    ]
    return "\n".join(lines)


def _id(pair: tuple[str, Target]) -> str:
    return f"{pair[0]}-{pair[1].id}"


def _params(pairs: list[tuple[str, Target]]) -> list:
    return [pytest.param((role, target), id=_id((role, target))) for role, target in pairs]


# --- the guards -------------------------------------------------------------------------------


def test_the_lists_are_found():
    """The resolver and the schema give the lists (a new one is guarded without a change
    here); the benchmark's pages are among them, exports and the schema are not."""
    ids = {target.id for target in TARGETS}
    assert ids >= BENCHMARKED
    assert ids >= {"notifications:list", "cases:court-desk", "home", "stats:page"}
    assert not {name for name in ids if "export" in name or name.startswith("api:schema")}
    assert set(NOT_GROWING) <= MAIN_LISTS
    assert set(NEVER_GROWING) <= ids
    assert len(PAIRS) > 300


@pytest.mark.parametrize("pair", _params(PAIRS))
def test_queries_do_not_grow_with_rows(pair: tuple[str, Target], measured: Measured):
    role, target = pair
    url, before, after = measured[(role, target.id)]
    assert (before.status, after.status) == (200, 200), f"{role} {url}"
    assert len(after.queries) == len(before.queries), (
        f"{role} {url}: {len(before.queries)} queries with {before.rows} rows, "
        f"{len(after.queries)} with {after.rows} rows; the statements that differ:\n"
        + _differing(before.queries, after.queries)
    )


MAIN_PAIRS = [(role, target) for role, target in PAIRS if target.id in MAIN_LISTS]


@pytest.mark.parametrize("pair", MAIN_PAIRS, ids=[_id(p) for p in MAIN_PAIRS])
def test_main_lists_show_the_added_rows(pair: tuple[str, Target], measured: Measured):
    role, target = pair
    url, before, after = measured[(role, target.id)]
    roles, reason = NOT_GROWING.get(target.id, (set(), ""))
    if role in roles:
        assert after.rows == before.rows, f"{role} {url} shows rows now: {reason}?"
    else:
        assert after.rows > before.rows, f"{role} {url}: {before.rows} → {after.rows} rows"


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_every_list_shows_someone_the_added_rows(target: Target, measured: Measured):
    """Otherwise the equality of its counts proves nothing; ``NEVER_GROWING`` says why not."""
    grew = sorted(
        role
        for role in may_open(target)
        if measured[(role, target.id)][2].rows > measured[(role, target.id)][1].rows
    )
    if target.id in NEVER_GROWING:
        assert grew == [], f"{target.id} grows for {grew}: {NEVER_GROWING[target.id]}?"
    else:
        assert grew, f"{target.id} shows no role more rows after add_rows"


BUDGETED = [(r, t) for r, t in PAIRS if t.id in BENCHMARKED and r in BENCH_ROLES]


@pytest.mark.parametrize("pair", BUDGETED, ids=[_id(p) for p in BUDGETED])
def test_benchmarked_pages_stay_within_the_budget(pair: tuple[str, Target], measured: Measured):
    role, target = pair
    url, before, after = measured[(role, target.id)]
    most = max(before, after, key=lambda m: len(m.queries))
    assert len(most.queries) <= QUERY_BUDGET, (
        f"{role} {url}: {len(most.queries)} queries with {most.rows} rows\n"
        + "\n".join(f"  {sql}" for sql in most.queries)
    )
