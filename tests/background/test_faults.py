"""Fault tests against real brokers: the broker down, a worker killed mid-job, RabbitMQ delivery.

Need ``TRACKER_TEST_REDIS_URL`` (e.g. redis://127.0.0.1:6379/6) and ``TRACKER_TEST_RABBITMQ_URL``
(e.g. amqp://guest:guest@127.0.0.1:5672/); they fail under CI=true when missing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import redis
from dramatiq import Worker
from sqlmodel import func, select

from tests.background.conftest import VENV_BIN, free_port, mail_counts, mail_dir, subprocess_env, wait_for
from tests.conftest import require_service
from tests.factories import Factory
from tracker import jobs
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.jobs import broker as tracker_broker
from tracker.jobs.relay import relay
from tracker.outbox.models import Outbox, SentMessage


def _site_with_two_organiser_users(session):
    factory = Factory(session)
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)
    factory.user("organiser", org=organiser, email="a@example.gov.cn")
    factory.user("organiser", org=organiser, email="b@example.gov.cn")
    factory.user("supervisor", org=province, email="boss@example.gov.cn")
    session.commit()
    return site


def _all_sent() -> bool:
    pending = db.session.exec(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))).one()
    db.session.commit()
    return pending == 0


@pytest.fixture()
def redis_url():
    url = require_service("TRACKER_TEST_REDIS_URL")
    redis.Redis.from_url(url).flushdb()
    return url


class PrivateRedis:
    """A redis-server of our own on a free port, to stop and start."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        self.process.kill()
        self.process.wait()


def test_broker_down_while_200_reports_arrive_then_each_notification_once(committed_app, redis_url, tmp_path):
    """(a) The broker is down for 200 submissions over HTTP: all acknowledged cases exist; when it is
    back, the relay hands everything over and each organiser notification is mailed exactly once."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to stop and restart a broker")
    site = _site_with_two_organiser_users(db.session)
    server = PrivateRedis(tmp_path)
    server.start()
    broker = tracker_broker.make_broker(f"redis://127.0.0.1:{server.port}/{urlsplit(redis_url).path[1:] or 0}")
    client = committed_app.test_client()
    with tracker_broker.using(broker):
        server.stop()
        numbers = []
        for n in range(200):
            response = client.post("/api/v1/cases", json={
                "site_code": site.code, "page_url": f"https://{site.code}.gd.gov.cn/p{n}.html", "category": 2,
                "description": f"第{n}页的链接打不开。", "contact_phone": "13800138000", "consent": True})
            assert response.status_code == 201, response.get_json()
            numbers.append(response.get_json()["tracking_number"])
        db._state().session.remove()
        found = db.session.exec(select(func.count()).select_from(Case).where(Case.tracking_number.in_(numbers))).one()
        assert found == 200
        assert db.session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.topic == "case_assigned", Outbox.sent_at.is_(None))).one() == 200
        assert relay(grace_seconds=0)["failed"] is True  # still down: nothing lost, nothing raised
        db.session.commit()

        server.start()  # the broker is back
        jobs.bind_app(committed_app)
        worker = Worker(broker, worker_threads=4)
        worker.start()
        try:
            assert relay(grace_seconds=0) == {"enqueued": 200, "failed": False}
            wait_for(_all_sent, timeout=120, message="all 200 notifications sent")
            # hand every id over again (a duplicate relay, a redelivered message): nothing more is sent
            ids = db.session.exec(select(Outbox.id)).all()
            db.session.commit()  # hold no SQLite read lock while the workers write
            for outbox_id in ids:
                jobs.deliver_outbox.send(outbox_id)
            broker.join(jobs.OUTBOX_QUEUE, timeout=60_000)
            worker.join()
        finally:
            worker.stop()
            server.stop()
    counts = mail_counts(mail_dir(committed_app), "case_assigned")
    assert len(counts) == 400 and set(counts.values()) == {1}
    assert {to for _, to in counts} == {"a@example.gov.cn", "b@example.gov.cn"}
    assert db.session.exec(select(func.count()).select_from(SentMessage)).one() == 400


def _dramatiq_worker(app, mail_url, *modules, **env):
    return subprocess.Popen(
        [str(VENV_BIN / "dramatiq"), "tracker.jobs", *modules, "--processes", "1", "--threads", "1"],
        env=subprocess_env(app, TRACKER_MAIL_URL=mail_url, **env), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_worker_killed_mid_job_the_job_is_redone_and_nothing_sent_twice(committed_app, redis_url):
    """(b) A `dramatiq tracker.jobs` worker is SIGKILLed while sending; another worker redoes the job."""
    committed_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] = 2
    folder = mail_dir(committed_app)
    env = {"TRACKER_BROKER_URL": redis_url, "TRACKER_OUTBOX_CLAIM_TIMEOUT_SECONDS": "2"}
    broker = tracker_broker.make_broker(redis_url)
    with tracker_broker.using(broker):
        site = _site_with_two_organiser_users(db.session)
        doomed = _dramatiq_worker(committed_app, f"blockfile://{folder}", "tests.background.blocking_transport",
                                  **env)
        try:
            case = Factory(db.session).case(site=site)  # the commit hands the id to Redis
            db.session.commit()
            row_id = db.session.exec(select(Outbox.id).where(Outbox.case_id == case.id,
                                                             Outbox.topic == "case_assigned")).one()
            marker = folder.parent / f"sending-{row_id}"
            wait_for(marker.exists, timeout=60, message="the worker to start sending")
        finally:
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait()
        row = db.session.get(Outbox, row_id)
        db.session.refresh(row)
        assert row.sent_at is None and row.claimed_at is not None and row.attempts == 1
        assert mail_counts(folder) == {}

        second = _dramatiq_worker(committed_app, f"file://{folder}", **env)
        try:
            time.sleep(2.5)  # the dead worker's claim goes stale
            assert relay(grace_seconds=0)["enqueued"] >= 1
            wait_for(lambda: db.session.get(Outbox, row_id).sent_at is not None, timeout=60,
                     message="the job to be redone")
            jobs.deliver_outbox.send(row_id)  # and once more: still one mail per recipient
            # (not broker.join: the dead worker's unacknowledged message still counts there)
            wait_for(lambda: broker.client.llen(f"dramatiq:{jobs.OUTBOX_QUEUE}") == 0, timeout=30,
                     message="the duplicate to be taken")
            time.sleep(1)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    db._state().session.remove()
    row = db.session.get(Outbox, row_id)
    assert row.attempts == 2
    counts = mail_counts(folder, "case_assigned")
    assert sorted(to for _, to in counts) == ["a@example.gov.cn", "b@example.gov.cn"]
    assert set(counts.values()) == {1}


def test_rabbitmq_delivers_an_outbox_id(committed_app):
    url = require_service("TRACKER_TEST_RABBITMQ_URL")
    broker = tracker_broker.make_broker(url)
    with tracker_broker.using(broker):
        broker.flush_all()
        site = _site_with_two_organiser_users(db.session)
        jobs.bind_app(committed_app)
        worker = Worker(broker, worker_threads=2)
        worker.start()
        try:
            case = Factory(db.session).case(site=site, contact_email="c@example.com")
            db.session.commit()  # the commit hands the ids to RabbitMQ
            wait_for(_all_sent, timeout=60, message="delivery through RabbitMQ")
        finally:
            worker.stop()
            broker.close()
    folder = mail_dir(committed_app)
    assert sorted(to for _, to in mail_counts(folder, "case_assigned")) == ["a@example.gov.cn", "b@example.gov.cn"]
    assert [to for _, to in mail_counts(folder, "case_received")] == ["c@example.com"]
    assert set(mail_counts(folder).values()) == {1}
    assert case.contact_email == "c@example.com"
