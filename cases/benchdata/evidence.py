"""Benchmark evidence (``cases.benchdata``): 益企证 records of the key enterprises in time order,
numbered and appended to the ledger batch by batch as ``evidence.services.deposit_many`` does,
with blob rows (no content) and a few withdrawals."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import mimetypes
import random
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.db import transaction

from alliance.models import Organization
from cases.benchdata.common import (
    TZ,
    BenchReport,
    Progress,
    _Days,
    _next_id,
    _reset_sequences,
    _Rows,
)
from cases.benchdata.world import _Enterprise, _World
from evidence import demo as evidence_demo
from evidence import leaves, ledger
from evidence.models import Category, EvidenceBlob, EvidenceRecord, EvidenceWithdrawal
from evidence.services import _allocate_numbers

#: Evidence records withdrawn, and re-deposits of content already stored.
WITHDRAWN_SHARE = 0.0005
DUPLICATE_SHARE = 0.01


# ---------------------------------------------------------------------------------------------
# Evidence: records in time order, numbered and appended to the ledger batch by batch
# ---------------------------------------------------------------------------------------------


@dataclass
class _Evidence:
    """What the cases need of the records: per enterprise, ids and deposit days (ascending)."""

    ids: dict[int, array] = field(default_factory=lambda: defaultdict(lambda: array("q")))
    days: dict[int, array] = field(default_factory=lambda: defaultdict(lambda: array("l")))
    withdrawn: set[int] = field(default_factory=set)

    def before(self, rng: random.Random, enterprise: int, day: dt.date, n: int) -> list[int]:
        """Up to ``n`` of the enterprise's records deposited before ``day``, not withdrawn."""
        ids = self.ids.get(enterprise)
        if not ids:
            return []
        end = bisect.bisect_left(self.days[enterprise], day.toordinal())
        if not end:
            return []
        picked = {ids[rng.randrange(max(0, end - 200), end)] for _ in range(n)}
        return sorted(picked - self.withdrawn)


def _deposit_times(rng: random.Random, days: _Days, count: int) -> list[dt.datetime]:
    periods = [(8 * 3600 + 1800, 12 * 3600), (14 * 3600 + 1800, 17 * 3600 + 1800)]
    span = sum(end - start for start, end in periods)
    times = []
    for _n in range(count):
        day = days.pick(rng)
        offset = rng.randrange(span)
        seconds = (
            periods[0][0] + offset
            if offset < periods[0][1] - periods[0][0]
            else (periods[1][0] + offset - (periods[0][1] - periods[0][0]))
        )
        times.append(
            dt.datetime.combine(day, dt.time(), TZ)
            + dt.timedelta(seconds=seconds, microseconds=rng.randrange(1_000_000))
        )
    times.sort()
    return times


_MEDIA: dict[str, str] = {}


def _media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    if extension not in _MEDIA:
        _MEDIA[extension] = (
            "application/json"
            if extension == "har"
            else mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
    return _MEDIA[extension]


def _record_fields(
    rng: random.Random, enterprise: _Enterprise, point: Organization, at: dt.datetime
) -> dict[str, Any]:
    """Kind, title, file and size of one deposit, as the deposit form and upload give them."""
    product = rng.choice(evidence_demo._PRODUCTS.get(enterprise.industry) or ["产品"])
    brand = enterprise.brand
    platform, url = evidence_demo._listing(rng)
    stamp = at.astimezone(TZ)
    roll = rng.random()
    fields: dict[str, Any] = {"description": "", "source_url": "", "captured_at": None}
    if roll < 0.55:
        category, title, extension = rng.choice(
            [
                (
                    Category.PRODUCT,
                    f"{brand}{product}正品实物照片（{rng.choice(evidence_demo._VIEWS)}）",
                    "png",
                ),
                (
                    Category.OTHER,
                    f"{rng.choice(evidence_demo._CITIES)}市场疑似侵权{product}现场照片",
                    "png",
                ),
                (Category.TRANSACTION, f"{platform}试购{product}收货开箱照片", "png"),
                (Category.TRANSACTION, f"{platform}试购{product}订单及付款凭证", "pdf"),
                (Category.PROMOTION, f"{brand}{product}宣传册", "pdf"),
                (Category.DESIGN, f"{product}外观设计图稿", "pdf"),
                (Category.CONTRACT, f"{product}委托加工合同", "pdf"),
                (Category.CERTIFICATE, f"“{brand}”商标注册证扫描件", "pdf"),
            ]
        )
        name = f"IMG_{stamp:%Y%m%d_%H%M%S}.png" if extension == "png" else f"{title}.pdf"
        size = int(rng.lognormvariate(13.5 if extension == "png" else 12.8, 0.9))
        fields.update(kind=EvidenceRecord.Kind.FILE, original_name=name)
        if rng.random() < 0.3:
            fields["description"] = f"{point.short_name or point.name}工作人员陪同企业现场取证。"
    elif roll < 0.9:
        shop = rng.choice(evidence_demo._SHOP_WORDS) + rng.choice(evidence_demo._SHOP_KINDS)
        category, title = rng.choice(
            [
                (Category.LISTING, f"{platform}店铺“{shop}”疑似仿冒“{brand}”{product}商品页面"),
                (Category.LISTING, f"{platform}店铺“{shop}”{product}销量及评价页面"),
                (Category.PROMOTION, f"{platform}使用“{brand}”标识推广{product}页面"),
            ]
        )
        extension = rng.choices(["png", "mhtml", "har"], [6, 3, 1])[0]
        captured = at - dt.timedelta(minutes=rng.randint(5, 180), seconds=rng.randrange(60))
        name = f"capture_{captured.astimezone(TZ):%Y%m%d_%H%M%S}.{extension}"
        size = int(rng.lognormvariate(13.0, 1.0))
        fields.update(
            kind=EvidenceRecord.Kind.WEB_CAPTURE,
            original_name=name,
            source_url=url,
            captured_at=captured,
        )
        if rng.random() < 0.4:
            fields["description"] = (
                f"取证环境：{rng.choice(evidence_demo._BROWSERS)}，取证前已清除缓存。"
            )
    else:
        category, title = rng.choice(
            [
                (Category.TRANSACTION, f"{platform}客服聊天记录摘录（{product}）"),
                (Category.LISTING, f"侵权线索记录：{platform}“{brand}”{product}"),
                (Category.OTHER, f"经销商关于{product}货源的陈述"),
            ]
        )
        fields.update(kind=EvidenceRecord.Kind.TEXT, original_name="")
        size = rng.randint(200, 4000)
        fields["media_type"] = "text/plain; charset=utf-8"
    fields.setdefault("media_type", _media_type(fields["original_name"] or "x.txt"))
    fields.update(category=category, title=title[:200], size=max(1, size))
    return fields


def _add_evidence(
    world: _World, rng: random.Random, report: BenchReport, progress: Progress
) -> _Evidence:
    config = world.config
    found = _Evidence()
    keys = [e for e in world.enterprises if e.org.is_key_enterprise]
    if config.evidence and not keys:
        raise LookupError("No key enterprises: run load_demo first.")
    # A few enterprises deposit most (a Zipf-like spread), each through its own point.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(keys))]
    rng.shuffle(weights)
    spare = sorted(world.points, key=lambda p: p.pk)
    for index, enterprise in enumerate(keys):
        if enterprise.point is None:
            enterprise.point = spare[index % len(spare)]
    cum = list(accumulate(weights))
    times = _deposit_times(rng, world.days, config.evidence)
    next_id = _next_id(EvidenceRecord)
    blob_fields = ["sha256", "size", "sm3", "created_at"]
    record_fields = [
        "id", "number", "kind", "depositor_id", "service_point_id", "deposited_by_id", "title",
        "description", "category", "blob_id", "size", "media_type", "original_name",
        "source_url", "captured_at", "deposited_at", "ledger_index", "salt", "corrects_id",
    ]  # fmt: skip
    withdrawal_fields = [
        "record_id",
        "reason",
        "withdrawn_by_id",
        "withdrawn_at",
        "ledger_index",
        "salt",
    ]
    blobs = _Rows(EvidenceBlob, blob_fields, config.batch_size)
    records = _Rows(EvidenceRecord, record_fields, config.batch_size)
    withdrawals = _Rows(EvidenceWithdrawal, withdrawal_fields, config.batch_size)
    attnames = [EvidenceRecord._meta.get_field(n).attname for n in record_fields]
    recent: list[tuple[str, int]] = []  # blobs a re-deposit may repeat
    started = time.perf_counter()
    end_of_data = dt.datetime.combine(world.days.last, dt.time(23, 59), TZ)
    for start in range(0, len(times), config.batch_size):
        chunk = times[start : start + config.batch_size]
        with transaction.atomic():
            head = ledger.lock_head()
            numbers = _allocate_numbers(chunk)
            made: list[EvidenceRecord] = []
            for offset, (at, number) in enumerate(zip(chunk, numbers, strict=True)):
                enterprise = keys[bisect.bisect_left(cum, rng.random() * cum[-1])]
                point = enterprise.point
                fields = _record_fields(rng, enterprise, point, at)
                if recent and rng.random() < DUPLICATE_SHARE:
                    sha256, size = rng.choice(recent)  # the same file deposited again
                    fields["size"] = size
                else:
                    label = f"zhangzhou-ip bench {config.seed} {next_id + start + offset}"
                    sha256 = hashlib.sha256(label.encode()).hexdigest()
                    blobs.add(sha256, fields["size"], "", at)
                    recent.append((sha256, fields["size"]))
                    if len(recent) > 1000:
                        del recent[:500]
                made.append(
                    EvidenceRecord(
                        id=next_id + start + offset,
                        number=number,
                        depositor_id=enterprise.org.pk,
                        service_point_id=point.pk,
                        deposited_by_id=world.point_staff[point.pk].pk,
                        blob_id=sha256,
                        deposited_at=at,
                        ledger_index=head.size + offset,
                        salt=f"{rng.getrandbits(128):032x}",
                        **fields,
                    )
                )
            leaf_inputs = [leaves.record_leaf(record) for record in made]
            gone = []
            for record in made:
                if rng.random() < WITHDRAWN_SHARE:
                    withdrawal = EvidenceWithdrawal(
                        record_id=record.pk,
                        reason=rng.choice(evidence_demo._WITHDRAW_REASONS),
                        withdrawn_by_id=record.deposited_by_id,
                        withdrawn_at=min(
                            record.deposited_at + dt.timedelta(days=rng.randint(1, 20)),
                            end_of_data,
                        ),
                        ledger_index=head.size + len(made) + len(gone),
                        salt=f"{rng.getrandbits(128):032x}",
                    )
                    gone.append(withdrawal)
                    leaf_inputs.append(leaves.withdrawal_leaf(withdrawal, record.number))
                    found.withdrawn.add(record.pk)
            ledger.append(leaf_inputs, head=head)
            blobs.flush()
            for record in made:
                records.add(*(getattr(record, name) for name in attnames))
                found.ids[record.depositor_id].append(record.pk)
                found.days[record.depositor_id].append(
                    record.deposited_at.astimezone(TZ).toordinal()
                )
            records.flush()
            for withdrawal in gone:
                withdrawals.add(
                    withdrawal.record_id,
                    withdrawal.reason,
                    withdrawal.withdrawn_by_id,
                    withdrawal.withdrawn_at,
                    withdrawal.ledger_index,
                    withdrawal.salt,
                )
            withdrawals.flush()
        done = start + len(chunk)
        progress(f"  evidence {done:,} of {len(times):,} ({time.perf_counter() - started:.0f} s)")
    report.counts["evidence_records"] = records.count
    report.counts["evidence_blobs"] = blobs.count
    report.counts["evidence_withdrawals"] = withdrawals.count
    if records.count:
        _reset_sequences([EvidenceRecord, EvidenceWithdrawal])
        ledger.sign_checkpoint()
    return found
