"""Filters of the report pages, read from the URL (GET forms: nothing to protect from CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from portal.choices import options
from portal.models import User
from portal.services import queue
from portal.services.feedback_reports import GROUPS, WEEK_CHOICES, WEEKS, Filters


class FeedbackFilterForm(FlaskForm):
    """Which answers the feedback dashboard, its comments and its CSV cover."""

    class Meta:
        csrf = False

    department = SelectField("Department", default="")
    category = SelectField("Category", default="")
    agent = SelectField("Agent", default="")
    weeks = SelectField("Period", default=str(WEEKS),
                        choices=options((str(n), f"{n} weeks") for n in WEEK_CHOICES))
    group = SelectField("Break down by", default="department",
                        choices=options((key, label) for key, label in GROUPS.items()))

    # Every filter the pages pass on from link to link (the comments' cursor is not one).
    NAMES = ("department", "category", "agent", "weeks", "group")

    @classmethod
    def for_viewer(cls, viewer: User, args: MultiDict[str, str]) -> FeedbackFilterForm:
        """The form over `args`, offering only the departments, categories and staff in scope."""
        form = cls(formdata=args)
        # Fresh lists each time: appending to the class's choices would grow them for everyone.
        scope = queue.filter_options(viewer)
        for field, pairs, anything in ((form.department, scope.departments, "All"),
                                       (form.category, scope.categories, "All"),
                                       (form.agent, scope.assignees, "Anyone")):
            field.choices = options([("", anything), *((str(v), label) for v, label in pairs)])
        return form

    def filters(self) -> Filters:
        """The checked choices as the report service takes them."""
        return Filters(
            department_id=int(self.department.data) if self.department.data else None,
            category_id=int(self.category.data) if self.category.data else None,
            agent_id=int(self.agent.data) if self.agent.data else None,
            group=self.group.data, weeks=int(self.weeks.data))
