"""Role dashboards of the home page (issue 7 part 4).

One small function per panel. Each starts from the apps' selectors, so a panel never counts or
lists what its user may not open, and returns a few figures and rows. A figure carries the URL
of the existing list page (with that list's FilterSet parameters) that shows exactly the rows
it counts — tests open every link and compare. Where no list page shows exactly a figure's rows
(deadlines this week, sessions today) the figure has no link and its rows link to the objects.

A panel is shown for a role the user holds (``alliance.models.Membership``); a user with several
roles sees several panels, platform administrators the alliance overview. Panels about one
organisation (clerk, service point, enterprise) come once per organisation, so each figure can
name its organisation in the list's filter.

Cost: a fixed number of queries per panel (and per organisation for the per-organisation
panels), never per case or row: counts are aggregates, rows are sliced or bounded by a day or a
week, the confirmation windows of settled cases share one holiday calendar.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alliance import selectors as alliance_selectors
from zhangzhou_ip.dashboards.base import Figure, Panel, Row, RowList, org_names
from zhangzhou_ip.dashboards.court import court_panel
from zhangzhou_ip.dashboards.evidence import enterprise_panels, service_point_panels
from zhangzhou_ip.dashboards.mediation import (
    clerk_panels,
    deadline_rows,
    mediator_panel,
    session_rows,
)
from zhangzhou_ip.dashboards.overview import admin_panel
from zhangzhou_ip.dashboards.partner import partner_panel

__all__ = [
    "Figure",
    "Panel",
    "Row",
    "RowList",
    "admin_panel",
    "clerk_panels",
    "court_panel",
    "deadline_rows",
    "enterprise_panels",
    "mediator_panel",
    "panels_for",
    "partner_panel",
    "service_point_panels",
    "session_rows",
]


def panels_for(user, today: dt.date | None = None) -> list[Panel]:
    """Every panel of the user's roles, platform overview first; none without a role."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    own = alliance_selectors.organization_ids_of(user)
    names = org_names(user, own) if own else {}
    panels: list[Panel | None] = [
        admin_panel(user, today),
        mediator_panel(user, today, names),
        *clerk_panels(user, today, names),
        court_panel(user, today, names),
        partner_panel(user, today, names),
        *service_point_panels(user, today, names),
        *enterprise_panels(user, today, names),
    ]
    return [panel for panel in panels if panel is not None]
