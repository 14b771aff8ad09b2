"""The two-node test builds its cases with the fixtures of the cases tests (the case world, and
the holiday years ahead that the acceptance deadlines need)."""

from tests.cases.conftest import _holiday_calendar_ahead, case_world  # noqa: F401
