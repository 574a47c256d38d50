"""Production behaviour on demand: injected errors, latency, lost responses. (minimal; extended by the emulator work)"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Request


class Faults:
    def before(self, req: Request) -> None:
        pass

    def after(self, req: Request) -> Exception | None:
        return None

    def latency_for(self, req: Request) -> float:
        return 0.0
