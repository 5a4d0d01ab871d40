"""Forms for a department's working hours and closed dates (admin settings)."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields import TimeField
from wtforms.validators import DataRequired, Length, Optional

from portal.business_calendar import Hours
from portal.services.time_zones import zone_names
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

DAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
             _l("Saturday"), _l("Sunday"))


class DayForm(Form):
    """One weekday: open or closed, and from when to when (00:00 as closing is midnight)."""

    open = BooleanField(_l("Open"))
    opens = TimeField(_l("From"), validators=[Optional()])
    closes = TimeField(_l("To"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        """A closed day needs no times; an open one both, closing after opening."""
        super().validate(extra_validators)
        if not self.open.data:
            self.opens.errors, self.closes.errors = [], []
            return True
        for field, missing in ((self.opens, _l("Give the opening time.")),
                               (self.closes, _l("Give the closing time."))):
            if field.data is None and not field.errors:
                field.errors.append(missing)
        opens, closes = self.opens.data, self.closes.data
        if opens and closes and closes != time(0) and closes <= opens:
            self.closes.errors.append(_l("Closing must be after opening (00:00 means "
                                         "midnight)."))
        return not (self.opens.errors or self.closes.errors)

    def hours(self) -> Hours:
        return (self.opens.data, self.closes.data) if self.open.data else None


class WeekForm(FlaskForm):
    days = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    timezone = SelectField(_l("Time zone"), validate_choice=False,
                           description=_l("Opening hours are wall-clock times in this zone."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.week_errors: list[str] = []  # refusals about the week as a whole

    def week(self) -> tuple[Hours, ...]:
        return tuple(day.form.hours() for day in self.days)


def week_form(week: tuple[Hours, ...], zone: str, from_request: bool = True) -> WeekForm:
    """The form filled with the saved week; the submitted values win on a POST."""
    data = {"timezone": zone, "days": [
        {"open": h is not None, "opens": h[0] if h else time(9), "closes": h[1] if h else time(17)}
        for h in week]}
    form = WeekForm(data=data) if from_request else WeekForm(formdata=None, data=data)
    form.timezone.choices = options((name, name) for name in zone_names())
    return form


class ClosureForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(_l("Give a date, e.g. 2026-12-25."))])
    name = StringField(_l("What it is"),
                       validators=[DataRequired(_l("Say what the day is, e.g. Christmas Day.")),
                                   Length(max=80, message=_l("Keep it under %(max)d "
                                                             "characters."))])


class StuckForm(FlaskForm):
    stuck_after_days = IntegerField(
        _l("Stuck after this many quiet business days"),
        validators=[DataRequired(_l("Give a number of business days."))],
        description=_l("An open case with no update the customer can see for this long goes "
                       "on the queue's Stuck tab."))
