"""Names the view's tests share (a module of its own: `from conftest import` would pick another folder's)."""

from __future__ import annotations

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"
VIEWER_A = "director@acme.test"
VIEWER_B = "director@beta.test"
