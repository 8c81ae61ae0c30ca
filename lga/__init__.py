"""The LGA training platform: ``create_app`` wires configuration, extensions and blueprints."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import INSTANCE_DIR, BASE_DIR, select_config


def create_app(config_name: str | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    config = select_config(config_name)
    config.check()
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder="static",
    )
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if app.config.get("LGA_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["LGA_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    if app.config["ENV_NAME"] == "production":
        app.logger.setLevel(logging.INFO)

    _init_extensions(app)
    _register_blueprints(app)
    _init_templates(app)

    from lga import access
    from lga.core import errors
    from lga.security import set_security_headers

    access.declare_public_endpoints(app, ["static"])
    missing = access.undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"endpoints without an access declaration: {', '.join(missing)}")
    app.before_request(access.enforce)
    app.after_request(set_security_headers)
    errors.init_app(app)

    from lga.cli import lga_cli

    app.cli.add_command(lga_cli)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite checks foreign keys only when asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _init_extensions(app: Flask) -> None:
    from lga import mail as lga_mail
    from lga.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from lga.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    limiter.init_app(app)  # first: floods are refused before any other work
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)
    lga_mail.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "basic"

    @login_manager.request_loader
    def load_from_token(request):
        """The JSON API (and only it) also accepts a personal token instead of a session."""
        if not request.path.startswith("/api/"):
            return None
        from lga.accounts.tokens import user_for

        return user_for(request.headers.get("Authorization"))

    @login_manager.user_loader
    def load_user(user_id: str):
        from lga.accounts.models import User

        ident, _sep, nonce = user_id.partition(":")
        if not ident.isdigit() or not nonce:
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from lga.accounts import bp as accounts_bp
    from lga.attendance import bp as attendance_bp
    from lga.admin import bp as admin_bp
    from lga.catalogue import bp as catalogue_bp
    from lga.core import bp as core_bp
    from lga.enrolment import bp as enrolment_bp
    from lga.quizzes import bp as quizzes_bp
    from lga.evaluation import bp as evaluation_bp
    from lga.reports import bp as reports_bp
    from lga.discussions import bp as discussions_bp
    from lga.visits import bp as visits_bp
    from lga.materials import bp as materials_bp
    from lga.groupwork import bp as groupwork_bp

    # Import every domain's models so that the metadata (and Alembic) sees all tables.
    import lga.audit.models  # noqa: F401
    import lga.core.models  # noqa: F401
    import lga.enrolment.models  # noqa: F401
    import lga.attendance.models  # noqa: F401
    import lga.quizzes.models  # noqa: F401
    import lga.evaluation.models  # noqa: F401
    import lga.discussions.models  # noqa: F401
    import lga.visits.models  # noqa: F401
    import lga.materials.models  # noqa: F401
    import lga.groupwork.models  # noqa: F401

    for bp in (core_bp, accounts_bp, catalogue_bp, enrolment_bp, attendance_bp, quizzes_bp, evaluation_bp,
               reports_bp, admin_bp, discussions_bp, visits_bp, materials_bp, groupwork_bp):
        app.register_blueprint(bp)


def _init_templates(app: Flask) -> None:
    from flask_babel import format_date, format_datetime, format_decimal, format_time
    from flask_wtf.csrf import generate_csrf

    from lga import access
    from lga.catalogue.labels import FORMAT_LABELS, MODE_LABELS
    from lga.content import render_markdown
    from lga.i18n import HTML_LANG, LANGUAGE_NAMES, current_language, html_lang, localized

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        can=access.can, localized=localized, LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_language=current_language, html_lang=html_lang, HTML_LANG=HTML_LANG, FORMAT_LABELS=FORMAT_LABELS, MODE_LABELS=MODE_LABELS,
        csrf_token=generate_csrf,
    )
    app.jinja_env.filters.update(
        markdown=render_markdown, date=format_date, datetime=format_datetime, time=format_time,
        number=format_decimal,
        localized=localized,
    )
