"""Security headers and the Content-Security-Policy (decision 0016).

Every HTML page of a representative set, as the platform administrator, as a partner bureau's
mediator and anonymously, carries the policy (no inline or eval'd script), X-Frame-Options,
Referrer-Policy and nosniff, and its body has nothing the policy would block: no inline script
(JSON data blocks aside), no event-handler or hx-on attribute, no javascript: URL, and no style
element or attribute unless that page's policy allows it. The bodies are parsed with
html.parser. The templates themselves are scanned too, so a page outside the set cannot bring
an inline script back. Production settings are checked in subprocesses: ``check --deploy``
reports nothing, and a response carries HSTS and the policy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.models import CollaborationRequest

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        policy[name] = values
    return policy


class InlineAudit(HTMLParser):
    """What a strict policy would block in a page: (line, problem) pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[int, str]] = []  # inline script, handlers, javascript: URLs
        self.styles: list[tuple[int, str]] = []  # style elements and attributes
        self.script_tags: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.scripts.append((line, f"<{tag} {name}=…>"))
            if (value or "").strip().lower().startswith("javascript:"):
                self.scripts.append((line, f"<{tag} {name}=javascript:…>"))
            if name == "style":
                self.styles.append((line, f"<{tag} style={value!r}>"))
        if tag == "script":
            self.script_tags.append(values)
            if not values.get("src") and values.get("type") != "application/json":
                self.scripts.append((line, "inline <script>"))
        if tag == "style":
            self.styles.append((line, "<style> element"))


def audit(html: str) -> InlineAudit:
    parser = InlineAudit()
    parser.feed(html)
    parser.close()
    return parser


def assert_secure_page(
    response, *, styles_allowed: bool = False, status: int = 200
) -> dict[str, list[str]]:
    """The headers, the policy's script rules, and a body the policy would not block."""
    assert response.status_code == status, response.request["PATH_INFO"]
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(policy.get("script-src-attr", []))
    found = audit(response.content.decode())
    assert found.scripts == [], response.request["PATH_INFO"]
    if not styles_allowed:
        assert found.styles == [], response.request["PATH_INFO"]
    return policy


@pytest.fixture
def pages_world(case_world):
    """The case world plus a collaboration request this year, so that the reciprocity board
    draws its chart (its scripts are only on the page when there is something to draw)."""
    orgs = case_world["orgs"]
    today = dt.date.today()
    CollaborationRequest.objects.create(
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="请求协助调取被申请人销售证据",
        sent_on=today,
        due_on=today + dt.timedelta(days=15),
    )
    return case_world


def login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def superuser_pages(world) -> list[str]:
    cases = world["cases"]
    submitted = cases["submitted"].pk
    return [
        reverse("home"),
        reverse("cases:case-list"),
        reverse("cases:case-detail", args=[submitted]),
        reverse("cases:case-detail", args=[cases["mediating"].pk]),
        reverse("cases:case-edit", args=[submitted]),
        reverse("cases:case-transition", args=[submitted, "decline"]),
        reverse("cases:case-assign", args=[submitted]),
        reverse("cases:case-create"),
        reverse("cases:case-parties", args=[cases["draft"].pk]),
        reverse("cases:protection-list"),
        reverse("alliance:organization-list"),
        reverse("alliance:organization-detail", args=[world["orgs"]["committee"].pk]),
        reverse("alliance:collaboration-outbox"),
        reverse("alliance:collaboration-reciprocity"),
        reverse("evidence:list"),
        reverse("evidence:deposit"),
        reverse("evidence:verify"),
        reverse("stats:page"),
        reverse("notifications:list"),
        reverse("admin:index"),
        reverse("admin:cases_mediationcase_changelist"),
        reverse("admin:cases_mediationcase_change", args=[submitted]),
        reverse("admin:cases_mediationcase_history", args=[submitted]),
        reverse("admin:alliance_organization_add"),
        reverse("admin:alliance_organization_change", args=[world["orgs"]["committee"].pk]),
        reverse("api:swagger-ui"),
    ]


def partner_pages(world) -> list[str]:
    return [
        reverse("home"),
        reverse("cases:case-list"),
        reverse("cases:case-detail", args=[world["cases"]["partner"].pk]),
        reverse("cases:case-create"),
        reverse("alliance:organization-list"),
        reverse("alliance:collaboration-inbox"),
        reverse("alliance:collaboration-create"),
        reverse("alliance:collaboration-reciprocity"),
        reverse("evidence:list"),
        reverse("evidence:verify"),
        reverse("stats:page"),
        reverse("api:swagger-ui"),
    ]


def test_the_superusers_pages_carry_the_headers_and_nothing_the_policy_blocks(client, pages_world):
    login(client, pages_world["users"]["superuser"])
    for path in superuser_pages(pages_world):
        policy = assert_secure_page(client.get(path))
        assert {k: policy.get(k) for k in STRICT} == STRICT, path
        assert set(policy) == set(STRICT), path  # no per-page widening


def test_the_partners_pages_carry_the_headers_and_nothing_the_policy_blocks(client, pages_world):
    login(client, pages_world["users"]["partner"])
    for path in partner_pages(pages_world):
        policy = assert_secure_page(client.get(path))
        assert policy == STRICT, path


def test_anonymous_pages_carry_the_headers_and_nothing_the_policy_blocks(client, db):
    for path in (reverse("login"), reverse("evidence:verify")):
        assert assert_secure_page(client.get(path)) == STRICT, path


def test_error_pages_carry_the_headers_and_nothing_the_policy_blocks(client, pages_world, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    login(client, pages_world["users"]["superuser"])
    upload = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096)
    too_large = client.post(reverse("evidence:deposit"), {"kind": "file", "file": upload})
    assert assert_secure_page(too_large, status=413) == STRICT
    assert "data-history-back" in too_large.content.decode()  # was href="javascript:…"
    login(client, pages_world["users"]["partner"])
    not_visible = client.get(reverse("cases:case-detail", args=[pages_world["cases"]["draft"].pk]))
    assert assert_secure_page(not_visible, status=404) == STRICT


def test_the_pages_with_scripts_load_them_from_static_files_and_pass_data_as_json(
    client, pages_world
):
    """The behaviour that was inline now comes from static files, its data from json_script
    blocks and data- attributes."""
    login(client, pages_world["users"]["partner"])
    page = client.get(reverse("alliance:collaboration-create")).content.decode()
    found = audit(page)
    sources = [tag.get("src") or "" for tag in found.script_tags]
    assert any(src.endswith("alliance/collaboration-request.js") for src in sources)
    assert any(src.endswith("js/app.js") for src in sources)
    dates = re.search(r'id="collaboration-due-dates" type="application/json">([^<]+)<', page)
    assert set(json.loads(dates.group(1))) == set(CollaborationRequest.Kind.values)
    assert f'data-today="{dt.date.today():%Y-%m-%d}"' in page
    assert 'data-template="Default due date for this kind: %(date)s"' in page

    board = client.get(reverse("alliance:collaboration-reciprocity")).content.decode()
    sources = [tag.get("src") or "" for tag in audit(board).script_tags]
    assert any(src.endswith("alliance/reciprocity-chart.js") for src in sources)
    assert 'id="reciprocity-data" type="application/json"' in board


def test_htmx_is_configured_for_the_policy_and_error_swaps_are_marked(client, pages_world):
    login(client, pages_world["users"]["superuser"])
    case = pages_world["cases"]["submitted"]
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }
    assert "<div data-swap-errors>" in page
    app_js = (BASE_DIR / "zhangzhou_ip/static/js/app.js").read_text()
    assert "htmx:beforeSwap" in app_js and "[400, 409, 422]" in app_js
    # The fragment htmx swaps in has nothing the policy blocks either.
    fragment = client.get(
        reverse("cases:case-transition", args=[case.pk, "decline"]), HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert audit(fragment.content.decode()).scripts == []
    assert audit(fragment.content.decode()).styles == []


def test_swagger_ui_loads_its_start_up_script_from_a_separate_request(client, pages_world):
    login(client, pages_world["users"]["superuser"])
    page = client.get(reverse("api:swagger-ui"))
    sources = [tag.get("src") or "" for tag in audit(page.content.decode()).script_tags]
    start_up = next(src for src in sources if "script=" in src)
    script = client.get(start_up)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_redoc_alone_allows_its_nonced_styles_and_blob_workers(client, pages_world):
    from zhangzhou_ip.api_docs import REDOC_PERFECT_SCROLLBAR_HASH

    login(client, pages_world["users"]["superuser"])
    response = client.get(reverse("api:redoc"))
    policy = assert_secure_page(response)
    nonces = [v for v in policy["style-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["style-src"]
    assert REDOC_PERFECT_SCROLLBAR_HASH in policy["style-src"]
    assert policy["worker-src"] == ["blob:"]
    # The start-up script carries that nonce for Redoc to put on the styles it writes.
    tags = audit(response.content.decode()).script_tags
    init = next(tag for tag in tags if (tag.get("src") or "").endswith("js/redoc-init.js"))
    assert f"'nonce-{init['nonce']}'" == nonces[0]
    assert "fonts.googleapis.com" not in response.content.decode()
    # The next page has the strict policy again.
    assert parse_csp(client.get(reverse("home"))["Content-Security-Policy"]) == STRICT


def test_the_redoc_style_hash_was_measured_for_the_installed_sidecar():
    from zhangzhou_ip.api_docs import REDOC_SIDECAR_VERSION

    assert version("drf-spectacular-sidecar") == REDOC_SIDECAR_VERSION, (
        "Redoc's bundle changed: run /work/briefs/csp_browser_check.py (or any browser) on the "
        "Redoc page and update REDOC_PERFECT_SCROLLBAR_HASH in zhangzhou_ip/api_docs.py"
    )


def test_the_browsable_api_alone_allows_style_attributes(client, pages_world):
    login(client, pages_world["users"]["superuser"])
    case = pages_world["cases"]["submitted"]
    for path in ("/api/v1/mediation-cases/", f"/api/v1/mediation-cases/{case.pk}/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        policy = assert_secure_page(response, styles_allowed=True)
        assert policy["style-src-attr"] == ["'unsafe-inline'"]
        assert policy["style-src"] == ["'self'"]
        assert not [s for s in audit(response.content.decode()).styles if "<style>" in s[1]]
    json_answer = client.get("/api/v1/mediation-cases/", HTTP_ACCEPT="application/json")
    assert "style-src-attr" not in parse_csp(json_answer["Content-Security-Policy"])


def _templates() -> list[Path]:
    roots = [BASE_DIR / "zhangzhou_ip", BASE_DIR / "alliance", BASE_DIR / "cases"]
    roots.append(BASE_DIR / "evidence")
    return sorted(p for root in roots for p in root.glob("**/templates/**/*.html"))


DJANGO_COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)


def test_no_template_has_inline_script_style_or_handlers():
    """Pages outside the rendered set too (Django comments are not output, so not scanned)."""
    templates = _templates()
    assert len(templates) > 100
    problems = {}
    for path in templates:
        found = audit(DJANGO_COMMENTS.sub("", path.read_text(encoding="utf-8")))
        if found.scripts or found.styles:
            problems[str(path.relative_to(BASE_DIR))] = found.scripts + found.styles
    assert problems == {}


def test_the_history_template_override_differs_from_simple_history_only_in_the_style():
    import simple_history

    name = "simple_history/object_history_list.html"
    upstream = (Path(simple_history.__file__).parent / "templates" / name).read_text()
    ours = (BASE_DIR / "zhangzhou_ip/templates" / name).read_text()
    first_line, ours = ours.split("\n", 1)
    assert first_line.startswith("{#")
    assert ours == upstream.replace(
        '<p class="paginator" style="border-top: 0">', '<p class="paginator">'
    )


# --- production settings, in subprocesses ---------------------------------------------------


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Only what production sets; nothing inherited that could soften it (DEBUG, DATABASE_URL)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "zhangzhou_ip.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ip.zhangzhou.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "EVIDENCE_SIGNING_KEY": settings.EVIDENCE_SIGNING_KEY,
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 production_env(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr.strip() == ""


# A request through the real production settings (the test client, no server). The static files
# storage is the plain one: the manifest needs collectstatic, which has nothing to do with headers.
REQUEST = """
import json, django
django.setup()
from django.test import Client
answers = {}
for scheme in ("https", "http"):
    r = Client().get("/accounts/login/", secure=scheme == "https",
                     HTTP_HOST="ip.zhangzhou.example.cn")
    answers[scheme] = {"status": r.status_code, "headers": dict(r.headers)}
print(json.dumps(answers))
"""


def production_request(tmp_path: Path, **extra: str) -> dict:
    env = production_env(
        tmp_path, STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        **extra,
    )  # fmt: skip
    result = run(["-c", REQUEST], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_responses_carry_hsts_and_the_policy(tmp_path):
    answers = production_request(tmp_path)
    https = answers["https"]
    assert https["status"] == 200
    headers = https["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert parse_csp(headers["Content-Security-Policy"]) == STRICT
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # Plain HTTP is redirected to HTTPS before anything is served.
    assert answers["http"]["status"] == 301
    assert (
        answers["http"]["headers"]["Location"] == "https://ip.zhangzhou.example.cn/accounts/login/"
    )


def test_csp_report_only_sends_the_same_policy_without_enforcing_it(tmp_path):
    headers = production_request(tmp_path, CSP_REPORT_ONLY="1", CSP_REPORT_URI="/csp-reports/")[
        "https"
    ]["headers"]
    assert "Content-Security-Policy" not in headers
    policy = parse_csp(headers["Content-Security-Policy-Report-Only"])
    assert policy == {**STRICT, "report-uri": ["/csp-reports/"]}
