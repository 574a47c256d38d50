"""The checks behind `sheetsync doctor`: can we talk to Google (or the emulator) the way sync needs?

Each check says what it found and, when something is wrong, what to do. Checking access costs one
Drive ``files.get`` per spreadsheet (Drive's quota is large) plus a single Sheets call, so doctor
can run against a thousand clients without eating the Sheets quota.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from .budget import QuotaSettings
from .client import (
        DRIVE_API,
    SCOPES,
    SHEETS_API,
    Backend,
    CredentialInfo,
    SheetsClient,
    connect,
    credentials_source,
    inspect_credentials,
    load_credentials,
)
from .errors import AuthFailed, NotFound, PermissionDenied, SheetsError

FOLDER_MIME = "application/vnd.google-apps.folder"
NO_STORAGE = ("service accounts own no Drive storage: set backend.shared_drive_id to a shared drive {who} is a "
              "member of (as Content manager), or act as a Workspace user with backend.subject (domain-wide "
              "delegation); see docs/google-setup.md")

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
GOOGLE_DEFAULTS = QuotaSettings()


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""


def check_quota(quota: QuotaSettings, spreadsheets: int, interval_seconds: float | None = None) -> list[Check]:
    out: list[Check] = []
    if not quota.enabled:
        return [Check("quota budget", WARN, "the shared request budget is off",
                      "turn it on for Google, or Google will answer 429 under load")]
    detail = (f"reads {quota.read_per_user}/min per user, {quota.read_per_project}/min per project; "
              f"writes {quota.write_per_user}/min per user, {quota.write_per_project}/min per project")
    problems = quota.problems()
    above = [k for k in ("read", "write") if quota.limits(k)[0] > GOOGLE_DEFAULTS.limits(k)[0]
             or quota.limits(k)[1] > GOOGLE_DEFAULTS.limits(k)[1]]
    if problems:
        out.append(Check("quota settings", FAIL, detail + ". " + "; ".join(problems),
                         "fix the quota settings in the config"))
    elif above:
        out.append(Check("quota settings", WARN, detail + f" — above Google's defaults for {', '.join(above)}",
                         "only keep these if the Cloud project's Sheets quota was raised (IAM & Admin > Quotas); "
                         "otherwise steady state will hit 429s"))
    else:
        out.append(Check("quota settings", OK, detail))
    if spreadsheets and interval_seconds:
        per_cycle = quota.read_per_user * interval_seconds / 60
        if spreadsheets > per_cycle:
            out.append(Check("cycle capacity", WARN,
                             f"{spreadsheets} spreadsheets but only ~{per_cycle:.0f} reads per {interval_seconds:.0f}s "
                             f"cycle: if all change at once a cycle takes {spreadsheets / quota.read_per_user:.1f} min",
                             "fine when few clients change per cycle (unchanged ones cost no Sheets calls); "
                             "otherwise lengthen the interval or raise the quota"))
    return out


def check_credentials(backend: Backend) -> tuple[list[Check], bool]:
    """Offline checks of the credentials (and of the set-up they make). Returns the checks and whether
    going online makes sense."""
    checks, _info, online = _credential_checks(backend)
    return checks, online


def _credential_checks(backend: Backend) -> tuple[list[Check], CredentialInfo | None, bool]:
    if backend.kind == "emulator":
        where = f"served at {backend.url}" if backend.url else "embedded"
        return [Check("credentials", OK, f"emulator ({where}): no credentials needed (acting as {backend.user})"),
                Check("set-up", OK, f"{where} emulator: spreadsheets are created in {backend.user}'s My Drive"
                      + _placement(backend))], None, True
    path, where = credentials_source(backend.credentials_file)
    try:
        if path:
            info = inspect_credentials(path, where)
        else:  # Application Default Credentials: asking google-auth is offline for a gcloud file
            info = load_credentials(None, subject=backend.subject)[1]
    except AuthFailed as e:
        return [Check("credentials", FAIL, e.message, e.hint)], None, False
    if backend.subject and info.type != "service_account" and not info.adc:
        return [Check("credentials", FAIL, f"backend.subject is set but {info.path} holds {info.type} credentials",
                      "domain-wide delegation needs a service-account key; remove backend.subject for user "
                      "credentials")], info, False
    if backend.subject and not info.subject:
        info = replace(info, identity=backend.subject, subject=backend.subject)
    source = "Application Default Credentials" if info.adc else info.path
    out = [Check("credentials", OK, f"{info.type} {info.service_account or info.identity} from {source}"
                 + (f" (project {info.project_id})" if info.project_id else ""))]
    if info.type == "authorized_user" and not info.adc:
        granted = _granted_scopes(Path(info.path))
        missing = [s for s in SCOPES if granted is not None and s not in granted]
        if missing:
            out.append(Check("scopes", FAIL, f"the authorized user granted {', '.join(sorted(granted or [])) or 'none'}",
                             "re-authorize with the scopes " + " and ".join(SCOPES)))
    out.append(setup_check(backend, info))
    return out, info, True


def _placement(backend: Backend) -> str:
    if backend.shared_drive_id:
        return f", in shared drive {backend.shared_drive_id}" + (f", folder {backend.folder_id}"
                                                                 if backend.folder_id else "")
    return f", in folder {backend.folder_id}" if backend.folder_id else ""


def setup_check(backend: Backend, info: CredentialInfo) -> Check:
    """Which of the documented Google set-ups is in place (docs/google-setup.md), and what is missing."""
    adc = " (found by Application Default Credentials)" if info.adc else ""
    sa = info.service_account or info.identity
    if info.subject:
        return Check("set-up", OK, f"domain-wide delegation{adc}: service account {sa} acting as {info.subject}; "
                     f"spreadsheets belong to {info.subject}" + _placement(backend))
    if info.type == "authorized_user":
        return Check("set-up", OK, f"OAuth user credentials{adc}: spreadsheets belong to the authorized user"
                     + _placement(backend) + ". If the OAuth consent screen is in “Testing”, its refresh tokens "
                     "expire after 7 days: publish the app (In production, or Internal)")
    robot = info.type in ("service_account", "compute_engine", "impersonated_service_account")
    if robot and (backend.shared_drive_id or backend.folder_id):
        return Check("set-up", OK, f"shared drive + service account{adc}: {sa}" + _placement(backend))
    if robot:
        return Check("set-up", FAIL, f"service account {sa}{adc} without a shared drive or delegation",
                     NO_STORAGE.format(who=sa))
    return Check("set-up", WARN, f"{info.type} credentials{adc} ({info.identity})" + _placement(backend),
                 "not one of the documented set-ups; see docs/google-setup.md")


def check_placement(client: SheetsClient, backend: Backend, info: CredentialInfo | None) -> list[Check]:
    """Can the identity see the configured shared drive / folder and add files there?"""
    out: list[Check] = []
    who = client.identity
    robot = info is not None and not info.subject and info.type != "authorized_user"
    if backend.shared_drive_id:
        did = backend.shared_drive_id
        try:
            d = client.request("GET", f"{DRIVE_API}/drives/{quote(did, safe='')}",
                               params={"fields": "id,name,capabilities"}, what=f"shared drive {did}") or {}
        except (NotFound, PermissionDenied):
            out.append(Check("shared drive", FAIL, f"shared drive {did} does not exist or {who} is not a member",
                             f"add {who} to the shared drive as Content manager, or fix backend.shared_drive_id"))
            d = None
        except SheetsError as e:
            out.append(Check("shared drive", FAIL, e.message, e.hint))
            d = None
        if d is not None:
            caps = d.get("capabilities") or {}
            if caps.get("canAddChildren") is False:
                out.append(Check("shared drive", FAIL, f"{who} is a member of “{d.get('name', did)}” but cannot add "
                                 "files", f"make {who} a Content manager (or Manager) of the shared drive"))
            else:
                try:
                    client.request("GET", f"{DRIVE_API}/files",
                                   params={"corpora": "drive", "driveId": did, "includeItemsFromAllDrives": "true",
                                           "supportsAllDrives": "true", "pageSize": 1, "fields": "files(id)"},
                                   what=f"a listing of shared drive {did}")
                    out.append(Check("shared drive", OK, f"“{d.get('name', did)}”: {who} can list and add files"))
                except SheetsError as e:
                    out.append(Check("shared drive", FAIL, e.message, e.hint))
    if backend.folder_id:
        fid = backend.folder_id
        try:
            f = client.request("GET", f"{DRIVE_API}/files/{quote(fid, safe='')}",
                               params={"supportsAllDrives": "true",
                                       "fields": "id,name,mimeType,driveId,trashed,capabilities"},
                               what=f"folder {fid}") or {}
        except NotFound:
            out.append(Check("folder", FAIL, f"folder {fid} does not exist or is not shared with {who}",
                             f"share the folder with {who} as editor, or fix backend.folder_id"))
            return out
        except SheetsError as e:
            out.append(Check("folder", FAIL, e.message, e.hint))
            return out
        name = f.get("name", fid)
        caps = f.get("capabilities") or {}
        if f.get("mimeType") != FOLDER_MIME:
            out.append(Check("folder", FAIL, f"backend.folder_id {fid} (“{name}”) is not a folder",
                             "set backend.folder_id to a folder's id (the last part of its Drive URL)"))
        elif f.get("trashed"):
            out.append(Check("folder", FAIL, f"folder “{name}” is in the trash", "restore it from the Drive trash"))
        elif not caps.get("canAddChildren", caps.get("canEdit")):
            out.append(Check("folder", FAIL, f"{who} cannot add files to folder “{name}”",
                             f"share the folder with {who} as editor"))
        elif robot and not f.get("driveId"):
            out.append(Check("folder", FAIL, f"folder “{name}” is in someone's My Drive, not in a shared drive",
                             NO_STORAGE.format(who=who)))
        elif backend.shared_drive_id and f.get("driveId") and f.get("driveId") != backend.shared_drive_id:
            out.append(Check("folder", WARN, f"folder “{name}” is in shared drive {f.get('driveId')}, not in "
                             f"backend.shared_drive_id {backend.shared_drive_id}", "make the two agree"))
        else:
            out.append(Check("folder", OK, f"“{name}”: {who} can add files"))
    return out


def _granted_scopes(path: Path) -> set[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scopes = data.get("scopes") or data.get("scope")
    if isinstance(scopes, str):
        scopes = scopes.split()
    return set(scopes) if scopes else None


def check_spreadsheets(client: SheetsClient, spreadsheets: Iterable[tuple[str, str | None]]) -> list[Check]:
    out: list[Check] = []
    sheets_api_checked = False
    who = client.identity
    for slug, sid in spreadsheets:
        name = f"spreadsheet of {slug}"
        if not sid:
            out.append(Check(name, WARN, "no spreadsheet yet", f"run `sheetsync provision {slug}`"))
            continue
        try:
            meta = client.request("GET", f"{DRIVE_API}/files/{quote(sid, safe='')}",
                                  params={"fields": "id,name,trashed,capabilities(canEdit)"}, what=name)
        except NotFound:
            out.append(Check(name, FAIL, f"{sid} does not exist or is not shared with {who}",
                             f"share it with {who} as editor, or re-provision with `sheetsync provision {slug}`"))
            continue
        except SheetsError as e:
            out.append(Check(name, FAIL, e.message, e.hint))
            if isinstance(e, AuthFailed):
                break  # every other spreadsheet would fail the same way
            continue
        meta = meta or {}
        if meta.get("trashed"):
            out.append(Check(name, FAIL, f"“{meta.get('name', sid)}” is in the trash",
                             f"restore it from the Drive trash, or re-provision with `sheetsync provision {slug}`"))
            continue
        if not (meta.get("capabilities") or {}).get("canEdit"):
            out.append(Check(name, FAIL, f"“{meta.get('name', sid)}” is shared with {who} read-only",
                             f"share it with {who} as editor"))
            continue
        if not sheets_api_checked:
            try:
                client.request("GET", f"{SHEETS_API}/{quote(sid, safe='')}", params={"fields": "spreadsheetId"},
                               what=name)
            except SheetsError as e:
                out.append(Check("sheets api", FAIL, e.message, e.hint))
                continue
            sheets_api_checked = True
        out.append(Check(name, OK, f"“{meta.get('name', sid)}”: editable"))
    return out


def diagnose(backend: Backend, spreadsheets: Iterable[tuple[str, str | None]] = (), *,
             quota: QuotaSettings | None = None, interval_seconds: float | None = None,
             client: SheetsClient | None = None) -> list[Check]:
    """Every doctor check, in order; stops going online when the credentials cannot work.

    ``client``: talk to this transport instead of connecting (tests run a Google set-up's online checks
    against the emulator this way)."""
    spreadsheets = list(spreadsheets)
    checks: list[Check] = [Check("backend", OK, "emulator" if backend.kind == "emulator"
                                 else "Google Sheets + Drive")]
    cred_checks, info, online = _credential_checks(backend)
    checks += cred_checks
    if client is None and online:
        try:
            client = connect(backend)
        except SheetsError as e:
            checks.append(Check("connect", FAIL, e.message, e.hint))
            online = False
    effective = quota or (client.budget.settings if client is not None and client.budget is not None
                          else backend.quota or QuotaSettings())
    checks += check_quota(effective, len(spreadsheets), interval_seconds)
    if not online or client is None:
        return checks
    try:  # a token, the Drive API and the drive scope, in one cheap call
        client.request("GET", f"{DRIVE_API}/files", params={"pageSize": 1, "fields": "files(id)"},
                       what="a Drive listing")
        checks.append(Check("api access", OK, f"Drive answers for {client.identity}"))
    except SheetsError as e:
        checks.append(Check("api access", FAIL, e.message, e.hint))
        return checks
    checks += check_placement(client, backend, info)
    checks += check_spreadsheets(client, spreadsheets)
    return checks


__all__ = ["Check", "check_credentials", "check_placement", "check_quota", "check_spreadsheets", "diagnose",
           "setup_check"]
