"""The pure parts of ``bench/run.py``, ``bench/pages.py`` and ``bench/machine.py``: reading
the measurement headers, judging a row against its target, the percentiles it reports, the
command line, the report's file names and its line on the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import machine, pages, run


def _row(**overrides) -> pages.Row:
    measurements = [pages.Measurement(ms=float(ms), status=200, queries=8) for ms in range(1, 101)]
    row = pages.summarize_endpoint("case_list", "mediator", "html", measurements, 3.0, False)
    for name, value in overrides.items():
        setattr(row, name, value)
    return pages.evaluate(row)


def test_query_headers_read_the_count_and_the_sql_time():
    headers = {"x-query-count": "7", "server-timing": 'app;dur=3, db;dur=12.5;desc="7 queries"'}
    assert pages.query_headers(headers) == (7, 12.5)
    assert pages.query_headers({}) == (None, None)
    assert pages.query_headers({"x-query-count": "seven"}) == (None, None)


def test_a_row_reports_its_percentiles_and_meets_the_target():
    row = _row()
    assert (row.requests, row.p50, row.p99, row.max) == (100, 50.5, 99.01, 100.0)
    assert row.p95 == pytest.approx(95.05)
    assert (row.queries_min, row.queries_max) == (8, 8)
    assert row.met is False and row.missed == ["p95"]  # 95 ms > 50 ms for a page
    fast = pages.summarize_endpoint(
        "api_case_list",
        "admin",
        "api",
        [pages.Measurement(ms=12.0, status=200, queries=5)] * 10,
        1.0,
        False,
    )
    assert (fast.met, fast.missed, fast.target) == (True, [], "p95 ≤ 40 ms, ≤ 10 q")


def test_a_row_misses_on_queries_errors_or_an_unknown_count():
    assert _row(p95=10.0, queries_max=11).missed == ["queries"]
    assert _row(p95=10.0, queries_max=None).missed == ["queries"]  # nothing proves the budget
    assert _row(p95=10.0, errors=2).missed == ["errors"]
    failed = pages.Measurement(ms=1.0, status=500, error="status 500: boom")
    assert failed.ok is False


def test_with_param_sets_replaces_and_removes_one_parameter():
    path = "/api/v1/mediation-cases/?cursor=abc&page_size=25"
    assert run.with_param(path, "page_size", "100") == (
        "/api/v1/mediation-cases/?cursor=abc&page_size=100"
    )
    assert run.with_param(path, "page_size", None) == "/api/v1/mediation-cases/?cursor=abc"
    assert run.with_param("/x/", "cursor", None) == "/x/"


def test_the_command_line_refuses_what_it_cannot_measure(capsys):
    url = "postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench"
    args = run.parse_args(["--database-url", url, "--only", "case_list,api_case_list"])
    assert args.workers == 3 and args.requests == 300 and args.clients == 8
    assert [e.name for e in pages.select(pages.endpoints(), args.only)] == [
        "case_list",
        "api_case_list",
    ]
    for bad in (
        ["--database-url", "sqlite:///x.db"],
        ["--database-url", url, "--workers", "8"],
        ["--database-url", url, "--only", "nope"],
        ["--database-url", url, "--roles", "court"],
    ):
        with pytest.raises(SystemExit):
            run.parse_args(bad)
    assert "unknown endpoint" in capsys.readouterr().err


def test_the_report_names_and_table():
    assert run.output_stem(Path("/r"), "2026-12-03", "after fix/1") == Path(
        "/r/run-2026-12-03-after-fix-1"
    )
    assert run.output_stem(Path("/r"), "2026-12-03", "") == Path("/r/run-2026-12-03")
    table = run.results_table([_row(), _row(p95=10.0)])
    lines = table.splitlines()
    assert lines[0].startswith("| endpoint | role | requests | p50 ms | p95 ms |")
    assert lines[2].endswith("| ✘ p95 |") and lines[3].endswith("| ✔ |")
    assert "| case_list | mediator | 100 | 50 | 95 | 99 | 8 |" in lines[2]  # ≥ 10 ms: whole


def test_each_endpoint_is_requested_as_its_client_would():
    """API endpoints ask for JSON, the case page's tab asks as htmx does (the fragment, not a
    page), the other pages send no extra header."""
    by_name = {e.name: e for e in pages.endpoints()}
    assert by_name["api_case_list"].headers == {"Accept": "application/json"}
    assert by_name["case_tab"].headers == {"HX-Request": "true"}
    assert by_name["case_tab"].path(pages.Knowledge("mediator", case_ids=[7]), 0) == (
        "/cases/7/panes/timeline/"
    )
    assert by_name["case_detail"].headers is None


def test_the_report_names_the_machine_speed_and_the_server_settings():
    facts = {
        "cpu_yardstick_s": 0.641,
        "postgresql_yardstick_ms": 212.5,
        "settings": {"shared_buffers": "128MB", "jit": "on"},
    }
    assert machine.machine_line(facts) == (
        "10⁷ Python additions: 0.64 s; PostgreSQL sums 3·10⁶ integers in 212.5 ms; "
        "PostgreSQL shared_buffers 128MB, jit on."
    )
    # a run recorded before the settings were: said, not invented
    assert machine.machine_line({"postgresql": "15.19"}) == (
        "Machine speed and server settings: not recorded."
    )
    assert machine.machine_line({"cpu_yardstick_s": 2.1}) == "10⁷ Python additions: 2.10 s."
    assert machine.cpu_yardstick(additions=100_000) > 0
    assert set(machine.SERVER_SETTINGS) >= {
        "shared_buffers",
        "jit",
        "max_parallel_workers_per_gather",
    }
