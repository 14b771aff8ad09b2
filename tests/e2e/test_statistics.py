"""Statistics: a figure on /stats/ opens the list it counts, and the list shows the same number
(cases received, settled; judicial confirmations filed)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, text
from tests.e2e.data import filed_confirmation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# figure → (its list's heading, the rows of that list, the count this world gives)
FIGURES = {
    "cases_received": ("Mediation cases", "tr[data-case]", 3),
    "cases_settled": ("Mediation cases", "tr[data-case]", 1),
    "confirmations": ("Judicial confirmations", "tr[data-confirmation]", 1),
}


def test_a_figure_opens_its_list_with_the_same_count(page, case_world, shots):
    """The bureau administrator sees the committee's cases this year: the submitted, the
    mediating and a settled one whose confirmation was filed (the draft is not counted)."""
    lang = "zh-hans"
    filed_confirmation(
        case_world,
        court_code="闽06",
        title="茶叶包装外观设计侵权纠纷",
        dispute_type="design_infringement",
    )

    login(page, "org_admin", lang)
    page.get_by_role("link", name=text(lang, "Statistics"), exact=True).click()
    page.wait_for_url("**/stats/")
    shots(page, "statistics-zh-hans", publish=True)
    for figure, (heading, rows, expected) in FIGURES.items():
        card = page.locator(f"a.stat-card[data-figure='{figure}']")
        expect(card.locator(".figure-value")).to_have_text(str(expected))
        card.click()
        page.wait_for_url(lambda url: "/stats/" not in url)
        expect(page.get_by_role("heading", level=1)).to_contain_text(text(lang, heading))
        expect(page.locator(".list-count")).to_have_text(str(expected))
        expect(page.locator(rows)).to_have_count(expected)
        page.go_back()
        page.wait_for_url("**/stats/")
