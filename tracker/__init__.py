"""Tracker: citizens' error reports about government websites, held to working-day deadlines."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings (defaults < ``TRACKER_*`` < ``config``), extensions, blueprints, CLI."""
    from tracker import models  # noqa: F401  (every table registered before first use)
    from tracker.config import load_config
    from tracker.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        select_locale,
    )
    from tracker.i18n import compile_catalogues, translation_directories

    instance_path = os.environ.get("TRACKER_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    settings = load_config(app.instance_path, config)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=settings["RATE_LIMITS_ENABLED"],
        RATELIMIT_STORAGE_URI=settings["RATELIMIT_STORAGE_URI"],
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
    )

    db.init_app(app, engine=(config or {}).get("ENGINE"))
    compile_catalogues()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from tracker import web

    web.init_app(app)
    for module in BLUEPRINTS:
        blueprint = __import__(f"tracker.{module}.blueprint", fromlist=["bp"]).bp
        app.register_blueprint(blueprint)

    from tracker.cli import register_commands

    register_commands(app)

    from tracker.jobs import runtime

    runtime.init_app(app)
    from tracker import evidence

    evidence.init_app(app)
    return app


#: feature packages that serve pages, each with ``blueprint.py`` exposing ``bp``
BLUEPRINTS = ("public", "auth", "inbox", "supervise", "sla", "admin", "api", "published")
