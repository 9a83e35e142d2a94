"""The deadline sweep: once per case, kind and due time; concurrent sweeps send nothing twice."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from tests.background.conftest import VENV_BIN, mail_counts, mail_dir, run_tracker, subprocess_env
from tests.factories import Factory
from tracker.cases import operations as ops
from tracker.cases.models import Case
from tracker.cases.sweep import due_cases_query, sweep
from tracker.db import frozen_clock, utcnow
from tracker.extensions import db
from tracker.jobs.relay import relay
from tracker.outbox.models import Outbox

BJ = timezone(timedelta(hours=8))


def _staffed_site(session):
    factory = Factory(session)
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)
    users = {
        "organiser": factory.user("organiser", org=organiser, email="org@example.gov.cn"),
        "supervisor": factory.user("supervisor", org=province, email="boss@example.gov.cn"),
    }
    return factory, site, users


def _overdue_case(app):
    session = db.session
    factory, site, users = _staffed_site(session)
    case = factory.case(site=site, received_at=utcnow() - timedelta(days=40))
    session.commit()
    return case, users


def _topic_mail(app, topic):
    return mail_counts(mail_dir(app), topic)


def test_long_overdue_case_one_sweep_mails_organiser_and_supervisor_once(committed_app):
    case, users = _overdue_case(committed_app)
    first = run_tracker(committed_app, "sweep")
    assert first.returncode == 0, first.stderr
    stats = json.loads(first.stdout.strip().splitlines()[-1])
    assert stats["overdue"] == 1 and stats["reminders"] == 0
    overdue = _topic_mail(committed_app, "overdue")
    assert sorted(to for _, to in overdue) == ["boss@example.gov.cn", "org@example.gov.cn"]
    assert set(overdue.values()) == {1}
    # a second sweep, then two at once: nothing more
    second = run_tracker(committed_app, "sweep")
    assert second.returncode == 0, second.stderr
    _two_sweeps_at_once(committed_app)
    assert _topic_mail(committed_app, "overdue") == overdue
    db._state().session.remove()
    case = db.session.get(Case, case.id)
    assert case.overdue_at is not None and case.sweep_at is None


def _two_sweeps_at_once(app):
    env = subprocess_env(app)
    procs = [subprocess.Popen([str(VENV_BIN / "tracker"), "sweep"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
    for _out, err, code in results:
        assert code == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _, _ in results]


def test_concurrent_sweeps_write_each_reminder_once(committed_app):
    """(c) two `tracker sweep` processes at once on the same database (run with --db=postgresql too)."""
    session = db.session
    factory, site, users = _staffed_site(session)
    now = utcnow()
    with frozen_clock(now - timedelta(days=3)):
        for _ in range(30):  # some due for a reminder, some overdue
            factory.case(site=site)
    for _ in range(30):
        factory.case(site=site, received_at=now - timedelta(days=40))
    session.commit()
    due_before = len(session.exec(select(Case.id).where(Case.sweep_at <= now)).all())
    session.commit()  # hold no read lock while the sweeps run
    stats = _two_sweeps_at_once(committed_app)
    assert sum(s["reminders"] + s["overdue"] for s in stats) == due_before
    db._state().session.remove()
    rows = db.session.exec(select(Outbox).where(Outbox.topic.in_(["reminder", "overdue"]))).all()
    assert len(rows) == due_before == len({r.dedupe_key for r in rows})
    counts = mail_counts(mail_dir(committed_app))
    reminder_mail = [k for k, n in _topic_mail(committed_app, "reminder").items()]
    overdue_mail = _topic_mail(committed_app, "overdue")
    assert set(counts.values()) == {1}  # no message twice
    assert len(overdue_mail) == 2 * len([r for r in rows if r.topic == "overdue"])
    assert len(reminder_mail) == len([r for r in rows if r.topic == "reminder"])
    assert all(r.sent_at is not None for r in rows)


def test_reminder_once_per_due_time_and_again_after_an_extension(committed_app):
    session = db.session
    factory, site, users = _staffed_site(session)
    # received Friday 2024-04-26: due 2024-04-30 24:00 Beijing; reminder from 2024-04-30 00:00
    received = datetime(2024, 4, 26, 10, 0, tzinfo=BJ)
    case = factory.case(site=site, received_at=received)
    session.commit()
    assert case.due_at == datetime(2024, 5, 1, 0, 0, tzinfo=BJ)
    assert sweep(now=datetime(2024, 4, 29, 12, tzinfo=BJ)) == {"cases": 0, "reminders": 0, "overdue": 0}
    assert sweep(now=datetime(2024, 4, 30, 9, tzinfo=BJ))["reminders"] == 1
    assert sweep(now=datetime(2024, 4, 30, 10, tzinfo=BJ))["reminders"] == 0
    # an approved extension moves the due time: a new reminder is legitimate
    organiser_user = users["organiser"]
    from tracker.cases.scope import Actor

    with frozen_clock(datetime(2024, 4, 30, 11, tzinfo=BJ)):
        request = ops.request_extension(session, case, Actor.of(organiser_user, session), workdays=2,
                                        reason="需要技术部门配合")
        ops.decide_extension(session, case, Actor.of(users["supervisor"], session), request_id=request.id,
                             approve=True)
        session.commit()
    # 2 working days after 2024-04-30 (1–5 May are holidays): due 2024-05-07 24:00, reminder from 05-07
    assert case.due_at == datetime(2024, 5, 8, 0, 0, tzinfo=BJ)
    assert sweep(now=datetime(2024, 5, 6, 9, tzinfo=BJ))["reminders"] == 0
    assert sweep(now=datetime(2024, 5, 7, 9, tzinfo=BJ))["reminders"] == 1
    assert sweep(now=datetime(2024, 5, 8, 1, tzinfo=BJ))["overdue"] == 1
    assert sweep(now=datetime(2024, 5, 9, 1, tzinfo=BJ)) == {"cases": 0, "reminders": 0, "overdue": 0}
    keys = sorted(r.dedupe_key for r in session.exec(select(Outbox).where(Outbox.case_id == case.id,
                                                                         Outbox.dedupe_key.is_not(None))))
    assert [k.split(":")[0] for k in keys] == ["overdue", "reminder", "reminder"]


def test_the_sweep_query_uses_the_sweep_at_index(committed_app):
    query = due_cases_query(utcnow(), 500, db.dialect)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": False})
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                        tuple(compiled.params.values())).all()
            text = " ".join(str(r[-1]) for r in plan)
            assert "USING INDEX ix_case_report_sweep_at" in text, text
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + str(compiled), dict(compiled.params)).all()
            assert "ix_case_report_sweep_at" in " ".join(r[0] for r in plan)


def test_a_job_never_commits_what_its_caller_left_open(committed_app):
    session = db.session
    factory, site, _users = _staffed_site(session)
    session.commit()
    case = factory.case(site=site, received_at=datetime(2024, 4, 26, 10, 0, tzinfo=BJ))  # flushed, not committed
    number = case.tracking_number
    for job in (lambda: sweep(now=datetime(2024, 5, 8, tzinfo=BJ)), lambda: relay(grace_seconds=0)):
        try:
            job()
        except RuntimeError as refused:
            assert "commit or roll back before running a job" in str(refused)
        else:
            raise AssertionError("the job ran over its caller's open work")
    session.rollback()
    assert session.exec(select(Case).where(Case.tracking_number == number)).first() is None
    assert sweep(now=datetime(2024, 5, 8, tzinfo=BJ))["cases"] == 0  # a clean session runs
