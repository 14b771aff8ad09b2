"""Backup and restore of the whole demo (``load_demo``: the 2024 figures, 2,765 deposits,
cases, confirmations, collaboration): the restored database has the same rows in every table,
the same stored content and the same ledger root as the original. The demo is loaded once for
the module and rolled back afterwards; each test restores inside its own rolled-back
transaction."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from evidence.models import EvidenceBlob, EvidenceRecord
from tests.core.backup_helpers import (
    counts,
    domain_rows,
    fresh_state,  # noqa: F401  (module fixture)
    make_fresh,
    snapshot,
    store_settings,
    stores_under,
    use_stores,
)


@pytest.fixture(scope="module")
def demo(
    fresh_state,  # noqa: F811
    django_db_setup,
    django_db_blocker,
    tmp_path_factory,
    ledger_private_key,
):
    """``load_demo``, then ``backup`` to a plain tar; the snapshot is taken after the backup
    (which would sign a checkpoint if the ledger had grown since the demo's last one)."""
    root = tmp_path_factory.mktemp("backup-demo")
    source = root / "source"
    isolated = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EVIDENCE_SIGNING_KEY=ledger_private_key,  # the key the tests' settings fixture sets
        **store_settings(source),
    )
    with django_db_blocker.unblock(), isolated, transaction.atomic():
        from alliance.deadlines import package_years
        from alliance.models import HolidayYear

        for year in range(package_years()[1] + 1, timezone.localdate().year + 2):
            HolidayYear.objects.get_or_create(year=year, defaults={"source": "tests"})
        call_command("load_demo", force=True, stdout=io.StringIO())
        archive = root / "demo.tar"
        out = io.StringIO()
        call_command("backup", str(archive), stdout=out)
        before = snapshot(stores_under(source))
        yield {"root": root, "archive": archive, "output": out.getvalue(), "before": before}
        transaction.set_rollback(True)


@pytest.fixture
def restored(demo, db, settings, fresh_state):  # noqa: F811
    make_fresh(fresh_state)
    assert domain_rows() == 0
    target = use_stores(settings, demo["root"] / "target")
    out = io.StringIO()
    call_command("restore", str(demo["archive"]), stdout=out)
    return {"output": out.getvalue(), "after": snapshot(target)}


def test_the_demo_round_trips_exactly(demo, restored):
    before, after = demo["before"], restored["after"]
    assert counts(after["rows"]) == counts(before["rows"])
    assert counts(before["rows"])["evidence.evidencerecord"] == 2765
    for label, rows in before["rows"].items():
        assert after["rows"][label] == rows, label
    assert after["evidence"] == before["evidence"]
    assert len(before["evidence"]) == EvidenceBlob.objects.count() > 2700
    assert after["media"] == before["media"] and len(before["media"]) > 300
    tree_size, root, findings = after["audit"]
    assert (tree_size, root, findings) == before["audit"] and findings == []
    assert tree_size == EvidenceRecord.objects.count() + 5  # deposits and withdrawals
    assert after["checkpoint"] == before["checkpoint"]
    assert f"{tree_size:,} leaves, root {root}: audit clean" in restored["output"]


def test_the_manifest_describes_the_demo(demo):
    with tarfile.open(demo["archive"]) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and set(names[1:]) == set(manifest["files"])
    assert manifest["models"] == counts(demo["before"]["rows"])
    evidence = [name for name in names if name.startswith("blobs/evidence/sha256/")]
    assert len(evidence) == len(demo["before"]["evidence"])
    assert {name.removeprefix("blobs/media/") for name in names if "/media/" in name} == set(
        demo["before"]["media"]
    )
    ledger = manifest["ledger"]
    assert (ledger["tree_size"], ledger["root"]) == demo["before"]["audit"][:2]
    assert ledger["checkpoint"]["note"] == demo["before"]["checkpoint"]
    assert manifest["missing_media"] == []
    assert f"ledger   {ledger['tree_size']:,} leaves" in demo["output"]
