"""The page-check settings: read from TRACKER_PROBE_*, checked at start-up."""
from __future__ import annotations

import ipaddress

import pytest

from tracker.config import ConfigError, load_config
from tracker.evidence.operations import settings_from


def test_defaults_fetch_public_pages_on_the_web_ports(monkeypatch, tmp_path):
    for name in ("PROBE", "PROBE_ALLOW", "PROBE_PORTS"):
        monkeypatch.delenv(f"TRACKER_{name}", raising=False)
    config = load_config(str(tmp_path), {"SECRET_KEY": "k" * 32, "TESTING": True})
    assert config["PROBE"] is True and config["PROBE_ALLOW"] == () and config["PROBE_PORTS"] == (80, 443)
    settings = settings_from(config)
    assert (settings.connect_timeout, settings.total_timeout, settings.max_bytes) == (5.0, 15.0, 2 * 1024 * 1024)
    assert "TrackerPageCheck" in settings.user_agent and settings.max_redirects == 5


def test_environment_sets_networks_ports_and_switches_checks_off(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_PROBE", "0")
    monkeypatch.setenv("TRACKER_PROBE_ALLOW", "10.1.0.0/16, fd00::/8")
    monkeypatch.setenv("TRACKER_PROBE_PORTS", "80,443,8080")
    config = load_config(str(tmp_path), {"SECRET_KEY": "k" * 32, "TESTING": True})
    assert config["PROBE"] is False
    assert config["PROBE_ALLOW"] == (ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("fd00::/8"))
    assert config["PROBE_PORTS"] == (80, 443, 8080)


@pytest.mark.parametrize("name, value, message", [
    ("PROBE_ALLOW", "intranet", "TRACKER_PROBE_ALLOW must list networks"),
    ("PROBE_PORTS", "http", "TRACKER_PROBE_PORTS must list ports"),
    ("PROBE_PORTS", "0", "TRACKER_PROBE_PORTS must list ports"),
    ("PROBE_TIMEOUT_SECONDS", "0", "must be positive"),
])
def test_a_bad_value_is_refused_at_start(monkeypatch, tmp_path, name, value, message):
    monkeypatch.setenv(f"TRACKER_{name}", value)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {"SECRET_KEY": "k" * 32, "TESTING": True})
