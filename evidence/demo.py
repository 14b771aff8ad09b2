"""Demo evidence for ``python manage.py load_demo`` (runs after ``alliance.demo``).

The 2024 press release counts 2,765 evidence deposits (存证) by the 55 key enterprises through
the 17 service points. This loader makes exactly those: deposits spread over the working hours
of 2024's working days (Asia/Shanghai, official 调休 calendar), numbered 益企证〔2024〕第000001号
… 第002765号, with a signed checkpoint at the end of every month, a few withdrawals, one
correction and a chain-of-custody log. RetrievalRequest rows belong to another loader.

Rules the loader keeps:

* **Through the services** — every record is made by ``services.deposit_many`` (historical time
  through its ``deposited_at``), every withdrawal by ``services.withdraw``, every checkpoint by
  ``ledger.sign_checkpoint`` and every custody event by ``services.log_access`` (on a simulated
  clock, as ``cases.demo`` does). Events run in time order, so the ledger order is the time
  order and ``audit_ledger`` passes on the result.
* **Real actors** — each service point's own staff deposit for its enterprises (the demo
  ``servicepoint`` clerk at 小溪网点); at points without staff the demo ``admin`` does.
* **Small, real content** — tiny generated PNG photos and screenshots, PDF scans, MHTML pages,
  HAR logs and texts of a few hundred bytes, unique per record except a handful of deliberate
  re-deposits of the same file (to show that content is stored once).
* **Deterministic and idempotent** — one ``random.Random(SEED)`` draws everything in a fixed
  order over rows read in a fixed order; if any evidence record exists nothing is written. The
  whole load is one transaction (and much faster that way on SQLite).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from alliance import demo as alliance_demo
from alliance.models import Membership, Organization
from evidence import ledger, services
from evidence.models import (
    AccessEvent,
    Category,
    Checkpoint,
    EvidenceBlob,
    EvidenceRecord,
    EvidenceWithdrawal,
)

SEED = 2024
YEAR = 2024
RECORDS = 2765
#: Records of the demo enterprise (DEMO_ENTERPRISE), so its login shows a real list.
DEMO_ENTERPRISE_RECORDS = 48
#: Re-deposits of an existing file (content stored once, several records).
DUPLICATES = 6
WITHDRAWALS = 5
ACCESS_EVENTS = 240

BEIJING = ZoneInfo("Asia/Shanghai")
Kind = EvidenceRecord.Kind
OrgKind = Organization.Kind
Action = AccessEvent.Action

# Share of each month in the year's deposits: quiet around the Spring Festival (February),
# busy before the 618 and Double-11 online sales.
_MONTH_WEIGHTS = {1: 8, 2: 4, 3: 8, 4: 8, 5: 9, 6: 10, 7: 8, 8: 8, 9: 8, 10: 7, 11: 12, 12: 10}
# Working hours of the service points: 08:30–12:00 and 14:30–17:30.
_WORKING_PERIODS = [(8 * 60 + 30, 12 * 60), (14 * 60 + 30, 17 * 60 + 30)]

_PRODUCTS: dict[str, list[str]] = {
    "machinery": ["数控车床", "减速电机", "快换液压夹具", "自动上下料机械手", "齿轮箱"],
    "electronics": ["LED驱动电源", "蓝牙音箱", "智能插座", "开关电源", "智能门锁"],
    "optics": ["防蓝光镜片", "太阳镜", "眼镜架", "光学镜头", "老花镜"],
    "furniture": ["藤编餐椅", "实木茶台", "折叠沙发床", "书柜", "户外休闲椅"],
    "ceramics": ["青花茶具", "陶瓷花瓶", "白瓷盖碗", "日用餐具套装"],
    "stone": ["石雕摆件", "石材茶盘", "花岗岩台面", "人造石板材"],
    "food": ["香蕉脆片", "蘑菇罐头", "低糖果脯", "芦笋罐头"],
    "pomelo": ["琯溪蜜柚", "蜜柚礼盒", "柚子茶", "红心蜜柚"],
    "citrus": ["芦柑", "芦柑礼品箱", "柑橘果汁"],
    "plum": ["青梅酒", "话梅", "青梅果脯"],
    "fruit": ["枇杷膏", "枇杷礼盒", "杨桃果汁"],
    "tea": ["铁观音", "白芽奇兰", "乌龙茶礼盒", "罐装茶叶"],
    "seafood": ["即食鲍鱼", "海鲜礼盒", "鱿鱼干", "冻虾仁"],
    "flowers": ["水仙花球", "兰花盆栽", "水仙雕刻造型"],
}
# (platform, URL template); {n} is a listing number, {s} a short random token.
_PLATFORMS = [
    ("淘宝", "https://item.taobao.com/item.htm?id={n}"),
    ("天猫", "https://detail.tmall.com/item.htm?id={n}"),
    ("京东", "https://item.jd.com/{n}.html"),
    ("拼多多", "https://mobile.yangkeduo.com/goods.html?goods_id={n}"),
    ("抖音电商", "https://haohuo.jinritemai.com/views/product/detail?id={n}"),
    ("1688", "https://detail.1688.com/offer/{n}.html"),
    ("快手小店", "https://app.kwaixiaodian.com/merchant/shop/detail?id={n}"),
    ("微信公众号", "https://mp.weixin.qq.com/s/{s}"),
]
_SHOP_WORDS = ["鑫源", "佳禾", "恒达", "优品", "万家", "顺发", "金盛", "惠民", "福满", "百汇"]
_SHOP_KINDS = ["专营店", "旗舰店", "工厂店", "批发店", "小店", "优选"]
_CITIES = ["漳州", "厦门", "泉州", "福州", "广州", "义乌", "深圳", "杭州", "汕头", "南宁"]
_VIEWS = ["正面", "背面", "侧面", "标签", "外包装", "细节"]
_BROWSERS = ["Chrome 120", "Edge 120", "Firefox 121", "Chrome 124", "Safari 17"]
_USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
]
_WITHDRAW_REASONS = [
    "误将其他企业的商品照片提交存证，申请撤回。",
    "截图未包含完整的店铺名称和商品链接，已重新取证。",
    "该文件为内部草稿，不应作为证据提交。",
    "经核实，该店铺销售的是正品授权商品，撤回侵权线索。",
    "重复提交，保留较早的存证记录。",
]
_CUSTODY_REASONS = {
    Action.VIEW: ["", "核对存证信息", "准备调解材料"],
    Action.DOWNLOAD: ["准备调解申请材料", "提交平台投诉", "律师核对原件"],
    Action.CERTIFICATE: ["提交调解委员会", "提交平台知识产权投诉", "向法院提交证据"],
    Action.RECEIPT: ["离线验证", "交律师留存"],
    Action.EXPORT: ["年度存证清单"],
    Action.VERIFY: [""],
}


# ---------------------------------------------------------------------------------------------
# Generated content (pure functions of the random generator)
# ---------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(rng: random.Random, label: str) -> bytes:
    """A valid RGB PNG of a few hundred bytes: a small gradient with noise, and ``label``
    (ASCII) in a tEXt chunk so every image is different."""
    width, height = rng.randint(10, 16), rng.randint(8, 12)
    base = [rng.randrange(256) for _ in range(3)]
    noise = iter(rng.randbytes(width * height * 3))
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            for channel in range(3):
                value = base[channel] + 6 * x - 5 * y + next(noise) % 25 - 12
                rows.append(max(0, min(255, value)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"tEXt", b"Comment\x00" + label.encode("ascii"))
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def tiny_pdf(label: str) -> bytes:
    """A valid one-page PDF (a "scan" of a document) whose page says ``label`` (ASCII)."""
    text = label.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 9 Tf 36 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def tiny_mhtml(url: str, title: str, when: dt.datetime, body: str) -> bytes:
    """A saved web page (MHTML, as browsers write it) with a small HTML body."""
    boundary = "----MultipartBoundary--demo" + hashlib.sha256(url.encode()).hexdigest()[:16]
    subject = "=?utf-8?B?" + base64.b64encode(title.encode("utf-8")).decode("ascii") + "?="
    html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{body}</p></body></html>"
    )
    return (
        "From: <Saved by Blink>\r\n"
        f"Snapshot-Content-Location: {url}\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {when.astimezone(dt.UTC):%a, %d %b %Y %H:%M:%S} +0000\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related; type="text/html"; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        f"Content-Location: {url}\r\n\r\n"
        f"{html}\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def tiny_har(url: str, when: dt.datetime, size: int, browser: str) -> bytes:
    """A network log (HAR 1.2) of loading one page."""
    started = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    name, version = browser.split(" ")
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": name, "version": version},
            "pages": [{"startedDateTime": started, "id": "page_1", "title": url}],
            "entries": [
                {
                    "pageref": "page_1",
                    "startedDateTime": started,
                    "time": size % 900 + 80,
                    "request": {"method": "GET", "url": url, "httpVersion": "HTTP/2"},
                    "response": {
                        "status": 200,
                        "httpVersion": "HTTP/2",
                        "content": {"size": size, "mimeType": "text/html; charset=utf-8"},
                    },
                }
            ],
        }
    }
    return json.dumps(log, ensure_ascii=False, indent=1).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The plan: every deposit, withdrawal and custody event, without touching the database
# ---------------------------------------------------------------------------------------------


@dataclass
class _Enterprise:
    org: Organization
    point: Organization
    brand: str
    products: list[str]


@dataclass
class _Deposit:
    at: dt.datetime
    enterprise: _Enterprise
    kind: str
    category: str
    title: str
    description: str = ""
    name: str = ""
    data: bytes = b""
    text: str = ""
    source_url: str = ""
    captured_at: dt.datetime | None = None
    corrects: int | None = None  # index of the corrected deposit in the plan


@dataclass
class _Withdrawal:
    at: dt.datetime
    target: int  # index of the deposit in the plan
    reason: str
    by_enterprise: bool


@dataclass
class _Plan:
    deposits: list[_Deposit] = field(default_factory=list)
    withdrawals: list[_Withdrawal] = field(default_factory=list)


def _working_days(year: int) -> list[dt.date]:
    day, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    days = []
    while day < end:
        if chinese_calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def deposit_times(rng: random.Random, count: int, year: int = YEAR) -> list[dt.datetime]:
    """``count`` distinct moments in working hours of ``year``'s working days, ascending."""
    days = _working_days(year)
    weights = [_MONTH_WEIGHTS[day.month] for day in days]
    minutes_per_day = sum(end - start for start, end in _WORKING_PERIODS)
    moments: set[dt.datetime] = set()
    while len(moments) < count:
        day = rng.choices(days, weights)[0]
        offset = rng.randrange(minutes_per_day * 60)
        for start, end in _WORKING_PERIODS:
            if offset < (end - start) * 60:
                seconds = start * 60 + offset
                break
            offset -= (end - start) * 60
        local = dt.datetime.combine(day, dt.time(), BEIJING) + dt.timedelta(
            seconds=seconds, microseconds=rng.randrange(1_000_000)
        )
        moments.add(local)
    return sorted(moments)


def _shop(rng: random.Random) -> str:
    return rng.choice(_SHOP_WORDS) + rng.choice(_SHOP_KINDS)


def _listing(rng: random.Random) -> tuple[str, str]:
    platform, template = rng.choice(_PLATFORMS)
    token = "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789") for _ in range(22)
    )
    return platform, template.format(n=rng.randint(10**11, 10**13), s=token)


def _file_deposit(rng: random.Random, seq: int, ent: _Enterprise, at: dt.datetime) -> _Deposit:
    product = rng.choice(ent.products)
    brand = ent.brand
    platform, _url = _listing(rng)
    city = rng.choice(_CITIES)
    stamp = at.astimezone(BEIJING)
    photo = f"IMG_{stamp:%Y%m%d}_{stamp:%H%M%S}.png"
    choices = [
        (Category.PRODUCT, f"{brand}{product}正品实物照片（{rng.choice(_VIEWS)}）", "png"),
        (Category.PRODUCT, f"{brand}{product}包装设计定稿照片", "png"),
        (Category.OTHER, f"{city}市场疑似侵权{product}现场照片", "png"),
        (Category.OTHER, f"侵权{product}与正品对比照片", "png"),
        (Category.TRANSACTION, f"{platform}试购{product}收货开箱照片", "png"),
        (Category.TRANSACTION, f"{platform}试购{product}订单及付款凭证", "pdf"),
        (Category.TRANSACTION, f"{city}批发市场试购{product}购物小票", "png"),
        (Category.PROMOTION, f"{brand}{YEAR}年产品宣传册", "pdf"),
        (Category.PROMOTION, f"{brand}{product}展会宣传海报", "png"),
        (Category.DESIGN, f"{product}外观设计图稿（第{rng.randint(1, 6)}版）", "pdf"),
        (Category.CONTRACT, f"“{brand}”商标使用许可合同", "pdf"),
        (Category.CONTRACT, f"{product}委托加工合同（{city}）", "pdf"),
        (Category.CERTIFICATE, f"“{brand}”商标注册证扫描件", "pdf"),
    ]
    weights = [14, 6, 8, 6, 12, 8, 5, 4, 4, 4, 3, 3, 3]
    category, title, extension = rng.choices(choices, weights)[0]
    label = f"yiqizheng demo {YEAR} #{seq:04d} {rng.getrandbits(64):016x}"
    if extension == "png":
        data, name = tiny_png(rng, label), photo
    else:
        data, name = tiny_pdf(label), f"{title}.pdf"
    description = ""
    if rng.random() < 0.4:
        description = rng.choice(
            [
                f"{ent.point.short_name or ent.point.name}工作人员陪同企业现场拍摄。",
                f"试购价格 {rng.randint(19, 899)} 元，收货地址为企业所在地。",
                "原件由企业留存，此为扫描件。",
                f"拍摄设备：手机，拍摄地点：{city}。",
            ]
        )
    return _Deposit(at, ent, Kind.FILE, category, title, description, name, data)


def _capture_deposit(rng: random.Random, seq: int, ent: _Enterprise, at: dt.datetime) -> _Deposit:
    product = rng.choice(ent.products)
    brand = ent.brand
    platform, url = _listing(rng)
    shop = _shop(rng)
    choices = [
        (Category.LISTING, f"{platform}店铺“{shop}”疑似仿冒“{brand}”{product}商品页面"),
        (Category.LISTING, f"{platform}店铺“{shop}”{product}销量及评价页面"),
        (Category.LISTING, f"{platform}搜索“{brand}{product}”结果页面"),
        (Category.PROMOTION, f"{platform}使用“{brand}”标识推广{product}页面"),
    ]
    if platform == "微信公众号":
        choices = [(Category.PROMOTION, f"公众号文章盗用“{brand}”{product}产品图片")]
    category, title = rng.choices(choices, [6, 2, 2, 1][: len(choices)])[0]
    captured_at = at - dt.timedelta(minutes=rng.randint(5, 180), seconds=rng.randrange(60))
    stamp = captured_at.astimezone(BEIJING)
    browser = rng.choice(_BROWSERS)
    form = rng.choices(["png", "mhtml", "har"], [6, 3, 1])[0]
    if form == "png":
        label = f"screenshot {YEAR} #{seq:04d} {rng.getrandbits(64):016x}"
        data, name = tiny_png(rng, label), f"截图_{stamp:%Y%m%d_%H%M%S}.png"
    elif form == "mhtml":
        body = f"{shop} {product} 售价 {rng.randint(9, 599)} 元 已售 {rng.randint(0, 20000)} 件"
        data, name = tiny_mhtml(url, title, captured_at, body), f"page_{stamp:%Y%m%d_%H%M%S}.mhtml"
    else:
        data = tiny_har(url, captured_at, rng.randint(20_000, 900_000), browser)
        name = f"capture_{stamp:%Y%m%d_%H%M%S}.har"
    description = f"取证环境：{browser}，取证前已清除缓存并核对网络连接。"
    return _Deposit(
        at,
        ent,
        Kind.WEB_CAPTURE,
        category,
        title,
        description if rng.random() < 0.5 else "",
        name,
        data,
        source_url=url,
        captured_at=captured_at,
    )


def _text_deposit(rng: random.Random, seq: int, ent: _Enterprise, at: dt.datetime) -> _Deposit:
    product = rng.choice(ent.products)
    platform, url = _listing(rng)
    shop = _shop(rng)
    city = rng.choice(_CITIES)
    day = at.astimezone(BEIJING)
    price = rng.randint(9, 599)
    variants = [
        (
            Category.TRANSACTION,
            f"{platform}客服聊天记录摘录（{product}）",
            f"{day:%Y年%m月%d日} 与{platform}店铺“{shop}”客服的聊天记录摘录：\n"
            f"问：这款{product}是“{ent.brand}”正品吗？\n"
            f"答：是厂家直供，和专柜一样，{price}元包邮。\n"
            f"问：有授权书吗？\n答：授权书不方便发，放心买。",
        ),
        (
            Category.OTHER,
            f"{city}经销商关于{product}货源的陈述",
            f"陈述人系{city}某商行经营者，{day:%Y年%m月}起从{shop}进货{product}，"
            f"进价{price}元，对方自称系“{ent.brand}”授权代理，未出示授权文件。",
        ),
        (
            Category.LISTING,
            f"侵权线索记录：{platform}店铺“{shop}”",
            f"线索来源：企业巡查。店铺：{shop}（{platform}）。链接：{url}。"
            f"商品：{product}，标价{price}元，页面使用“{ent.brand}”字样。",
        ),
    ]
    category, title, text = rng.choice(variants)
    text += f"\n（记录编号 DEMO-{YEAR}-{seq:04d}）"
    return _Deposit(at, ent, Kind.TEXT, category, title, text=text)


def build_plan(enterprises: list[_Enterprise], demo_enterprise: _Enterprise) -> _Plan:
    """Every deposit and withdrawal of the demo, drawn from ``random.Random(SEED)``."""
    rng = random.Random(SEED)
    times = deposit_times(rng, RECORDS)
    # Every key enterprise deposits; the busiest deposit ten times as much as the quietest.
    others = [e for e in enterprises if e is not demo_enterprise]
    weights = [rng.uniform(0.2, 2.0) for _ in others]
    owners = [demo_enterprise] * DEMO_ENTERPRISE_RECORDS + list(others)
    owners += rng.choices(others, weights, k=RECORDS - len(owners))
    rng.shuffle(owners)
    plan = _Plan()
    makers = [_file_deposit, _capture_deposit, _text_deposit]
    for seq, (at, ent) in enumerate(zip(times, owners, strict=True), start=1):
        make = rng.choices(makers, [52, 38, 10])[0]
        plan.deposits.append(make(rng, seq, ent, at))
    deposits = plan.deposits

    # A handful of re-deposits of a file already deposited by the same enterprise.
    files = [i for i, d in enumerate(deposits) if d.kind == Kind.FILE]
    duplicates: set[int] = set()
    while len(duplicates) < DUPLICATES:
        later = rng.choice(files[len(files) // 4 :])
        earlier = [
            i for i in files if i < later and deposits[i].enterprise is deposits[later].enterprise
        ]
        if earlier and later not in duplicates:
            source = deposits[rng.choice(earlier)]
            deposits[later].data, deposits[later].name = source.data, source.name
            duplicates.add(later)

    # One correction, by the demo enterprise's service point: a later, complete version.
    own = [i for i, d in enumerate(deposits) if d.enterprise is demo_enterprise]
    own_files = [i for i in own if deposits[i].kind == Kind.FILE and i not in duplicates]
    original = own_files[len(own_files) // 3]
    fix = next(i for i in own_files if i > original)
    corrected = deposits[original]
    deposits[fix] = _Deposit(
        deposits[fix].at,
        demo_enterprise,
        corrected.kind,
        corrected.category,
        f"{corrected.title}（更正）",
        "更正原存证：原文件拍摄不完整，现提交完整版本。",
        corrected.name if corrected.name.endswith(".pdf") else f"更正_{corrected.name}",
        (
            tiny_pdf(f"yiqizheng demo {YEAR} correction of #{original + 1:04d}")
            if corrected.name.endswith(".pdf")
            else tiny_png(rng, f"yiqizheng demo {YEAR} correction of #{original + 1:04d}")
        ),
        corrects=original,
    )

    # A few withdrawals: one by the demo enterprise itself, the others by the service points.
    targets = [rng.choice([i for i in own if i not in (original, fix)])]
    while len(targets) < WITHDRAWALS:
        index = rng.randrange(RECORDS - 40)
        if index not in targets and index not in (original, fix) and index not in duplicates:
            targets.append(index)
    for number, target in enumerate(targets):
        after = min(target + rng.randint(3, 40), RECORDS - 1)
        plan.withdrawals.append(
            _Withdrawal(
                at=deposits[after].at + dt.timedelta(seconds=rng.randint(1, 50)),
                target=target,
                reason=_WITHDRAW_REASONS[number % len(_WITHDRAW_REASONS)],
                by_enterprise=number == 0,
            )
        )
    return plan


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _read_enterprises() -> tuple[list[_Enterprise], _Enterprise]:
    """The key enterprises (by USCC) with their service points (the parent, or round-robin)."""
    specs = {spec.uscc: spec for spec in alliance_demo.build_plan().organizations if spec.uscc}
    points = list(
        Organization.objects.filter(kind=OrgKind.SERVICE_POINT, is_active=True).order_by("name")
    )
    if not points:
        raise LookupError("No service points: load the alliance demo first (alliance.demo).")
    key = list(
        Organization.objects.filter(kind=OrgKind.ENTERPRISE, is_key_enterprise=True)
        .select_related("parent")
        .order_by("uscc", "pk")
    )
    if not key:
        raise LookupError("No key enterprises: load the alliance demo first (alliance.demo).")
    enterprises, demo = [], None
    spare = 0
    for org in key:
        if org.parent is not None and org.parent.kind == OrgKind.SERVICE_POINT:
            point = org.parent
        else:
            point, spare = points[spare % len(points)], spare + 1
        spec = specs.get(org.uscc)
        industry = spec.industry if spec else ""
        brand = (spec.brand if spec else "") or org.short_name or org.name
        products = _PRODUCTS.get(industry) or ["产品"]
        enterprise = _Enterprise(org, point, brand, products)
        enterprises.append(enterprise)
        if org.name == alliance_demo.DEMO_ENTERPRISE:
            demo = enterprise
    return enterprises, demo or enterprises[0]


def _actors(points: set[Organization]) -> dict[int, Any]:
    """Who deposits at each point: its own staff (clerk or administrator), else ``admin``."""
    User = get_user_model()
    admin = User.objects.filter(username="admin", is_superuser=True).first()
    if admin is None:
        raise LookupError("No demo 'admin' superuser: load the alliance demo first.")
    staff: dict[int, Any] = {}
    memberships = (
        Membership.objects.filter(
            organization__in=points,
            role__in=[Membership.Role.CLERK, Membership.Role.ADMIN],
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("organization_id", "user__username")
    )
    for membership in memberships:
        staff.setdefault(membership.organization_id, membership.user)
    return {point.pk: staff.get(point.pk, admin) for point in points}


def _upload(deposit: _Deposit) -> SimpleUploadedFile:
    """The file as the upload handler would hand it over (hashed while streaming)."""
    upload = SimpleUploadedFile(deposit.name, deposit.data)
    upload.sha256 = hashlib.sha256(deposit.data).hexdigest()
    upload.sm3 = hashlib.new("sm3", deposit.data).hexdigest() if settings.EVIDENCE_SM3 else ""
    return upload


def _month_end(year: int, month: int) -> dt.datetime:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.datetime.combine(first_of_next, dt.time(), BEIJING) - dt.timedelta(seconds=1)


@contextmanager
def _simulated_clock() -> Iterator[list[dt.datetime | None]]:
    """Patch ``timezone.now`` so the custody log gets the time of the event being replayed."""
    real_now = timezone.now
    current: list[dt.datetime | None] = [None]
    with mock.patch.object(timezone, "now", lambda: current[0] or real_now()):
        yield current


def _custody(
    rng: random.Random,
    records: list[EvidenceRecord],
    actors: dict[int, Any],
    enterprise_user: Any,
    demo_enterprise: Organization,
) -> int:
    """Custody events after the deposits: depositors and points viewing, downloading and
    fetching certificates and receipts, and anonymous public verifications."""
    end = _month_end(YEAR, 12)
    events = []
    # The demo enterprise's records get most attention (its login shows the log).
    own = [r for r in records if r.depositor_id == demo_enterprise.pk]
    for n in range(ACCESS_EVENTS):
        record = rng.choice(own) if n % 3 == 0 and own else rng.choice(records)
        action = rng.choices(list(_CUSTODY_REASONS), [8, 3, 3, 2, 1, 3])[0]
        if action == Action.VERIFY:
            user = None
        elif record.depositor_id == demo_enterprise.pk and enterprise_user and rng.random() < 0.6:
            user = enterprise_user
        else:
            user = actors[record.service_point_id]
        at = record.deposited_at + dt.timedelta(
            days=rng.randint(0, 60), hours=rng.randint(0, 6), seconds=rng.randrange(3600)
        )
        events.append((min(at, end), record, action, user))
    events.sort(key=lambda event: (event[0], event[1].ledger_index))
    with _simulated_clock() as clock:
        for at, record, action, user in events:
            clock[0] = at
            request = HttpRequest()
            if user is None:
                request.META["REMOTE_ADDR"] = f"203.0.113.{rng.randint(1, 254)}"
            else:
                request.META["REMOTE_ADDR"] = f"10.35.{rng.randint(0, 20)}.{rng.randint(2, 250)}"
            request.META["HTTP_USER_AGENT"] = rng.choice(_USER_AGENTS)
            services.log_access(
                record,
                action=action,
                user=user,
                request=request,
                reason=rng.choice(_CUSTODY_REASONS[action]),
            )
    return len(events)


def _counts() -> dict[str, int]:
    records = EvidenceRecord.objects.filter(deposited_at__year=YEAR)
    return {
        "records": records.count(),
        "blobs": EvidenceBlob.objects.count(),
        "enterprises": records.values("depositor").distinct().count(),
        "service_points": records.values("service_point").distinct().count(),
        "withdrawals": EvidenceWithdrawal.objects.count(),
        "corrections": records.filter(corrects__isnull=False).count(),
        "checkpoints": Checkpoint.objects.count(),
        "ledger_size": ledger.current_size(),
        "access_events": AccessEvent.objects.count(),
    }


def load_evidence_demo(*, stdout=None) -> dict[str, int]:
    """Deposit the 2024 demo evidence unless evidence exists; return the counts."""
    if EvidenceRecord.objects.exists():
        if stdout is not None:
            stdout.write("  demo evidence: records exist already, nothing to do")
        return _counts()
    enterprises, demo_enterprise = _read_enterprises()
    plan = build_plan(enterprises, demo_enterprise)
    actors = _actors({e.point for e in enterprises})
    User = get_user_model()
    enterprise_user = User.objects.filter(username="enterprise", is_active=True).first()
    if enterprise_user is not None and not enterprise_user.has_perm(
        "evidence.withdraw_evidencerecord"
    ):
        enterprise_user = None

    events: list[tuple[dt.datetime, int, Any]] = [(d.at, 0, d) for d in plan.deposits]
    events += [(w.at, 1, w) for w in plan.withdrawals]
    events.sort(key=lambda event: (event[0], event[1]))
    records: dict[int, EvidenceRecord] = {}
    index_of = {id(d): i for i, d in enumerate(plan.deposits)}
    month = 1
    pending: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        """Deposit the buffered records in one batch (one ledger lock, one append)."""
        made = services.deposit_many([fields for _index, fields in pending])
        records.update(
            {index: record for (index, _fields), record in zip(pending, made, strict=True)}
        )
        pending.clear()

    with transaction.atomic():
        for at, _order, event in events:
            local_month = at.astimezone(BEIJING).month
            while month < local_month:  # the month is over: sign its checkpoint
                flush()
                ledger.sign_checkpoint(now=_month_end(YEAR, month))
                month += 1
            if isinstance(event, _Withdrawal):
                flush()
                record = records[event.target]
                actor = actors[record.service_point_id]
                if event.by_enterprise and enterprise_user is not None:
                    actor = enterprise_user
                services.withdraw(actor=actor, record=record, reason=event.reason, at=at)
                continue
            if event.corrects is not None and event.corrects not in records:
                flush()
            ent = event.enterprise
            pending.append(
                (
                    index_of[id(event)],
                    {
                        "actor": actors[ent.point.pk],
                        "depositor": ent.org,
                        "kind": event.kind,
                        "title": event.title,
                        "category": event.category,
                        "description": event.description,
                        "upload": _upload(event) if event.data else None,
                        "text": event.text,
                        "source_url": event.source_url,
                        "captured_at": event.captured_at,
                        "service_point": ent.point,
                        "corrects": records[event.corrects] if event.corrects is not None else None,
                        "deposited_at": at,
                    },
                )
            )
        flush()
        while month <= 12:
            ledger.sign_checkpoint(now=_month_end(YEAR, month))
            month += 1
        ledger.sign_checkpoint(now=_month_end(YEAR, 12))  # idempotent: covers everything
        ordered = [records[i] for i in range(len(plan.deposits))]
        _custody(random.Random(SEED + 1), ordered, actors, enterprise_user, demo_enterprise.org)
    counts = _counts()
    if stdout is not None:
        stdout.write(
            f"  demo evidence: {counts['records']} records of {counts['enterprises']} "
            f"enterprises via {counts['service_points']} service points, "
            f"{counts['checkpoints']} checkpoints"
        )
    return counts


def load(*, stdout=None) -> dict[str, int]:
    """The ``load_demo`` entry point (each app's ``demo.load``)."""
    return load_evidence_demo(stdout=stdout)
