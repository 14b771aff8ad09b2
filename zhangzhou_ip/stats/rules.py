"""Who may read the statistics: alliance staff (any role in a bureau, committee, court or
service point) and platform administrators — the same rule for the page, the API, the exports
and the annual report. Each figure then counts only what the reader may see."""

from __future__ import annotations

import rules

from alliance.rules import is_alliance_staff, is_superuser

rules.add_perm("stats.view_statistics", is_superuser | is_alliance_staff)
