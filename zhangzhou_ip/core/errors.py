"""Domain errors: what a service raises when a rule refuses an action.

A ``DomainError`` is a ``ValidationError`` with a ``code``, so forms show it as a form error
and the API turns it into JSON (400, or 403/409 for the subclasses below).
"""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A business rule refused the action; nothing was changed."""

    http_status = 400


class PermissionDenied(DomainError):
    """The actor may not perform this action on this object."""

    http_status = 403


class ConflictError(DomainError):
    """Someone else changed the object first; reload and try again."""

    http_status = 409
