"""Every change to a case goes through these functions (DESIGN §5, STYLE rule 4).

Each runs in a transaction, locks the case row, checks the actor's permission
(``rules.py``) and the transition's preconditions, changes the state, writes a timeline
``CaseEvent`` with a dotted verb, and defers notifications with ``on_commit``. A refusal
raises a domain error and changes nothing. Optimistic concurrency: callers pass the
``version`` they displayed; if someone changed the case since, a ``ConflictError`` says so.
"""

from cases.services._base import EDITABLE_FIELDS, record_event
from cases.services.court import (
    confirmation_accept,
    confirmation_decide,
    confirmation_extend,
    confirmation_file,
    confirmation_material_add,
    confirmation_not_accept,
    confirmation_prepare,
    confirmation_update,
    confirmation_withdraw,
    missing_materials,
    window_closes_on,
)
from cases.services.evidence import evidence_link, evidence_unlink
from cases.services.intake import (
    case_create,
    case_delete_draft,
    case_update,
    party_add,
    party_remove,
    party_update,
    right_add,
    right_remove,
)
from cases.services.mediation import (
    agreement_save,
    case_assign,
    case_unassign,
    session_record,
    session_schedule,
)
from cases.services.protection import action_record, action_update
from cases.services.referrals import (
    referral_close,
    referral_extend,
    referral_receive,
    referral_to_litigation,
)
from cases.services.sharing import (
    case_collaboration_request,
    comment_add,
    share_grant,
    share_revoke,
    share_targets,
)
from cases.services.workflow import (
    REASON_TRANSITIONS,
    TRANSITION_SERVICES,
    available_transitions,
    case_accept,
    case_close,
    case_decline,
    case_fail,
    case_settle,
    case_start_mediation,
    case_submit,
    case_withdraw,
    format_case_number,
    mediation_deadline_for,
)

__all__ = [
    "EDITABLE_FIELDS",
    "REASON_TRANSITIONS",
    "TRANSITION_SERVICES",
    "action_record",
    "action_update",
    "agreement_save",
    "available_transitions",
    "case_accept",
    "case_assign",
    "case_close",
    "case_collaboration_request",
    "case_create",
    "case_decline",
    "case_delete_draft",
    "case_fail",
    "case_settle",
    "case_start_mediation",
    "case_submit",
    "case_unassign",
    "case_update",
    "case_withdraw",
    "comment_add",
    "confirmation_accept",
    "confirmation_decide",
    "confirmation_extend",
    "confirmation_file",
    "confirmation_material_add",
    "confirmation_not_accept",
    "confirmation_prepare",
    "confirmation_update",
    "confirmation_withdraw",
    "evidence_link",
    "evidence_unlink",
    "format_case_number",
    "mediation_deadline_for",
    "missing_materials",
    "party_add",
    "party_remove",
    "party_update",
    "record_event",
    "referral_close",
    "referral_extend",
    "referral_receive",
    "referral_to_litigation",
    "right_add",
    "right_remove",
    "session_record",
    "session_schedule",
    "share_grant",
    "share_revoke",
    "share_targets",
    "window_closes_on",
]
