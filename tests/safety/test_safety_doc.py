"""docs/safety.md names only tests that exist, and marks none of them as a known gap that no test holds.

The doc once listed three `xfail` "known gaps" long after the gaps were fixed and the marks removed; this
keeps its table true. A name without a folder is in tests/safety/; `file.py::name` must be a test function
(or the prefix of one) defined in that file.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DOC = (TESTS.parent / "docs" / "safety.md").read_text(encoding="utf-8")
REFS = re.findall(r"`((?:(?:emulator/)?tests/[\w/]*)?test_\w+\.py)(?:::(\w+))?`", DOC)


def _file(name: str) -> Path:
    return TESTS.parent / name if name.startswith(("tests/", "emulator/tests/")) else TESTS / "safety" / name


def test_the_doc_names_tests():
    assert len(REFS) >= 15, REFS


def test_every_test_the_doc_names_exists():
    missing = []
    for name, func in REFS:
        path = _file(name)
        if not path.is_file():
            missing.append(name)
        elif func and not re.search(rf"^def {re.escape(func)}\w*\(", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{name}::{func}")
    assert not missing, f"docs/safety.md names tests that do not exist: {missing}"


def test_no_gap_is_claimed_for_a_test_without_an_xfail_mark():
    """A row may call something a known gap only while the test it names is marked xfail."""
    for row in DOC.splitlines():
        if "known gap" not in row.lower() or not row.startswith("|"):
            continue
        for name, func in re.findall(r"`((?:tests/[\w/]+/)?test_\w+\.py)(?:::(\w+))?`", row):
            text = _file(name).read_text(encoding="utf-8")
            m = re.search(rf"((?:^@.*\n)*)^def {re.escape(func)}\w*\(", text, re.M)
            assert m and "xfail" in m.group(1), f"docs/safety.md calls {name}::{func} a known gap, but it is not xfail"
