"""Deflection counted honestly: "it answered me" and no case in its category for 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.models import Role
from portal.services import article_stats, help_articles
from tests import factories

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world():
    deliveries = factories.category(name="Deliveries")
    returns = factories.category(deliveries.department, name="Returns")
    manager = factories.staff(Role.MANAGER, [deliveries.department])
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        article = help_articles.save(manager, "My parcel is late", "Wait two days.",
                                     deliveries.id)
        help_articles.set_published(manager, article, True)
    return {"deliveries": deliveries, "returns": returns, "article": article}


def row_for(article):
    (row,) = article_stats.numbers([article])
    return row


def answer_at(moment, customer, article, answered=True):
    with time_machine.travel(moment, tick=False):
        help_articles.suggest(customer, "parcel late", None)
        help_articles.record_view(article, customer)
        help_articles.vote(customer, article, answered)


def test_an_answer_counts_only_after_seven_quiet_days(world):
    article, dana = world["article"], factories.customer()
    answer_at(NOW, dana, article)
    with time_machine.travel(NOW + timedelta(days=6, hours=23), tick=False):
        row = row_for(article)
        assert (row.answered, row.deflections, row.waiting) == (1, 0, 1)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        row = row_for(article)
        assert (row.views, row.suggested, row.answered) == (1, 1, 1)
        assert (row.deflections, row.waiting, row.opened_anyway) == (1, 0, 0)


def test_a_case_in_its_category_within_seven_days_is_no_deflection(world):
    article, dana = world["article"], factories.customer()
    answer_at(NOW, dana, article)
    with time_machine.travel(NOW + timedelta(days=6), tick=False):
        factories.case(dana, title="Still no parcel", cat=world["deliveries"])
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        row = row_for(article)
    assert (row.answered, row.deflections, row.waiting, row.opened_anyway) == (1, 0, 0, 1)


def test_cases_elsewhere_before_or_after_the_window_do_not_count(world):
    article, dana = world["article"], factories.customer()
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        factories.case(dana, title="An older case", cat=world["deliveries"])
    answer_at(NOW, dana, article)
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        factories.case(dana, title="A return", cat=world["returns"])  # another category
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        factories.case(dana, title="Another parcel", cat=world["deliveries"])  # after 7 days
        row = row_for(article)
    assert (row.deflections, row.opened_anyway) == (1, 0)


def test_no_is_never_a_deflection_and_suggested_customers_who_open_a_case_count(world):
    article = world["article"]
    sam, robert = factories.customer("Sam"), factories.customer("Robert")
    answer_at(NOW, sam, article, answered=False)
    with time_machine.travel(NOW, tick=False):
        help_articles.suggest(robert, "my parcel is late", world["deliveries"].id)
        help_articles.suggest(robert, "my parcel is late!", world["deliveries"].id)  # same hour
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        factories.case(robert, title="My parcel is late", cat=world["deliveries"])
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        row = row_for(article)
    assert (row.answered, row.not_answered, row.deflections) == (0, 1, 0)
    assert (row.suggested, row.opened_anyway) == (2, 1)


def test_answering_again_restarts_the_seven_days(world):
    article, dana = world["article"], factories.customer()
    answer_at(NOW, dana, article, answered=False)
    answer_at(NOW + timedelta(days=3), dana, article, answered=True)
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        assert (row_for(article).waiting, row_for(article).deflections) == (1, 0)
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        assert (row_for(article).answered, row_for(article).deflections) == (1, 1)
