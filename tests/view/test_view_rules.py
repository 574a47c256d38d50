"""Conditional formats evaluated as Sheets does, without a browser."""

from __future__ import annotations

from datetime import datetime

from gsheets_emulator import cellvalues as cv

from sheetsync.view.rules import RuleSet, Values, shift_formula

PINK = {"red": 0.956, "green": 0.8, "blue": 0.8}


def test_shift_moves_relative_references_only():
    assert shift_formula('=AND($F2<TODAY(),E2<>"x A1")', 3, 1) == '=AND($F5<TODAY(),F5<>"x A1")'
    assert shift_formula("=SUM(A1:B$2) + Other!C3", 1, 1) == "=SUM(B2:C$2) + Other!D4"
    assert shift_formula("=$A$1", 5, 5) == "=$A$1"


def rules_over(rules, cells, rows=10, cols=5):
    return RuleSet(rules, 0, Values("S", cells, rows, cols), cv.locale_of({"locale": "ru_RU"}),
                   lambda: datetime(2026, 12, 5, 12, 0))


def rng(r0=1, r1=10, c0=0, c1=1):
    return {"sheetId": 0, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}


def test_custom_formula_is_relative_to_each_row():
    # overdue: column B's date before today and column C not "Готово"; the rule sits on column B
    rule = {"ranges": [rng(1, 10, 1, 2)], "booleanRule": {
        "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": '=AND(ISNUMBER($B2),$B2<TODAY(),'
                                                                               '$C2<>"Готово")'}]},
        "format": {"backgroundColor": PINK}}}
    today = cv.to_serial(datetime(2026, 12, 5))
    cells = {(1, 1): today - 3, (1, 2): "В работе", (2, 1): today - 3, (2, 2): "Готово", (3, 1): today + 1,
             (4, 1): "не дата"}
    rs = rules_over([rule], cells)
    assert rs.format_at(1, 1) == {"backgroundColor": PINK}
    assert rs.format_at(2, 1) is None  # done
    assert rs.format_at(3, 1) is None  # not yet due
    assert rs.format_at(4, 1) is None  # not a date
    assert rs.format_at(1, 2) is None  # outside the rule's range


def test_first_matching_rule_wins_and_text_eq_ignores_case():
    red, green = {"backgroundColor": {"red": 1}}, {"backgroundColor": {"green": 1}}
    rules = [{"ranges": [rng()], "booleanRule": {"condition": {"type": "TEXT_EQ", "values": [
                 {"userEnteredValue": "готово"}]}, "format": green}},
             {"ranges": [rng()], "booleanRule": {"condition": {"type": "NOT_BLANK"}, "format": red}}]
    rs = rules_over(rules, {(1, 0): "Готово", (2, 0): "В работе"})
    assert rs.format_at(1, 0) == green
    assert rs.format_at(2, 0) == red
    assert rs.format_at(3, 0) is None  # blank


def test_number_conditions_and_unknown_ones():
    def fmt(kind, *vals):
        return [{"ranges": [rng()], "booleanRule": {"condition": {"type": kind, "values": [
            {"userEnteredValue": v} for v in vals]}, "format": {"x": kind}}}]

    cells = {(1, 0): 5.0, (2, 0): "текст"}
    assert rules_over(fmt("NUMBER_BETWEEN", "1", "9"), cells).format_at(1, 0) == {"x": "NUMBER_BETWEEN"}
    assert rules_over(fmt("NUMBER_GREATER", "5"), cells).format_at(1, 0) is None
    assert rules_over(fmt("NUMBER_GREATER_THAN_EQ", "5"), cells).format_at(1, 0) is not None
    assert rules_over(fmt("NUMBER_LESS", "5,5"), cells).format_at(1, 0) is not None  # the sheet's decimal comma
    assert rules_over(fmt("NUMBER_GREATER", "1"), cells).format_at(2, 0) is None  # text is not a number
    assert rules_over(fmt("DATE_IS_VALID"), cells).format_at(1, 0) is None  # unknown here: false, not guessed


def test_gradient_scales_between_min_and_max():
    rule = {"ranges": [rng()], "gradientRule": {"minpoint": {"color": {"red": 1}, "type": "MIN"},
                                                "maxpoint": {"color": {"green": 1}, "type": "MAX"}}}
    rs = rules_over([rule], {(1, 0): 0.0, (2, 0): 10.0, (3, 0): 5.0})
    assert rs.format_at(1, 0)["backgroundColor"] == {"red": 1, "green": 0, "blue": 0}
    assert rs.format_at(3, 0)["backgroundColor"] == {"red": 0.5, "green": 0.5, "blue": 0}
