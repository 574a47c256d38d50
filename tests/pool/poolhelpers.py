"""Helpers for the pool tests: an agency with three service accounts on the emulator ("default", pool-1, pool-2)."""

from __future__ import annotations

from typing import Any

SA = "sheetsync@agency.test"
P1 = "sync-1@agency.test"
P2 = "sync-2@agency.test"
MANAGER = "anna@agency.test"
SLUGS = ["acme", "beta", "gamma"]
BACKLOG = "Бэклог"


def pool_config(data_dir: Any, slugs: list[str] = SLUGS, accounts: int = 2) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "backend": {"accounts": [{"name": f"pool-{i}", "user": f"sync-{i}@agency.test"}
                                 for i in range(1, accounts + 1)]},
        "specialists": [{"email": MANAGER, "name": "Анна Петрова", "role": "manager"}],
        "clients": [{"slug": s, "name": f"Клиент {s}", "manager_email": MANAGER, "viewer_emails": [f"ceo@{s}.test"]}
                    for s in slugs],
    }


def people(emu: Any, sid: str) -> dict[str, str]:
    return {str(p.get("emailAddress") or p["type"]).lower(): p["role"] for p in emu.files[sid].permissions}


def protected_editors(emu: Any, sid: str) -> list[set[str]]:
    """The editors of every protected range sheetsync keeps, one set per range (read as the default account)."""
    r = emu.session(SA).get(f"https://sheets.googleapis.com/v4/spreadsheets/{sid}",
                            params={"fields": "sheets(protectedRanges)"})
    r.raise_for_status()
    out = []
    for sh in r.json().get("sheets", []):
        for pr in sh.get("protectedRanges", []) or []:
            if str(pr.get("description", "")).startswith("sheetsync:"):
                out.append({u.lower() for u in (pr.get("editors") or {}).get("users", [])})
    return out
