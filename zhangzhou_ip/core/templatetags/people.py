"""How people are named on pages."""

import re

from django import template

register = template.Library()

_CJK = re.compile(r"[\u4e00-\u9fff]")


@register.filter
def person_name(user) -> str:
    """Chinese names family name first without a space (吴丽娟); others "First Last";
    the username when no name is recorded."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return user.get_username()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
