"""Resident ID numbers (居民身份证号) never reach the logs.

Parties' ID numbers travel through requests (forms, query strings, API bodies) and through the
SQL that stores and searches them, so any log line may carry one: ``django.db.backends`` at
DEBUG prints every query with its parameters, ``django.request`` names the path of a 404,
runserver prints the request line with its query string, and an exception message may quote a
value. ``MaskPersonalIds`` is attached to the handlers in ``settings.LOGGING`` and rewrites
each record before it is formatted: the message with its arguments, the SQL and parameters
Django attaches as extras, the traceback text and the stack. What is left is the masked form
shown everywhere else (first 6 and last 4 characters: ``350602********1234``).

The pattern is deliberately wider than a valid number: 17 digits and a digit or ``X`` that
are not part of a longer run of digits, ASCII or full-width, checksum or not — a mistyped
number is just as personal. Digits of a longer number (a 19-digit id, a timestamp in
nanoseconds) are left alone.

``JsonFormatter`` (``LOG_FORMAT=json``, the production default) writes each record as one JSON
line and masks every string in it once more: python-json-logger formats the traceback again
from ``exc_info`` and adds every extra (Django's ``request``, whose text is the full path with
its query string), which the filter never saw as text. gunicorn's own lines use it too
(gunicorn.conf.py).

Imports nothing from the apps: the project's ``core`` is plumbing (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_DIGIT = "[0-9\uff10-\uff19]"
_CHECK = "[0-9\uff10-\uff19Xx\uff38\uff58]"
ID_NUMBER_RE = re.compile(
    rf"(?<!{_DIGIT})({_DIGIT}{{6}}){_DIGIT}{{8}}({_DIGIT}{{3}}{_CHECK})(?!{_DIGIT})"
)

# Attributes every LogRecord has; anything else was passed as ``extra`` (e.g. ``sql``, ``params``).
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None)).keys()
) | {"message", "asctime"}
# Never rewritten: the request id (core/request_id.py) is a token that never looks like an ID
# number, and masking it would cut the link it exists for — a 32-hex-digit id (nginx's, or a
# uuid4) holds a run of 18 digits about once in 1,600 requests.
UNMASKED_ATTRIBUTES = frozenset({"request_id"})


def mask_personal_ids(text: str) -> str:
    """``text`` with every resident ID number masked like ``mask_resident_id`` does."""
    if not text:
        return text
    return ID_NUMBER_RE.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_ids(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_value(item) for item in value)
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    return value


class MaskPersonalIds(logging.Filter):
    """Masks resident ID numbers in a record; never drops one.

    The record is rewritten in place, so every handler after this one (and a test's capture)
    sees the masked text as well. A record whose arguments do not fit its format is passed on
    unchanged for the handler to report, as logging does without this filter."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # the handler reports the broken record as logging always does
            return True
        masked = mask_personal_ids(message)
        if masked != message or record.args:
            # Freeze the formatted text: arguments cannot bring a raw number back.
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_ids(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRIBUTES or name in UNMASKED_ATTRIBUTES:
                continue
            if isinstance(value, (str, list, tuple, dict)):
                setattr(record, name, _mask_value(value))
        return True


def _json_value(value: Any) -> Any:
    """``value`` as JSON can carry it, every string masked; other objects become their text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return mask_personal_ids(value)
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(item) for item in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return mask_personal_ids(str(value))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``process``,
    ``message``, ``request_id`` and the record's extras; Chinese as it is (not ``\\u`` escapes).
    Every string is masked (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "process", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {
            key: value if key in UNMASKED_ATTRIBUTES else _json_value(value)
            for key, value in log_data.items()
        }
