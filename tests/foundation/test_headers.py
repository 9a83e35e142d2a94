"""Security headers: HSTS only when cookies are HTTPS-only; no product versions in ``Server``."""
from __future__ import annotations

import os
import re
import sys
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.conftest import BASE_CONFIG, gunicorn_serving, serving
from tracker import create_app

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _app(tmp_path, **config):
    return create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'headers.sqlite3'}", **config})


@pytest.mark.parametrize("path", ["/login", "/api/v1/cases", "/no-such-page"])
def test_hsts_is_sent_when_cookies_are_https_only(tmp_path, path):
    secure = _app(tmp_path, SESSION_COOKIE_SECURE=True).test_client()
    response = secure.get(path, base_url="https://tracker.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    plain = _app(tmp_path, SESSION_COOKIE_SECURE=False).test_client()
    assert "Strict-Transport-Security" not in plain.get(path).headers


def test_the_development_server_names_no_versions(tmp_path):
    with serving(_app(tmp_path)) as url, urllib.request.urlopen(url + "/login") as response:
        server = response.headers["Server"]
    assert server == "tracker"


def test_gunicorn_names_itself_without_a_version(tmp_path):
    """Gunicorn's Server header is fixed to its name; no version is sent (documented in production.md)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"TRACKER_SECRET_KEY": "s" * 64, "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
                "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}", "TRACKER_EMBEDDED_WORKER": "0",
                "TRACKER_SINGLE_PROCESS": "1"})
    with gunicorn_serving(env, workers=1) as base:
        headers = httpx.get(f"{base}/login", timeout=10).headers
    assert not re.search(r"\d", headers["Server"])
    assert headers["Strict-Transport-Security"] == "max-age=31536000"  # production settings
