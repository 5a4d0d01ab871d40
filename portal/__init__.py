"""Caseloop: the app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module
from .web.templating import PortalEnvironment


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; never migrates, prompts or touches the network."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.jinja_environment = PortalEnvironment  # before anything asks for app.jinja_env
    app.config.from_mapping(config_module.load(app.instance_path))
    if config:
        app.config.from_mapping(config)
    # The default SQLite file and attachments live here; a fresh clone has no such folder.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    register_template_helpers(app)
    if app.config["SCHEDULER"] and not app.testing:
        from . import scheduler

        scheduler.start(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import auth, database, i18n, live, ratelimit  # noqa: F401 - auth: the user loader
    from .extensions import cache, csrf, db, login_manager, migrate
    from .extensions import htmx as htmx_ext
    from .web import form_input, htmx, security, sessions, static_files  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    cache.init_app(app)
    htmx_ext.init_app(app)
    form_input.init_app(app)  # on top of htmx-flask's request class
    login_manager.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    static_files.init_app(app)
    database.init_engine(app, db)
    live.init_app(app)
    ratelimit.init_app(app)
    database.init_request_phases(app, db)  # last: its hooks must wrap the view alone


def register_blueprints(app: Flask) -> None:
    from admin import bp as admin_bp

    from .web.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any rule is added

    from .api import bp as api_bp
    from .customer import bp as customer_bp
    from .health import bp as health_bp
    from .mail.webhook import bp as mail_bp

    app.register_blueprint(customer_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(health_bp)
    app.register_blueprint(mail_bp)


def register_errorhandlers(app: Flask) -> None:
    from .web import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from .web import formatting, fragments, layout

    formatting.init_app(app)
    fragments.init_app(app)
    layout.init_app(app)
