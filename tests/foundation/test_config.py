"""Settings: defaults, then TRACKER_* environment variables, then the override dict."""
from __future__ import annotations

import os
import stat

import pytest

from tracker import create_app
from tracker.config import INSTANCE_KEY_FILE, PUBLIC_DEVELOPMENT_KEY, ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("TRACKER_DEBUG", "TRACKER_TESTING", "TRACKER_SECRET_KEY", "TRACKER_ANSWER_WORKDAYS",
                 "TRACKER_REVIEW_REQUIRED", "TRACKER_DATABASE_URL", "TRACKER_SESSION_LIFETIME_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TRACKER_EMBEDDED_WORKER", "0")
    monkeypatch.setenv("TRACKER_SINGLE_PROCESS", "1")  # one process; the rate-limit store test unsets it


def test_without_a_secret_key_a_generated_instance_key_is_used_and_kept(tmp_path):
    # two apps on one instance folder (two web processes, or a restart) sign with the same key
    first, second = create_app(), create_app({"DEBUG": True})
    key_file = tmp_path / "instance" / INSTANCE_KEY_FILE
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert first.config["SECRET_KEY"] != PUBLIC_DEVELOPMENT_KEY and len(first.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # a cookie signed by one is accepted by the other
    cookie = first.session_interface.get_signing_serializer(first).dumps({"k": 1})
    assert second.session_interface.get_signing_serializer(second).loads(cookie) == {"k": 1}


def test_another_instance_folder_gets_another_key(monkeypatch, tmp_path):
    key = create_app().config["SECRET_KEY"]
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "other"))
    assert create_app().config["SECRET_KEY"] != key


@pytest.mark.parametrize("override", [{}, {"DEBUG": True}, {"TESTING": True}])
def test_the_public_development_key_is_refused_everywhere(monkeypatch, override):
    monkeypatch.setenv("TRACKER_SECRET_KEY", PUBLIC_DEVELOPMENT_KEY)
    with pytest.raises(ConfigError) as refused:
        create_app(override)
    assert "TRACKER_SECRET_KEY" in str(refused.value) and "public development key" in str(refused.value)


def test_debug_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRACKER_DEBUG", "1")
    app = create_app()
    assert app.config["DEBUG"] is True and app.config["SESSION_COOKIE_SECURE"] is False


def test_a_real_secret_key_starts_in_production_mode(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "a" * 64)
    monkeypatch.setenv("TRACKER_SINGLE_PROCESS", "1")
    app = create_app()
    assert app.config["DEBUG"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "a" * 64
    assert not (tmp_path / "instance" / INSTANCE_KEY_FILE).exists()


def test_settings_order_defaults_then_environment_then_overrides(monkeypatch, tmp_path):
    base = {"TESTING": True}
    app = create_app(base)
    assert app.config["ANSWER_WORKDAYS"] == 3
    assert app.config["REVIEW_REQUIRED"] is True
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'tracker.sqlite3'}"

    monkeypatch.setenv("TRACKER_ANSWER_WORKDAYS", "5")
    monkeypatch.setenv("TRACKER_REVIEW_REQUIRED", "no")
    app = create_app(base)
    assert app.config["ANSWER_WORKDAYS"] == 5
    assert app.config["REVIEW_REQUIRED"] is False

    app = create_app({**base, "ANSWER_WORKDAYS": 7})
    assert app.config["ANSWER_WORKDAYS"] == 7
    assert app.config["REVIEW_REQUIRED"] is False


def test_malformed_setting_is_named(monkeypatch):
    monkeypatch.setenv("TRACKER_ANSWER_WORKDAYS", "three")
    with pytest.raises(ConfigError, match="TRACKER_ANSWER_WORKDAYS='three' is not valid"):
        create_app({"TESTING": True})


def test_languages_setting_decides_what_the_interface_offers(tmp_path):
    def home(languages: str, **query):
        app = create_app({"TESTING": True, "SECRET_KEY": "k" * 32, "LANGUAGES": languages, "EMBEDDED_WORKER": False,
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'languages.sqlite3'}"})
        return app.test_client().get("/login", query_string=query).text

    both = home("zh,en")
    assert '<html lang="zh-CN">' in both and 'class="lang-switch"' in both
    assert '<html lang="en">' in home("en,zh")  # the first listed is the default
    chinese_only = home("zh", lang="en")
    assert '<html lang="zh-CN">' in chinese_only and 'class="lang-switch"' not in chinese_only
    with pytest.raises(ConfigError, match="TRACKER_LANGUAGES must list languages out of zh, en"):
        create_app({"TESTING": True, "LANGUAGES": "zh,fr"})


def test_rate_limit_counters_must_be_shared_outside_one_process(monkeypatch):
    monkeypatch.delenv("TRACKER_SINGLE_PROCESS")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "a" * 64)
    with pytest.raises(ConfigError, match="TRACKER_SINGLE_PROCESS=1 when exactly one process serves"):
        create_app()  # production settings, counters in memory:// and nothing says one process serves
    monkeypatch.setenv("TRACKER_BROKER_URL", "redis://127.0.0.1:6379/9")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/9"  # the broker's Redis
    monkeypatch.setenv("TRACKER_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/8")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/8"
    monkeypatch.delenv("TRACKER_BROKER_URL")
    monkeypatch.delenv("TRACKER_RATELIMIT_STORAGE_URI")
    monkeypatch.setenv("TRACKER_SINGLE_PROCESS", "1")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_session_lifetime_is_read_and_checked(monkeypatch):
    assert create_app({"TESTING": True}).config["SESSION_LIFETIME_HOURS"] == 12
    monkeypatch.setenv("TRACKER_SESSION_LIFETIME_HOURS", "8")
    assert create_app({"TESTING": True}).config["SESSION_LIFETIME_HOURS"] == 8
    monkeypatch.setenv("TRACKER_SESSION_LIFETIME_HOURS", "0")
    with pytest.raises(ConfigError, match="TRACKER_SESSION_LIFETIME_HOURS must be at least 1"):
        create_app({"TESTING": True})
