"""Command line: `caseloop users create`, `caseloop demo-data`, and Flask-Migrate's `db`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import select

from .database import writing
from .extensions import db
from .models import Department, Role
from .services import accounts, data_export, minute_job, two_factor
from .services.errors import ServiceError


@click.group("users")
def users_group() -> None:
    """Manage customer and staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="customer")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option("--department", "departments", multiple=True, help="Department name; repeatable.")
@click.option("--password", default=None, help="Omit to be prompted (or use sign-in links).")
def create_user(email: str, role: str, name: str, departments: tuple[str, ...],
                password: str | None) -> None:
    """Create an account."""
    if password is None and role != Role.CUSTOMER.value:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    found = []
    for dep_name in departments:
        dep = db.session.scalar(select(Department).where(Department.name == dep_name))
        if dep is None:
            raise click.ClickException(f"No department called {dep_name!r}.")
        found.append(dep)
    try:
        user = accounts.create_user(email, name, Role(role), password, found)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users_group.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Switch off a staff member's authenticator (a lost phone, the last admin locked out).

    They sign in with their password and set two-factor up again; every session they had
    ends. Audited as done from the command line.
    """
    user = accounts.find_user(email)
    if user is None or not user.is_staff:
        raise click.ClickException(f"No staff account with the email {email!r}.")
    if not two_factor.reset(None, user):
        click.echo(f"{user.email} had no two-factor sign-in set up: nothing to reset.")
        return
    click.echo(f"Two-factor sign-in of {user.email} is reset: they set it up again at their "
               "next sign-in.")


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Where the app will be served, for the sign-in addresses printed.")
def demo_data(force: bool, url: str) -> None:
    """Load the demo customers, staff and cases (once)."""
    from . import demo

    if not demo.load(force=force):
        click.echo("Demo data already present; nothing loaded.")
    demo.print_sign_ins(url.rstrip("/"))


@click.command("tick")
def tick() -> None:
    """Escalate overdue promises and breached standards; close quiet resolved cases; queue
    the daily digests that are due."""
    with writing():
        report = minute_job.tick()
    click.echo(str(report))
    for line in report.notified:
        click.echo(f"  escalated {line}")


@click.group("data")
def data_group() -> None:
    """A customer's data: downloads (docs/your-data.md)."""


@data_group.command("export")
@click.argument("email")
def data_export_command(email: str) -> None:
    """Build a download of a customer's data now and print where the ZIP is."""
    customer = accounts.find_user(email)
    if customer is None or customer.is_staff:
        raise click.ClickException(f"No customer with the address {email}.")
    with writing():
        made = data_export.request_export(customer, customer)
        data_export.run_pending()
    db.session.refresh(made)
    path, _name = data_export.download(made.id, customer)
    click.echo(f"{path} ({made.size} bytes, {made.total_count} case(s)); the customer was "
               "emailed a link")


@data_group.command("run")
def data_run_command() -> None:
    """Build every data download that is waiting (the minute job does this too)."""
    with writing():
        click.echo(f"{data_export.run_pending(limit=100)} data download(s) built")


@contextmanager
def _backup() -> Iterator[ModuleType]:
    """The backup module, its BackupError reported as the command's error."""
    from . import backup

    try:
        yield backup
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the database and attachments into a new folder TARGET."""
    with _backup() as backup:
        manifest = backup.backup(target)
    click.echo(f"Backed up {sum(manifest['rows'].values())} rows and "
               f"{len(manifest['attachments'])} attachments to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces the current database. Continue?")
def restore_command(source: Path) -> None:
    """Restore a backup folder (stop the app first) and verify it."""
    with _backup() as backup:
        manifest = backup.restore(source)
    click.echo(f"Restored and verified {sum(manifest['rows'].values())} rows and "
               f"{len(manifest['attachments'])} attachments.")


def init_app(app: Flask) -> None:
    from .api.commands import COMMANDS as API_COMMANDS
    from .mail.commands import COMMANDS as MAIL_COMMANDS

    app.cli.add_command(users_group)
    app.cli.add_command(demo_data)
    app.cli.add_command(tick)
    app.cli.add_command(data_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    for command in [*MAIL_COMMANDS, *API_COMMANDS]:
        app.cli.add_command(command)


def main() -> None:
    """The `caseloop` console script: Flask's CLI bound to this app."""
    from . import create_app

    FlaskGroup(create_app=lambda: create_app(), name="caseloop")(prog_name="caseloop")
