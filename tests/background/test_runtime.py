"""The embedded mode: worker threads and the start-up relay deliver what is pending (e.g. the demo's)."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.background.conftest import mail_counts, mail_dir, wait_for
from tests.conftest import BASE_CONFIG
from tests.factories import Factory
from tracker import create_app
from tracker.db import frozen_clock, utcnow
from tracker.extensions import db
from tracker.jobs import runtime
from tracker.outbox.models import Outbox


def _pending_history_and_news():
    factory = Factory(db.session)
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)
    factory.user("organiser", org=organiser, email="org@example.gov.cn")
    with frozen_clock(utcnow() - timedelta(days=40)):  # history replayed, as the demo does
        old = factory.case(site=site)
    new = factory.case(site=site)
    db.session.commit()
    return old, new


def _sent(case_id):
    row = db.session.exec(select(Outbox).where(Outbox.case_id == case_id, Outbox.topic == "case_assigned")).one()
    db.session.commit()
    return row if row.sent_at is not None else None


def test_start_up_relay_delivers_pending_mail_and_skips_stale_history(committed_app, stub_broker):
    old, new = _pending_history_and_news()
    started = runtime.start(committed_app)
    try:
        assert runtime.start(committed_app) is started  # once per process
        row = wait_for(lambda: _sent(new.id), timeout=30, message="the start-up relay")
        old_row = wait_for(lambda: _sent(old.id), timeout=30, message="the stale row")
    finally:
        started.stop()
    assert row.last_error is None
    assert old_row.last_error == "skipped: older than 14 days"
    counts = mail_counts(mail_dir(committed_app), "case_assigned")
    assert list(counts) == [(str(row.id), "org@example.gov.cn")]


def test_the_web_process_starts_its_worker_on_the_first_request(committed_app, stub_broker):
    _old, new = _pending_history_and_news()
    app = create_app({**BASE_CONFIG, "EMBEDDED_WORKER": True, "DATABASE_URL": committed_app.config["DATABASE_URL"],
                      "MAIL_URL": committed_app.config["MAIL_URL"]})
    assert app.extensions["tracker.runtime"] is None  # nothing at import or app creation (gunicorn --preload)
    app.test_client().get("/")
    started = app.extensions["tracker.runtime"]
    try:
        assert started is not None and started.worker is not None
        wait_for(lambda: _sent(new.id), timeout=30, message="delivery by the embedded worker")
    finally:
        started.stop()
        app.extensions["tracker.db"].engine.dispose()


def test_relay_and_scheduler_commands_deliver_in_the_embedded_mode(committed_app, stub_broker):
    import json

    _old, new = _pending_history_and_news()
    runner = committed_app.test_cli_runner()
    result = runner.invoke(args=["relay"])
    assert result.exit_code == 0, result.output
    # the ids handed off at commit and the relay's pass are both in the queue; either delivers
    assert json.loads(result.output.strip().splitlines()[-1])["failed"] is False
    assert _sent(new.id) is not None
    again = runner.invoke(args=["scheduler", "--once"])
    assert again.exit_code == 0, again.output
    stats = json.loads(again.output.strip().splitlines()[-1])
    assert stats["overdue"] == 1  # the old case is long overdue
    assert len(mail_counts(mail_dir(committed_app), "case_assigned")) == 1
    assert len(mail_counts(mail_dir(committed_app), "overdue")) == 1
