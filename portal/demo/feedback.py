"""Demo data: three months of past answers, so the feedback dashboard has weeks to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Case, CaseEvent, EventKind, Solved, Status, User
from ..services import cases, feedback
from .script import local, zone
from .stories import World, close_loop

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


def tell(w: World) -> None:
    """Resolved cases answered over the last weeks, some unhappy and followed up."""
    for number, past in enumerate(PAST):
        _answered(w, past, f"past-{number}")


def _answered(w: World, past: Past, key: str) -> None:
    customer, agent = w.people[past.customer], w.staff[past.agent]
    start = local((w.now - timedelta(days=past.days_ago)).astimezone(zone()).date(), 10, 0)
    w.opens(start, key, lambda: cases.open_case(customer, past.title, past.title + ".",
                                                w.cats[past.category]))
    w.at(start + timedelta(hours=3), lambda: cases.add_staff_reply(w.cases[key], agent,
                                                                   past.reply))
    if past.helped is not None:
        w.at(start + timedelta(hours=4), lambda: feedback.react(
            _reply_id(w.cases[key]), customer, past.helped))
    w.at(start + timedelta(hours=20), lambda: cases.change_status(
        w.cases[key], agent, Status.RESOLVED, past.reply))
    w.at(start + timedelta(hours=30), lambda: feedback.answer(
        w.cases[key], customer, past.solved, past.rating, past.comment))
    if past.closed_after_hours is None:
        return
    done = start + timedelta(hours=30 + past.closed_after_hours)
    w.at(done, lambda: close_loop(w.cases[key], "Called the customer and went through what "
                                   "went wrong.", past.told))
    # A "No" reopened the case: resolved again once the customer has been called.
    w.at(done + timedelta(hours=1), lambda: _resolve_again(w.cases[key], agent, past.told))


def _reply_id(case: Case) -> int:
    return db.session.scalar(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.STAFF_REPLY))


def _resolve_again(case: Case, agent: User, summary: str) -> None:
    if case.status != Status.RESOLVED:
        cases.change_status(case, agent, Status.RESOLVED, summary)
