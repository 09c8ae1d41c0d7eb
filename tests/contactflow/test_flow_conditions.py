"""Condition operators and flow-data paths of the interpreter."""

from __future__ import annotations

import pytest

from switchboard.contactflow.interpreter import condition_matches


@pytest.mark.parametrize(
    ("operator", "result", "operand", "expected"),
    [
        ("Equals", "TransferToAgent", "TransferToAgent", True),
        ("Equals", "transfertoagent", "TransferToAgent", False),
        ("TextStartsWith", "ABCdef", "ABC", True),
        ("TextEndsWith", "ABCdef", "def", True),
        ("TextContains", "xxABCxx", "ABC", True),
        ("TextContains", "xx", "ABC", False),
        ("NumberGreaterThan", "10", "9", True),
        ("NumberGreaterThan", "9", "9", False),
        ("NumberGreaterOrEqualTo", "9", "9", True),
        ("NumberLessThan", "2", "10", True),  # numeric, not text order
        ("NumberLessOrEqualTo", "10", "10", True),
        ("NumberLessThan", "two", "10", False),  # not numeric: false (reference)
        ("Unknown", "1", "1", False),
    ],
)
def test_operators(operator: str, result: str, operand: str, expected: bool) -> None:
    assert condition_matches(operator, result, [operand]) is expected


def test_no_operand_never_matches() -> None:
    assert condition_matches("Equals", "", []) is False
