"""Drive v3 ``files.list`` search queries (the ``q`` parameter), parsed into a predicate.

Grammar (Drive's "Search query terms and operators"): terms ``field op value`` joined by
``and`` / ``or``, negated by ``not``, grouped by parentheses. Supported terms:

* ``name`` and ``mimeType`` with ``=``, ``!=``, ``contains`` (name ``contains`` is Drive's
  case-insensitive prefix match on the name's words, so 'Hello' finds "HelloWorld" but 'World' does not);
* ``trashed`` and ``starred`` with ``=``, ``!=`` and ``true`` / ``false``;
* ``modifiedTime`` and ``createdTime`` with ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` and an RFC 3339 string;
* ``'ID' in parents`` (and gspread's ``parents in 'ID'``), ``'EMAIL' in owners|writers|readers``;
* ``sharedWithMe`` and ``appProperties has { key='K' and value='V' }``.

Strings take single or double quotes with backslash escapes. Anything else (``fullText``,
``properties has``, ``sharedWithMe``...) is a 400 naming the term — never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .model import rfc3339

if TYPE_CHECKING:
    from .core import Emulator
    from .model import FileState

Pred = Callable[["FileState"], bool]

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<paren>[(){}])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""", re.VERBOSE)

UNSUPPORTED_FIELDS = {"fullText", "properties", "visibility", "viewedByMeTime",
                      "shortcutDetails.targetId", "memberCount", "organizerCount", "hidden"}


@dataclass
class _Tok:
    kind: str  # "str" | "op" | "paren" | "word"
    text: str
    pos: int


def bad_query(q: str, why: str) -> ApiError:
    return ApiError(400, f"Invalid Value: q: {why} (in query {q!r}).", reason="invalid")


def _tokens(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise bad_query(q, f"unexpected character {q[pos:].lstrip()[:1]!r} at position {pos}")
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append(_Tok(kind, text, m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, q: str, emulator: Emulator, user: str) -> None:
        self.q, self.emu, self.user = q, emulator, user
        self.toks = _tokens(q)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise bad_query(self.q, "the query ends too early")
        self.i += 1
        return t

    def keyword(self, word: str) -> bool:
        t = self.peek()
        if t is not None and t.kind == "word" and t.text.lower() == word:
            self.i += 1
            return True
        return False

    def parse(self) -> Pred:
        pred = self.or_expr()
        if self.peek() is not None:
            t = self.peek()
            assert t is not None
            raise bad_query(self.q, f"unexpected {t.text!r} at position {t.pos}")
        return pred

    def or_expr(self) -> Pred:
        parts = [self.and_expr()]
        while self.keyword("or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda f: any(p(f) for p in parts))

    def and_expr(self) -> Pred:
        parts = [self.not_expr()]
        while self.keyword("and"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda f: all(p(f) for p in parts))

    def not_expr(self) -> Pred:
        if self.keyword("not"):
            inner = self.not_expr()
            return lambda f: not inner(f)
        t = self.peek()
        if t is not None and t.kind == "paren" and t.text == "(":
            self.i += 1
            inner = self.or_expr()
            if self.peek() is None:
                raise bad_query(self.q, f"expected ')' to close the '(' at position {t.pos}")
            close = self.take()
            if close.kind != "paren" or close.text != ")":
                raise bad_query(self.q, f"expected ')' at position {close.pos}")
            return inner
        return self.term()

    def term(self) -> Pred:
        first = self.take()
        if first.kind == "str":  # 'value' in collection
            if not self.keyword("in"):
                raise bad_query(self.q, f"expected 'in' after {first.text!r}")
            coll = self.take()
            return self.membership(first.text, coll)
        if first.kind != "word":
            raise bad_query(self.q, f"unexpected {first.text!r} at position {first.pos}")
        field = first.text
        if field in UNSUPPORTED_FIELDS:
            raise ApiError(400, f"Invalid Value: q: the search term {field!r} is not supported by the sheetsync "
                                "emulator (supported: name, mimeType, trashed, starred, modifiedTime, createdTime, "
                                "parents, owners, writers, readers, sharedWithMe, appProperties has).",
                           reason="invalid")
        if field == "sharedWithMe":
            return self.shared_with_me()
        if field == "appProperties":
            return self.app_property()
        op_tok = self.take()
        op = op_tok.text.lower() if op_tok.kind in ("op", "word") else ""
        if field == "parents" and op == "in":  # gspread's `parents in "ID"`
            value = self.take()
            if value.kind != "str":
                raise bad_query(self.q, "expected a quoted folder id after 'parents in'")
            return self.membership(value.text, first)
        value = self.take()
        return self.comparison(field, op, value)

    def shared_with_me(self) -> Pred:
        """``sharedWithMe`` (optionally ``= true|false``): files someone else owns that the caller can open."""
        want = True
        t = self.peek()
        if t is not None and t.kind == "op":
            op = self.take().text
            v = self.take()
            if op not in ("=", "!=") or v.kind != "word" or v.text.lower() not in ("true", "false"):
                raise bad_query(self.q, "sharedWithMe takes no operator, or = / != true|false")
            want = (v.text.lower() == "true") == (op == "=")
        user = self.user.lower()
        return lambda f: (f.owner.lower() != user) == want

    def app_property(self) -> Pred:
        """``appProperties has { key='k' and value='v' }``."""
        parts = []
        for expect in ("has", "{", "key", "=", None, "and", "value", "=", None, "}"):
            t = self.take()
            if expect is None:
                if t.kind != "str":
                    raise bad_query(self.q, f"expected a quoted string at position {t.pos}")
                parts.append(t.text)
            elif t.text.lower() != expect:
                raise bad_query(self.q, "write appProperties has { key='KEY' and value='VALUE' }")
        key, value = parts
        return lambda f: f.app_properties.get(key) == value

    def membership(self, value: str, coll: _Tok) -> Pred:
        name = coll.text
        if coll.kind != "word" or name not in ("parents", "owners", "writers", "readers"):
            raise bad_query(self.q, f"{name!r} is not a collection one can search with 'in'")
        if name == "parents":
            if value == "root":
                return lambda f: not f.parents
            return lambda f: value in f.parents
        if name == "owners":
            return lambda f: f.owner.lower() == value.lower()
        need = {"writers": ("writer", "owner"), "readers": ("reader", "commenter", "writer", "owner")}[name]
        # Drive's readers/writers collections are explicit permissions, not inherited ones
        return lambda f: any(p.get("emailAddress", "").lower() == value.lower() and p["role"] in need
                             for p in f.permissions)

    def comparison(self, field: str, op: str, value: _Tok) -> Pred:
        if field in ("name", "mimeType"):
            if value.kind != "str":
                raise bad_query(self.q, f"{field} must be compared with a quoted string")
            v = value.text
            get: Callable[[FileState], str] = (lambda f: f.name) if field == "name" else (lambda f: f.mime_type)
            if op == "=":
                return lambda f: get(f) == v
            if op == "!=":
                return lambda f: get(f) != v
            if op == "contains":
                if field == "name":
                    return lambda f: _name_contains(f.name, v)
                return lambda f: v in f.mime_type
            raise bad_query(self.q, f"{field} supports =, != and contains, not {op!r}")
        if field in ("trashed", "starred"):
            if value.kind != "word" or value.text.lower() not in ("true", "false"):
                raise bad_query(self.q, f"{field} must be compared with true or false")
            b = value.text.lower() == "true"
            attr: Callable[[FileState], bool] = (lambda f: f.trashed) if field == "trashed" else (lambda f: False)
            if op == "=":
                return lambda f: attr(f) == b
            if op == "!=":
                return lambda f: attr(f) != b
            raise bad_query(self.q, f"{field} supports = and !=, not {op!r}")
        if field in ("modifiedTime", "createdTime"):
            if value.kind != "str":
                raise bad_query(self.q, f"{field} must be compared with a quoted RFC 3339 date-time")
            # stored stamps are canonical RFC 3339 in UTC with milliseconds, so they compare as text
            t = rfc3339(_parse_time(value.text, self.q).timestamp())
            stamp: Callable[[FileState], str] = (
                (lambda f: f.drive_modified_time) if field == "modifiedTime" else (lambda f: f.created_time))
            ops: dict[str, Callable[[str, str], bool]] = {
                "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
            if op not in ops:
                raise bad_query(self.q, f"{field} supports =, !=, <, <=, >, >=, not {op!r}")
            cmp = ops[op]
            return lambda f: cmp(stamp(f), t)
        raise bad_query(self.q, f"unknown search field {field!r}")


def _name_contains(name: str, prefix: str) -> bool:
    """Drive matches ``name contains`` as a case-insensitive prefix of the name or of one of its words."""
    p = prefix.lower()
    low = name.lower()
    if low.startswith(p):
        return True
    return any(w.startswith(p) for w in re.split(r"[\W_]+", low) if w)  # non-alphanumerics split words


def _parse_time(text: str, q: str) -> datetime:
    try:
        from dateutil.parser import isoparse

        dt = isoparse(text)
    except (ValueError, OverflowError):
        raise bad_query(q, f"{text!r} is not an RFC 3339 date-time such as '2026-11-22T12:00:00Z'") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # Drive reads a zone-less time as UTC
    return dt


def compile_query(q: str | None, emulator: Emulator, user: str) -> Pred:
    if q is None or not q.strip():
        return lambda f: True
    return _Parser(q, emulator, user).parse()


def order_key(order_by: str | None) -> Callable[[list[Any]], list[Any]] | None:
    """A sorter for ``orderBy`` (comma-separated keys, each optionally followed by ``desc``)."""
    if not order_by:
        return None
    keys: list[tuple[str, bool]] = []
    for part in order_by.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != "desc"):
            raise ApiError(400, f"Invalid Value: orderBy: cannot read {part.strip()!r}; write 'key' or 'key desc'.",
                           reason="invalid")
        if words[0] not in _SORT:
            raise ApiError(400, f"Invalid Value: orderBy: sort key {words[0]!r} is not supported by the sheetsync "
                                f"emulator (supported: {', '.join(sorted(_SORT))}).", reason="invalid")
        keys.append((words[0], len(words) == 2))

    def sort(files: list[Any]) -> list[Any]:
        out = list(files)
        for key, desc in reversed(keys):  # stable sorts, last key first
            out.sort(key=_SORT[key], reverse=desc)
        return out

    return sort


_SORT: dict[str, Callable[[Any], Any]] = {
    "name": lambda f: f.name,
    "name_natural": lambda f: [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", f.name)],
    "modifiedTime": lambda f: f.drive_modified_time,
    "recency": lambda f: f.drive_modified_time,
    "createdTime": lambda f: f.created_time,
    "folder": lambda f: f.mime_type != "application/vnd.google-apps.folder",
    "starred": lambda f: False,
}
