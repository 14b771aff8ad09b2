"""Background tasks of the evidence app (Django's tasks API, decision 0019)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from evidence import ledger


@task()
def sign_checkpoint_task() -> dict[str, Any]:
    """Sign a checkpoint over the ledger if it has grown since the latest one. Idempotent:
    ``ledger.sign_checkpoint`` locks the ledger head and returns the latest checkpoint when
    the tree size is unchanged, so a schedule may run this as often as it likes."""
    before = ledger.latest_checkpoint()
    checkpoint = ledger.sign_checkpoint()
    return {
        "signed": before is None or before.pk != checkpoint.pk,
        "checkpoint": checkpoint.pk,
        "tree_size": checkpoint.tree_size,
        "root": checkpoint.root_hex,
    }
