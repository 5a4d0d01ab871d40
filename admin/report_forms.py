"""Filters of the report pages, read from the URL (GET forms: nothing to protect from CSRF)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from portal.models import User
from portal.services import queue
from portal.services.feedback_reports import GROUPS, WEEK_CHOICES, WEEKS, Filters
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l


class FeedbackFilterForm(FlaskForm):
    """Which answers the feedback dashboard, its comments and its CSV cover."""

    class Meta:
        csrf = False

    department = SelectField(_l("Department"), default="")
    category = SelectField(_l("Category"), default="")
    agent = SelectField(_l("Agent"), default="")
    # Choices set in for_viewer: their plural forms need the request's language.
    weeks = SelectField(_l("Period"), default=str(WEEKS))
    group = SelectField(_l("Break down by"), default="department",
                        choices=options((key, label) for key, label in GROUPS.items()))

    # Every filter the pages pass on from link to link (the comments' cursor is not one).
    NAMES = ("department", "category", "agent", "weeks", "group")

    @classmethod
    def for_viewer(cls, viewer: User, args: MultiDict[str, str]) -> FeedbackFilterForm:
        """The form over `args`, offering only the departments, categories and staff in scope."""
        form = cls(formdata=args)
        # Fresh lists each time: appending to the class's choices would grow them for everyone.
        scope = queue.filter_options(viewer)
        for field, pairs, anything in ((form.department, scope.departments, _("All")),
                                       (form.category, scope.categories, _("All")),
                                       (form.agent, scope.assignees, _("Anyone"))):
            field.choices = options([("", anything), *((str(v), label) for v, label in pairs)])
        form.weeks.choices = options((str(n), ngettext("%(num)d week", "%(num)d weeks", n))
                                     for n in WEEK_CHOICES)
        return form

    def filters(self) -> Filters:
        """The checked choices as the report service takes them."""
        return Filters(
            department_id=int(self.department.data) if self.department.data else None,
            category_id=int(self.category.data) if self.category.data else None,
            agent_id=int(self.agent.data) if self.agent.data else None,
            group=self.group.data, weeks=int(self.weeks.data))
