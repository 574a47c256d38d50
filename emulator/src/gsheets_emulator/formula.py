"""A small evaluator for the Google Sheets formulas the emulator supports.

Why our own: the ``formulas`` package models Excel (its error values, coercions and function
set) and compiles each formula into a dataflow graph, which costs milliseconds per formula and
needs the grid rebuilt as an Excel workbook; here formulas must read the emulator's own grid
(cross-sheet, open-ended ``C2:C`` ranges) on every write. The grammar is Sheets': operators
``+ - * / ^ & = <> < > <= >= %``, A1 references with ``$`` and quoted sheet names, and the
functions in :data:`FUNCTIONS`. Anything else is ``#NAME?``, like Google's.

Supported functions (``SUPPORTED``): SUM SUMIF SUMIFS COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS
IF IFERROR IFNA AND OR NOT TODAY NOW DATE YEAR MONTH DAY MIN MAX AVERAGE ROUND ROUNDUP ROUNDDOWN
ABS INT MOD LEN UPPER LOWER TRIM CONCATENATE CONCAT TEXT VALUE ISBLANK ISNUMBER ISTEXT ISERROR.
Criteria (COUNTIF & co.) take ``">5"``, ``"<>done"``, ``"a*"`` / ``"?"`` wildcards, ``""`` for
blanks, numbers and booleans. Not supported: array literals ``{1,2}`` and array results that
spill (``#REF!``), lookups (VLOOKUP, INDEX/MATCH, QUERY, FILTER...), R1C1 in formulas.
Function names are kept as typed (Google upper-cases them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from . import cellvalues as cv
from .a1 import col_to_index, index_to_col


# --- values ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Err:
    """A Sheets ErrorValue: ``type`` is the ErrorType enum name (DIVIDE_BY_ZERO, VALUE, REF, NAME...)."""

    type: str
    message: str

    @property
    def text(self) -> str:
        return cv.ERROR_TEXT.get(self.type, "#ERROR!")


class DateNum(float):
    """A number that is a date (``kind`` = "DATE") or a date-time ("DATE_TIME"), so its cell shows as one."""

    kind: str = "DATE"

    def __new__(cls, x: float, kind: str = "DATE") -> DateNum:
        obj = super().__new__(cls, x)
        obj.kind = kind
        return obj


@dataclass
class Range:
    """A block of values a reference evaluated to (row-major); ``None`` is a blank cell."""

    rows: list[list[Any]]

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def flat(self) -> Iterator[Any]:
        for r in self.rows:
            yield from r


class FormulaError(Exception):
    """A parse error: the cell shows #ERROR!."""


# --- tokens ----------------------------------------------------------------------------------
_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*)"
_CELLREF = r"\$?[A-Za-z]{1,3}\$?\d+"
_REF = (rf"(?:{_CELLREF}(?::\$?[A-Za-z]{{1,3}}\$?\d*)?"
        rf"|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}\$?\d*"
        rf"|\$?\d+:\$?\d+)")
_TOKEN = re.compile(
    rf"""(?P<ws>\s+)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<ref>(?:{_SHEET}!)?{_REF})(?![\w(])
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<func>[A-Za-z_][\w.]*(?=\s*\())
    |(?P<name>[A-Za-z_\u00c0-\uffff][\w.\u00c0-\uffff]*)
    |(?P<err>\#N/A|\#DIV/0!|\#REF!|\#VALUE!|\#NAME\?|\#NUM!|\#NULL!|\#ERROR!)
    |(?P<op><=|>=|<>|[-+*/^&=<>%(),;{{}}])""",
    re.X,
)

_ERR_BY_TEXT = {v: k for k, v in cv.ERROR_TEXT.items()}


def tokenize(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise FormulaError(f"unexpected character {text[i]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(0)))
        i = m.end()
    return out


# --- parsing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ref:
    """A reference; ``None`` bounds are open (whole column / whole row / to the grid's end)."""

    sheet: str | None
    r0: int | None
    r1: int | None  # exclusive
    c0: int | None
    c1: int | None
    single: bool


def parse_ref(text: str) -> Ref:
    sheet = None
    if "!" in text:
        sheet, _, text = text.rpartition("!")
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
    text = text.replace("$", "")
    a, _, b = text.partition(":")

    def end(p: str) -> tuple[int | None, int | None]:
        m = re.fullmatch(r"([A-Za-z]*)(\d*)", p)
        assert m
        return (int(m.group(2)) - 1 if m.group(2) else None), (col_to_index(m.group(1)) if m.group(1) else None)

    ra, ca = end(a)
    if not b:
        return Ref(sheet, ra, (ra or 0) + 1, ca, (ca or 0) + 1, True)
    rb, cb = end(b)
    r0 = min(x for x in (ra, rb) if x is not None) if (ra is not None or rb is not None) else None
    r1 = (max(ra, rb) + 1) if (ra is not None and rb is not None) else (None if ra is not None else
                                                                       (rb + 1 if rb is not None else None))
    if ra is None and rb is not None:
        r0 = 0
    c0 = min(x for x in (ca, cb) if x is not None) if (ca is not None or cb is not None) else None
    c1 = (max(ca, cb) + 1) if (ca is not None and cb is not None) else None
    return Ref(sheet, r0, r1, c0, c1, False)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("unexpected end of formula")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok[1] != text:
            raise FormulaError(f"expected {text!r}, got {tok[1]!r}")

    def parse(self) -> Any:
        node = self.comparison()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def _binary(self, ops: tuple[str, ...], sub: Callable[[], Any]) -> Any:
        node = sub()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            node = ("bin", tok[1], node, sub())
        return node

    def comparison(self) -> Any:
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> Any:
        return self._binary(("&",), self.additive)

    def additive(self) -> Any:
        return self._binary(("+", "-"), self.multiplicative)

    def multiplicative(self) -> Any:
        return self._binary(("*", "/"), self.power)

    def power(self) -> Any:
        return self._binary(("^",), self.unary)

    def unary(self) -> Any:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-":
            self.i += 1
            return ("neg", self.unary()) if tok[1] == "-" else self.unary()
        return self.postfix()

    def postfix(self) -> Any:
        node = self.primary()
        while (tok := self.peek()) is not None and tok == ("op", "%"):
            self.i += 1
            node = ("pct", node)
        return node

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return ("lit", float(text))
        if kind == "str":
            return ("lit", text[1:-1].replace('""', '"'))
        if kind == "err":
            return ("lit", Err(_ERR_BY_TEXT[text], f"{text} literal"))
        if kind == "ref":
            return ("ref", parse_ref(text))
        if kind == "name":
            up = text.upper()
            if up in ("TRUE", "FALSE"):
                return ("lit", up == "TRUE")
            return ("name", text)
        if kind == "func":
            self.expect("(")
            args: list[Any] = []
            if self.peek() != ("op", ")"):
                while True:
                    if self.peek() in (("op", ","), ("op", ";"), ("op", ")")):
                        args.append(("lit", None))  # an omitted argument
                    else:
                        args.append(self.comparison())
                    tok = self.take()
                    if tok[1] == ")":
                        break
                    if tok[1] not in (",", ";"):
                        raise FormulaError(f"expected ',' or ')', got {tok[1]!r}")
            else:
                self.i += 1
            return ("call", text.upper(), args)
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.expect(")")
            return node
        if (kind, text) == ("op", "{"):
            return self.array()
        raise FormulaError(f"unexpected {text!r}")

    def array(self) -> Any:
        """An array literal ``{1,2;3,4}``: ``,`` separates columns, ``;`` rows (en_US syntax)."""
        rows: list[list[Any]] = [[]]
        while True:
            rows[-1].append(self.comparison())
            tok = self.take()
            if tok[1] == "}":
                break
            if tok[1] == ";":
                rows.append([])
            elif tok[1] != ",":
                raise FormulaError(f"expected ',', ';' or '}}' in an array literal, got {tok[1]!r}")
        if len({len(r) for r in rows}) != 1:
            raise FormulaError("array literal rows must have the same number of columns")
        return ("array", rows)


@lru_cache(maxsize=4096)
def parse(formula: str) -> Any:
    """The AST of ``=...``; raises FormulaError when Sheets would show ``#ERROR!``."""
    if not formula.startswith("="):
        raise FormulaError("a formula starts with '='")
    return _Parser(tokenize(formula[1:])).parse()


# --- evaluation ------------------------------------------------------------------------------
class Context:
    """What evaluation needs from the outside: cell values by reference, the clock, the locale."""

    def __init__(self, resolve_ref: Callable[[Ref, str], Any], resolve_name: Callable[[str], Any],
                 now: Callable[[], datetime], locale: cv.Locale, sheet: str) -> None:
        self.resolve_ref = resolve_ref
        self.resolve_name = resolve_name
        self.now = now
        self.locale = locale
        self.sheet = sheet


def evaluate(formula: str, ctx: Context) -> Any:
    """The value of ``formula`` (a number, str, bool, None for blank, or an Err)."""
    try:
        ast = parse(formula)
    except FormulaError as e:
        return Err("ERROR", f"Formula parse error. ({e})")
    except RecursionError:
        return Err("ERROR", "Formula parse error. (too deeply nested)")
    v = _eval(ast, ctx)
    if isinstance(v, Range):
        if v.height == 1 and v.width == 1:
            return v.rows[0][0]
        if v.height == 0 or v.width == 0:
            return None
        return Err("REF", "Array results that spill into neighbouring cells are not supported by the sheetsync "
                          "emulator.")
    return v


def _eval(node: Any, ctx: Context) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return ctx.resolve_ref(node[1], ctx.sheet)
    if kind == "name":
        return ctx.resolve_name(node[1])
    if kind == "neg":
        x = to_number(scalar(_eval(node[1], ctx)), "MINUS", 1)
        return x if isinstance(x, Err) else _keep_date(-x, x)
    if kind == "pct":
        x = to_number(scalar(_eval(node[1], ctx)), "UNARY_PERCENT", 1)
        return x if isinstance(x, Err) else x / 100
    if kind == "bin":
        return _binop(node[1], scalar(_eval(node[2], ctx)), scalar(_eval(node[3], ctx)))
    if kind == "array":
        return Range([[scalar(_eval(n, ctx)) for n in row] for row in node[1]])
    if kind == "call":
        name, args = node[1], node[2]
        if name in LAZY:
            return LAZY[name](args, ctx)
        fn = FUNCTIONS.get(name)
        if fn is None:
            return Err("NAME", f"Unknown function: '{name}'.")
        values = [_eval(a, ctx) for a in args]
        return fn(values, ctx)
    raise AssertionError(kind)


def _keep_date(result: float, *operands: Any) -> float:
    for o in operands:
        if isinstance(o, DateNum):
            return DateNum(result, o.kind)
    return result


def scalar(v: Any) -> Any:
    """A single value from a reference (a 1x1 range); larger ranges are #VALUE! in scalar context."""
    if isinstance(v, Range):
        if v.height == 1 and v.width == 1:
            return v.rows[0][0]
        return Err("VALUE", "An array value could not be found.")
    return v


_OP_NAMES = {"+": "ADD", "-": "MINUS", "*": "MULTIPLY", "/": "DIVIDE", "^": "POW"}


def _binop(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b
    if op == "&":
        return to_text(a) + to_text(b)
    if op in _OP_NAMES:
        x = to_number(a, _OP_NAMES[op], 1)
        if isinstance(x, Err):
            return x
        y = to_number(b, _OP_NAMES[op], 2)
        if isinstance(y, Err):
            return y
        if op == "+":
            r = x + y
            return DateNum(r, _date_kind(a, b)) if isinstance(a, DateNum) != isinstance(b, DateNum) else r
        if op == "-":
            r = x - y
            return DateNum(r, a.kind) if isinstance(a, DateNum) and not isinstance(b, DateNum) else r
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                return Err("DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
            return x / y
        try:
            r = math.pow(x, y)
        except (OverflowError, ValueError):
            return Err("NUM", "Function POW result was not a number.")
        return r
    return compare(op, a, b)


def _date_kind(a: Any, b: Any) -> str:
    return a.kind if isinstance(a, DateNum) else b.kind


def _rank(v: Any) -> int:
    if isinstance(v, bool):
        return 2
    if isinstance(v, str):
        return 1
    return 0


def compare(op: str, a: Any, b: Any) -> bool:
    """Sheets comparison: blanks act as 0 / "" / FALSE; numbers < text < booleans; text case-insensitive."""
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        c = (ra > rb) - (ra < rb)
    elif ra == 1:
        x, y = a.lower(), b.lower()
        c = (x > y) - (x < y)
    else:
        x, y = float(a), float(b)
        c = (x > y) - (x < y)
    return {"=": c == 0, "<>": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]


def to_number(v: Any, fn: str = "VALUE", pos: int = 1) -> float | Err:
    v = scalar(v)
    if isinstance(v, Err):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return v
    s = str(v).strip()
    if s == "":
        return 0.0
    parsed = cv.parse_number(s, cv.LOCALES["en_US"])
    if parsed is not None:
        return parsed[0]
    dt = cv.parse_datetime(s, cv.LOCALES["en_US"])
    if dt is not None:
        return dt[0]
    return Err("VALUE", f"Function {fn} parameter {pos} expects number values. But '{v}' is a text and cannot be "
                        "coerced to a number.")


def to_text(v: Any) -> str:
    v = scalar(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        return cv.general(float(v), cv.LOCALES["en_US"])
    if isinstance(v, Err):
        return v.text
    return str(v)


def to_bool(v: Any, fn: str = "IF") -> bool | Err:
    v = scalar(v)
    if isinstance(v, Err):
        return v
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return v != 0
    s = str(v).strip().upper()
    if s in ("TRUE", "FALSE"):
        return s == "TRUE"
    return Err("VALUE", f"Function {fn} parameter 1 expects boolean values. But '{v}' is a text and cannot be "
                        "coerced to a boolean.")


# --- functions -------------------------------------------------------------------------------
def _numbers(args: list[Any], fn: str) -> list[float] | Err:
    """Numbers from arguments: ranges give their numbers (text and blanks skipped), scalars are coerced."""
    out: list[float] = []
    for i, a in enumerate(args, 1):
        if isinstance(a, Range):
            for v in a.flat():
                if isinstance(v, Err):
                    return v
                if isinstance(v, int | float) and not isinstance(v, bool):
                    out.append(v)
        else:
            if a is None:
                continue
            x = to_number(a, fn, i)
            if isinstance(x, Err):
                return x
            out.append(x)
    return out


def _sum(args: list[Any], ctx: Context) -> Any:
    xs = _numbers(args, "SUM")
    return xs if isinstance(xs, Err) else math.fsum(xs)


def _min(args: list[Any], ctx: Context) -> Any:
    xs = _numbers(args, "MIN")
    return xs if isinstance(xs, Err) else (min(xs) if xs else 0.0)


def _max(args: list[Any], ctx: Context) -> Any:
    xs = _numbers(args, "MAX")
    return xs if isinstance(xs, Err) else (max(xs) if xs else 0.0)


def _average(args: list[Any], ctx: Context) -> Any:
    xs = _numbers(args, "AVERAGE")
    if isinstance(xs, Err):
        return xs
    if not xs:
        return Err("DIVIDE_BY_ZERO", "Evaluation of function AVERAGE caused a divide by zero error.")
    return math.fsum(xs) / len(xs)


def _count(args: list[Any], ctx: Context) -> Any:
    n = 0
    for a in args:
        vals = a.flat() if isinstance(a, Range) else [a]
        for v in vals:
            if isinstance(v, int | float) and not isinstance(v, bool):
                n += 1
            elif not isinstance(a, Range) and isinstance(v, str) and not isinstance(to_number(v), Err):
                n += 1
    return float(n)


def _counta(args: list[Any], ctx: Context) -> Any:
    n = 0
    for a in args:
        vals = a.flat() if isinstance(a, Range) else [a]
        n += sum(1 for v in vals if v is not None)
    return float(n)


def _countblank(args: list[Any], ctx: Context) -> Any:
    n = 0
    for a in args:
        vals = a.flat() if isinstance(a, Range) else [a]
        n += sum(1 for v in vals if v is None or v == "")
    return float(n)


def criterion(c: Any) -> Callable[[Any], bool]:
    """A COUNTIF/SUMIF criterion as a predicate: ``">5"``, ``"<>done"``, ``"a*"``, ``5``, ``""``."""
    c = scalar(c)
    if isinstance(c, bool):
        return lambda v: isinstance(v, bool) and v == c
    if isinstance(c, int | float):
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and float(v) == float(c)
    if c is None:
        c = ""
    s = str(c)
    m = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", s, re.S)
    assert m
    op, operand = m.group(1) or "=", m.group(2)
    num = to_number(operand) if operand.strip() else None
    if isinstance(num, float | int) and not isinstance(num, Err) and operand.strip():
        target = float(num)

        def numeric(v: Any) -> bool:
            if isinstance(v, int | float) and not isinstance(v, bool):
                return compare(op, float(v), target)
            return op == "<>"
        return numeric
    if operand.upper() in ("TRUE", "FALSE"):
        b = operand.upper() == "TRUE"
        return lambda v: compare(op, v, b) if isinstance(v, bool) else op == "<>"
    if op in ("=", "<>"):
        if operand == "":
            return (lambda v: v is None or v == "") if op == "=" else (lambda v: not (v is None or v == ""))
        pat = re.compile(_wildcard(operand), re.I | re.S)

        def textual(v: Any) -> bool:
            hit = isinstance(v, str) and pat.fullmatch(v) is not None
            return hit if op == "=" else not hit
        return textual
    return lambda v: isinstance(v, str) and compare(op, v, operand)


def _wildcard(s: str) -> str:
    out, i = "", 0
    while i < len(s):
        ch = s[i]
        if ch == "~" and i + 1 < len(s):
            out += re.escape(s[i + 1])
            i += 2
            continue
        out += ".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
        i += 1
    return out


def _as_range(v: Any) -> Range:
    return v if isinstance(v, Range) else Range([[v]])


def _pairs(args: list[Any], fn: str, start: int) -> list[tuple[Range, Callable[[Any], bool]]] | Err:
    if (len(args) - start) % 2 or len(args) - start < 2:
        return Err("N_A", f"Wrong number of arguments to {fn}.")
    out = []
    for i in range(start, len(args), 2):
        out.append((_as_range(args[i]), criterion(args[i + 1])))
    shape = (out[0][0].height, out[0][0].width)
    if any((r.height, r.width) != shape for r, _ in out):
        return Err("VALUE", f"Array arguments to {fn} are of different size.")
    return out


def _matching(pairs: list[tuple[Range, Callable[[Any], bool]]]) -> Iterator[tuple[int, int]]:
    first = pairs[0][0]
    for i in range(first.height):
        for j in range(first.width):
            if all(pred(r.rows[i][j]) for r, pred in pairs):
                yield i, j


def _countif(args: list[Any], ctx: Context) -> Any:
    if len(args) != 2:
        return Err("N_A", "Wrong number of arguments to COUNTIF. Expected 2 arguments, but got "
                          f"{len(args)} arguments.")
    return _countifs(args, ctx)


def _countifs(args: list[Any], ctx: Context) -> Any:
    pairs = _pairs(args, "COUNTIFS", 0)
    if isinstance(pairs, Err):
        return pairs
    return float(sum(1 for _ in _matching(pairs)))


def _sum_cells(values: Range, hits: Iterator[tuple[int, int]]) -> Any:
    total = []
    for i, j in hits:
        v = values.rows[i][j] if i < values.height and j < values.width else None
        if isinstance(v, Err):
            return v
        if isinstance(v, int | float) and not isinstance(v, bool):
            total.append(v)
    return math.fsum(total)


def _sumif(args: list[Any], ctx: Context) -> Any:
    if len(args) not in (2, 3):
        return Err("N_A", f"Wrong number of arguments to SUMIF. Expected between 2 and 3 arguments, but got "
                          f"{len(args)} arguments.")
    rng = _as_range(args[0])
    values = _as_range(args[2]) if len(args) == 3 and args[2] is not None else rng
    return _sum_cells(values, _matching([(rng, criterion(args[1]))]))


def _sumifs(args: list[Any], ctx: Context) -> Any:
    if len(args) < 3:
        return Err("N_A", "Wrong number of arguments to SUMIFS.")
    values = _as_range(args[0])
    pairs = _pairs(args, "SUMIFS", 1)
    if isinstance(pairs, Err):
        return pairs
    if (values.height, values.width) != (pairs[0][0].height, pairs[0][0].width):
        return Err("VALUE", "Array arguments to SUMIFS are of different size.")
    return _sum_cells(values, _matching(pairs))


def _bools(args: list[Any], fn: str) -> list[bool] | Err:
    out: list[bool] = []
    for a in args:
        if isinstance(a, Range):
            for v in a.flat():
                if isinstance(v, Err):
                    return v
                if isinstance(v, bool):
                    out.append(v)
                elif isinstance(v, int | float):
                    out.append(v != 0)
        else:
            b = to_bool(a, fn)
            if isinstance(b, Err):
                return b
            out.append(b)
    if not out:
        return Err("VALUE", f"{fn} has no valid input data.")
    return out


def _and(args: list[Any], ctx: Context) -> Any:
    bs = _bools(args, "AND")
    return bs if isinstance(bs, Err) else all(bs)


def _or(args: list[Any], ctx: Context) -> Any:
    bs = _bools(args, "OR")
    return bs if isinstance(bs, Err) else any(bs)


def _not(args: list[Any], ctx: Context) -> Any:
    if len(args) != 1:
        return Err("N_A", "Wrong number of arguments to NOT. Expected 1 arguments.")
    b = to_bool(args[0], "NOT")
    return b if isinstance(b, Err) else not b


def _today(args: list[Any], ctx: Context) -> Any:
    now = ctx.now()
    return DateNum(float(math.floor(cv.to_serial(now))), "DATE")


def _now(args: list[Any], ctx: Context) -> Any:
    return DateNum(cv.to_serial(ctx.now()), "DATE_TIME")


def _date(args: list[Any], ctx: Context) -> Any:
    if len(args) != 3:
        return Err("N_A", "Wrong number of arguments to DATE. Expected 3 arguments.")
    nums = [to_number(a, "DATE", i + 1) for i, a in enumerate(args)]
    for n in nums:
        if isinstance(n, Err):
            return n
    y, m, d = (int(n) for n in nums)  # type: ignore[arg-type]
    if y < 1900:
        y += 1900
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    try:
        base = cv.to_serial(datetime(y, m, 1))
    except ValueError:
        return Err("NUM", "Function DATE parameter 1 value is out of range.")
    return DateNum(base + d - 1, "DATE")


def _date_part(attr: str) -> Callable[[list[Any], Context], Any]:
    def fn(args: list[Any], ctx: Context) -> Any:
        x = to_number(args[0] if args else None, attr.upper(), 1)
        if isinstance(x, Err):
            return x
        return float(getattr(cv.from_serial(x), attr))
    return fn


def _round(mode: str) -> Callable[[list[Any], Context], Any]:
    def fn(args: list[Any], ctx: Context) -> Any:
        x = to_number(args[0] if args else None, mode, 1)
        places = to_number(args[1], mode, 2) if len(args) > 1 and args[1] is not None else 0.0
        if isinstance(x, Err):
            return x
        if isinstance(places, Err):
            return places
        f = 10 ** int(places)
        if mode == "ROUND":  # half away from zero, like Sheets (not banker's rounding)
            return math.copysign(math.floor(abs(x) * f + 0.5 + 1e-9), x) / f
        if mode == "ROUNDUP":
            return math.copysign(math.ceil(abs(x) * f - 1e-9), x) / f
        return math.copysign(math.floor(abs(x) * f + 1e-9), x) / f
    return fn


def _unary_num(name: str, f: Callable[[float], float]) -> Callable[[list[Any], Context], Any]:
    def fn(args: list[Any], ctx: Context) -> Any:
        if len(args) != 1:
            return Err("N_A", f"Wrong number of arguments to {name}. Expected 1 arguments.")
        x = to_number(args[0], name, 1)
        return x if isinstance(x, Err) else f(x)
    return fn


def _text_fn(name: str, f: Callable[[str], Any]) -> Callable[[list[Any], Context], Any]:
    def fn(args: list[Any], ctx: Context) -> Any:
        if len(args) != 1:
            return Err("N_A", f"Wrong number of arguments to {name}. Expected 1 arguments.")
        v = scalar(args[0])
        return v if isinstance(v, Err) else f(to_text(v))
    return fn


def _concat(args: list[Any], ctx: Context) -> Any:
    out = []
    for a in args:
        for v in (a.flat() if isinstance(a, Range) else [a]):
            if isinstance(v, Err):
                return v
            out.append(to_text(v))
    return "".join(out)


def _is(pred: Callable[[Any], bool]) -> Callable[[list[Any], Context], Any]:
    return lambda args, ctx: pred(scalar(args[0]) if args else None)


def _mod(args: list[Any], ctx: Context) -> Any:
    a, b = to_number(args[0], "MOD", 1), to_number(args[1], "MOD", 2)
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b
    if b == 0:
        return Err("DIVIDE_BY_ZERO", "Function MOD parameter 2 cannot be zero.")
    return a - b * math.floor(a / b)


def _text(args: list[Any], ctx: Context) -> Any:
    x = to_number(args[0], "TEXT", 1)
    if isinstance(x, Err):
        v = scalar(args[0])
        return v if isinstance(v, Err) else to_text(v)
    return cv.apply_pattern(x, to_text(args[1]), cv.LOCALES["en_US"])


def _value(args: list[Any], ctx: Context) -> Any:
    return to_number(args[0], "VALUE", 1)


def _hyperlink(args: list[Any], ctx: Context) -> Any:
    """HYPERLINK(url, [label]): the cell's value is the label (or the URL when there is none)."""
    if len(args) not in (1, 2):
        return Err("N_A", f"Wrong number of arguments to HYPERLINK. Expected between 1 and 2 arguments, but got "
                          f"{len(args)} arguments.")
    v = scalar(args[-1] if len(args) == 2 and args[1] is not None else args[0])
    return v if isinstance(v, Err) else to_text(v)


def _sparkline(args: list[Any], ctx: Context) -> Any:
    """SPARKLINE draws a chart in the cell; the cell itself holds no value."""
    if len(args) not in (1, 2):
        return Err("N_A", f"Wrong number of arguments to SPARKLINE. Expected between 1 and 2 arguments, but got "
                          f"{len(args)} arguments.")
    for v in (args[0].flat() if isinstance(args[0], Range) else [args[0]]):
        if isinstance(v, Err):
            return v
    return None


FUNCTIONS: dict[str, Callable[[list[Any], Context], Any]] = {
    "SUM": _sum, "MIN": _min, "MAX": _max, "AVERAGE": _average, "COUNT": _count, "COUNTA": _counta,
    "COUNTBLANK": _countblank, "COUNTIF": _countif, "COUNTIFS": _countifs, "SUMIF": _sumif, "SUMIFS": _sumifs,
    "AND": _and, "OR": _or, "NOT": _not, "TODAY": _today, "NOW": _now, "DATE": _date,
    "YEAR": _date_part("year"), "MONTH": _date_part("month"), "DAY": _date_part("day"),
    "ROUND": _round("ROUND"), "ROUNDUP": _round("ROUNDUP"), "ROUNDDOWN": _round("ROUNDDOWN"),
    "ABS": _unary_num("ABS", abs), "INT": _unary_num("INT", lambda x: float(math.floor(x))),
    "MOD": _mod, "LEN": _text_fn("LEN", lambda s: float(len(s))), "UPPER": _text_fn("UPPER", str.upper),
    "LOWER": _text_fn("LOWER", str.lower), "TRIM": _text_fn("TRIM", lambda s: " ".join(s.split())),
    "CONCATENATE": _concat, "CONCAT": _concat, "TEXT": _text, "VALUE": _value,
    "HYPERLINK": _hyperlink, "SPARKLINE": _sparkline,
    "ISBLANK": _is(lambda v: v is None), "ISNUMBER": _is(lambda v: isinstance(v, int | float)
                                                          and not isinstance(v, bool)),
    "ISTEXT": _is(lambda v: isinstance(v, str)), "ISERROR": _is(lambda v: isinstance(v, Err)),
}


def _if(args: list[Any], ctx: Context) -> Any:
    if len(args) not in (2, 3):
        return Err("N_A", f"Wrong number of arguments to IF. Expected between 2 and 3 arguments, but got "
                          f"{len(args)} arguments.")
    cond = to_bool(_eval(args[0], ctx), "IF")
    if isinstance(cond, Err):
        return cond
    if cond:
        return _eval(args[1], ctx)
    return _eval(args[2], ctx) if len(args) == 3 else False


def _iferror(args: list[Any], ctx: Context) -> Any:
    if len(args) not in (1, 2):
        return Err("N_A", "Wrong number of arguments to IFERROR. Expected between 1 and 2 arguments.")
    v = _eval(args[0], ctx)
    if isinstance(scalar(v), Err):
        return _eval(args[1], ctx) if len(args) == 2 else None
    return v


def _ifna(args: list[Any], ctx: Context) -> Any:
    v = _eval(args[0], ctx)
    s = scalar(v)
    if isinstance(s, Err) and s.type == "N_A":
        return _eval(args[1], ctx) if len(args) == 2 else None
    return v


LAZY: dict[str, Callable[[list[Any], Context], Any]] = {"IF": _if, "IFERROR": _iferror, "IFNA": _ifna}

SUPPORTED = sorted(set(FUNCTIONS) | set(LAZY))


# --- moving formulas -------------------------------------------------------------------------
_REF_PART = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?")


def shift_formula(formula: str, dr: int, dc: int) -> str:
    """``formula`` as pasted ``dr`` rows down and ``dc`` columns right: relative references move.

    A reference pushed above row 1 or left of column A becomes ``#REF!``, as in Sheets.
    """
    if (dr == 0 and dc == 0) or not formula.startswith("="):
        return formula
    text = formula[1:]
    out, i = ["="], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            return formula
        tok = m.group(0)
        if m.lastgroup == "ref":
            tok = _shift_ref(tok, dr, dc)
        out.append(tok)
        i = m.end()
    return "".join(out)


def _shift_ref(tok: str, dr: int, dc: int) -> str:
    prefix = ""
    if "!" in tok:
        sheet, _, tok = tok.rpartition("!")
        prefix = sheet + "!"
    parts = []
    for part in tok.split(":"):
        m = _REF_PART.fullmatch(part)
        if not m:
            return prefix + tok
        dcol, col, drow, row = m.groups()
        if col:
            ci = col_to_index(col) + (0 if dcol else dc)
            if ci < 0:
                return "#REF!"
            col = index_to_col(ci)
        if row:
            ri = int(row) + (0 if drow else dr)
            if ri < 1:
                return "#REF!"
            row = str(ri)
        parts.append(f"{dcol}{col or ''}{drow}{row or ''}")
    return prefix + ":".join(parts)
