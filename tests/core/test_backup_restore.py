"""``manage.py backup`` / ``restore`` on a small world (issue 8 part 8, decision 0017): the
round trip is exact; restore refuses a database with data, other migrations or another
signing key; a damaged archive is refused before anything is written; a forged evidence row is
caught by the audit and rolled back; what a forger who rewrites the manifest can still do.
The demo data round trip is in test_backup_restore_demo.py."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from alliance.models import CollaborationReply, CollaborationRequest, Organization, Region
from evidence import ledger, services
from evidence.models import EvidenceRecord, RetrievalRequest, blob_storage_name
from evidence.tlog.note import Signer
from tests.core.backup_helpers import (
    counts,
    domain_rows,
    fresh_state,  # noqa: F401  (module fixture)
    make_fresh,
    manifest_of,
    read_members,
    rehash,
    snapshot,
    stored_files,
    table_rows,
    use_stores,
    write_members,
)
from tests.evidence.conftest import deposit  # noqa: F401  (fixture)
from zhangzhou_ip.backup.dump import REFERENCE_DATA_MODELS, dumped_models

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_world(world, deposit, settings, tmp_path):  # noqa: F811
    """A world with every kind of deposit, a withdrawal, a many-to-many link, an uploaded file,
    a group and a user permission (natural keys), an admin log entry, a changed reference row
    and a signed checkpoint — in stores under ``tmp_path/source``."""
    stores = use_stores(settings, tmp_path / "source")
    users, orgs = world["users"], world["orgs"]
    text = deposit(kind="text", text="网页上的侵权文字")
    photo = deposit(kind="file")
    capture = deposit(kind="web_capture")
    ledger.sign_checkpoint()
    services.withdraw(actor=users["servicepoint"], record=photo, reason="上传了错误的文件")
    request = RetrievalRequest.objects.create(
        enterprise=orgs["ent_a"],
        service_point=orgs["service_point"],
        kind=RetrievalRequest.Kind.WEB_CAPTURE,
        subject="侵权网店截图",
        requested_by=users["enterprise"],
    )
    request.records.add(text, capture)
    collaboration = CollaborationRequest.objects.create(
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.choices[0][0],
        subject="协查请求",
        sent_on=dt.date(2024, 5, 6),
        due_on=dt.date(2024, 5, 20),
    )
    reply = CollaborationReply(
        request=collaboration, author=users["partner"], organization=orgs["partner"], body="已查"
    )
    reply.attachment.save("回复.pdf", ContentFile(b"%PDF-1.4 reply"), save=False)
    reply.save()
    group = Group.objects.create(name="auditors")
    group.permissions.add(Permission.objects.get(codename="view_evidencerecord"))
    users["clerk"].groups.add(group)
    users["clerk"].user_permissions.add(Permission.objects.get(codename="view_organization"))
    LogEntry.objects.create(
        user=users["superuser"],
        content_type=ContentType.objects.get_for_model(EvidenceRecord),
        object_id=str(text.pk),
        object_repr=str(text),
        action_flag=CHANGE,
        change_message="[]",
    )
    Region.objects.filter(code="350600").update(name="漳州市（备份测试）")
    return {"stores": stores, "records": [text, photo, capture]}


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


def refused(path: Path) -> str:
    with pytest.raises(CommandError) as caught:
        restore(path)
    return str(caught.value)


@pytest.fixture
def made(small_world, fresh_state, settings, tmp_path):  # noqa: F811
    """The small world backed up (``.tar.gz``), the database emptied to a fresh one and the
    stores pointed at empty directories: ready for a restore."""
    archive = tmp_path / "small.tar.gz"
    output = backup(archive)
    before = snapshot(small_world["stores"])
    make_fresh(fresh_state)
    target = use_stores(settings, tmp_path / "target")
    return {"archive": archive, "output": output, "before": before, "target": target}


def assert_untouched(target: dict[str, Path]) -> None:
    assert domain_rows() == 0
    assert Region.objects.get(code="350600").name == "漳州市"
    assert stored_files(target["evidence"]) == {} and stored_files(target["media"]) == {}


def test_reference_data_models_are_exactly_what_migrate_fills(fresh_state):  # noqa: F811
    backed_up = {model._meta.label_lower for model in dumped_models()}
    filled = {row["model"] for row in json.loads(fresh_state)} & backed_up
    assert filled == REFERENCE_DATA_MODELS


def test_round_trip_restores_every_row_file_and_the_ledger(made, world):
    assert "Backup complete." in made["output"]
    assert domain_rows() == 0  # a fresh database: reference rows only
    output = restore(made["archive"])
    after = snapshot(made["target"])
    assert counts(after["rows"]) == counts(made["before"]["rows"])
    assert after["rows"] == made["before"]["rows"]
    assert after["evidence"] == made["before"]["evidence"] and len(after["evidence"]) == 3
    assert after["media"] == made["before"]["media"] and len(after["media"]) == 1
    assert after["audit"] == made["before"]["audit"] and after["audit"][0] == 4
    assert after["checkpoint"] == made["before"]["checkpoint"]  # signed by the backup at 4
    assert Region.objects.get(code="350600").name == "漳州市（备份测试）"
    clerk = get_user_model().objects.get(username="clerk")
    assert clerk.has_perm("evidence.view_evidencerecord")  # through the restored group
    assert clerk.has_perm("alliance.view_organization")
    assert f"ledger   4 leaves, root {after['audit'][1]}: audit clean" in output
    assert "4 written" in output and "0 already present" in output  # 3 blobs + 1 upload
    # The restored installation carries on: numbers, ledger indices and ids continue.
    record = services.deposit(
        actor=get_user_model().objects.get(username="servicepoint"),
        depositor=Organization.objects.get(pk=world["orgs"]["ent_a"].pk),
        kind="text",
        text="after the restore",
        title="恢复后的存证",
        category="listing",
    )
    assert record.ledger_index == 4 and record.number.endswith("第000004号")
    newest = get_user_model().objects.create_user("after-restore")
    assert newest.pk > max(row[0] for row in made["before"]["rows"]["auth.user"])
    ledger.sign_checkpoint()
    assert snapshot(made["target"])["audit"][2] == []


def test_restore_twice_is_refused_because_the_database_holds_data(made):
    restore(made["archive"])
    message = refused(made["archive"])
    assert "already holds data" in message and "admin.logentry: 1\n" in message
    assert re.search(r"\n  auth\.user: \d+\n", message) and "… and" in message


def test_restore_into_the_source_database_is_refused(small_world, tmp_path):
    archive = tmp_path / "small.tar"
    backup(archive)
    assert "already holds data" in refused(archive)


def test_a_changed_byte_of_evidence_content_is_refused_before_writing(made, tmp_path):
    members = read_members(made["archive"])
    name = next(n for n in members if n.startswith("blobs/evidence/"))
    members[name] = b"X" + members[name][1:]
    message = refused(write_members(tmp_path / "damaged.tar", members))
    assert "does not match its manifest" in message and "nothing was written" in message
    assert f"{name}: {len(members[name])} bytes with SHA-256" in message
    assert_untouched(made["target"])


def test_a_missing_blob_is_refused_before_writing(made, tmp_path):
    members = read_members(made["archive"])
    name = next(n for n in members if n.startswith("blobs/evidence/"))
    del members[name]
    message = refused(write_members(tmp_path / "short.tar", members))
    assert f"{name}: listed in the manifest but missing from the archive" in message
    assert_untouched(made["target"])


def test_a_changed_row_is_refused_before_writing(made, tmp_path):
    members = read_members(made["archive"])
    data = members["db/data.jsonl"]
    members["db/data.jsonl"] = data.replace("协查请求".encode(), "别的请求".encode())
    assert members["db/data.jsonl"] != data
    message = refused(write_members(tmp_path / "edited.tar", members))
    assert "db/data.jsonl:" in message and "does not match its manifest" in message
    assert_untouched(made["target"])


def test_a_forged_evidence_row_with_a_matching_manifest_is_caught_by_the_audit(made, tmp_path):
    """The forger points the photo's record at another content (its hash) and fixes the
    manifest: the archive verifies, the rows load, the audit finds the leaf changed, and
    everything — rows and the files copied meanwhile — is rolled back."""
    members = read_members(made["archive"])
    lines = members["db/data.jsonl"].decode().splitlines()
    for i, line in enumerate(lines):
        row = json.loads(line)
        if row["model"] == "evidence.evidencerecord" and row["fields"]["kind"] == "file":
            number, own = row["fields"]["number"], row["fields"]["blob"]
            blobs = [n.rsplit("/", 1)[1] for n in members if n.startswith("blobs/evidence/")]
            row["fields"]["blob"] = next(sha256 for sha256 in blobs if sha256 != own)
            lines[i] = json.dumps(row, ensure_ascii=False)
    members["db/data.jsonl"] = ("\n".join(lines) + "\n").encode()
    rehash(members, "db/data.jsonl")
    message = refused(write_members(tmp_path / "forged.tar", members))
    assert "ledger audit of the restored data has findings" in message
    assert f"[leaf_mismatch] record {number}: the row no longer matches" in message
    assert_untouched(made["target"])


def test_a_forged_ledger_root_in_the_manifest_is_refused_after_the_audit(made, tmp_path):
    members = read_members(made["archive"])
    manifest = manifest_of(members)
    manifest["ledger"]["root"] = "00" * 32
    members["manifest.json"] = json.dumps(manifest).encode()
    message = refused(write_members(tmp_path / "root.tar", members))
    assert "but the manifest says 4 with root " + "00" * 32 in message
    assert_untouched(made["target"])


def test_a_consistent_forgery_outside_the_ledger_is_restored(made, tmp_path):
    """What the design does not guarantee: a row outside the ledger, changed and re-hashed in
    the manifest, restores as forged — the manifest detects damage, not a forger (decision
    0017: keep archives where they cannot be rewritten)."""
    members = read_members(made["archive"])
    data = members["db/data.jsonl"]
    members["db/data.jsonl"] = data.replace("协查请求".encode(), "伪造的请求".encode())
    assert members["db/data.jsonl"] != data
    rehash(members, "db/data.jsonl")
    restore(write_members(tmp_path / "forged.tar", members))
    assert CollaborationRequest.objects.get().subject == "伪造的请求"


def test_other_migrations_are_refused_with_what_to_do(made, tmp_path):
    members = read_members(made["archive"])
    manifest = manifest_of(members)
    manifest["migrations"]["alliance"].append("0999_from_the_future")
    members["manifest.json"] = json.dumps(manifest).encode()
    message = refused(write_members(tmp_path / "future.tar", members))
    assert "alliance: the archive was made at 0999_from_the_future" in message
    assert "Restore with the application version that made the archive" in message
    assert_untouched(made["target"])


def test_another_signing_key_is_refused_before_writing(made, settings):
    other = Signer.generate("test.zhangzhou-ip.example/yiqizheng")
    settings.EVIDENCE_SIGNING_KEY = other.private_key
    message = refused(made["archive"])
    assert "does not verify with this installation's signing key" in message
    assert "EVIDENCE_SIGNING_KEY" in message
    assert_untouched(made["target"])


def test_a_file_of_another_content_under_the_same_name_is_refused(made):
    name = blob_storage_name(made["before"]["rows"]["evidence.evidenceblob"][0][0])
    path = made["target"]["evidence"] / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"something else")
    message = refused(made["archive"])
    assert f"{name}: the storage already holds a different file under this name" in message
    assert domain_rows() == 0


def test_existing_identical_blobs_are_skipped(made):
    blob = made["before"]["rows"]["evidence.evidenceblob"][0][0]
    source = Path(made["archive"]).parent / "source" / "evidence" / blob_storage_name(blob)
    path = made["target"]["evidence"] / blob_storage_name(blob)
    path.parent.mkdir(parents=True)
    path.write_bytes(source.read_bytes())
    output = restore(made["archive"], "--skip-blobs")
    assert "3 written" in output and "1 already present" in output
    assert stored_files(made["target"]["evidence"]) == made["before"]["evidence"]


def test_not_an_archive_of_ours(made, tmp_path):
    path = write_members(tmp_path / "other.tar", {"README": b"hello"})
    assert "does not start with manifest.json" in refused(path)
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar at all" * 100)
    assert "not a readable tar archive" in refused(broken)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(made["archive"].read_bytes()[:-200])
    # Where the cut falls decides which check sees it first: the compressed stream ending
    # early, or tarfile stopping quietly at a cut header, which leaves members the manifest
    # lists missing. Refused either way, nothing written.
    message = refused(truncated)
    assert "damaged or truncated" in message or "missing from the archive" in message, message
    assert_untouched(made["target"])


def test_backup_refuses_an_existing_path_and_other_names(small_world, tmp_path):
    existing = tmp_path / "exists.tar"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="already exists"):
        backup(existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(CommandError, match=r"must end in \.tar"):
        backup(tmp_path / "backup.zip")


def test_backup_of_a_damaged_evidence_store_stops_and_leaves_no_archive(small_world, tmp_path):
    sha256 = small_world["records"][0].sha256
    path = small_world["stores"]["evidence"] / blob_storage_name(sha256)
    path.write_bytes(path.read_bytes() + b"!")
    with pytest.raises(CommandError, match=f"content {sha256} has the wrong size"):
        backup(tmp_path / "damaged.tar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]


def test_the_archive_starts_with_a_complete_manifest(small_world, tmp_path):
    archive = tmp_path / "small.tar"
    backup(archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        for name in names[1:]:
            data = tar.extractfile(name).read()
            assert manifest["files"][name]["size"] == len(data)
    assert names[:2] == ["manifest.json", "db/data.jsonl"]
    assert set(names[1:]) == set(manifest["files"])
    assert manifest["models"] == counts(table_rows())
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["ledger"]["tree_size"] == 4
    assert manifest["ledger"]["checkpoint"]["tree_size"] == 4  # signed by the backup
    assert "0007_load_indicators" in manifest["migrations"]["alliance"]


def test_without_a_new_checkpoint_the_latest_one_covers_a_prefix(
    small_world,
    fresh_state,  # noqa: F811
    settings,
    tmp_path,
):
    archive = tmp_path / "small.tar"
    call_command("backup", str(archive), "--no-checkpoint", stdout=io.StringIO())
    ledger_summary = manifest_of(read_members(archive))["ledger"]
    assert ledger_summary["tree_size"] == 4 and ledger_summary["checkpoint"]["tree_size"] == 3
    before = snapshot(small_world["stores"])
    make_fresh(fresh_state)
    target = use_stores(settings, tmp_path / "target")
    assert "4 leaves" in restore(archive)
    assert snapshot(target)["audit"] == before["audit"]


def test_an_installation_without_evidence_round_trips(world, fresh_state, settings, tmp_path):  # noqa: F811
    use_stores(settings, tmp_path / "source")
    archive = tmp_path / "empty-ledger.tar"
    backup(archive)
    assert manifest_of(read_members(archive))["ledger"]["checkpoint"] is None
    rows = table_rows()
    make_fresh(fresh_state)
    use_stores(settings, tmp_path / "target")
    assert "0 leaves" in restore(archive)
    assert table_rows() == rows
