"""Domain errors of the cases app."""

from zhangzhou_ip.core.errors import ConflictError, DomainError


class InvalidTransition(ConflictError):
    """The case is not in a state this transition starts from (HTTP 409)."""


class ConditionNotMet(DomainError):
    """A precondition of the transition is missing (HTTP 400), e.g. no respondent."""
