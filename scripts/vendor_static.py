#!/usr/bin/env python3
"""Vendor pinned front-end assets from the npm registry into the repo.

The app must never load CSS/JS/fonts from a CDN at run time.  This script
fetches pinned package versions with ``npm pack`` (the only tool it shells out
to), copies the few files the app needs into ``zhangzhou_ip/static/vendor/``
and records their provenance in ``zhangzhou_ip/static/vendor/VENDORED.json``.

Usage::

    python3 scripts/vendor_static.py          # fetch + (re)write assets and manifest
    python3 scripts/vendor_static.py --check  # offline: verify files against manifest

Re-running without changing the pins is a no-op (files are only rewritten when
their bytes differ; the manifest contains no timestamps).  To upgrade a
package, change its ``version`` in ``PACKAGES`` below and re-run.

Source maps: a ``.map`` file is vendored only when it is at most
``MAX_MAP_BYTES``.  When it is larger it is skipped, and the trailing
``sourceMappingURL`` comment is removed from the asset, because Django's
ManifestStaticFilesStorage (used via WhiteNoise in production) rewrites those
references during ``collectstatic`` and fails if the referenced file is
missing.  Such files are flagged in the manifest (``modified`` plus the
pristine ``upstream_sha256``).

Standard library only (Python 3.11+).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "zhangzhou_ip" / "static" / "vendor"
MANIFEST_NAME = "VENDORED.json"
MANIFEST_PATH = VENDOR_DIR / MANIFEST_NAME
MANIFEST_FORMAT = 1

# Source maps larger than this are not vendored (see module docstring).
MAX_MAP_BYTES = 64 * 1024

# Licence/notice files copied next to each package's assets when present.
LICENSE_CANDIDATES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "NOTICE")


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    # (path inside the npm package, path relative to vendor/<name>/)
    files: tuple[tuple[str, str], ...]
    # Additional licence material beyond LICENSE_CANDIDATES (same tuple shape).
    extra_legal: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


# Pinned versions.  Policy: bootstrap latest 5.3.x, bootstrap-icons latest
# 1.x, htmx.org latest 2.x, echarts latest stable (5.x/6.x).  Check with
# e.g. `npm view htmx.org versions --json`.
PACKAGES: tuple[Package, ...] = (
    Package(
        "bootstrap",
        "5.3.9",
        files=(
            ("dist/css/bootstrap.min.css", "bootstrap.min.css"),
            ("dist/js/bootstrap.bundle.min.js", "bootstrap.bundle.min.js"),
        ),
    ),
    Package(
        "bootstrap-icons",
        "1.13.2",
        files=(
            # The CSS references url("fonts/bootstrap-icons.woff2?...") so
            # the fonts must stay in a fonts/ directory next to it.
            ("font/bootstrap-icons.min.css", "bootstrap-icons.min.css"),
            ("font/fonts/bootstrap-icons.woff2", "fonts/bootstrap-icons.woff2"),
            ("font/fonts/bootstrap-icons.woff", "fonts/bootstrap-icons.woff"),
        ),
    ),
    Package(
        "htmx.org",
        "2.0.11",
        files=(("dist/htmx.min.js", "htmx.min.js"),),
    ),
    Package(
        "echarts",
        "6.1.0",
        files=(("dist/echarts.min.js", "echarts.min.js"),),
        # Apache-2.0 package bundling d3-derived code; ship its licence too.
        extra_legal=(("licenses/LICENSE-d3", "licenses/LICENSE-d3"),),
    ),
)

_CSS_MAP_RE = re.compile(rb"\n?/\*# sourceMappingURL=([^\s*]+)\s*\*/\s*$")
_JS_MAP_RE = re.compile(rb"\n?//# sourceMappingURL=(\S+)\s*$")


class VendorError(RuntimeError):
    pass


# --------------------------------------------------------------------------
# helpers


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def safe_dest(relpath: str) -> Path:
    """Resolve a manifest path inside VENDOR_DIR, refusing escapes."""
    norm = posixpath.normpath(relpath)
    if norm.startswith(("/", "../")) or norm == ".." or "\\" in relpath:
        raise VendorError(f"unsafe path in manifest: {relpath!r}")
    return VENDOR_DIR.joinpath(*norm.split("/"))


def write_if_changed(path: Path, data: bytes) -> str:
    """Atomically write ``data``; return 'new', 'updated' or 'unchanged'."""
    if path.is_file():
        if path.read_bytes() == data:
            return "unchanged"
        state = "updated"
    else:
        state = "new"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return state


# --------------------------------------------------------------------------
# npm


def npm_pack(pkg: Package, workdir: Path, npm: str) -> tuple[dict, Path]:
    """Run ``npm pack <spec> --json`` in ``workdir``; return (info, tarball)."""
    cmd = [npm, "pack", pkg.spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)]
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise VendorError(f"cannot run {npm!r}: {exc}") from exc
    if proc.returncode != 0:
        raise VendorError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr.strip()}")
    try:
        info_list = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise VendorError(
            f"unexpected `npm pack --json` output for {pkg.spec}: {proc.stdout[:500]!r}"
        ) from exc
    if not isinstance(info_list, list) or len(info_list) != 1:
        raise VendorError(
            f"expected one package from `npm pack {pkg.spec}`, got {info_list!r:.300}"
        )
    info = info_list[0]
    if info.get("name") != pkg.name or info.get("version") != pkg.version:
        raise VendorError(
            f"npm pack returned {info.get('name')}@{info.get('version')}, expected {pkg.spec}"
        )
    tarball = workdir / info["filename"]
    if not tarball.is_file():
        raise VendorError(f"npm pack reported {tarball.name} but it is not in {workdir}")
    verify_tarball(tarball, info)
    return info, tarball


def verify_tarball(tarball: Path, info: dict) -> None:
    """Independently check the tarball against npm's integrity and shasum."""
    data = tarball.read_bytes()
    integrity = info.get("integrity", "")
    algo, _, b64 = integrity.partition("-")
    if algo not in ("sha512", "sha384", "sha256") or not b64:
        raise VendorError(f"{tarball.name}: unsupported integrity {integrity!r}")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != b64:
        raise VendorError(
            f"{tarball.name}: integrity mismatch (npm {integrity}, file {algo}-{got})"
        )
    shasum = info.get("shasum")
    if shasum and hashlib.sha1(data).hexdigest() != shasum:
        raise VendorError(f"{tarball.name}: shasum mismatch")


class Tarball:
    """Read-only access to regular files of an npm tarball (never extracted)."""

    def __init__(self, path: Path):
        self._tf = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed in __exit__
        self._members: dict[str, tarfile.TarInfo] = {}
        for m in self._tf.getmembers():
            if not m.isfile():
                continue
            # npm tarballs have one top-level dir (normally "package/").
            _, _, inner = m.name.lstrip("./").partition("/")
            if inner:
                self._members[posixpath.normpath(inner)] = m

    def __enter__(self) -> Tarball:
        return self

    def __exit__(self, *exc) -> None:
        self._tf.close()

    def has(self, path: str) -> bool:
        return posixpath.normpath(path) in self._members

    def size(self, path: str) -> int:
        return self._members[posixpath.normpath(path)].size

    def read(self, path: str) -> bytes:
        member = self._members.get(posixpath.normpath(path))
        if member is None:
            raise VendorError(f"file {path!r} not found in tarball")
        fh = self._tf.extractfile(member)
        assert fh is not None
        return fh.read()


# --------------------------------------------------------------------------
# vendoring


def license_of(meta: dict) -> str:
    lic = meta.get("license")
    if isinstance(lic, dict):  # legacy {"type": ..., "url": ...}
        lic = lic.get("type")
    if not lic and isinstance(meta.get("licenses"), list):
        lic = " OR ".join(str(x.get("type", x)) for x in meta["licenses"])
    return str(lic or "UNKNOWN")


def handle_source_map(src: str, data: bytes, tar: Tarball) -> tuple[bytes, str | None, str | None]:
    """Return (possibly modified data, map source path to vendor or None, note)."""
    regex = _CSS_MAP_RE if src.endswith(".css") else _JS_MAP_RE if src.endswith(".js") else None
    match = regex.search(data) if regex else None
    if not match:
        return data, None, None
    map_name = match.group(1).decode()
    if "://" in map_name or map_name.startswith(("/", "data:")):
        return data, None, None
    map_src = posixpath.normpath(posixpath.join(posixpath.dirname(src), map_name))
    if tar.has(map_src) and tar.size(map_src) <= MAX_MAP_BYTES:
        return data, map_src, None
    why = (
        f"{map_name} is {human(tar.size(map_src))} > {human(MAX_MAP_BYTES)}"
        if tar.has(map_src)
        else f"{map_name} not in package"
    )
    stripped = data[: match.start()] + b"\n"
    return stripped, None, f"removed trailing sourceMappingURL comment ({why}; map not vendored)"


def vendor_package(pkg: Package, info: dict, tarball: Path) -> list[dict]:
    entries: list[dict] = []
    with Tarball(tarball) as tar:
        meta = json.loads(tar.read("package.json"))
        if meta.get("version") != pkg.version:
            raise VendorError(f"{pkg.spec}: package.json says version {meta.get('version')}")
        licence = license_of(meta)
        common = {
            "package": pkg.name,
            "version": pkg.version,
            "license": licence,
            "npm_tarball": info["filename"],
            "npm_integrity": info["integrity"],
            "npm_shasum": info["shasum"],
        }

        def add(src: str, dest: str, kind: str, data: bytes | None = None, note: str | None = None):
            upstream = tar.read(src)
            out = upstream if data is None else data
            entry = {
                **common,
                "path": f"{pkg.name}/{dest}",
                "source": src,
                "kind": kind,
                "size": len(out),
                "sha256": sha256_bytes(out),
            }
            if out != upstream:
                entry["upstream_sha256"] = sha256_bytes(upstream)
                entry["modified"] = note or "modified"
            entries.append(entry)
            entry["_data"] = out

        for src, dest in pkg.files:
            raw = tar.read(src)
            data, map_src, note = handle_source_map(src, raw, tar)
            add(src, dest, "asset", data if data != raw else None, note)
            if map_src:
                add(
                    map_src,
                    posixpath.join(posixpath.dirname(dest), posixpath.basename(map_src)),
                    "sourcemap",
                )

        found_license = False
        for cand in LICENSE_CANDIDATES:
            if tar.has(cand):
                add(cand, cand, "license")
                found_license |= cand != "NOTICE"
        if not found_license:
            raise VendorError(f"{pkg.spec}: no LICENSE file in package")
        for src, dest in pkg.extra_legal:
            add(src, dest, "license")
    return entries


def load_manifest() -> dict | None:
    if not MANIFEST_PATH.is_file():
        return None
    with MANIFEST_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def render_manifest(entries: list[dict], packages: dict[str, dict]) -> bytes:
    manifest = {
        "format": MANIFEST_FORMAT,
        "generated_by": "scripts/vendor_static.py",
        "note": (
            "Front-end assets vendored from the npm registry; do not edit by hand. "
            "Regenerate with `python3 scripts/vendor_static.py`, "
            "verify with `python3 scripts/vendor_static.py --check`."
        ),
        "packages": packages,
        "files": sorted(
            ({k: v for k, v in e.items() if k != "_data"} for e in entries), key=lambda e: e["path"]
        ),
    }
    return (json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def cmd_vendor(npm: str) -> int:
    npm_path = shutil.which(npm)
    if not npm_path:
        print(f"error: {npm!r} not found on PATH", file=sys.stderr)
        return 2
    old = load_manifest()
    all_entries: list[dict] = []
    packages: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="vendor_static_") as tmp:
        for pkg in PACKAGES:
            print(f"npm pack {pkg.spec} ...", flush=True)
            info, tarball = npm_pack(pkg, Path(tmp), npm_path)
            entries = vendor_package(pkg, info, tarball)
            all_entries.extend(entries)
            packages[pkg.name] = {
                "version": pkg.version,
                "license": entries[0]["license"],
                "npm_tarball": info["filename"],
                "npm_integrity": info["integrity"],
                "npm_shasum": info["shasum"],
            }

    paths = [e["path"] for e in all_entries]
    dupes = {p for p in paths if paths.count(p) > 1}
    if dupes:
        raise VendorError(f"duplicate destination paths: {sorted(dupes)}")

    # Write everything (only bytes that changed), then drop files that an
    # earlier run vendored but the current pins no longer produce.
    states: dict[str, str] = {}
    for e in all_entries:
        states[e["path"]] = write_if_changed(safe_dest(e["path"]), e["_data"])
    removed = []
    for old_entry in (old or {}).get("files", []):
        p = old_entry.get("path")
        if p and p not in states:
            target = safe_dest(p)
            if target.is_file():
                target.unlink()
                removed.append(p)
            parent = target.parent
            while parent != VENDOR_DIR and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    manifest_state = write_if_changed(MANIFEST_PATH, render_manifest(all_entries, packages))

    print_summary(all_entries, states)
    for p in removed:
        print(f"  removed stale {p}")
    print(f"manifest {rel(MANIFEST_PATH)}: {manifest_state}")
    return 0


def print_summary(entries: list[dict], states: dict[str, str] | None = None) -> None:
    print()
    print(f"{'package':<16} {'version':<9} {'license':<11} {'bytes':>10}  file")
    total = 0
    for e in sorted(entries, key=lambda e: (e["package"], e["path"])):
        total += e["size"]
        flag = ""
        if states is not None:
            flag = f"  [{states[e['path']]}]"
        if e.get("modified"):
            flag += "  (modified: see manifest)"
        print(
            f"{e['package']:<16} {e['version']:<9} {e['license']:<11} {e['size']:>10}  "
            f"vendor/{e['path']}{flag}"
        )
    pkgs = sorted({(e["package"], e["version"]) for e in entries})
    print(
        f"\n{len(entries)} files from {len(pkgs)} packages "
        f"({', '.join(f'{n}@{v}' for n, v in pkgs)}); total {total} bytes ({human(total)})"
    )


def cmd_check() -> int:
    """Offline verification of vendor/ against VENDORED.json."""
    try:
        manifest = load_manifest()
    except (OSError, json.JSONDecodeError) as exc:
        print(f"FAIL: cannot read {rel(MANIFEST_PATH)}: {exc}", file=sys.stderr)
        return 1
    if manifest is None:
        print(
            f"FAIL: {rel(MANIFEST_PATH)} does not exist; run scripts/vendor_static.py",
            file=sys.stderr,
        )
        return 1
    problems: list[str] = []
    entries = manifest.get("files", [])
    if not entries:
        problems.append("manifest lists no files")
    listed: set[Path] = set()
    for e in entries:
        try:
            path = safe_dest(e["path"])
        except (KeyError, VendorError) as exc:
            problems.append(f"bad manifest entry {e!r:.200}: {exc}")
            continue
        listed.add(path)
        if not path.is_file():
            problems.append(f"missing: vendor/{e['path']}")
            continue
        digest = sha256_file(path)
        if digest != e.get("sha256"):
            problems.append(
                f"sha256 mismatch: vendor/{e['path']} (manifest {e.get('sha256')}, disk {digest})"
            )
        elif path.stat().st_size != e.get("size", path.stat().st_size):
            problems.append(f"size mismatch: vendor/{e['path']}")
    # Pins in this script must agree with what was vendored.
    recorded = {n: p.get("version") for n, p in manifest.get("packages", {}).items()}
    pinned = {p.name: p.version for p in PACKAGES}
    if recorded != pinned:
        problems.append(
            f"manifest packages {recorded} differ from pins in script {pinned}; "
            "re-run without --check"
        )
    # Everything under vendor/ must be accounted for.
    if VENDOR_DIR.is_dir():
        for path in sorted(VENDOR_DIR.rglob("*")):
            if path.is_file() and path != MANIFEST_PATH and path not in listed:
                problems.append(f"untracked file: {rel(path)}")

    if problems:
        for p in problems:
            print(f"FAIL: {p}", file=sys.stderr)
        print(f"\n--check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print_summary(entries)
    print(f"OK: {len(entries)} files match {rel(MANIFEST_PATH)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify files on disk against VENDORED.json (no network); exit 1 on mismatch",
    )
    parser.add_argument("--npm", default="npm", help="npm executable (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        return cmd_check() if args.check else cmd_vendor(args.npm)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
