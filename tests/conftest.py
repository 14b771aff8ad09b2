"""Shared fixtures: a small alliance world with one user per role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from alliance.models import IntellectualProperty, Membership, Organization, Region
from alliance.validators import uscc_check_character

Kind = Organization.Kind
Role = Membership.Role


def pytest_configure(config):
    # WhiteNoise warns for every request handler when STATIC_ROOT does not exist yet
    # (collectstatic has not run on a fresh clone); the tests serve no collected files.
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    # Nothing a test does — module-scoped demo loads included, which run before the
    # function-scoped fixtures below — may touch var/: evidence blobs, upload temp files and
    # the ledger key go to a per-process temporary directory.
    import atexit
    import shutil
    import tempfile

    from evidence.tlog.note import Signer

    scratch = tempfile.mkdtemp(prefix="zhangzhou-ip-tests-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": f"{scratch}/evidence"},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = f"{scratch}/uploads"
    settings.MEDIA_ROOT = f"{scratch}/media"
    settings.EVIDENCE_SIGNING_KEY = Signer.generate(
        "test.zhangzhou-ip.example/yiqizheng"
    ).private_key
    settings.EVIDENCE_GENERATE_KEY = False
    # With REDIS_URL (CI's PostgreSQL pass) every test starts with cache.clear(), which is
    # FLUSHDB on django-redis: each xdist worker gets a Redis database of its own, the URL's
    # number plus the worker's (gw0 → +0, gw1 → +1).
    if settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "LOCATION": redis_url_for_worker(settings.CACHES["default"]["LOCATION"]),
            }
        }


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests on a transactional database run after every other test, the browser journeys
    last of all. Their teardown flushes the database and only the next transactional test
    puts the migrations' reference data (regions, courts) back, so a later test of the same
    worker would find none. pytest-django sorts them after the database tests but before the
    tests that ask for no ``db`` fixture — yet some of those open the database themselves
    (module-scoped worlds through ``django_db_blocker``) — and pytest's own reordering by
    parameters runs later still. The sort is stable: the order is otherwise kept."""
    e2e = Path(__file__).parent / "e2e"

    def rank(item: pytest.Item) -> int:
        if e2e in item.path.parents:
            return 2
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1]))
        fixtures = set(getattr(item, "fixturenames", ()))
        return 1 if transactional or fixtures & {"transactional_db", "live_server"} else 0

    items.sort(key=rank)


def redis_url_for_worker(url: str) -> str:
    """``url`` with its database number moved up by the xdist worker's index."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages():
    """Unit tests read messages in English; requests still choose their own language
    through the language middleware (zh-hans by default)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: primary keys repeat from test to test, so a
    cached value (statistics, filter choices) of one test would be another's stale one."""
    from django.core.cache import cache

    cache.clear()


def make_uscc(seq: int, region: str = "350600") -> str:
    """A checksum-valid USCC for test enterprises."""
    first17 = f"91{region}MA{seq:06d}"[:17]
    first17 = first17.ljust(17, "0")
    return first17 + uscc_check_character(first17)


@pytest.fixture
def regions(db):
    get = Region.objects.get
    return {
        "fujian": get(code="350000"),
        "zhangzhou": get(code="350600"),
        "xiamen": get(code="350200"),
        "xiangcheng": get(code="350602"),
        "liaoning": get(code="210000"),
        "shenyang": get(code="210100"),
    }


@pytest.fixture
def world(db, regions):
    """Zhangzhou bureau with a mediation committee and a service point, a partner bureau in
    Shenyang, a court, two enterprises — and one user per role."""
    User = get_user_model()
    orgs = {}
    orgs["zz_bureau"] = Organization.objects.create(
        kind=Kind.BUREAU,
        name="漳州市市场监督管理局",
        region=regions["zhangzhou"],
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    orgs["committee"] = Organization.objects.create(
        kind=Kind.MEDIATION_COMMITTEE,
        name="漳州市知识产权纠纷人民调解委员会",
        region=regions["zhangzhou"],
        parent=orgs["zz_bureau"],
    )
    orgs["service_point"] = Organization.objects.create(
        kind=Kind.SERVICE_POINT,
        name="芗城服务网点",
        region=regions["xiangcheng"],
        parent=orgs["zz_bureau"],
    )
    orgs["partner"] = Organization.objects.create(
        kind=Kind.BUREAU,
        name="沈阳市市场监督管理局",
        region=regions["shenyang"],
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    orgs["court"] = Organization.objects.get(court_code="闽06")
    orgs["ent_a"] = Organization.objects.create(
        kind=Kind.ENTERPRISE,
        name="漳州甲食品有限公司",
        region=regions["xiangcheng"],
        uscc=make_uscc(1, "350602"),
        is_key_enterprise=True,
        parent=orgs["service_point"],
    )
    orgs["ent_b"] = Organization.objects.create(
        kind=Kind.ENTERPRISE,
        name="厦门乙科技有限公司",
        region=regions["xiamen"],
        uscc=make_uscc(2, "350200"),
    )
    users = {}

    def user(name, **extra):
        users[name] = User.objects.create_user(name, password="pw-test-123", **extra)
        return users[name]

    user("superuser", is_superuser=True, is_staff=True)
    for name, org, role in [
        ("org_admin", "zz_bureau", Role.ADMIN),
        ("mediator", "committee", Role.MEDIATOR),
        ("clerk", "zz_bureau", Role.CLERK),
        ("partner", "partner", Role.MEDIATOR),
        ("court", "court", Role.LIAISON),
        ("servicepoint", "service_point", Role.CLERK),
        ("enterprise", "ent_a", Role.ADMIN),
    ]:
        Membership.objects.create(user=user(name), organization=orgs[org], role=role)
    user("nobody")
    ips = {
        "patent_a": IntellectualProperty.objects.create(
            owner=orgs["ent_a"],
            kind=IntellectualProperty.Kind.INVENTION_PATENT,
            number="201710601862.3",
            title="一种蜜柚保鲜方法",
        ),
        "mark_b": IntellectualProperty.objects.create(
            owner=orgs["ent_b"],
            kind=IntellectualProperty.Kind.TRADEMARK,
            number="12345678",
            title="乙",
            nice_class=9,
        ),
    }
    return {"orgs": orgs, "users": users, "ips": ips}


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path_factory):
    """Uploads and generated documents of tests never land in var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")


@pytest.fixture(scope="session")
def ledger_private_key() -> str:
    from evidence.tlog.note import Signer

    return Signer.generate("test.zhangzhou-ip.example/yiqizheng").private_key


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_directory(settings, tmp_path_factory, ledger_private_key):
    """Each test gets its own evidence store and upload temp directory (so tests can assert
    that nothing was left behind) and a test signing key (never var/)."""
    base = tmp_path_factory.mktemp("evidence")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(base / "store")},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(base / "uploads")
    settings.EVIDENCE_SIGNING_KEY = ledger_private_key
    settings.EVIDENCE_GENERATE_KEY = False
