#!/usr/bin/env python3
"""Compare the emulator with real Google, using gspread's public cassettes as the reference.

gspread (burnash/gspread, MIT) records its test suite's real Google traffic in
``tests/cassettes/*.json`` (vcrpy format: every request and response body). This tool needs a
checkout of gspread (a plain directory with ``tests/cassettes`` and ``gspread/``); it is never
copied into this repository. Give its path with ``--gspread PATH`` or ``GSPREAD_CHECKOUT=PATH``.

Two commands:

``replay``  replays every recorded request, in order, against a fresh emulator per cassette and
            compares each response with Google's, value for value. Ids Google chose (file,
            sheet, named/protected range, permission ids) are mapped to the emulator's as they
            first appear; timestamps, tokens and export bytes are ignored. Prints the share of
            responses equal to Google's and a summary of every difference.
``suite``   runs gspread's own test suite (its cassette-backed API tests) against the emulator:
            the suite's ``client`` fixture is given an HTTP session routed to an in-process
            emulator instead of vcrpy's recordings. Extra arguments go to pytest.

    python scripts/cassettes.py replay --gspread ~/src/gspread [-v] [-k group_rows]
    python scripts/cassettes.py suite  --gspread ~/src/gspread [-- -x -k test_group_rows]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER = "gspread-tester@example.com"
OTHER = "someone-else@example.com"
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
# Keys whose values Google chose (ids): mapped from recorded to emulated on first sight.
ID_KEYS = {"id", "spreadsheetId", "sheetId", "namedRangeId", "protectedRangeId", "permissionId", "metadataId",
           "fileId"}
# Values that differ by nature (time, tokens, links that embed ids or hosts, export bytes).
VOLATILE_KEYS = {"createdTime", "modifiedTime", "nextPageToken", "etag", "version", "thumbnailLink",
                 "iconLink", "webViewLink", "lastModifyingUser", "modifiedByMeTime", "viewedByMeTime"}


# --- locating the checkout ------------------------------------------------------------------
def checkout(path: str | None) -> Path:
    p = path or os.environ.get("GSPREAD_CHECKOUT")
    if not p:
        sys.exit("cassettes: give the path of a gspread checkout with --gspread PATH or GSPREAD_CHECKOUT=PATH "
                 "(git clone https://github.com/burnash/gspread).")
    root = Path(p).expanduser()
    if not (root / "tests" / "cassettes").is_dir():
        sys.exit(f"cassettes: {root} has no tests/cassettes; point --gspread at the root of a gspread checkout.")
    return root


# --- replay ---------------------------------------------------------------------------------
class IdMap:
    """Recorded id -> emulated id, learnt from responses, applied to later requests."""

    def __init__(self) -> None:
        self.strs: dict[str, str] = {}
        self.ints: dict[int, int] = {}

    def learn(self, rec: Any, emu: Any, key: str | None = None) -> None:
        if isinstance(rec, dict) and isinstance(emu, dict):
            for k, v in rec.items():
                if k in emu and k != "files":  # listings: ids are known from creation; order may differ
                    self.learn(v, emu[k], k)
        elif isinstance(rec, list) and isinstance(emu, list):
            for a, b in zip(rec, emu, strict=False):
                self.learn(a, b, key)
        elif key in ID_KEYS and rec != emu and type(rec) is type(emu) and not isinstance(rec, bool):
            if isinstance(rec, int):
                self.ints.setdefault(rec, emu)
            elif isinstance(rec, str) and len(rec) >= 8 and rec not in self.strs:
                self.strs[rec] = emu

    def text(self, s: str) -> str:
        for a in sorted(self.strs, key=len, reverse=True):
            if a in s:
                s = s.replace(a, self.strs[a])
        return s

    def body(self, data: Any, key: str | None = None) -> Any:
        if isinstance(data, dict):
            return {k: self.body(v, k) for k, v in data.items()}
        if isinstance(data, list):
            return [self.body(v, key) for v in data]
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, int) and not isinstance(data, bool) and key in ("sheetId", "protectedRangeId"):
            return self.ints.get(data, data)
        return data

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        path = quote(self.text(_unquote(parts.path)), safe="/:!$'(),;=@~")
        path = re.sub(r"/sheets/(\d+):copyTo", lambda m: f"/sheets/{self.ints.get(int(m.group(1)), m.group(1))}:copyTo",
                      path)
        query = urlencode([(k, self.text(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)])
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _unquote(s: str) -> str:
    from urllib.parse import unquote

    return unquote(s)


def _decode(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def _json(raw: bytes | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _Raw(raw)


class _Raw:
    """A body that is not JSON (CSV, xlsx, PDF)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Raw):
            return False
        if self.text() is not None and other.text() is not None:
            return self.text() == other.text()  # CSV / TSV exports: byte for byte
        return True  # xlsx / PDF bytes hold timestamps and ids: compared by kind only

    def text(self) -> str | None:
        try:
            s = self.raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return s if "\x00" not in s and not s.startswith("PK") and not s.startswith("%PDF") else None

    def __repr__(self) -> str:
        return f"<{len(self.raw)} bytes>"


def diff(rec: Any, emu: Any, path: str, out: list[tuple[str, str, Any, Any]]) -> None:
    """Differences as (path, kind, google, emulator); kind is missing | extra | value | type."""
    if isinstance(rec, dict) and isinstance(emu, dict):
        for k in rec.keys() | emu.keys():
            if k in VOLATILE_KEYS:
                continue
            p = f"{path}.{k}" if path else k
            if k not in emu:
                out.append((p, "missing", rec[k], None))
            elif k not in rec:
                out.append((p, "extra", None, emu[k]))
            else:
                diff(rec[k], emu[k], p, out)
    elif isinstance(rec, list) and isinstance(emu, list):
        if len(rec) != len(emu):
            out.append((path + "[]", "length", len(rec), len(emu)))
        for a, b in zip(rec, emu, strict=False):
            diff(a, b, path + "[]", out)
    elif isinstance(rec, float | int) and isinstance(emu, float | int) and not isinstance(rec, bool) \
            and not isinstance(emu, bool):
        if abs(rec - emu) > 1e-9 * max(1.0, abs(rec)):
            out.append((path, "value", rec, emu))
    elif rec != emu:
        out.append((path, "value" if type(rec) is type(emu) else "type", rec, emu))


def _unordered_listing(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.path.endswith("/drive/v3/files") and "orderBy" not in dict(parse_qsl(parts.query))


def _recording_account(data: dict[str, Any]) -> str | None:
    """The e-mail of the account that recorded (a service account in gspread's cassettes)."""
    m = re.search(r"[\w.+-]+@[\w-]+\.iam\.gserviceaccount\.com", json.dumps(data))
    return m.group(0) if m else None


def _replace_str(data: Any, old: str, new: str) -> Any:
    if isinstance(data, dict):
        return {k: _replace_str(v, old, new) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_str(v, old, new) for v in data]
    if isinstance(data, str) and old in data:
        return data.replace(old, new)
    return data


def endpoint(method: str, url: str) -> str:
    """A request's kind for the summary: method and path with ids replaced."""
    path = urlsplit(url).path
    path = re.sub(r"/spreadsheets/[^/:]+", "/spreadsheets/{id}", path)
    path = re.sub(r"/files/[^/]+", "/files/{id}", path)
    path = re.sub(r"/values/[^:]+", "/values/{range}", path)
    path = re.sub(r"/sheets/\d+", "/sheets/{sheetId}", path)
    path = re.sub(r"/permissions/[^/]+", "/permissions/{pid}", path)
    return f"{method} {path}"


def batch_kinds(body: bytes | None) -> str:
    try:
        reqs = json.loads(body or b"{}").get("requests", [])
        return ",".join(sorted({next(iter(r)) for r in reqs if r}))
    except (ValueError, AttributeError):
        return ""


def seed_file(emu: Any, file_id: str, owner: str = OTHER, name: str = "private") -> None:
    """A spreadsheet that existed on Google before the recording (someone else's, or the account's own)."""
    res = emu.dispatch("POST", "https://www.googleapis.com/drive/v3/files", {"Authorization": f"Bearer {owner}"},
                       json.dumps({"name": name, "mimeType": "application/vnd.google-apps.spreadsheet"}))
    new = json.loads(res.body)["id"]
    f = emu.files.pop(new)
    f.id = file_id
    if f.spreadsheet is not None:
        f.spreadsheet.spreadsheet_id = file_id
    emu.files[file_id] = f


def replay_cassette(path: Path) -> list[dict[str, Any]]:
    from gsheets_emulator import Emulator

    data = json.loads(path.read_text())
    emu = Emulator()
    ids = IdMap()
    created: set[str] = set()
    results = []
    recorder = _recording_account(data)
    seeded: set[str] = set()
    for i, inter in enumerate(data.get("interactions", [])):
        rq, rs = inter["request"], inter["response"]
        url = ids.url(rq["uri"])
        if not url.startswith(("https://sheets.googleapis.com/", "https://www.googleapis.com/")):
            continue
        body = _decode(rq.get("body"))
        rec_body = _json(_decode(rs.get("body")))
        send: bytes | None = body
        if body:
            try:
                send = json.dumps(ids.body(json.loads(body))).encode()
            except ValueError:
                send = ids.text(body.decode("utf-8", "replace")).encode()
        headers = {"Authorization": f"Bearer {USER}"}
        for k, v in rq.get("headers", {}).items():
            if k.lower() == "content-type":
                headers["Content-Type"] = v[0] if isinstance(v, list) else v
        # a file the account never created here but Google answered about: it exists, owned by someone else
        m = re.search(r"/(?:spreadsheets|files)/([A-Za-z0-9_-]{25,})", urlsplit(rq["uri"]).path)
        if m and m.group(1) not in ids.strs and m.group(1) not in created and rs["status"]["code"] in (403,):
            seed_file(emu, m.group(1))
            created.add(m.group(1))
        if _unordered_listing(rq["uri"]) and isinstance(rec_body, dict) and rs["status"]["code"] == 200:
            # the account's other files, made or removed outside this recording, are there as Google listed them
            listed = {f["id"]: f for f in rec_body.get("files", []) if f.get("id")}
            for fid, f in listed.items():
                if fid not in ids.strs and fid not in emu.files and f.get("mimeType", SPREADSHEET) == SPREADSHEET:
                    seed_file(emu, fid, USER, f.get("name", "Untitled spreadsheet"))
                    created.add(fid)
                    seeded.add(fid)
            for fid in list(seeded):
                if fid not in listed and "pageToken" not in rq["uri"]:
                    emu.files.pop(fid, None)
                    seeded.discard(fid)
        try:
            res = emu.dispatch(rq["method"], url, headers, send)
            status, got = res.status, _json(res.body)
        except Exception as e:  # noqa: BLE001 - a lost response or a crash is itself a difference
            status, got = 0, {"exception": repr(e)}
        ids.learn(rec_body, got)
        rec_norm = ids.body(rec_body) if not isinstance(rec_body, _Raw) else rec_body
        if recorder and not isinstance(rec_norm, _Raw):
            rec_norm = _replace_str(rec_norm, recorder, USER)
        if _unordered_listing(rq["uri"]) and isinstance(rec_norm, dict) and isinstance(got, dict):
            # Drive documents no default order for files.list without orderBy: compare as sets
            for b in (rec_norm, got):
                if isinstance(b.get("files"), list):
                    b["files"] = sorted(b["files"], key=lambda f: str(f.get("id")))
        diffs: list[tuple[str, str, Any, Any]] = []
        if status != rs["status"]["code"]:
            diffs.append(("<status>", "value", rs["status"]["code"], status))
        diff(rec_norm, got, "", diffs)
        results.append({"cassette": path.stem, "index": i, "endpoint": endpoint(rq["method"], rq["uri"]),
                        "batch": batch_kinds(body) if ":batchUpdate" in rq["uri"] else "",
                        "diffs": diffs})
    return results


def cmd_replay(args: argparse.Namespace) -> int:
    root = checkout(args.gspread)
    files = sorted((root / "tests" / "cassettes").glob("*.json"))
    if args.k:
        files = [f for f in files if re.search(args.k, f.stem)]
    results: list[dict[str, Any]] = []
    for f in files:
        results.extend(replay_cassette(f))
    equal = sum(1 for r in results if not r["diffs"])
    total = len(results)
    summary: Counter[tuple[str, str, str]] = Counter()
    example: dict[tuple[str, str, str], tuple[str, Any, Any]] = {}
    for r in results:
        for p, kind, g, e in r["diffs"]:
            key = (r["endpoint"] + (f" [{r['batch']}]" if r["batch"] else ""), p, kind)
            summary[key] += 1
            example.setdefault(key, (f"{r['cassette']}#{r['index']}", g, e))
    if args.json:
        json.dump({"responses": total, "equal": equal, "cassettes": len(files),
                   "differences": [{"endpoint": k[0], "path": k[1], "kind": k[2], "count": n,
                                    "example": example[k][0]} for k, n in summary.most_common()]},
                  sys.stdout, indent=1, default=repr)
        print()
        return 0
    print(f"{len(files)} cassettes, {total} responses: {equal} equal to Google's "
          f"({100.0 * equal / max(total, 1):.1f}%)")
    if summary:
        print("\ndifferences (count, request, path, kind: google vs emulator, first seen):")
        for key, n in summary.most_common(None if args.verbose else 60):
            where, g, e = example[key]
            print(f"{n:4d}  {key[0]}  {key[1]}  {key[2]}: {_short(g)} vs {_short(e)}  ({where})")
    if args.verbose:
        print("\nresponses that differ:")
        for r in results:
            if r["diffs"]:
                print(f"  {r['cassette']}#{r['index']} {r['endpoint']} {r['batch']}: {len(r['diffs'])} difference(s)")
    return 0


def _short(v: Any, n: int = 90) -> str:
    s = json.dumps(v, default=repr, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[: n - 3] + "..."


# --- gspread's own suite --------------------------------------------------------------------
SUITE_CONFTEST = '''
# Added by sheetsync's scripts/cassettes.py: route the suite's client to an in-process emulator.
import json as _json
import sys as _sys
import types as _types

if "vcr" not in _sys.modules:
    try:
        import vcr as _vcr  # noqa: F401
    except ImportError:  # the suite only needs the names; the emulator replaces the recordings
        _v = _types.ModuleType("vcr")
        class _VCR:
            @staticmethod
            def ensure_suffix(s):
                return s
        _v.VCR = _VCR
        _e = _types.ModuleType("vcr.errors")
        class CannotOverwriteExistingCassetteException(Exception):
            pass
        _e.CannotOverwriteExistingCassetteException = CannotOverwriteExistingCassetteException
        _v.errors = _e
        _sys.modules["vcr"] = _v
        _sys.modules["vcr.errors"] = _e
'''

SUITE_FIXTURE = '''

# --- sheetsync emulator -------------------------------------------------------------------------
from gsheets_emulator import Emulator as _Emulator
from gsheets_emulator.adapter import EmulatorAdapter as _Adapter, PREFIXES as _PREFIXES

_EMU = _Emulator()
_USER = "gspread-tester@example.com"


def _seed_private():
    """ClientTest.test_access_private_spreadsheet opens a file that exists and is someone else's."""
    res = _EMU.dispatch("POST", "https://www.googleapis.com/drive/v3/files",
                        {"Authorization": "Bearer someone-else@example.com"},
                        _json.dumps({"name": "private", "mimeType": "application/vnd.google-apps.spreadsheet"}))
    f = _EMU.files.pop(_json.loads(res.body)["id"])
    f.id = f.spreadsheet.spreadsheet_id = "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"
    _EMU.files[f.id] = f


_seed_private()


class _EmulatedHTTPClient(VCRHTTPClient):
    def __init__(self, auth, session=None):
        super().__init__(auth, session)
        self.session.headers["Authorization"] = "Bearer " + _USER
        _orig = self.session.request
        adapter = _Adapter(_EMU)
        for p in _PREFIXES:
            self.session.mount(p, adapter)

        def _request(*a, **kw):  # google-auth's AuthorizedSession would refresh the dummy token
            kw.setdefault("headers", {})
            kw["headers"] = dict(kw["headers"] or {}, Authorization="Bearer " + _USER)
            return __import__("requests").Session.request(self.session, *a, **kw)
        self.session.request = _request


VCRHTTPClient = _EmulatedHTTPClient  # noqa: F811 - the client fixture builds its client from this name
'''


def cmd_suite(args: argparse.Namespace, extra: list[str]) -> int:
    root = checkout(args.gspread)
    with tempfile.TemporaryDirectory(prefix="gspread-suite-") as tmp:
        work = Path(tmp)
        shutil.copytree(root / "tests", work / "tests", ignore=shutil.ignore_patterns("cassettes", "__pycache__"))
        conftest = work / "tests" / "conftest.py"
        conftest.write_text(SUITE_CONFTEST + conftest.read_text() + SUITE_FIXTURE)
        gspread_src = root if (root / "gspread" / "__init__.py").is_file() and not args.installed_gspread else None
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(work)] + ([str(gspread_src)] if gspread_src else []) + [str(ROOT)]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env.pop("GS_CREDS_FILENAME", None)
        cmd = [sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-q", "-W", "ignore",
               "-o", "addopts=", *extra]
        return subprocess.call(cmd, cwd=work, env=env)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("replay", help="replay every cassette against the emulator and compare responses")
    r.add_argument("--gspread", help="path of a gspread checkout (default: $GSPREAD_CHECKOUT)")
    r.add_argument("-k", help="only cassettes whose name matches this regex")
    r.add_argument("-v", "--verbose", action="store_true", help="list every difference and every differing response")
    r.add_argument("--json", action="store_true", help="machine-readable summary")
    s = sub.add_parser("suite", help="run gspread's own test suite against the emulator (pytest args after --)")
    s.add_argument("--gspread", help="path of a gspread checkout (default: $GSPREAD_CHECKOUT)")
    s.add_argument("--installed-gspread", action="store_true",
                   help="test the installed gspread package instead of the checkout's gspread/")
    args = ap.parse_args(argv)
    if args.cmd == "replay":
        return cmd_replay(args)
    return cmd_suite(args, extra)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head
        sys.exit(0)
