"""Whole numbers from query strings and forms, only within what the database can hold.

Ids and counts are `Integer` columns: PostgreSQL raises NumericValueOutOfRange past
2**31-1 and SQLite an OverflowError past 64 bits, so an unchecked number from a request
is a 500 waiting to happen. Python's `int()` is also too generous for input: it takes
"０１" (full-width digits), "1_000" and " 7 ", which none of our forms or links produce.
`<int:…>` in routes is bounded by `portal.web.urls.IdConverter`; this module covers the rest.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from wtforms import IntegerField

from ..models.cases import MAX_ID

MAX_INTEGER = 2**31 - 1  # the `Integer` column's range on PostgreSQL (int4)
# re.ASCII: \d would also match other scripts' digits, which int() would accept.
_WHOLE = re.compile(r"-?\d{1,10}", re.ASCII)


def whole_number(raw: str, low: int = -MAX_INTEGER - 1, high: int = MAX_INTEGER) -> int:
    """The number in `raw` (ASCII digits, optional minus) within [low, high]; else ValueError."""
    if not isinstance(raw, str) or not _WHOLE.fullmatch(raw):
        raise ValueError(f"not a whole number: {raw!r:.40}")
    value = int(raw)
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}..{high}")
    return value


def record_id(raw: str) -> int:
    """An id that a row could have, for `request.args.get(name, type=record_id)`.

    Werkzeug answers the default for anything that raises ValueError here, so a huge or
    malformed id in a filter is ignored rather than sent to the database.
    """
    return whole_number(raw, 1, MAX_ID)


class WholeNumberField(IntegerField):
    """An IntegerField that takes only ASCII whole numbers within [low, high].

    A number outside is a field error (a 422 with the form), never a value that reaches
    the database.
    """

    def __init__(self, label=None, validators=None, low: int = 0, high: int = MAX_INTEGER,
                 **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or valuelist[0] == "":
            self.data = None  # absent: Optional or DataRequired decide
            return
        try:
            self.data = whole_number(valuelist[0].strip(), self.low, self.high)
        except ValueError:
            self.data = None
            raise ValueError(_("Enter a whole number from %(low)d to %(high)d.",
                                low=self.low, high=self.high)) from None
