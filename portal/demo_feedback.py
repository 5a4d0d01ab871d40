"""Demo data: three months of past answers, so the feedback dashboard has weeks to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from .extensions import db
from .models import CaseEvent, Category, EventKind, Feedback, FollowUp, Role, Solved, Status, User
from .services import accounts, cases, feedback, follow_ups

CUSTOMERS = {"olivia": "Olivia Brandt", "tariq": "Tariq Aziz", "nora": "Nora Lind",
             "ben": "Ben Carter", "ines": "Ines Duarte", "kofi": "Kofi Mensah"}


@dataclass(frozen=True)
class Past:
    days_ago: int
    customer: str
    category: str
    agent: str
    title: str
    reply: str
    solved: Solved
    rating: int | None
    comment: str = ""
    helped: bool | None = None  # the customer's reaction to the reply, if any
    closed_after_hours: float | None = None  # the follow-up of an unhappy answer, if done
    told: str = ""


PAST = [
    Past(75, "olivia", "Vehicle service and recalls", "tom", "Brake noise after the service",
         "We found a loose heat shield and fixed it while you waited.", Solved.YES, 9,
         "Fixed first time, thank you.", helped=True),
    Past(68, "kofi", "Billing and payments", "fatima", "Direct debit taken twice",
         "The second payment is refunded; it reaches your account in 3 days.", Solved.YES, 8),
    Past(62, "tariq", "Orders and delivery", "june", "Milk missing from my order",
         "Sorry about that: the milk is refunded and a voucher is on your account.",
         Solved.YES, 10),
    Past(50, "nora", "Complaints", "leo", "Nobody returned my call about a complaint",
         "We have logged your complaint and passed it to the team lead.", Solved.NO, 2,
         "nobody called me", closed_after_hours=5,
         told="We called you, apologised, and the team lead now calls you every Friday."),
    Past(45, "ines", "Vehicle service and recalls", "hana", "Is my car part of a recall?",
         "Your VIN is not affected by any open recall.", Solved.YES, 10),
    Past(40, "ben", "Accounts and sales", "marco", "Quote for a fleet of three vans",
         "Your quote for three vans is attached to your account.", Solved.PARTLY, 6,
         "The quote came, but the first one had the wrong model.", closed_after_hours=52,
         told="We checked the quote line by line with you; the corrected one is on your "
              "account."),
    Past(30, "ines", "Product questions", "hana", "Towing capacity of the estate model",
         "The estate tows up to 1,800 kg with the towing pack.", Solved.YES, 8, helped=True),
    Past(26, "nora", "Accounts and sales", "marco", "Cannot sign in to my account",
         "Your account is unlocked; use the reset link we emailed you.", Solved.NO, 5,
         "I had to call twice before anyone helped.", helped=False, closed_after_hours=3,
         told="We are sorry you had to chase us. Your sign-in works again and we have "
              "fixed the lock-out rule that caught you."),
    Past(20, "kofi", "Vehicle service and recalls", "tom", "Book my 30,000 km service",
         "You are booked for Tuesday at 8:30.", Solved.PARTLY, 7,
         "Booked, but nobody told me the price before the work.", helped=False,
         closed_after_hours=30,
         told="We are sorry the price was a surprise: we now send it before every service."),
    Past(12, "olivia", "Orders and delivery", "june", "Delivery came two hours late",
         "The van broke down; we have refunded the delivery charge.", Solved.YES, 9,
         "The driver was lovely about it.", helped=True),
    Past(8, "ben", "Product questions", "hana", "Brochure for the new hatchback",
         "The brochure is on its way by post.", Solved.PARTLY, 8),
    Past(5, "tariq", "Complaints", "leo", "Refund promised but never paid",
         "We have asked Finance to pay the refund.", Solved.NO, 3,
         "Still waiting for the refund."),
]


def load(staff: dict[str, User], cats: dict[str, Category]) -> None:
    """Resolved cases answered over the last weeks, some unhappy and followed up."""
    from .demo import PASSWORD  # demo.py loads this module: importing it at the top would loop

    people = {key: accounts.create_user(f"{key}@example.com", name, Role.CUSTOMER, PASSWORD)
              for key, name in CUSTOMERS.items()}
    for past in PAST:
        _answered(past, people[past.customer], staff, cats[past.category])


def _answered(past: Past, customer: User, staff: dict[str, User], cat: Category) -> None:
    from .demo import _Story

    agent = staff[past.agent]
    story = _Story(days_ago=past.days_ago)
    story.at(0, lambda: cases.open_case(customer, past.title, past.title + ".", cat))
    story.at(3, lambda: cases.add_staff_reply(story.case, agent, past.reply))
    if past.helped is not None:
        reply = db.session.scalar(select(CaseEvent.id).where(
            CaseEvent.case_id == story.case.id, CaseEvent.kind == EventKind.STAFF_REPLY))
        story.at(4, lambda: feedback.react(reply, customer, past.helped))
    story.at(20, lambda: cases.change_status(story.case, agent, Status.RESOLVED, past.reply))
    story.at(30, lambda: feedback.answer(story.case, customer, past.solved, past.rating,
                                         past.comment))
    answered = story.now + timedelta(hours=30)
    item = _backdate_answer(story.case.id, answered)
    if item is None or past.closed_after_hours is None:
        return
    manager = item.owner
    story.at(30 + past.closed_after_hours, lambda: follow_ups.complete(
        item, manager, "Called the customer and went through what went wrong.", past.told))
    item.completed_at = item.promise.closed_at = answered + timedelta(
        hours=past.closed_after_hours)
    if story.case.status != Status.RESOLVED:  # a "No" reopened it: resolve it again
        story.at(31 + past.closed_after_hours, lambda: cases.change_status(
            story.case, agent, Status.RESOLVED, past.told))
    db.session.commit()


def _backdate_answer(case_id: int, moment: datetime) -> FollowUp | None:
    """Move the answer, and the follow-up it created, back to when it was given."""
    given = db.session.scalar(select(Feedback).where(Feedback.case_id == case_id))
    given.created_at = given.updated_at = moment
    item = db.session.scalar(select(FollowUp).where(FollowUp.feedback_id == given.id))
    if item is not None:
        shift = moment - item.created_at
        item.created_at, item.due_at = moment, item.due_at + shift
        item.promise.created_at, item.promise.due_at = moment, item.due_at
    db.session.commit()
    return item
