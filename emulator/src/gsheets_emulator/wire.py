"""Shapes Google puts on the wire that are not in the request: colour twins, float32 colours, omitted zeros.

Each rule here was read off real Google responses recorded in gspread's public cassettes
(burnash/gspread ``tests/cassettes/*.json``); the cassette is named beside the rule.
"""

from __future__ import annotations

import struct
from typing import Any

# properties.spreadsheetTheme of a spreadsheet created through the API (every GET in the cassettes,
# e.g. CellTest.test_a1_value.json). Colours are float32 values, printed as Google prints them.
DEFAULT_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}

_GRID_KEYS = frozenset({"sheetId", "startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"})
_DIM_KEYS = frozenset({"sheetId", "dimension", "startIndex", "endIndex"})
_SKIP = frozenset({"developerMetadata", "location", "dataFilters", "dataFilter", "properties"})


def f32(x: float) -> float | int:
    """``x`` as Google stores a colour component (float32), printed with the fewest digits, as Google prints it.

    ``0.4980392156862745`` comes back as ``0.49803922`` (WorksheetTest.test_set_tab_color.json); 1 stays 1.
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        return x
    v = struct.unpack("f", struct.pack("f", float(x)))[0]
    if v == int(v):
        return int(v)
    for digits in range(1, 10):
        s = float(f"{v:.{digits}g}")
        if struct.unpack("f", struct.pack("f", s))[0] == v:
            return s
    return v


def color(c: Any) -> Any:
    """A Color as Google echoes it: float32 components, zero components omitted (an all-zero colour is ``{}``)."""
    if not isinstance(c, dict):
        return c
    out = {}
    for k, v in c.items():
        if k in ("red", "green", "blue", "alpha") and isinstance(v, int | float) and not isinstance(v, bool):
            v = f32(v)
            if v == 0 and k != "alpha":
                continue
        out[k] = v
    return out


def tab_color(props: dict[str, Any]) -> None:
    """Tab colours are kept in 8 bits per channel: blue 0.5 reads back 0.49803922 (127/255)
    (WorksheetTest.test_update_tab_color.json in burnash/gspread). Applied in place to SheetProperties."""
    def q(c: Any) -> Any:
        if not isinstance(c, dict):
            return c
        return color({k: (int(v * 255 + 1e-6) / 255 if k in ("red", "green", "blue") and isinstance(v, int | float)
                          and not isinstance(v, bool) else v) for k, v in c.items()})

    if isinstance(props.get("tabColor"), dict):
        props["tabColor"] = q(props["tabColor"])
    style = props.get("tabColorStyle")
    if isinstance(style, dict) and isinstance(style.get("rgbColor"), dict):
        props["tabColorStyle"] = {**style, "rgbColor": q(style["rgbColor"])}


def color_style(cs: Any) -> Any:
    if isinstance(cs, dict) and isinstance(cs.get("rgbColor"), dict):
        return {**cs, "rgbColor": color(cs["rgbColor"])}
    return cs


# (holder path, colour key, style key): where a Color and its ColorStyle twin live in a CellFormat.
_FORMAT_TWINS = ((("",), "backgroundColor", "backgroundColorStyle"),
                 (("textFormat",), "foregroundColor", "foregroundColorStyle"),
                 (("borders", "top"), "color", "colorStyle"),
                 (("borders", "bottom"), "color", "colorStyle"),
                 (("borders", "left"), "color", "colorStyle"),
                 (("borders", "right"), "color", "colorStyle"))


def twin(holder: dict[str, Any], ckey: str, skey: str, before: tuple[Any, Any] | None = None) -> None:
    """Keep a Color and its ColorStyle twin in step, as Google does (WorksheetTest.test_format.json:
    a ``backgroundColor`` written comes back with ``backgroundColorStyle: {rgbColor: ...}`` too).

    ``before`` is (colour, style) before the write; the one that changed wins. When both are given the
    style wins (the ColorStyle reference: "If color is also set, this field takes precedence").
    """
    c, s = holder.get(ckey), holder.get(skey)
    if s is not None and not (isinstance(s, dict) and any(v is not None for v in s.values())):
        holder.pop(skey, None)  # an empty ColorStyle ({} or {"rgbColor": null}) clears
        s = None
        if before is not None and before[1] is not None and c == before[0]:
            holder.pop(ckey, None)  # the style was cleared: its twin goes too
            return
    c_changed = before is None or c != before[0]
    s_changed = before is None or s != before[1]
    if s is not None and (s_changed or not c_changed):
        holder[skey] = color_style(s)
        if "rgbColor" in s:
            holder[ckey] = color(s["rgbColor"])
        # a theme colour has no rgb twin we could compute without the theme; Google fills it, we leave it
    elif c is not None:
        holder[ckey] = color(c)
        holder[skey] = {"rgbColor": color(c)}
    elif before is not None and before[0] is not None and s is not None:
        holder.pop(skey, None)  # the colour was cleared: its twin goes too


def _holder(fmt: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    h: Any = fmt
    for p in path:
        if not p:
            continue
        h = h.get(p) if isinstance(h, dict) else None
    return h if isinstance(h, dict) else None


def format_snapshot(fmt: dict[str, Any] | None) -> list[tuple[Any, Any] | None]:
    out: list[tuple[Any, Any] | None] = []
    for path, ck, sk in _FORMAT_TWINS:
        h = _holder(fmt or {}, path)
        out.append((h.get(ck), h.get(sk)) if h is not None else None)
    return out


def twin_format(fmt: dict[str, Any] | None, before: list[tuple[Any, Any] | None] | None = None) -> None:
    """Apply :func:`twin` to every colour of a CellFormat (in place)."""
    if not fmt:
        return
    for i, (path, ck, sk) in enumerate(_FORMAT_TWINS):
        h = _holder(fmt, path)
        if h is not None and (ck in h or sk in h):
            twin(h, ck, sk, before[i] if before else None)


def omit_zero_sheet_ids(obj: Any) -> Any:
    """Drop ``sheetId: 0`` from every GridRange and DimensionRange in ``obj`` (in place; returns it).

    Google omits a GridRange's zero sheetId (merges, named and protected ranges, filters, groups:
    CellTest.test_merge_cells.json, CellTest.test_define_named_range.json, WorksheetTest.test_group_rows.json)
    while keeping ``sheetId: 0`` in SheetProperties. Developer metadata locations are left alone.
    """
    if isinstance(obj, dict):
        if obj.get("sheetId") == 0 and (obj.keys() <= _GRID_KEYS or (
                "dimension" in obj and obj.keys() <= _DIM_KEYS)):
            del obj["sheetId"]
        for k, v in obj.items():
            if k not in _SKIP and isinstance(v, dict | list):
                omit_zero_sheet_ids(v)
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, dict | list):
                omit_zero_sheet_ids(v)
    return obj


def omit_zero_sheet_id_range(gr: dict[str, Any]) -> dict[str, Any]:
    """A GridRange held alone (``{"sheetId": 0}`` for the whole first sheet becomes ``{}``)."""
    if gr.get("sheetId") == 0:
        gr = dict(gr)
        del gr["sheetId"]
    return gr
