"""The five stories of docs/stories.md, told step by step at times relative to the load.

Times are local (the site's zone). Stories whose point is a missed deadline are anchored on
working days (Monday–Friday), so they hold whatever weekday the demo is loaded on and
whether due times count calendar or working hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import (
    Case,
    Category,
    Channel,
    Department,
    KnownProblem,
    ProblemStatus,
    PromiseState,
    Solved,
    Status,
    User,
)
from ..services import api_tokens as tokens
from ..services import (
    case_details,
    cases,
    customers,
    feedback,
    feedback_rules,
    follow_ups,
    handoffs,
    organisations,
    participants,
    problems,
    promises,
)
from .script import Script, local, working_day


@dataclass
class World:
    """Who and what the stories use, and the cases they open (by story name)."""

    script: Script
    people: dict[str, User]
    staff: dict[str, User]
    cats: dict[str, Category]
    deps: dict[str, Department]
    cases: dict[str, Case] = field(default_factory=dict)
    problems: dict[str, KnownProblem] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.script.now

    def at(self, moment: datetime, action: Callable[[], object]) -> None:
        self.script.at(moment, action)

    def opens(self, moment: datetime, key: str, action: Callable[[], Case]) -> None:
        self.at(moment, lambda: self.cases.__setitem__(key, action()))


def tell(w: World) -> None:
    """Every story, plus the open work that gives each agent something to do."""
    for story in (dana, ravi, mei, johnson, sam, lena, open_work):
        story(w)


def dana(w: World) -> None:
    """1. Head office's recall system opens the case; the branch sees it; feedback is asked."""
    p, s, start = w.people["dana"], w.staff, working_day(w.now, -6)
    booked = working_day(w.now, -2)

    def from_head_office() -> Case:
        token, _ = tokens.create(s["admin"], "Head office recall system", "write", [])
        system = tokens.acting_user(token)
        case = cases.open_case(
            p, "Recall RC-42 for your car",
            "Your car (VIN WVWZZZ1KZAW000123) is part of recall RC-42: a brake hose may chafe. "
            "The work is free. Your local service centre, Northside, will book it with you.",
            w.cats["Vehicle service and recalls"], channel=Channel.API, written_by=system)
        case_details.add_reference(case, system, "Recall", "RC-42")
        return case

    w.opens(local(start, 9, 0), "dana", from_head_office)
    w.at(local(start, 9, 40), lambda: customers.set_fact(p, p, "vin", "WVWZZZ1KZAW000123"))
    w.at(local(start, 9, 41), lambda: customers.set_fact(p, p, "address",
                                                          "12 Elm Street, Northside"))
    w.at(local(start, 9, 45), lambda: cases.add_customer_message(
        w.cases["dana"], p, "I called Northside with the code, my VIN and my address. The "
        "service manager said the recall is not in his system and he would not book the work. "
        "Who can help?"))
    w.at(local(start, 10, 5), lambda: cases.add_staff_reply(
        w.cases["dana"], s["hana"], "Head office: RC-42 is authorised for this VIN. Northside "
        "has it on this case now; no need for Dana to explain again.", internal=True))
    # Head office says it once for every car in the recall: its outside reference links the
    # cases that carry RC-42 (Dana's), and the update is written on each of them.
    w.at(local(start, 10, 10), lambda: w.problems.__setitem__("rc42", problems.create(
        s["omar"], "RC-42 brake recall",
        "A brake hose on some 2019–2021 hatchbacks may chafe. The work is free and takes about "
        "two hours. Your service centre books it with you.",
        [w.cats["Vehicle service and recalls"].id], "RC-42")))
    w.at(local(start, 10, 15), lambda: problems.post_update(
        s["omar"], w.problems["rc42"], "Every service centre now has RC-42 in its booking "
        "system. If you were turned away, your centre will contact you to book the work.",
        ProblemStatus.FIXING))
    w.at(local(start, 10, 30), lambda: cases.add_staff_reply(
        w.cases["dana"], s["tom"], f"I am sorry you were turned away. I can see head office's "
        f"recall RC-42 on your case, with your VIN and address. You are booked for "
        f"{booked:%A %d %B} at 09:00; it takes about two hours and a courtesy car is ready."))
    w.at(local(start, 10, 32), lambda: customers.set_fact(p, s["tom"], "preferred_channel",
                                                          "Phone, after 17:00"))
    w.at(local(start, 10, 35), lambda: promises.make(
        w.cases["dana"], s["tom"], "Do the RC-42 recall work on your car", s["tom"],
        local(booked, 12, 0)))
    w.at(local(booked, 11, 10), lambda: promises.resolve(
        w.cases["dana"].promises[0], PromiseState.KEPT, by=s["tom"],
        note="The RC-42 brake hose was replaced this morning."))
    w.at(local(booked, 11, 15), lambda: cases.change_status(
        w.cases["dana"], s["tom"], Status.RESOLVED, "The RC-42 recall work was completed "
        "today: the brake hose is replaced. Thank you for bearing with us."))


def ravi(w: World) -> None:
    """2. A question nobody has answered: red on the dashboard, never asked for feedback."""
    opened = local((w.now - timedelta(days=9)).date(), 20, 14)
    w.opens(opened, "ravi", lambda: cases.open_case(
        w.people["ravi"], "Does the 2024 model support wireless CarPlay?",
        "I asked this through your web form. Does the 2024 hatchback support wireless "
        "Apple CarPlay, or only with a cable?", w.cats["Product questions"]))


def mei(w: World) -> None:
    """3. An unhelpful answer, a 0, and a follow-up owned by the department's manager."""
    p, s, start = w.people["mei"], w.staff, working_day(w.now, -5)
    w.opens(local(start, 12, 20), "mei", lambda: cases.open_case(
        p, "Complaint about my relationship manager",
        "My relationship manager has not returned three calls about my mortgage renewal. "
        "My rate expires at the end of the month.", w.cats["Complaints"]))
    w.at(local(start, 12, 22), lambda: customers.set_fact(p, p, "preferred_time",
                                                          "Weekdays 12:00–13:00"))
    w.at(local(start, 14, 5), lambda: cases.change_status(
        w.cases["mei"], s["leo"], Status.ACKNOWLEDGED, "We have your complaint."))
    w.at(local(working_day(w.now, -4), 10, 0), lambda: cases.add_staff_reply(
        w.cases["mei"], s["leo"], "We have passed your complaint to your relationship "
        "manager's team. They will call you."))
    w.at(local(working_day(w.now, -1), 16, 30), lambda: cases.change_status(
        w.cases["mei"], s["leo"], Status.RESOLVED, "Your relationship manager's team has "
        "your complaint and will call you."))
    w.at(w.now - timedelta(hours=3), lambda: feedback.answer(
        w.cases["mei"], p, Solved.NO, 0, "Nobody called. This is the third time I ask."))


def johnson(w: World) -> None:
    """4. Sales agrees new terms; the handoff carries the note; Finance owns the promise."""
    p, s = w.people["johnson"], w.staff
    call = local(working_day(w.now, -1), 10, 30)
    invoice = working_day(w.now + timedelta(days=1), 1)
    agreed = (f"Agreed with Mr Johnson on the phone on {call:%A}: 30-day payment terms from "
              f"the invoice of {invoice:%A %d %B}, approved by the sales director. Finance "
              f"must change the terms before that invoice run.")
    w.opens(call + timedelta(minutes=20), "johnson", lambda: cases.open_case(
        p, f"Payment terms for the {invoice:%A} invoice",
        f"Marco told me on the phone today that my terms move from 14 to 30 days from the "
        f"{invoice:%A} invoice. Please confirm in writing.", w.cats["Accounts and sales"]))
    # His accounts clerk applies the terms on their side: he puts her on the case (CC), and
    # his company is an organisation whose members see only the cases one of them shares.
    w.at(call + timedelta(minutes=25), lambda: participants.add(
        w.cases["johnson"], p, "lucy@example.com"))
    w.at(call + timedelta(minutes=26), lambda: _johnson_hardware(p, w.people["lucy"]))
    # An older case of his, shared with the company: Lucy sees it under "Our organisation".
    earlier = local(working_day(w.now, -10), 14, 0)
    w.opens(earlier, "johnson_copy", lambda: cases.open_case(
        p, "Copy of invoice 7731 for our accounts", "Our accounts clerk needs a copy of "
        "invoice 7731; the one we had is lost.", w.cats["Billing and payments"]))
    w.at(earlier + timedelta(hours=1), lambda: cases.change_status(
        w.cases["johnson_copy"], s["fatima"], Status.RESOLVED, "A copy of invoice 7731 is "
        "on your account, under Invoices."))
    w.at(call + timedelta(minutes=27), lambda: organisations.set_shared(
        w.cases["johnson_copy"], p, True))
    w.at(call + timedelta(minutes=45), lambda: customers.set_fact(p, s["marco"],
                                                                   "account_number", "ACC-77120"))
    w.at(call + timedelta(minutes=50), lambda: cases.add_staff_reply(
        w.cases["johnson"], s["marco"], f"Confirmed: your terms move to 30 days from the "
        f"{invoice:%A} invoice. I am passing this to Finance, who apply it."))
    w.at(call + timedelta(minutes=55), lambda: handoffs.hand_off(
        w.cases["johnson"], s["marco"], w.deps["Finance"], None, agreed,
        "Your case is now with Finance, who have the details of your call with Marco."))
    w.at(call + timedelta(hours=2), lambda: handoffs.take(w.cases["johnson"], s["fatima"]))
    w.at(call + timedelta(hours=2, minutes=5), lambda: promises.make(
        w.cases["johnson"], s["fatima"], f"Change your payment terms to 30 days before the "
        f"{invoice:%A} invoice is issued", s["fatima"], local(invoice, 9, 0)))
    w.at(w.now - timedelta(hours=2), lambda: cases.add_staff_reply(
        w.cases["johnson"], s["fatima"], "Finance here: I have Marco's note. The 30-day terms "
        "go in before the invoice run; you will see it on this page when it is done."))


def _johnson_hardware(*members: User) -> None:
    org = organisations.create(None, "Johnson Hardware", "", False, "shared")
    for member in members:
        organisations.add_member(org, None, member.email)


def sam(w: World) -> None:
    """5. The late delivery: an update promised for 14:00 the next working day never came."""
    p, s = w.people["sam"], w.staff
    start = working_day(w.now, -3)
    w.opens(local(start, 9, 12), "sam", lambda: cases.open_case(
        p, "My grocery order has not arrived",
        "Order 55-18734 was due yesterday between 18:00 and 20:00. Nothing came and nobody "
        "called.", w.cats["Orders and delivery"]))
    w.at(local(start, 9, 13), lambda: customers.set_fact(p, p, "order_number", "55-18734"))
    w.at(local(start, 9, 40), lambda: cases.add_staff_reply(
        w.cases["sam"], s["june"], "I am sorry your order is late. We are tracing it with the "
        "driver's depot now and will update you by 14:00 tomorrow."))
    w.at(local(start, 9, 41), lambda: handoffs.take(w.cases["sam"], s["june"]))
    w.at(local(start, 9, 42), lambda: promises.make(
        w.cases["sam"], s["june"], "Tell you where your delivery is", s["june"],
        local(working_day(w.now, -2), 14, 0)))
    w.at(local(start, 9, 45), lambda: cases.change_status(
        w.cases["sam"], s["june"], Status.WAITING_ON_THIRD_PARTY, "We are tracing your "
        "delivery with the depot."))


def lena(w: World) -> None:
    """History: a resolved case, an honest "partly", a follow-up done, closed when quiet."""
    p, s, start = w.people["lena"], w.staff, local(working_day(w.now, -30), 11, 0)
    w.opens(start, "lena", lambda: cases.open_case(
        p, "Invoice shows the wrong address", "My March invoice still shows my old address.",
        w.cats["Billing and payments"]))
    w.at(start + timedelta(hours=22), lambda: cases.add_staff_reply(
        w.cases["lena"], s["fatima"], "Fixed: your address is updated and a corrected invoice "
        "is on your account."))
    w.at(start + timedelta(hours=23), lambda: cases.change_status(
        w.cases["lena"], s["fatima"], Status.RESOLVED, "Your address is corrected and a new "
        "invoice is on your account."))
    w.at(start + timedelta(days=2), lambda: feedback.answer(
        w.cases["lena"], p, Solved.PARTLY, 4, "The address is right now, but nobody refunded "
        "the late-payment fee the wrong address caused."))
    w.at(start + timedelta(days=2, hours=5), lambda: close_loop(
        w.cases["lena"], "Refunded the late-payment fee and apologised on the phone.",
        "We have refunded the late-payment fee the wrong address caused. Sorry about it."))


def close_loop(case: Case, done: str, told: str) -> None:
    """The follow-up's owner does it: what was done, and what the customer was told."""
    item = follow_ups.for_feedback(feedback_rules.current(case))
    follow_ups.complete(item, item.owner, done, told)


def open_work(w: World) -> None:
    """Fresh cases for the agents whose story cases have moved on (Tom's, Marco's)."""
    p, s = w.people, w.staff
    w.opens(w.now - timedelta(hours=8), "kofi", lambda: cases.open_case(
        p["kofi"], "Warning light after my service",
        "The tyre pressure light came on the day after my 30,000 km service.",
        w.cats["Vehicle service and recalls"]))
    w.at(w.now - timedelta(hours=7), lambda: handoffs.take(w.cases["kofi"], s["tom"]))
    w.at(w.now - timedelta(hours=6), lambda: cases.add_staff_reply(
        w.cases["kofi"], s["tom"], "The sensors are sometimes reset wrongly after a tyre "
        "rotation. Can you drop by tomorrow morning? It takes ten minutes."))
    w.at(w.now - timedelta(hours=6), lambda: cases.change_status(
        w.cases["kofi"], s["tom"], Status.WAITING_ON_CUSTOMER, "Tell us when you can come."))
    w.at(w.now - timedelta(hours=5), lambda: cases.add_customer_message(
        w.cases["kofi"], p["kofi"], "I can come tomorrow at 8:00."))
    w.opens(w.now - timedelta(minutes=50), "ben", lambda: cases.open_case(
        p["ben"], "Quote for two more vans",
        "The three vans work well. Could you quote two more of the same model?",
        w.cats["Accounts and sales"]))
