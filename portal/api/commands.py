"""`caseloop webhooks deliver [--once]`: send queued webhook deliveries."""

from __future__ import annotations

import time

import click

from ..database import writing
from ..models import utcnow
from .delivery import deliver_due


@click.group("webhooks")
def webhooks_group() -> None:
    """Outgoing webhooks."""


@webhooks_group.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--interval", default=15, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between rounds when running continuously.")
def deliver(once: bool, interval: int) -> None:
    """Send due deliveries, retrying failures with backoff; runs until stopped unless --once."""
    while True:
        with writing():
            report = deliver_due(utcnow())
        click.echo(str(report))
        for line in report.errors:
            click.echo(f"  {line}")
        if once:
            return
        time.sleep(interval)


COMMANDS: list[click.Command] = [webhooks_group]
