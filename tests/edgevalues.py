"""Values at the edges of every column type, as a person can put them into a cell (issue 13).

Each example is ``(value, raw)``: ``raw=True`` types the value as-is (valueInputOption RAW: text stays
text), ``raw=False`` types it as a person at the keyboard would (USER_ENTERED: "1e30" becomes a number,
"=1/0" a formula that fails). Shared by the sync, turnover and metrics property tests and the full-stack
state machine (tests/sync/syncsim.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

NUMBERS = [0, -0.0, 5e-324, 1e-300, 0.005, 999.999, 1000, 1000.01, 999_999, 2**53 + 1, 1e15, 1e26, 1e30, 1e308,
           -1, -1e30, 0.1 + 0.2]
NUMBER_TEXT = ["1e30", "1e400", "-1e400", "1e-400", "NaN", "nan", "inf", "-Infinity", "12345678901234567890123456789",
               "0." + "0" * 40 + "1", "1,5", "1 000", " 2,5 ч", "3h", "+5", "--5", "1.2.3", "١٢"]
CONTROL = ["\x00", "a\x00b", "\x07\x1b[31m", "line\r\nbreak", "\u2028", "\ufeff", "\u200b", "\t", " ", "😀" * 3,
           "\u202eevil", "ё" * 10]
DATES = ["31.12.9999", "01.01.1900", "00.00.0000", "29.02.2027", "29.02.2028", "2026-11-24", "24/11/2026",
         "1.1.1", "31.12.1969", "01.01.2200", "2026-W48", "W53"]
SERIALS = [0, -1, 1, 25568, 2_958_465, 2_958_466, 1e10, 46_350.75]
FORMULAS = ["=1/0", "=NOSUCHFN()", "=A1", "=\"text\"", "=HYPERLINK(\"javascript:alert(1)\",\"x\")", "=1e30*1e30",
            "=DATE(9999,12,31)"]
ERROR_TEXT = ["#REF!", "#N/A", "#VALUE!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "#ERROR!", "#1 priority"]
LONG = ["x" * 50_000, "я" * 50_001]
WORDS = ["Бэклог", "Готово", "done", "Paid", "Оплачен", "true", "Да", "anna@agency.test", "eve@evil.test",
         "mailto:anna@agency.test", "@anna", "-", "+", "'"]
BOOLS = [True, False]

KINDS = {"number": NUMBERS, "number_text": NUMBER_TEXT, "control": CONTROL, "date": DATES, "serial": SERIALS,
         "formula": FORMULAS, "error": ERROR_TEXT, "long": LONG, "word": WORDS, "bool": BOOLS}


def edge_values(long: bool = True) -> st.SearchStrategy[tuple[str, object, bool]]:
    """``(kind, value, raw)``: an edge value of some kind, typed RAW or USER_ENTERED (formulas: entered)."""
    def of(kind: str) -> st.SearchStrategy[tuple[str, object, bool]]:
        raw = st.just(False) if kind == "formula" else st.booleans()
        return st.tuples(st.just(kind), st.sampled_from(KINDS[kind]), raw)

    kinds = [k for k in KINDS if long or k != "long"]
    return st.one_of(*(of(k) for k in kinds))


def count() -> int:
    return sum(len(v) for v in KINDS.values())


def examples(default: int, ci: int, long: int) -> int:
    """How many examples a property test runs: quick by default, more under CI=true, many with SHEETSYNC_LONG=1."""
    import os

    if os.environ.get("SHEETSYNC_LONG"):
        return long
    return ci if os.environ.get("CI") else default
