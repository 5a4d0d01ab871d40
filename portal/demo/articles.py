"""Help articles: three answers customers find before they open a case, and a draft.

Written by the departments' agents (or managers) and published by their managers, through
`help_articles`, weeks before the load, so /help and the new-case form's suggestions have
something to offer.
"""

from __future__ import annotations

from datetime import timedelta

from ..services import help_articles
from .stories import World

LATE = """If your order has not arrived in its delivery window:

1. Check the tracking link in your confirmation email: the driver's depot updates it.
2. If the window has passed, open a case under *Orders and delivery* with your order number.

We answer within two hours and then tell you **at least every four hours** where your order
is, until it arrives or you have your money back."""

RECALL = """When your car is part of a recall, head office writes to you with its code (such
as **RC-42**) and opens a case for you.

- Any service centre books the work: give them the recall code and your VIN.
- The work is free, and a courtesy car is offered when it takes more than an hour.
- Updates on the recall appear on your case and on the [status page](/status).

If a service centre cannot find the recall, add a message to your case: we sort it out
with them, and you do not have to explain it again."""

TERMS = """Your payment terms (14 or 30 days) are on every invoice, under *Due date*.

| you want | ask |
|---|---|
| longer terms | your sales contact, who agrees them with Finance |
| a copy of an invoice | Finance, under *Billing and payments* |

New terms apply from the next invoice run once Finance has changed them; your case says
when it is done."""

FLEET = """Quotes for more than one vehicle: tell us the model, how many, and when you need
them. (Draft: prices and lead times to be confirmed by Sales.)"""


def tell(w: World) -> None:
    """Written three weeks before the load, published by the department's manager."""
    s, written = w.staff, w.now - timedelta(days=21)
    for offset, (writer, publisher, title, body, category) in enumerate((
            ("june", "ken", "My delivery is late: what happens now?", LATE,
             "Orders and delivery"),
            ("tom", "priya", "How to book recall work on your car", RECALL,
             "Vehicle service and recalls"),
            ("fatima", "ruth", "Payment terms: what they are and how to change them", TERMS,
             "Billing and payments"))):
        moment = written + timedelta(hours=offset)
        w.at(moment, lambda s=s, writer=writer, publisher=publisher, title=title, body=body,
             category=category: help_articles.set_published(s[publisher], help_articles.save(
                 s[writer], title, body, w.cats[category].id), True))
    w.at(written + timedelta(days=1), lambda: help_articles.save(
        s["marco"], "Quotes for fleet orders", FLEET, w.cats["Accounts and sales"].id))
