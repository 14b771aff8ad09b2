#!/usr/bin/env python3
"""Fetch, verify and subset the CJK font embedded in generated PDFs.

The PDF helper (``zhangzhou_ip/core/pdf.py``) embeds a TrueType-outline
Simplified-Chinese font so that documents render in any viewer (reportlab's
built-in ``STSong-Light`` CID font is *not* embedded; see shared STACK.md G8).
This script produces the one vendored file, ``zhangzhou_ip/core/fonts/
NotoSerifSC-Regular-subset.ttf``, plus ``LICENSE`` (SIL OFL 1.1) and
``FONT_SOURCE.md`` next to it.

Source: the npm package ``@expo-google-fonts/noto-serif-sc`` (a plain copy of
the Google Fonts static instances of Noto Serif SC, which -- unlike the
Adobe/Noto CJK OTF/OTC releases -- have TrueType ``glyf`` outlines that
reportlab's ``TTFont`` can load).  The tarball is fetched with ``npm pack`` and
checked against a pinned npm integrity hash; the TTF inside is checked against
a pinned SHA-256.

Subset: Basic Latin, Latin-1, Latin Extended-A and the pinyin vowels, general
punctuation, common symbol blocks, CJK symbols and punctuation, enclosed CJK
(㈠…), full-width forms, every GB 2312 code point, the project's extra
characters (``EXTRA_CHARS``) and any character of ``alliance/data/*.csv`` that
is not yet covered.  Hinting, OpenType layout tables and vertical metrics are
dropped (reportlab uses none of them).  The output is deterministic for a given
fontTools version (the upstream ``head.modified`` timestamp is kept).

Usage (fontTools goes into a throw-away venv, never into the project)::

    python3 -m venv /tmp/fontvenv
    /tmp/fontvenv/bin/pip install fonttools==4.68.0
    /tmp/fontvenv/bin/python scripts/vendor_font.py            # fetch + subset + write
    /tmp/fontvenv/bin/python scripts/vendor_font.py --tarball DOWNLOADED.tgz  # offline
    python3 scripts/vendor_font.py --check                     # stdlib only: verify SHA-256
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = REPO_ROOT / "zhangzhou_ip" / "core" / "fonts"
OUT_NAME = "NotoSerifSC-Regular-subset.ttf"
OUT_PATH = FONT_DIR / OUT_NAME
LICENSE_PATH = FONT_DIR / "LICENSE"
SOURCE_MD_PATH = FONT_DIR / "FONT_SOURCE.md"
CSV_GLOB = "alliance/data/*.csv"

# --- pinned upstream ------------------------------------------------------
NPM_PACKAGE = "@expo-google-fonts/noto-serif-sc"
NPM_VERSION = "0.4.3"
NPM_INTEGRITY = (
    "sha512-"
    "fSmUpiSFtSeyHV45/2xUOy5SdfExklQwwMKN3cQjAZAujITHDmSbpMHCVdCMhRqMjQtu0ZRgc29u8A+CU3akfw=="
)
SOURCE_MEMBER = "package/400Regular/NotoSerifSC_400Regular.ttf"
SOURCE_SHA256 = "c358a69de3df5f423a8946a7b03e3126fb6ba116f1130a463455b4e39e1f0742"
LICENSE_MEMBER = "package/LICENSE_FONT"
LICENSE_SHA256 = "5e0da210fb04058a8c0087985d2d456b931c2579811a49655721d3cf0c36b6d6"
FONTTOOLS_VERSION = "4.68.0"  # the version the committed file was made with

# --- what to keep -----------------------------------------------------------
# (first, last) inclusive code point ranges; code points the font lacks are ignored.
RANGES: list[tuple[int, int, str]] = [
    (0x0020, 0x007E, "Basic Latin"),
    (0x00A0, 0x00FF, "Latin-1 Supplement"),
    (0x0100, 0x017F, "Latin Extended-A (pinyin ā ē ī ō ū …)"),
    (0x01CD, 0x01DC, "Latin Extended-B pinyin (ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ)"),
    (0x2000, 0x206F, "General Punctuation"),
    (0x2100, 0x214F, "Letterlike Symbols (℃ № ™)"),
    (0x2150, 0x218F, "Number Forms (Ⅰ Ⅱ Ⅲ)"),
    (0x2190, 0x21FF, "Arrows"),
    (0x2200, 0x22FF, "Mathematical Operators"),
    (0x2460, 0x24FF, "Enclosed Alphanumerics (① ⑴ ⒈)"),
    (0x2500, 0x257F, "Box Drawing"),
    (0x25A0, 0x25FF, "Geometric Shapes (□ ■ ○ ● ▼)"),
    (0x2600, 0x26FF, "Miscellaneous Symbols (★ ☆ ☎; the font has no ☐ ☑: use □ ■)"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0x3200, 0x32FF, "Enclosed CJK Letters and Months (㈠ ㈡)"),
    (0xFE30, 0xFE4F, "CJK Compatibility Forms"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
]

# Punctuation named in the design brief (all but a few are also in GB 2312),
# 琯 (琯溪蜜柚, a geographical indication), characters found in the project's
# source (⇔ − ▼), and given-name characters outside GB 2312 that turn up on
# Chinese ID cards and business licences often enough to be worth ~100 KB.
EXTRA_CHARS = (
    "〔〕（）【】《》〈〉「」『』·—–‘’“”…‥〇、。￥"
    "琯⇔−▼"
    "堃喆昇珺玥瑄琤赟燊昳彧祎翀曌垚淏璟焜旻暐炘姮珅瑢瑀璠玙钖镠溦沄浛湉禛頔鋆犇晞镕"
    "玮琇琬瑗璘璞珣珥珮瑭瑱瑨瑧璿昉昀晅晗晟暄暻煊熤炤烜焓焯钤铧铠锜镒"
    "婕婳娉姝妤嫚嬿嫱沇泓洺涴淯渼溁滢澂濡浐湲祐禚裕彤彦峣嵘崑屾岚"
)


def gb2312_chars() -> list[str]:
    """Every character of GB 2312 (rows 0xA1–0xF7, cells 0xA1–0xFE), in code order."""
    out: list[str] = []
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                out.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def csv_chars() -> set[str]:
    """All non-ASCII characters of the project's seed CSVs (names of courts, regions, GIs …)."""
    chars: set[str] = set()
    for path in sorted(REPO_ROOT.glob(CSV_GLOB)):
        chars |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F}
    return chars


def wanted_codepoints() -> tuple[set[int], dict[str, int]]:
    """The code points to keep, and a per-source count for FONT_SOURCE.md."""
    stats: dict[str, int] = {}
    cps: set[int] = set()
    for first, last, _label in RANGES:
        cps.update(range(first, last + 1))
    gb = gb2312_chars()
    stats["gb2312"] = len(gb)
    stats["gb2312_hanzi"] = sum(1 for c in gb if 0x4E00 <= ord(c) <= 0x9FFF)
    cps.update(ord(c) for c in gb)
    cps.update(ord(c) for c in EXTRA_CHARS)
    from_csv = sorted(c for c in csv_chars() if ord(c) not in cps)
    stats["csv_extra"] = len(from_csv)
    if from_csv:
        print(f"characters from {CSV_GLOB} not otherwise included: {''.join(from_csv)}")
    cps.update(ord(c) for c in from_csv)
    return cps, stats


# --- fetching -----------------------------------------------------------------
class VendorError(RuntimeError):
    """Anything that makes the vendored font untrustworthy."""


def check_integrity(tarball: Path) -> None:
    """Compare the tarball with the pinned npm ``sha512-…`` integrity."""
    algo, _, b64 = NPM_INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if got != b64:
        raise VendorError(
            f"{tarball}: integrity mismatch (pinned {NPM_INTEGRITY}, got {algo}-{got})"
        )


def npm_pack(workdir: Path) -> Path:
    """``npm pack`` the pinned package into ``workdir`` (no install scripts run)."""
    npm = shutil.which("npm")
    if not npm:
        raise VendorError("npm not found on PATH (or pass --tarball)")
    spec = f"{NPM_PACKAGE}@{NPM_VERSION}"
    cmd = [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)]
    print(f"npm pack {spec} ...", flush=True)
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise VendorError(f"npm pack failed: {proc.stderr.strip()[-800:]}")
    info = json.loads(proc.stdout)[0]
    return workdir / info["filename"]


def read_member(tarball: Path, member: str, sha256: str) -> bytes:
    """Read one file of the tarball and check it against its pinned SHA-256."""
    with tarfile.open(tarball, "r:gz") as tf:
        fh = tf.extractfile(member)
        if fh is None:
            raise VendorError(f"{member} is not a regular file in {tarball.name}")
        data = fh.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise VendorError(f"{member}: sha256 {got}, pinned {sha256}")
    return data


# --- subsetting ---------------------------------------------------------------
def subset(source: bytes, codepoints: set[int]) -> tuple[bytes, dict[str, object]]:
    """Subset ``source`` to ``codepoints`` with fontTools; return the TTF and facts about it."""
    import fontTools
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    if fontTools.version != FONTTOOLS_VERSION:
        print(
            f"warning: fontTools {fontTools.version}, the committed file was made with "
            f"{FONTTOOLS_VERSION}; the output may differ byte-wise",
            file=sys.stderr,
        )
    font = TTFont(io.BytesIO(source), recalcTimestamp=False, recalcBBoxes=True)
    if "glyf" not in font:
        raise VendorError("source font has no glyf table (CFF outlines: reportlab cannot load it)")
    fs_type = font["OS/2"].fsType
    if fs_type & 0x0302:  # restricted licence, no subsetting, or bitmap embedding only
        raise VendorError(f"font licensing forbids subset embedding (fsType={fs_type:#x})")
    available = set(font.getBestCmap())
    missing_extra = sorted(c for c in EXTRA_CHARS + "".join(csv_chars()) if ord(c) not in available)
    if missing_extra:
        print(f"warning: upstream font lacks {''.join(missing_extra)}", file=sys.stderr)

    options = ftsubset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx", "VORG", "gasp"]
    options.name_IDs = ["*"]  # keep copyright, licence (13) and licence URL (14)
    options.name_languages = ["*"]
    options.notdef_outline = True  # a missing character shows as a box, not as nothing
    options.glyph_names = False
    options.recalc_timestamp = False
    subsetter = ftsubset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(codepoints & available))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = buf.getvalue()

    check = TTFont(io.BytesIO(data))
    cmap = check.getBestCmap()
    cjk = sum(1 for cp in cmap if 0x4E00 <= cp <= 0x9FFF)
    names = {n.nameID: n.toUnicode() for n in check["name"].names if n.platformID == 3}
    facts: dict[str, object] = {
        "glyphs": check["maxp"].numGlyphs,
        "codepoints": len(cmap),
        "cjk_unified": cjk,
        "tables": " ".join(sorted(t for t in check.keys() if t != "GlyphOrder")),  # noqa: SIM118
        "ps_name": names.get(6, ""),
        "version": names.get(5, ""),
        "copyright": names.get(0, ""),
        "fsType": check["OS/2"].fsType,
    }
    return data, facts


# --- FONT_SOURCE.md -------------------------------------------------------------
def render_source_md(
    sha256: str, size: int, facts: dict[str, object], stats: dict[str, int]
) -> str:
    """The provenance note written next to the font (no timestamps: re-runs are no-ops)."""
    ranges = "\n".join(f"| U+{a:04X}–U+{b:04X} | {label} |" for a, b, label in RANGES)
    rows = [
        ("File", f"`{OUT_NAME}`"),
        ("SHA-256", f"`{sha256}`"),
        ("Size", f"{size:,} bytes"),
        ("Font", f"Noto Serif SC Regular (思源宋体), `{facts['ps_name']}`, {facts['version']}"),
        ("Copyright", str(facts["copyright"])),
        (
            "Licence",
            "SIL Open Font License 1.1 (`LICENSE` here, from the npm package); no Reserved Font "
            f"Name; OS/2 fsType {facts['fsType']} (installable embedding)",
        ),
        (
            "Upstream",
            "Noto Serif SC, Google Fonts build (static TrueType instance, family metadata "
            "version v35) of the Noto CJK project, <https://github.com/notofonts/noto-cjk>",
        ),
        ("Obtained from", f"npm `{NPM_PACKAGE}@{NPM_VERSION}`, member `{SOURCE_MEMBER}`"),
        ("npm integrity", f"`{NPM_INTEGRITY}`"),
        ("Upstream TTF SHA-256", f"`{SOURCE_SHA256}`"),
        (
            "Outlines",
            "TrueType (`glyf`); hinting, OpenType layout (GSUB/GPOS/GDEF/BASE/STAT), "
            "vertical metrics and `gasp` dropped",
        ),
        ("Subsetter", f"fontTools {FONTTOOLS_VERSION}"),
        (
            "Result",
            f"{facts['glyphs']} glyphs, {facts['codepoints']} code points, "
            f"{facts['cjk_unified']} CJK unified ideographs",
        ),
        ("Tables", str(facts["tables"])),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f"""# Vendored CJK font

Generated by `scripts/vendor_font.py`; do not edit by hand (re-run the script).

| | |
| --- | --- |
{table}

## Why this font

reportlab's `TTFont` only loads TrueType-outline fonts; the usual Noto/Source Han CJK
releases (OTF/OTC) have CFF outlines. The Google Fonts build of Noto Serif SC has `glyf`
outlines, is OFL 1.1 and is a song (宋体/serif) face, which suits court and mediation
documents. (GB/T 9704's 仿宋_GB2312 and 小标宋 are commercial fonts.)

## Subset

All code points of these ranges that the font has:

| Range | Block |
| --- | --- |
{ranges}

plus all {stats["gb2312"]} GB 2312 characters ({stats["gb2312_hanzi"]} hanzi), decoded with Python's
`gb2312` codec, plus `EXTRA_CHARS` in the script:

```
{EXTRA_CHARS}
```

plus every character of `{CSV_GLOB}` not covered above ({stats["csv_extra"]} at the last run).
Characters outside the subset render as the `.notdef` box;
`zhangzhou_ip.core.pdf.unsupported_chars()` tells which characters of a text the font lacks.

## Regenerate

```sh
python3 -m venv /tmp/fontvenv
/tmp/fontvenv/bin/pip install fonttools=={FONTTOOLS_VERSION}
/tmp/fontvenv/bin/python scripts/vendor_font.py      # needs npm (or --tarball FILE.tgz)
python3 scripts/vendor_font.py --check               # stdlib only: file matches the SHA-256 above
```

To add characters, extend `EXTRA_CHARS` or `RANGES` in the script and re-run; commit the new TTF and
this file together.
"""


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly it; return whether it changed."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def cmd_vendor(tarball_arg: str | None) -> int:
    """Fetch (or take ``--tarball``), verify, subset, write the font, LICENSE and FONT_SOURCE.md."""
    codepoints, stats = wanted_codepoints()
    with tempfile.TemporaryDirectory(prefix="vendor-font-") as tmp:
        tarball = Path(tarball_arg) if tarball_arg else npm_pack(Path(tmp))
        check_integrity(tarball)
        source = read_member(tarball, SOURCE_MEMBER, SOURCE_SHA256)
        licence = read_member(tarball, LICENSE_MEMBER, LICENSE_SHA256)
    data, facts = subset(source, codepoints)
    sha = hashlib.sha256(data).hexdigest()
    md = render_source_md(sha, len(data), facts, stats)
    for path, content in (
        (OUT_PATH, data),
        (LICENSE_PATH, licence),
        (SOURCE_MD_PATH, md.encode("utf-8")),
    ):
        state = "written" if write_if_changed(path, content) else "unchanged"
        print(f"{path.relative_to(REPO_ROOT)}: {state}")
    print(f"{OUT_NAME}: {len(data):,} bytes, sha256 {sha}, {facts['glyphs']} glyphs")
    return 0


def cmd_check() -> int:
    """Offline, stdlib-only: the vendored TTF matches the SHA-256 in FONT_SOURCE.md."""
    if not OUT_PATH.exists() or not SOURCE_MD_PATH.exists() or not LICENSE_PATH.exists():
        print(f"missing: {OUT_PATH.name}, {SOURCE_MD_PATH.name} or {LICENSE_PATH.name}")
        return 1
    m = re.search(r"\| SHA-256 \| `([0-9a-f]{64})` \|", SOURCE_MD_PATH.read_text(encoding="utf-8"))
    if not m:
        print(f"{SOURCE_MD_PATH.name}: no SHA-256 line")
        return 1
    got = hashlib.sha256(OUT_PATH.read_bytes()).hexdigest()
    if got != m.group(1):
        print(f"{OUT_NAME}: sha256 {got} != recorded {m.group(1)}")
        return 1
    print(f"{OUT_NAME}: OK ({got})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the vendored file (offline)")
    parser.add_argument("--tarball", help="use this already-downloaded npm tarball")
    args = parser.parse_args(argv)
    try:
        return cmd_check() if args.check else cmd_vendor(args.tarball)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
