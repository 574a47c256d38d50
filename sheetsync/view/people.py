"""Whom the page can act as: everyone the emulator's files and shared drives name.

This is only the picker's list; what each person then sees is decided by the API (``api``). The
operator (the identity sheetsync itself acts as) comes first, then people by e-mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gsheets_emulator import Emulator


def people(emulator: Emulator, operator: str | None = None) -> list[str]:
    """Every e-mail that owns a file, has a permission on one, or is a shared drive's member."""
    seen: dict[str, str] = {}

    def add(email: str | None) -> None:
        if email and "@" in email:
            seen.setdefault(email.lower(), email)

    with emulator.lock:
        for f in emulator.files.values():
            add(f.owner)
            for p in f.permissions:
                add(p.get("emailAddress"))
        for d in emulator.drives.values():
            add(d.creator)
            for p in d.permissions:
                add(p.get("emailAddress"))
    ordered = sorted(seen.values(), key=str.lower)
    if operator:
        ordered = [operator] + [e for e in ordered if e.lower() != operator.lower()]
    return ordered


def default_person(emulator: Emulator, operator: str | None = None) -> str:
    """The operator if given, else whoever owns the most files (the service account that made them)."""
    if operator:
        return operator
    counts: dict[str, int] = {}
    with emulator.lock:
        for f in emulator.files.values():
            counts[f.owner] = counts.get(f.owner, 0) + 1
    return max(counts, key=lambda e: counts[e]) if counts else "owner@example.com"
