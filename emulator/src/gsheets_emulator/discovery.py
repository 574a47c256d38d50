"""Validate API requests against Google's Discovery documents (shipped by google-api-python-client).

``problems(method_id, body, query)`` walks the method's request schema (``$ref``, properties,
arrays, maps, enums, scalar types) and its query parameters, and lists what Google's schema
does not have: unknown fields, bad enum values, wrong types, unknown parameters.

The pytest plugin (``gsheets_emulator_validate = true``) installs :func:`check_request` as an
:attr:`Emulator.validators` hook, so every request any test sends through any emulator is checked.
Needs google-api-python-client (the ``[discovery]`` extra).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import googleapiclient

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"

# Requests real clients send that Google accepts although its schema lacks them.
# gspread's Spreadsheet.share sends the Drive v2 field ``withLink`` (always false) to v3.
# gspread's Client.get_file_drive_metadata sends ``includeItemsFromAllDrives`` to files.get.
TOLERATED = {("drive.permissions.create", "body.withLink"), ("drive.files.get", "query.includeItemsFromAllDrives")}


class DiscoveryViolation(AssertionError):
    """A request Google's Discovery document says is malformed."""


@functools.cache
def _doc(api: str) -> dict[str, Any]:
    return json.loads((DOCS / f"{api}.json").read_text())


@functools.cache
def _methods() -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}

    def walk(api: str, resources: dict[str, Any]) -> None:
        for res in resources.values():
            for m in res.get("methods", {}).values():
                out[m["id"]] = (api, m)
            walk(api, res.get("resources", {}))

    for api in ("sheets.v4", "drive.v3"):
        walk(api, _doc(api)["resources"])
    return out


def known(method_id: str) -> bool:
    return method_id in _methods()


def problems(method_id: str, body: Any = None, query: dict[str, list[str]] | None = None) -> list[str]:
    """Everything about this request that Google's schema does not allow; [] when it is clean."""
    api, method = _methods()[method_id]
    doc = _doc(api)
    out: list[str] = []
    params = {**doc.get("parameters", {}), **method.get("parameters", {})}
    for name, values in (query or {}).items():
        spec = params.get(name)
        if spec is None or spec.get("location") == "path":
            out.append(f"query.{name}: unknown parameter")
            continue
        for v in values:
            _scalar(spec, v, f"query.{name}", out, from_query=True)
    ref = (method.get("request") or {}).get("$ref")
    if body is not None and ref is not None:
        _check(doc, {"$ref": ref}, body, "body", out)
    elif body not in (None, {}) and ref is None:
        out.append("body: this method takes no request body")
    return [p for p in out if (method_id, p.split(":")[0]) not in TOLERATED]


def _check(doc: dict[str, Any], schema: dict[str, Any], value: Any, path: str, out: list[str]) -> None:
    if value is None:
        # proto3 JSON: null is accepted for every field and means its default; gspread's
        # clear_tab_color sends tabColorStyle.rgbColor null and Google answers 200
        # (WorksheetTest.test_clear_tab_color.json in burnash/gspread)
        return
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            out.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            if k in props:
                _check(doc, props[k], v, f"{path}.{k}", out)
            elif extra is not None:
                _check(doc, extra, v, f"{path}.{k}", out)
            else:
                out.append(f"{path}.{k}: unknown field")
        return
    if kind == "array":
        if not isinstance(value, list):
            out.append(f"{path}: expected an array, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(doc, schema.get("items", {}), item, f"{path}[{i}]", out)
        return
    _scalar(schema, value, path, out)


def _scalar(schema: dict[str, Any], value: Any, path: str, out: list[str], *, from_query: bool = False) -> None:
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "any" or value is None:
        return
    if from_query:  # query values are text; check what the text must look like
        if kind == "boolean" and value.lower() not in ("true", "false"):
            out.append(f"{path}: {value!r} is not a boolean")
        elif kind == "integer" and not value.lstrip("-").isdigit():
            out.append(f"{path}: {value!r} is not an integer")
    elif kind == "string":
        ok = isinstance(value, str) or (fmt in ("int64", "uint64") and isinstance(value, int)
                                        and not isinstance(value, bool))
        if not ok:
            out.append(f"{path}: expected a string, got {type(value).__name__}")
            return
    elif kind == "integer":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            out.append(f"{path}: expected an integer, got {value!r}")
            return
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(f"{path}: expected a number, got {value!r}")
            return
    elif kind == "boolean":
        if not isinstance(value, bool):
            out.append(f"{path}: expected a boolean, got {value!r}")
            return
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        out.append(f"{path}: {value!r} is not one of {enum}")


# --- the hook the test suite installs -------------------------------------------------------

#: Violations seen since the current test started: (method id, status, problems).
SEEN: list[tuple[str, int, list[str]]] = []


def check_request(req: Any, status: int) -> None:
    """Emulator.validators hook: record every violation; raise at once if the emulator accepted it."""
    if not req.name or not known(req.name):
        return
    body: Any = None
    ctype = req.headers.get("content-type", "")
    if req.body and ("json" in ctype or not ctype):
        try:
            body = json.loads(req.body)
        except ValueError:
            body = None  # the emulator answers malformed JSON itself
    found = problems(req.name, body, req.query)
    if not found:
        return
    SEEN.append((req.name, status, found))
    if status < 400:
        raise DiscoveryViolation(f"{req.method} {req.path} ({req.name}) was accepted by the emulator but Google's "
                                 f"Discovery document rejects it: {'; '.join(found)}")
