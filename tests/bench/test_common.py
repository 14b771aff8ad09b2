"""The pure parts of the benchmark helpers (bench/common.py, bench/server.py, bench/load.py):
percentiles, the weighted mix, the summary and its table, request bodies and cookies. No
network and no timing: the benchmarks themselves report numbers, tests only check the maths."""

from __future__ import annotations

import email.parser
import email.policy
import random

import pytest

from bench.common import (
    TOTAL,
    HttpSession,
    Recorder,
    Sample,
    choose,
    markdown_table,
    multipart_body,
    normalise,
    percentile,
    summarize,
)
from bench.load import MIX, Knowledge, mix_for
from bench.server import server_env, vendor_of


class TestPercentile:
    def test_interpolates_between_closest_ranks(self):
        assert percentile([1, 2, 3, 4], 50) == 2.5
        assert percentile([10, 20, 30, 40, 50], 25) == 20
        assert percentile([0, 10], 95) == pytest.approx(9.5)

    def test_ends_are_min_and_max_and_order_does_not_matter(self):
        values = [7.0, 1.0, 5.0, 3.0]
        assert percentile(values, 0) == 1.0
        assert percentile(values, 100) == 7.0
        assert percentile(values, 50) == 4.0

    def test_p95_and_p99_of_a_hundred_and_one_values(self):
        values = list(range(101))  # 0..100: the p-th percentile is p
        assert percentile(values, 95) == 95
        assert percentile(values, 99) == 99

    def test_one_value_is_every_percentile(self):
        assert {percentile([42.0], p) for p in (0, 50, 99, 100)} == {42.0}

    @pytest.mark.parametrize(("values", "p"), [([], 50), ([1.0], -1), ([1.0], 101)])
    def test_refuses_nonsense(self, values, p):
        with pytest.raises(ValueError):
            percentile(values, p)


class TestMix:
    def test_normalise_gives_shares_without_zero_weights(self):
        shares = normalise({"a": 1, "b": 0, "c": 3})
        assert shares == {"a": 0.25, "c": 0.75}

    @pytest.mark.parametrize("mix", [{}, {"a": 0}, {"a": 1, "b": -1}])
    def test_normalise_refuses_empty_or_negative(self, mix):
        with pytest.raises(ValueError):
            normalise(mix)

    def test_choose_uses_cumulative_intervals(self):
        shares = {"a": 0.25, "b": 0.5, "c": 0.25}
        assert choose(shares, 0.0) == "a"
        assert choose(shares, 0.2499) == "a"
        assert choose(shares, 0.25) == "b"
        assert choose(shares, 0.7499) == "b"
        assert choose(shares, 0.75) == "c"
        assert choose(shares, 0.9999999) == "c"

    def test_choose_over_an_even_grid_hits_each_endpoint_by_its_weight(self):
        shares = normalise({"list": 5, "detail": 3, "api": 2})
        counts = {name: 0 for name in shares}
        for i in range(1000):
            counts[choose(shares, i / 1000)] += 1
        assert counts == {"list": 500, "detail": 300, "api": 200}

    def test_choose_refuses_u_outside_the_unit_interval(self):
        with pytest.raises(ValueError):
            choose({"a": 1.0}, 1.0)

    def test_the_load_mix_leaves_out_what_a_role_may_not_use(self):
        staff = mix_for(Knowledge("mediator", case_ids=[1], record_ids=[2], search_terms=["x"]))
        enterprise = mix_for(Knowledge("enterprise", case_ids=[1], record_ids=[2]))
        nothing_visible = mix_for(Knowledge("partner"))
        assert {"stats_page", "api_stats", "case_detail", "evidence_detail"} <= set(staff)
        assert "stats_page" not in enterprise and "api_stats" not in enterprise
        assert "case_detail" in enterprise
        assert not {"case_detail", "api_case_detail", "case_list_search", "evidence_detail"} & set(
            nothing_visible
        )
        for shares in (staff, enterprise, nothing_visible):
            assert sum(shares.values()) == pytest.approx(1.0)

    def test_the_load_mix_draws_only_usable_paths(self):
        k = Knowledge("partner", case_ids=[7], record_ids=[9], search_terms=["漳州"])
        shares = mix_for(k)
        rng = random.Random(1)
        paths = {MIX[choose(shares, rng.random())][1](k, rng) for _ in range(500)}
        assert "/cases/7/" in paths and "/evidence/9/" in paths
        assert "/api/v1/mediation-cases/7/" in paths
        assert any(path.startswith("/cases/?q=%E6%BC%B3") for path in paths)


class TestSummary:
    def samples(self):
        return [
            Sample("list", 10.0, 200, True),
            Sample("list", 30.0, 200, True),
            Sample("list", 20.0, 500, False, "status 500, expected 200"),
            Sample("detail", 5.0, 0, False, "TimeoutError: timed out"),
        ]

    def test_rows_per_endpoint_sorted_then_all(self):
        rows = summarize(self.samples(), seconds=2.0)
        assert [row.endpoint for row in rows] == ["detail", "list", TOTAL]
        detail, listing, total = rows
        assert (listing.count, listing.errors, listing.p50, listing.max) == (3, 1, 20.0, 30.0)
        assert listing.per_second == 1.5
        assert listing.statuses == {"200": 2, "500": 1}
        assert (detail.count, detail.errors, detail.statuses) == (1, 1, {"0": 1})
        assert (total.count, total.errors, total.per_second) == (4, 2, 2.0)
        assert total.p50 == 15.0  # failed requests are timed too

    def test_no_samples_no_rows(self):
        assert summarize([], seconds=1.0) == []

    def test_markdown_table(self):
        rows = summarize(
            [Sample("case_list", 1234.4, 200, True), Sample("case_list", 7.25, 200, True)],
            seconds=4.0,
        )
        lines = markdown_table(rows).splitlines()
        assert lines[0].startswith("| endpoint | requests | req/s | errors | p50 ms")
        assert lines[1].startswith("|---|---:")
        assert lines[2] == "| case_list | 2 | 0.5 | 0 | 621 | 1,173 | 1,222 | 1,234 |"
        assert lines[3].startswith(f"| **{TOTAL}** | 2 | 0.5 | 0 |")
        assert len(lines) == 4


class TestRecorder:
    def test_caps_the_number_of_requests(self):
        recorder = Recorder(max_requests=3)
        assert [recorder.claim() for _ in range(5)] == [True, True, True, False, False]
        assert recorder.claimed == 3

    def test_stop_refuses_further_requests(self):
        recorder = Recorder(max_requests=100)
        assert recorder.claim()
        recorder.stop()
        assert not recorder.claim()

    def test_keeps_a_few_failure_details_per_endpoint(self):
        recorder = Recorder(max_requests=100, examples_per_endpoint=2)
        recorder.add(Sample("a", 1.0, 200, True))
        for status in (500, 502, 503):
            recorder.add(Sample("a", 1.0, status, False, f"status {status}"), "x" * 900)
        assert [example["status"] for example in recorder.examples["a"]] == [500, 502]
        assert len(recorder.examples["a"][0]["detail"]) == 500
        assert len(recorder.samples) == 4


class TestBodiesAndCookies:
    def test_multipart_body_parses_back(self):
        content_type, body = multipart_body(
            {"kind": "text", "title": "负载测试"},
            {"file": ("sales.csv", b"a,b\n1,2\n", "text/csv")},
        )
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        parts = {
            part.get_param("name", header="content-disposition"): part
            for part in message.iter_parts()
        }
        assert parts["kind"].get_content() == "text"
        assert parts["title"].get_payload(decode=True).decode() == "负载测试"
        assert parts["file"].get_filename() == "sales.csv"
        assert parts["file"].get_payload(decode=True) == b"a,b\n1,2\n"

    def test_cookies_are_stored_replaced_and_deleted(self):
        session = HttpSession("127.0.0.1", 9)  # never connects in this test
        session._store_cookie("csrftoken=abc; Path=/; SameSite=Lax; Secure")
        session._store_cookie("sessionid=s1; HttpOnly; Path=/")
        session._store_cookie("csrftoken=def; Path=/")
        assert session.cookies == {"csrftoken": "def", "sessionid": "s1"}
        assert session.csrf_token == "def"
        session._store_cookie(
            'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
        )
        assert session.cookies == {"csrftoken": "def"}


class TestServerEnvironment:
    def test_production_like_and_confined_to_the_work_directory(self, tmp_path):
        env = server_env(tmp_path, "sqlite:///x.sqlite3", LOG_LEVEL="INFO")
        assert env["DEBUG"] == "0" and env["ALLOWED_HOSTS"] == "127.0.0.1"
        assert env["SECURE_SSL_REDIRECT"] == "0"
        assert env["LOG_LEVEL"] == "INFO"  # overrides win
        for name in ("EVIDENCE_ROOT", "MEDIA_ROOT", "FILE_UPLOAD_TEMP_DIR", "STATIC_ROOT"):
            assert env[name].startswith(str(tmp_path)), name
        assert env["EVIDENCE_SIGNING_KEY_FILE"].startswith(str(tmp_path))
        assert server_env(tmp_path, "sqlite:///x")["SECRET_KEY"] != env["SECRET_KEY"]

    def test_database_vendor(self):
        assert vendor_of("sqlite:////tmp/a.sqlite3") == "sqlite"
        assert vendor_of("postgres://postgres@127.0.0.1:5432/zz_load") == "postgresql"
        with pytest.raises(SystemExit):
            vendor_of("mysql://x")


def test_connect_params_read_a_database_url_with_local_defaults():
    from bench.server import connect_params

    assert connect_params("postgres://bench:secret@db.internal:6543/zz_load") == {
        "host": "db.internal",
        "port": 6543,
        "user": "bench",
        "password": "secret",
        "dbname": "zz_load",
    }
    assert connect_params("postgres:///zz_load") == {
        "host": "127.0.0.1",
        "port": 5432,
        "user": "postgres",
        "password": None,
        "dbname": "zz_load",
    }
