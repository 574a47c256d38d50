"""Field masks: the ``fields`` query parameter (partial responses) and update-style ``fields``.

Google accepts one grammar for both: comma-separated paths, ``/`` or ``.`` between names,
and ``name(sub,mask)`` to select several children at once, e.g.
``sheets(properties(sheetId,title),data/rowData)``; ``*`` selects everything at its level.
A mask is parsed into a tree ``{name: subtree}`` where ``None`` means "the whole value", so
``a,a/b`` and ``a/b,a`` both select all of ``a``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from .errors import ApiError

Mask = dict[str, "Mask | None"]

_NAME = re.compile(r"\*|[A-Za-z_][A-Za-z0-9_]*")


def parse(text: str) -> Mask:
    """Parse a field mask into a tree; a malformed mask is Google's 400 naming the problem."""
    paths: list[tuple[str, ...]] = []
    pos = _parse_list(text, 0, (), paths)
    if pos != len(text):
        raise _bad(text, pos)
    tree: Mask = {}
    for p in paths:
        _insert(tree, p)
    return tree


def paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The leaf paths of a mask tree, e.g. ``[("gridProperties", "rowCount"), ("title",)]``."""
    out: list[tuple[str, ...]] = []
    for k, sub in mask.items():
        if sub is None:
            out.append(prefix + (k,))
        else:
            out.extend(paths(sub, prefix + (k,)))
    return out


def _bad(text: str, pos: int) -> ApiError:
    got = repr(text[pos]) if pos < len(text) else "end of text"
    return ApiError(400, f"Invalid field selection {text!r}: unexpected {got} at position {pos}. "
                         "Write field names separated by ',', sub-fields with '/' or '.', and groups as 'a(b,c)'.")


def _parse_list(text: str, pos: int, prefix: tuple[str, ...], out: list[tuple[str, ...]]) -> int:
    while True:
        pos = _parse_path(text, pos, prefix, out)
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return pos


def _parse_path(text: str, pos: int, prefix: tuple[str, ...], out: list[tuple[str, ...]]) -> int:
    pos = _skip_ws(text, pos)
    m = _NAME.match(text, pos)
    if not m:
        raise _bad(text, pos)
    here = prefix + (m.group(0),)
    pos = m.end()
    if pos < len(text) and text[pos] in "/.":
        return _parse_path(text, pos + 1, here, out)
    if pos < len(text) and text[pos] == "(":
        pos = _parse_list(text, pos + 1, here, out)
        if pos >= len(text) or text[pos] != ")":
            raise _bad(text, pos)
        return pos + 1
    out.append(here)
    return pos


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _insert(tree: Mask, path: tuple[str, ...]) -> None:
    node = tree
    for name in path[:-1]:
        if name in node and node[name] is None:
            return  # already whole
        node = node.setdefault(name, {})  # type: ignore[assignment]
    node[path[-1]] = None


# --- partial responses ------------------------------------------------------------------

def project(value: Any, mask: Mask | None) -> Any:
    """``value`` keeping only what ``mask`` selects; lists are projected element by element.

    Selected fields absent from ``value`` stay absent (as in Google's partial responses).
    """
    if mask is None:
        return value
    if isinstance(value, list):
        return [project(v, mask) for v in value]
    if not isinstance(value, dict):
        return value  # a scalar under a sub-selection: Google returns it whole
    if "*" in mask:
        star = mask["*"]
        out = {k: project(v, star) for k, v in value.items()}
        for k, sub in mask.items():
            if k != "*" and k in value:
                out[k] = project(value[k], _union(star, sub))
        return out
    out = {}
    for k, sub in mask.items():
        if k in value:
            out[k] = project(value[k], sub)
    return out


def _union(a: Mask | None, b: Mask | None) -> Mask | None:
    if a is None or b is None:
        return None
    out: Mask = dict(a)
    for k, v in b.items():
        out[k] = _union(out[k], v) if k in out else v
    return out


def check_known(mask: Mask, schema: str, where: str = "fields") -> None:
    """400 for a mask naming a field the Discovery schema ``schema`` does not have.

    The Discovery document ships with google-api-python-client; without it the check is skipped.
    """
    for k, sub in mask.items():
        if k == "*":
            continue
        props = schema_properties(schema)
        if props is None:
            return
        if k not in props:
            raise ApiError(400, f"Request contains an invalid argument: invalid field selection {k!r} in the "
                                f"{where} mask ({schema} has no such field).")
        ref = props[k]
        if sub is not None and ref is not None:
            check_known(sub, ref, where)


SCHEMA_FILE = Path(__file__).with_name("sheets_v4_schemas.json")


@functools.cache
def _discovery() -> dict[str, Any] | None:
    """The Sheets v4 Discovery schemas (field names, types, enums) shipped with the emulator.

    A trimmed copy of the document google-api-python-client ships, so request bodies and field
    masks are checked at run time too; refresh it with ``python -m gsheets_emulator.fields``.
    """
    try:
        return json.loads(SCHEMA_FILE.read_text())
    except OSError:  # pragma: no cover - a broken install
        return None


def refresh_schema_file() -> None:
    """Rewrite :data:`SCHEMA_FILE` from the installed google-api-python-client's Discovery document."""
    import googleapiclient

    doc = json.loads((Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
                      / "sheets.v4.json").read_text())

    def trim(spec: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: spec[k] for k in ("type", "$ref", "enum", "format") if k in spec}
        for k in ("items", "additionalProperties"):
            if k in spec:
                out[k] = trim(spec[k])
        return out

    schemas = {name: {"properties": {p: trim(v) for p, v in sch.get("properties", {}).items()}}
               for name, sch in sorted(doc["schemas"].items())}
    SCHEMA_FILE.write_text(json.dumps({"revision": doc.get("revision"), "schemas": schemas},
                                      separators=(",", ":"), sort_keys=True) + "\n")


@functools.cache
def schema_properties(schema: str) -> dict[str, str | None] | None:
    """``{field: schema name of its (element) type or None}`` for a Sheets v4 schema, None when unknown."""
    doc = _discovery()
    if doc is None or schema not in doc["schemas"]:
        return None
    out: dict[str, str | None] = {}
    for name, spec in doc["schemas"][schema].get("properties", {}).items():
        item = spec.get("items", spec)
        out[name] = item.get("$ref")
    return out


def check_body(value: Any, schema: str, where: str) -> None:
    """400 naming the first field of a request body that the Discovery schema does not define.

    JSON nulls are dropped from ``value`` in place (Google reads null as "not set").

    Also checks enum values and scalar types. The walk runs without building paths (large
    updateCells bodies have hundreds of thousands of nodes); only a failing body is walked
    again to name the offending field.
    """
    doc = _discovery()
    if doc is None or schema not in doc["schemas"]:
        return
    schemas = doc["schemas"]
    if _ok(value, {"$ref": schema}, schemas):
        return
    drop_nulls(value)  # null means "not set" (rare; the fast path treats it as a failure)
    if not _ok(value, {"$ref": schema}, schemas):
        _check_value(value, {"$ref": schema}, where, schemas)


def _ok(value: Any, spec: dict[str, Any], schemas: dict[str, Any]) -> bool:
    if value is None:
        return False
    ref = spec.get("$ref")
    if ref is not None:
        if type(value) is not dict:
            return False
        props = schemas[ref]["properties"]
        for k, v in value.items():
            sub = props.get(k)
            if sub is None or not _ok(v, sub, schemas):
                return False
        return True
    t = spec.get("type")
    if t == "array":
        if type(value) is not list:
            return False
        item = spec.get("items", {})
        return all(_ok(v, item, schemas) for v in value)
    if "enum" in spec:
        return value in spec["enum"]
    if t == "integer":
        return (type(value) is int) or (type(value) is str and value.lstrip("-").isdigit())
    if t == "boolean":
        return type(value) is bool
    return True


def drop_nulls(value: Any) -> Any:
    """JSON ``null`` means "not set" to Google's parser; drop such fields (recursively, in place)."""
    if isinstance(value, dict):
        nulls = [k for k, v in value.items() if v is None]
        for k in nulls:
            del value[k]
        for v in value.values():
            if isinstance(v, dict | list):
                drop_nulls(v)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                drop_nulls(v)
    return value


def json_copy(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists, scalars): several times faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: json_copy(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) if isinstance(v, dict | list) else v for v in value]
    return value


def _check_value(value: Any, spec: dict[str, Any], where: str, schemas: dict[str, Any]) -> None:
    if value is None:
        return
    if "$ref" in spec:
        if not isinstance(value, dict):
            raise ApiError(400, f"Invalid value at '{where}': expected an object ({spec['$ref']}), got {value!r}.")
        props = schemas[spec["$ref"]].get("properties", {})
        for k, v in value.items():
            if k not in props:
                raise ApiError(400, f'Invalid JSON payload received. Unknown name "{k}" at \'{where}\': '
                                    "Cannot find field.")
            _check_value(v, props[k], f"{where}.{k}", schemas)
    elif spec.get("type") == "array":
        if not isinstance(value, list):
            raise ApiError(400, f"Invalid value at '{where}': expected a list, got {value!r}.")
        for i, v in enumerate(value):
            _check_value(v, spec.get("items", {}), f"{where}[{i}]", schemas)
    elif "enum" in spec:
        if value not in spec["enum"]:
            raise ApiError(400, f"Invalid value at '{where}' ({value!r}); expected one of "
                                f"{', '.join(e for e in spec['enum'] if not e.endswith('_UNSPECIFIED'))}.")
    elif spec.get("type") == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ApiError(400, f"Invalid value at '{where}' (TYPE_INT32), {value!r}")
        if isinstance(value, str) and not value.lstrip("-").isdigit():
            raise ApiError(400, f"Invalid value at '{where}' (TYPE_INT32), {value!r}")
    elif spec.get("type") == "boolean":
        if not isinstance(value, bool):
            raise ApiError(400, f"Invalid value at '{where}' (TYPE_BOOL), {value!r}")


# --- update-style masks -----------------------------------------------------------------

def apply(target: dict[str, Any], source: dict[str, Any], mask_text: str, *, where: str = "fields") -> None:
    """Copy the fields ``mask_text`` names from ``source`` into ``target`` (an update with a FieldMask).

    A named field absent from ``source`` is cleared in ``target`` — that is how Google's update
    requests reset a field to its default. ``*`` replaces every field.
    """
    if mask_text is None or not str(mask_text).strip():
        raise ApiError(400, f"Invalid requests: '{where}' is required and must name the fields to update "
                            "(for example \"title\", or \"*\" for all).")
    mask = parse(mask_text)
    _apply(target, source, mask)


def apply_tree(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    """:func:`apply` with an already parsed mask (parse once, apply to many cells)."""
    _apply(target, source, mask)


def _apply(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    if "*" in mask and mask["*"] is None:
        target.clear()
        target.update(json_copy(source))
        return
    for k, sub in mask.items():
        if sub is None or not isinstance(source.get(k, {}), dict):
            if k in source:
                target[k] = json_copy(source[k])
            else:
                target.pop(k, None)
            continue
        child = target.get(k)
        # a shallow copy before writing into it: nested values may be shared between cells (a data-validation
        # rule set over a range is one object), so a write into one cell must never reach another
        child = dict(child) if isinstance(child, dict) else {}
        _apply(child, source.get(k) or {}, sub)
        if child:
            target[k] = child
        else:
            target.pop(k, None)


if __name__ == "__main__":  # pragma: no cover
    refresh_schema_file()
    print(f"wrote {SCHEMA_FILE}")
