"""Background tasks of the core (Django's tasks API, the django-tasks backport; decision 0019).

Tasks take ids and plain values only — never model instances or querysets — because the
database backend stores their arguments as JSON and runs them later, in another process.
Each is idempotent: run twice, it does its work once.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from zhangzhou_ip.core import downloads


@task()
def build_download(download_id: int) -> dict[str, Any]:
    """Build the file of a prepared download by running its page again as its owner
    (``core.downloads.build``)."""
    return downloads.build(download_id)


@task()
def purge_downloads() -> int:
    """Delete prepared downloads past their expiry, with their files; returns how many."""
    return downloads.purge_expired()
