"""The Redis-backed cache and cached sessions (REDIS_URL; issue 11 part 6), against a real
Redis — CI's PostgreSQL pass sets REDIS_URL=redis://127.0.0.1:6379/0. Each xdist worker has a
database of its own (tests/conftest.py), because every test starts with FLUSHDB."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.test import Client

from tests.conftest import redis_url_for_worker
from zhangzhou_ip.stats import cache as stats_cache

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="REDIS_URL is not set: these tests need a Redis server (CI's PostgreSQL pass sets it)",
)


@pytest.fixture
def raw_redis():
    """A plain redis-py client on the worker's database: what is really stored there."""
    client = redis.Redis.from_url(redis_url_for_worker(settings.REDIS_URL))
    yield client
    client.close()


def test_the_cache_is_the_workers_redis_database(raw_redis):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CACHES["default"]["LOCATION"] == redis_url_for_worker(settings.REDIS_URL)
    cache.set("deploy:probe", {"城市": "漳州"}, timeout=60)
    key = cache.make_key("deploy:probe")
    assert key.startswith(f"{settings.CACHE_KEY_PREFIX}:")
    assert raw_redis.exists(key) == 1
    assert 0 < raw_redis.ttl(key) <= 60
    assert caches.create_connection("default").get("deploy:probe") == {"城市": "漳州"}


@pytest.mark.django_db
def test_a_login_session_is_read_from_redis_and_kept_in_the_database(world, raw_redis):
    from django.contrib.sessions.models import Session

    browser = Client()
    answer = browser.post("/accounts/login/", {"username": "mediator", "password": "pw-test-123"})
    assert answer.status_code == 302, answer.content[:500]
    session_key = browser.cookies["sessionid"].value
    cached = cache.make_key("django.contrib.sessions.cached_db" + session_key)
    assert raw_redis.exists(cached) == 1
    assert Session.objects.filter(session_key=session_key).exists()  # written through

    # Another client with only the cookie, as a second node would see it: logged in.
    other = Client()
    other.cookies["sessionid"] = session_key
    page = other.get("/cases/")
    assert page.status_code == 200
    assert page.wsgi_request.user.username == "mediator"

    other.post("/accounts/logout/")
    assert raw_redis.exists(cached) == 0
    assert not Session.objects.filter(session_key=session_key).exists()


def test_statistics_cached_by_one_node_are_invalidated_by_another(monkeypatch):
    """Two cache clients with their own connection pools stand for two gunicorn nodes: what
    node A computes, node B serves; a write on node B (invalidate) makes node A recompute."""
    node_a, node_b = caches.create_connection("default"), caches.create_connection("default")
    assert node_a is not node_b
    reader = SimpleNamespace(is_superuser=True, pk=1)
    computed: list[str] = []

    def compute(node: str):
        def run() -> dict[str, int]:
            computed.append(node)
            return {"cases": 105}

        return run

    def on(node):
        monkeypatch.setattr(stats_cache, "cache", node)

    on(node_a)
    assert stats_cache.cached(reader, ("2024",), compute("a")) == {"cases": 105}
    on(node_b)
    assert stats_cache.cached(reader, ("2024",), compute("b")) == {"cases": 105}
    assert computed == ["a"]  # node B was served node A's result

    generation = stats_cache.generation()
    stats_cache.invalidate()  # a write on node B
    on(node_a)
    assert stats_cache.generation() == generation + 1
    stats_cache.cached(reader, ("2024",), compute("a"))
    assert computed == ["a", "a"]  # node A recomputed


@pytest.mark.django_db
def test_readiness_checks_redis():
    body = Client().get("/readyz").json()
    assert body["checks"]["cache"]["ok"] is True
