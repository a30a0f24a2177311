"""Cohort: the AI Accelerator Programme's cohort manager.

create_app() builds the Flask application: configuration from the environment,
extensions, GOV.UK template loaders, blueprints, security wiring, error pages
and CLI commands.
"""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask
from flask.templating import Environment
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader, Template

from cohort.config import ConfigError, load_config

__all__ = ["ConfigError", "create_app"]


class _TemplateEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals a plain dict (docs/architecture.md §9).

    Jinja keeps a template's globals as a ChainMap over the environment's, and every
    `{% from … import … %}` compares the importing page's globals with the imported template's
    key by key through it: a GOV.UK page makes some forty such imports (each component macro
    imports its label, hint and error-message macros), which cost a third of the sign-in page's
    rendering. A dict gives the same keys and values and compares at C speed. The difference:
    a global added after a template is loaded does not reach that template; every global is
    registered in create_app(), before any page is rendered.
    """

    def __init__(self, *args, **options) -> None:
        # Every template the app has, kept once loaded: a plain dict, not Jinja's LRU of 400
        # that reorders itself on each of a page's forty-odd imports. The templates are files
        # shipped with the code, so the cache cannot grow without bound.
        options["cache_size"] = -1
        super().__init__(*args, **options)
        self._imports: dict[tuple[str, str | None], Template] = {}

    def make_globals(self, d):
        return {**self.globals, **(d or {})}

    def get_template(self, name, parent=None, globals=None):
        """A template by name, as Jinja finds it; an import a page has made before is answered
        from a dict, without Jinja's path join and cache key, unless templates are reloaded
        when changed (development)."""
        if globals is not None or self.auto_reload or not isinstance(name, str):
            return super().get_template(name, parent, globals)
        key = (name, parent)
        template = self._imports.get(key)
        if template is None:
            template = self._imports[key] = super().get_template(name, parent)
        return template


def create_app(overrides: dict | None = None) -> Flask:
    # No garbage collection while the app is built (docs/architecture.md §10): importing the
    # models, forms and routes makes some hundred thousand objects that all live as long as the
    # process, and the collector's full passes over them, which free nothing, were a sixth of
    # create_app(). Collection resumes, as it was, once the app exists.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_app(overrides)
    finally:
        if collecting:
            gc.enable()


def _build_app(overrides: dict | None) -> Flask:
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.jinja_environment = _TemplateEnvironment
    app.config.update(_load_config())
    if overrides:
        app.config.update(overrides)
    if app.config["ENV_IS_PRODUCTION"]:
        app.debug = False  # never the interactive debugger in production
    Path(app.instance_path).mkdir(exist_ok=True)

    from cohort.logs import init_logging

    init_logging(app)  # first: request ids exist before anything else runs (docs/operations.md)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(Path(__file__).parent / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    _init_extensions(app)
    _register_blueprints(app)

    from cohort.errors import init_error_pages
    from cohort.filters import init_filters
    from cohort.security import init_security

    init_security(app)
    init_filters(app)
    init_error_pages(app)

    from cohort.api import init_json_api

    init_json_api(app)  # /api/v1: after the error pages, whose handlers it wraps (docs/api.md)

    from cohort.health import init_health

    init_health(app)  # /healthz, /readyz; says so once if production starts without its database

    from cohort.jobs import init_jobs

    init_jobs(app)  # the job queue on this app's storage, and `flask worker`

    from cohort.cli import init_cli

    init_cli(app)
    return app


def _load_config() -> dict:
    """The settings; a `flask …` command given settings that cannot work says why in one line
    ("Error: EMAIL_TRANSPORT=smtp needs SMTP_HOST, …") and exits 1, with no traceback."""
    try:
        return load_config()
    except ConfigError as exc:
        import click

        if click.get_current_context(silent=True) is not None:
            raise click.ClickException(str(exc)) from exc
        raise


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from cohort.database import configure_engine
    from cohort.extensions import csrf, db, limiter, login_manager, migrate
    from cohort.models import User

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    WTFormsHelpers(app)

    with app.app_context():
        configure_engine(app, db.engine)

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # The cookie holds a session's token, not the user's id: a session ended at
        # sign-out, from another device, or by a password change finds nobody
        # (docs/sign-in.md, Sessions).
        from cohort.auth.sessions import load_session_user

        return load_session_user(session_token)


def _register_blueprints(app: Flask) -> None:
    from cohort.lookups import IdConverter

    app.url_map.converters["id"] = IdConverter  # `<id:…>` in every route (cohort/lookups.py)
    from cohort.admin import bp as admin_bp
    from cohort.attendance import bp as attendance_bp
    from cohort.auth import bp as auth_bp
    from cohort.cohorts import bp as cohorts_bp
    from cohort.completion import bp as completion_bp
    from cohort.hackathons import bp as hackathons_bp
    from cohort.main import bp as main_bp
    from cohort.messages import bp as messages_bp
    from cohort.nominations import bp as nominations_bp
    from cohort.participants import bp as participants_bp
    from cohort.records import bp as records_bp
    from cohort.reports import bp as reports_bp
    from cohort.schedule import bp as schedule_bp
    from cohort.skills import bp as skills_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    # full paths: /admin/outbox, /admin/jobs, /account/email, /unsubscribe/<token>
    app.register_blueprint(messages_bp)
    app.register_blueprint(cohorts_bp, url_prefix="/cohorts")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(participants_bp)
    app.register_blueprint(nominations_bp)  # full paths: /cohorts/<slug>/import…
    app.register_blueprint(schedule_bp)  # full paths: /cohorts/<slug>/schedule, /my-schedule, /calendar/…
    app.register_blueprint(attendance_bp)  # full paths: /cohorts/<slug>/sessions/<id>/register, /check-in …
    app.register_blueprint(skills_bp)  # full paths: /skills, /cohorts/<slug>/progress, /my-progress …
    app.register_blueprint(completion_bp)  # full paths: /cohorts/<slug>/outcomes, /completion-rules, /finish
    app.register_blueprint(hackathons_bp)  # full paths: /challenges, /cohorts/<slug>/hackathons/<id>/…
    app.register_blueprint(records_bp)  # full paths: /enrolments/<id>/record…, /certificates/check
    app.register_blueprint(
        reports_bp
    )  # full paths: /cohorts/<slug>/report…, /departments/<code>/report…, /reports

    from cohort.api import init_api

    init_api(app)  # /api/v1 and Your account → API tokens (docs/api.md)

    from cohort.help import bp as help_bp
    from cohort.search import bp as search_bp

    app.register_blueprint(search_bp)  # /search, for staff
    app.register_blueprint(help_bp)  # /help and /help/<role>

    from cohort.privacy import init_privacy

    init_privacy(app)  # personal data: export, erasure, retention (docs/personal-data.md)
