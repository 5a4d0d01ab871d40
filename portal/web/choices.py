"""Select options in the form WTForms 3.3+ wants (tuples are deprecated there)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into SelectChoice objects."""
    return [SelectChoice(value, label) for value, label in pairs]
