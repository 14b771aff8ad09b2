"""Template helpers for list pages: sortable column headers and query strings."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> str:
    """A column header linking to the list sorted by ``key``; a second click reverses it."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    # The order is said in words for screen readers (aria-sort belongs on the <th>, which the
    # templates write, not on this link: axe-core's aria-allowed-attr).
    if current == key:
        params["sort"] = "-" + key
        indicator, state = "▲", _("(sorted ascending)")
    elif current == "-" + key:
        params["sort"] = key
        indicator, state = "▼", _("(sorted descending)")
    else:
        params["sort"] = key
        indicator, state = "", ""
    return format_html(
        '<a href="?{}" class="link-body-emphasis text-decoration-none" title="{}">{} '
        '<span aria-hidden="true">{}</span>{}</a>',
        params.urlencode(),
        _("Sort by %(column)s") % {"column": label},
        label,
        indicator,
        format_html('<span class="visually-hidden"> {}</span>', state) if state else "",
    )


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    """The current query string with another page number."""
    params = context["request"].GET.copy()
    params["page"] = page
    return "?" + params.urlencode()


# Query parameters that select a page or a file, not rows: an export leaves them out.
NOT_FILTERS = ("page", "page_size", "format")


@register.simple_tag(takes_context=True)
def export_query(context, fmt: str) -> str:
    """The current filters and sort with ``format=fmt``: the list's own URL exports exactly
    its rows (``core.views.ExportMixin``)."""
    params = context["request"].GET.copy()
    for key in NOT_FILTERS:
        params.pop(key, None)
    params["format"] = fmt
    return "?" + params.urlencode()
