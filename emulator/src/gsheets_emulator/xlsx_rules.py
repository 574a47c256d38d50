"""Sheets conditional formats as Excel conditional-format rules (for the xlsx export).

Translated rather than evaluated into fixed fills, so the exported file keeps behaving like the
sheet: a status typed in Excel recolours its cell, and "overdue" follows Excel's own ``TODAY()``.

* ``booleanRule`` becomes an Excel *expression* rule. Every Sheets condition type is written as a
  formula on the rule's top-left cell — relative references then shift across the range in Excel
  exactly as in Sheets — with ``stopIfTrue``, because in Sheets the first matching rule wins.
* ``gradientRule`` becomes a colour scale (two or three points; MIN/MAX/NUMBER/PERCENT/PERCENTILE).
* Conditions with no faithful Excel form (``TEXT_IS_EMAIL``, ``ONE_OF_LIST`` …, relative dates other
  than yesterday/today/tomorrow) are left out; :func:`add_conditional_formats` returns how many.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl.formatting.rule import ColorScaleRule, Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter

from .model import SheetState

CFVO = {"MIN": "min", "MAX": "max", "NUMBER": "num", "PERCENT": "percent", "PERCENTILE": "percentile"}
RELATIVE_DAYS = {"YESTERDAY": -1, "TODAY": 0, "TOMORROW": 1}


def add_conditional_formats(ws: Any, sheet: SheetState) -> int:
    """Add the sheet's rules to the worksheet, in order; returns the number left out."""
    skipped = 0
    for cf in sheet.conditional_formats:
        ranges = [r for r in (_a1(g, sheet) for g in cf.get("ranges") or []) if r]
        if not ranges:
            skipped += 1
            continue
        rule = _rule(cf, _anchor(cf["ranges"][0]))
        if rule is None:
            skipped += 1
            continue
        ws.conditional_formatting.add(" ".join(ranges), rule)
    return skipped


def _a1(g: dict[str, Any], sheet: SheetState) -> str | None:
    r0, r1 = g.get("startRowIndex", 0), g.get("endRowIndex", sheet.row_count)
    c0, c1 = g.get("startColumnIndex", 0), g.get("endColumnIndex", sheet.col_count)
    if r1 <= r0 or c1 <= c0:
        return None
    return f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1)}{r1}"


def _anchor(g: dict[str, Any]) -> str:
    return f"{get_column_letter(g.get('startColumnIndex', 0) + 1)}{g.get('startRowIndex', 0) + 1}"


def _rule(cf: dict[str, Any], cell: str) -> Rule | None:
    if "gradientRule" in cf:
        return _gradient(cf["gradientRule"])
    boolean = cf.get("booleanRule") or {}
    formula = condition_formula(boolean.get("condition") or {}, cell)
    if formula is None:
        return None
    return Rule(type="expression", formula=[formula], dxf=_dxf(boolean.get("format") or {}), stopIfTrue=True)


def condition_formula(cond: dict[str, Any], c: str) -> str | None:
    """An Excel formula (no leading ``=``) true where the Sheets condition holds for cell `c`."""
    kind = cond.get("type")
    vals = cond.get("values") or []
    v = [_operand(x) for x in vals]
    if any(x is None for x in v):
        return None
    texts = [_text(x.get("userEnteredValue", "")) for x in vals]
    one = v[0] if v else None
    number = {"NUMBER_GREATER": ">", "NUMBER_GREATER_THAN_EQ": ">=", "NUMBER_LESS": "<",
              "NUMBER_LESS_THAN_EQ": "<=", "NUMBER_EQ": "=", "NUMBER_NOT_EQ": "<>"}
    date = {"DATE_EQ": "=", "DATE_BEFORE": "<", "DATE_AFTER": ">", "DATE_ON_OR_BEFORE": "<=",
            "DATE_ON_OR_AFTER": ">="}
    if kind in number and len(v) == 1:
        return f"AND(ISNUMBER({c}),{c}{number[kind]}{one})"
    if kind in ("NUMBER_BETWEEN", "NUMBER_NOT_BETWEEN") and len(v) == 2:
        inside = f"AND(ISNUMBER({c}),{c}>={v[0]},{c}<={v[1]})"
        return inside if kind == "NUMBER_BETWEEN" else f"AND(ISNUMBER({c}),NOT({inside}))"
    if kind in date and len(v) == 1:
        return f"AND(ISNUMBER({c}),INT({c}){date[kind]}{one})"
    if kind == "DATE_BETWEEN" and len(v) == 2:
        return f"AND(ISNUMBER({c}),INT({c})>={v[0]},INT({c})<={v[1]})"
    if kind == "TEXT_EQ" and len(v) == 1:
        return f"{c}={texts[0]}"
    if kind == "TEXT_NOT_EQ" and len(v) == 1:
        return f"{c}<>{texts[0]}"
    if kind == "TEXT_CONTAINS" and len(v) == 1:
        return f"ISNUMBER(SEARCH({texts[0]},{c}))"
    if kind == "TEXT_NOT_CONTAINS" and len(v) == 1:
        return f"ISERROR(SEARCH({texts[0]},{c}))"
    if kind == "TEXT_STARTS_WITH" and len(v) == 1:
        return f"LEFT({c},LEN({texts[0]}))={texts[0]}"
    if kind == "TEXT_ENDS_WITH" and len(v) == 1:
        return f"RIGHT({c},LEN({texts[0]}))={texts[0]}"
    if kind == "BLANK":
        return f"LEN({c})=0"
    if kind == "NOT_BLANK":
        return f"LEN({c})>0"
    if kind == "CUSTOM_FORMULA" and len(vals) == 1:
        f = str(vals[0].get("userEnteredValue", ""))
        return f[1:] if f.startswith("=") else f or None
    return None


def _operand(x: dict[str, Any]) -> str | None:
    """A condition value as an Excel operand: a formula, a number, a relative date or quoted text."""
    if "relativeDate" in x:
        days = RELATIVE_DAYS.get(x["relativeDate"])
        return None if days is None else ("TODAY()" if days == 0 else f"(TODAY(){days:+d})")
    raw = str(x.get("userEnteredValue", ""))
    if raw.startswith("="):
        return f"({raw[1:]})"
    try:
        float(raw.replace(",", "."))
        return raw.replace(",", ".")
    except ValueError:
        pass
    try:
        d = dt.date.fromisoformat(raw)
        return f"DATE({d.year},{d.month},{d.day})"
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y", "%m/%d/%Y"):
        try:
            d = dt.datetime.strptime(raw, fmt).date()
            return f"DATE({d.year},{d.month},{d.day})"
        except ValueError:
            continue
    return _text(raw)


def _text(s: Any) -> str:
    return '"' + str(s).replace('"', '""') + '"'


def _dxf(fmt: dict[str, Any]) -> DifferentialStyle:
    tf = fmt.get("textFormat") or {}
    colour = argb((tf.get("foregroundColorStyle") or {}).get("rgbColor") or tf.get("foregroundColor"))
    font = None
    if tf.get("bold") or tf.get("italic") or tf.get("strikethrough") or tf.get("underline") or colour:
        font = Font(bold=tf.get("bold"), italic=tf.get("italic"), strike=tf.get("strikethrough"),
                    underline="single" if tf.get("underline") else None, color=colour)
    bg = argb((fmt.get("backgroundColorStyle") or {}).get("rgbColor") or fmt.get("backgroundColor"))
    fill = PatternFill(fill_type="solid", start_color=bg, end_color=bg) if bg else None
    return DifferentialStyle(font=font, fill=fill)


def _gradient(g: dict[str, Any]) -> Rule | None:
    points = []
    for name in ("minpoint", "midpoint", "maxpoint"):
        p = g.get(name)
        if not p:
            continue
        kind = CFVO.get(p.get("type", ""))
        if kind is None:
            return None
        value = p.get("value")
        if isinstance(value, str) and value.startswith("="):
            kind, value = "formula", value[1:]
        colour = argb((p.get("colorStyle") or {}).get("rgbColor") or p.get("color")) or "FFFFFFFF"
        points.append((kind, None if kind in ("min", "max") else value, colour))
    if len(points) < 2:
        return None
    (k0, v0, c0), *mid, (k1, v1, c1) = points
    kw: dict[str, Any] = {"start_type": k0, "start_value": v0, "start_color": c0,
                          "end_type": k1, "end_value": v1, "end_color": c1}
    if mid:
        kw.update(mid_type=mid[0][0], mid_value=mid[0][1], mid_color=mid[0][2])
    return ColorScaleRule(**kw)


def argb(color: dict[str, Any] | None) -> str | None:
    """Sheets' Color (0..1 floats, absent channel = 0) as Excel's ARGB hex."""
    if not color:
        return None
    parts = [max(0, min(255, round(float(color.get(k, 0)) * 255))) for k in ("red", "green", "blue")]
    return "FF" + "".join(f"{p:02X}" for p in parts)
