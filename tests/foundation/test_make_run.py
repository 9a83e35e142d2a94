"""``PORT=8080 make run``: the server, and the links in the mail it writes, use that port."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tracker import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def test_make_run_serves_and_links_mail_on_the_port_given(tmp_path):
    # stand-ins for the virtualenv: a ``tracker`` that says what it was asked and with which base URL
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text("")
    tracker = bin_dir / "tracker"
    tracker.write_text('#!/bin/sh\necho "tracker $* BASE=$TRACKER_BASE_URL"\n')
    tracker.chmod(0o755)
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "run", "PORT=8080", f"BIN={bin_dir}", f"STAMP={stamp}"],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "tracker demo BASE=http://127.0.0.1:8080" in done.stdout
    served = "tracker run --host 127.0.0.1 --port 8080 --no-reload --no-debugger BASE=http://127.0.0.1:8080"
    assert served in done.stdout
    assert "is written to instance/mail/" in done.stdout


def test_mail_links_use_the_base_url(app, session, factory):
    from sqlmodel import select

    from tracker.auth.reset import send_password_link
    from tracker.db import utcnow
    from tracker.notifications.messages import build
    from tracker.outbox import Outbox

    app.config["BASE_URL"] = "http://127.0.0.1:8080"
    user = factory.user("admin", email="port@example.gov.cn")
    with app.test_request_context():
        send_password_link(session, user)
    row = session.exec(select(Outbox).where(Outbox.topic == "password_reset")).one()
    _reason, [mail] = build(session, row, utcnow())
    assert "http://127.0.0.1:8080/password/reset/" in mail.body and "http://127.0.0.1:8080/login" in mail.body
