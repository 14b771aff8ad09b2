"""Permissions of the core's own objects (django-rules).

A prepared download belongs to the user who asked for it and to no role: only its owner may
see it. (Django answers ``has_perm`` with yes for an active superuser whatever the rule
says, so the pages and the API also start from the owner's own downloads,
``core.downloads.download_visible_to`` — a superuser sees only their own files too.)
"""

from __future__ import annotations

import rules


@rules.predicate
def owns_download(user, download) -> bool:
    if download is None:
        return user.is_authenticated  # "may see downloads at all": one's own
    return user.is_authenticated and download.owner_id == user.pk


rules.add_perm("core.view_prepareddownload", owns_download)
