"""Per-minute read/write quotas per user and per project. (minimal; extended by the emulator work)"""

from __future__ import annotations

from collections.abc import Callable


class Quota:
    def __init__(self, *, enabled: bool = False, clock: Callable[[], float]) -> None:
        self.enabled = enabled
        self.clock = clock

    def charge(self, user: str, kind: str) -> None:
        pass
