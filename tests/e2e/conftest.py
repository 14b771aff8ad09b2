"""End-to-end journeys in a real browser: Playwright drives Debian's Chromium
(``/usr/bin/chromium``; ``playwright install`` needs a CDN this project cannot reach) against
pytest-django's ``live_server``.

Without the browser the journeys are not collected and ``test_browser.py`` reports one skip
naming the missing executable (CI installs it: ``.ci/run``).

Each journey builds a small world through the services (the fixtures of ``tests/conftest.py``
and ``tests/cases/conftest.py``) in a transactional database, because the server thread must
see the rows; ``serialized_rollback`` puts the reference data of the migrations (regions,
courts, indicators) back after each test's flush.

Screenshots go to a scratch directory under pytest's temporary path; with
``E2E_SCREENSHOTS=docs/screenshots`` the ones chosen for the README are written there."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation

from tests.cases.conftest import _holiday_calendar_ahead, case_world

__all__ = ["_holiday_calendar_ahead", "case_world"]

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "pw-test-123"  # the password of every user of tests/conftest.py's world
VIEWPORT = {"width": 1280, "height": 800}
ACTION_TIMEOUT_MS = 15_000
REPO = Path(__file__).resolve().parents[2]

# The sync Playwright API keeps an event loop in the main thread, where the tests also use the
# ORM: Django would refuse that as "async-unsafe" (STACK.md G7). Set for the whole process, since
# the session's Playwright outlives the e2e test that started it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

if not CHROMIUM.exists():
    # Journeys are not collected; test_browser.py reports the one skip with the reason.
    collect_ignore_glob = ["test_[!b]*.py"]


def pytest_collection_modifyitems(config, items):
    """Every test here runs in the transactional database with serialized rollback, even one
    that opens no page: pytest-base-url's autouse ``_verify_url`` pulls ``base_url``, so the
    live server and its transactional database, into each of them, and a flush without the
    rollback re-creates the content types that the next test's rollback loads again
    (IntegrityError). They run last (``tests/conftest.py``)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


_SERIALIZED: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _serialized_databases(django_db_setup, django_db_blocker) -> None:
    """The serialized contents of the test databases (migrations' reference data), read
    before Playwright starts: see ``_reference_data_restored``."""
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED[alias] = contents


@pytest.fixture(autouse=True)
def _reference_data_restored(_serialized_databases) -> None:
    """Once Playwright's sync API runs, the test's code runs in another context (greenlet), and
    Django's ``connections`` (an asgiref ``Local``) hands it another connection object, one
    without the serialized contents that ``serialized_rollback`` restores from: the test
    would start on the empty database the previous test's flush left. Give that connection
    the contents and, this once, restore them here (later tests' setup does it itself)."""
    from django.db import connections

    for alias, contents in _SERIALIZED.items():
        connection = connections[alias]
        if not hasattr(connection, "_test_serialized_contents"):
            connection._test_serialized_contents = contents
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": VIEWPORT,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "accept_downloads": True,
        "reduced_motion": "reduce",  # Bootstrap's fades and slides off: nothing mid-transition
    }


@pytest.fixture
def new_context(new_context) -> Callable:
    """pytest-playwright's contexts, failing a step after 15 s instead of 30 s."""

    def make(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        return context

    return make


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative ``page.goto("/cases/")`` goes to the live server."""
    return live_server.url


# Names for the users of tests/conftest.py's world, as the screenshots show them.
NAMES = {
    "mediator": ("林", "晓婷"),
    "clerk": ("陈", "思远"),
    "org_admin": ("黄", "建国"),
    "partner": ("王", "磊"),
    "court": ("郑", "敏"),
    "servicepoint": ("吴", "丽娟"),
    "enterprise": ("蔡", "志强"),
}


@pytest.fixture(autouse=True)
def _named_users(request, _reference_data_restored) -> None:
    """The users of the case world get their names (after the reference data is back: autouse
    fixtures run in the order of their names)."""
    if "case_world" not in request.fixturenames:
        return
    users = request.getfixturevalue("case_world")["users"]
    for username, (last, first) in NAMES.items():
        users[username].last_name, users[username].first_name = last, first
        users[username].save(update_fields=["last_name", "first_name"])


@pytest.fixture(autouse=True)
def _e2e_settings(settings):
    """The server thread reads these settings too. Superusers log in without a second factor
    (the admin journey is about the admin, not TOTP, which tests/accounts covers)."""
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False


def text(language: str, msgid: str) -> str:
    """``msgid`` as the page shows it in ``language`` (the project's catalogue)."""
    with translation.override(language):
        return translation.gettext(msgid)


def login(page, username: str, language: str = "zh-hans", password: str = PASSWORD) -> None:
    """Log in through the login page, in ``language`` (set with the language switcher when it
    is not the default, as a user would)."""
    page.goto("/accounts/login/")
    if language != "zh-hans":
        switch_language(page, language)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect_language(page, language)


def login_by_cookie(context, username: str, base_url: str) -> None:
    """A session for ``username`` without the login page (``force_login``'s session cookie),
    for tests about the pages behind it rather than about logging in."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])


def switch_language(page, language: str) -> None:
    """Click the language switcher's button for ``language`` (the form posts to set_language
    and comes back to the same page)."""
    page.locator(f"header form button[name=language][value='{language}']").click()
    page.wait_for_function(
        "lang => document.documentElement.lang === lang",
        arg=html_lang(language),
    )


def html_lang(language: str) -> str:
    return "zh-Hans" if language == "zh-hans" else language


def expect_language(page, language: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", html_lang(language))


def expect_not_found(page, url: str, language: str = "zh-hans") -> None:
    """``url`` answers 404 with the project's "Not found" page (out of scope looks the same
    as not existing)."""
    from playwright.sync_api import expect

    response = page.goto(url)
    assert response is not None and response.status == 404, (url, response and response.status)
    expect(page.get_by_role("heading", level=1)).to_have_text(text(language, "Not found"))
    expect(page.locator("main")).to_contain_text(
        text(language, "This page does not exist, or you may not see it.")
    )


class Shots:
    """Full-window screenshots of a journey: always into ``directory`` (pytest's temporary
    path); those named in ``E2E_SCREENSHOTS`` mode also into the repository."""

    def __init__(self, directory: Path, publish_to: Path | None):
        self.directory = directory
        self.publish_to = publish_to

    def __call__(self, page, name: str, *, publish: bool = False, top: bool = True) -> Path:
        """The viewport, scrolled to the top unless ``top`` is false; no animation mid-frame
        (Bootstrap fades), no blinking caret."""
        if top:
            page.evaluate("window.scrollTo(0, 0)")
        path = self.directory / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        if publish and self.publish_to is not None:
            self.publish_to.mkdir(parents=True, exist_ok=True)
            target = self.publish_to / f"{name}.png"
            target.write_bytes(path.read_bytes())
        return path


@pytest.fixture
def shots(request, tmp_path_factory) -> Shots:
    name = re.sub(r"[^\w.-]+", "-", request.node.name)[:60]
    published = os.environ.get("E2E_SCREENSHOTS", "")
    return Shots(
        tmp_path_factory.mktemp(f"shots-{name}"),
        (REPO / published) if published else None,
    )


@pytest.fixture
def download_bytes() -> Callable:
    """Click what starts a download and return (suggested file name, bytes)."""

    def run(page, locator) -> tuple[str, bytes]:
        with page.expect_download() as info:
            locator.click()
        download = info.value
        path = download.path()
        return download.suggested_filename, Path(path).read_bytes()

    return run
