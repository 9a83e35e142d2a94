"""Notifications: recipients, templates in zh and en, the query code, idempotent delivery."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.background.conftest import mail_dir, read_mail
from tracker.cases import operations as ops
from tracker.jobs import OUTBOX_QUEUE
from tracker.notifications import delivery, messages
from tracker.notifications.transport import FileTransport, MailConfigError, SmtpTransport, make_transport
from tracker.outbox import enqueue
from tracker.outbox.models import Outbox, SentMessage


def _rows(session, topic):
    return session.exec(select(Outbox).where(Outbox.topic == topic).order_by(Outbox.id)).all()


@pytest.fixture()
def staffed(factory):
    """A site whose organiser has a zh and an en user, and a supervisor user."""
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)
    zh = factory.user("organiser", org=organiser)
    en = factory.user("organiser", org=organiser)
    en.locale = "en"
    boss = factory.user("supervisor", org=province)
    return site, organiser, zh, en, boss


def test_new_case_mails_each_organiser_user_in_their_language(app, session, factory, staffed):
    site, _, zh, en, boss = staffed
    case = factory.case(site=site)
    session.commit()
    row = _rows(session, "case_assigned")[-1]
    assert delivery.deliver(row.id) == "sent"
    mails = {m["To"]: m for m in read_mail(mail_dir(app))}
    assert set(mails) == {zh.email, en.email}
    assert mails[zh.email]["Subject"] == f"新留言待办理：{case.tracking_number}"
    assert mails[en.email]["Subject"] == f"New case to handle: {case.tracking_number}"
    body = mails[en.email].get_content()
    assert case.description in body and "Beijing time" in body
    assert boss.email not in mails
    session.refresh(row)
    assert row.sent_at is not None and row.attempts == 1


def test_second_delivery_of_the_same_row_sends_nothing(app, session, factory, staffed):
    site, *_ = staffed
    factory.case(site=site)
    session.commit()
    row = _rows(session, "case_assigned")[-1]
    assert delivery.deliver(row.id) == "sent"
    assert delivery.deliver(row.id) == "busy"
    assert delivery.deliver(row.id) == "busy"
    assert len(read_mail(mail_dir(app))) == 2
    assert len(session.exec(select(SentMessage).where(SentMessage.outbox_id == row.id)).all()) == 2


def test_query_code_only_in_the_citizen_confirmation_and_dropped_once_sent(app, session, factory, staffed):
    site, *_ = staffed
    submission = factory.submission(site=site, contact_email="citizen@example.com")
    session.commit()
    for row in session.exec(select(Outbox).where(Outbox.case_id == submission.case.id)).all():
        delivery.deliver(row.id)
    by_topic = {m["X-Tracker-Topic"]: m for m in read_mail(mail_dir(app))}
    confirmation = by_topic["case_received"]
    assert confirmation["To"] == "citizen@example.com"
    text = confirmation.get_content()
    assert submission.query_code in text and submission.case.tracking_number in text
    assert f"/track?number={submission.case.tracking_number}" in text
    for topic, message in by_topic.items():
        if topic != "case_received":
            assert submission.query_code not in message.get_content()
    row = _rows(session, "case_received")[-1]
    session.refresh(row)
    assert row.sent_at is not None and "query_code" not in row.payload


def test_answer_reaches_the_citizen_with_a_tracking_link(app, session, factory, staffed):
    site, organiser, zh, *_ = staffed
    case = factory.case(site=site, contact_email="c@example.com")
    actor = factory.actor("organiser", org=organiser)
    boss = factory.actor("supervisor", org=factory.province())
    ops.answer(session, case, actor, text="已更新办事指南。")
    ops.approve(session, case, boss)
    session.commit()
    row = _rows(session, "case_answered")[-1]
    assert delivery.deliver(row.id) == "sent"
    [mail] = [m for m in read_mail(mail_dir(app)) if m["X-Tracker-Topic"] == "case_answered"]
    body = mail.get_content()
    assert mail["To"] == "c@example.com"
    assert "已更新办事指南。" in body
    assert f"{app.config['BASE_URL']}/track?number={case.tracking_number}" in body


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_topic_renders_in_both_languages(app, session, factory, staffed, locale):
    site, *_ = staffed
    case = factory.case(site=site, contact_email="c@example.com")
    for topic in messages.AUDIENCE:
        row = Outbox(topic=topic, case_id=case.id, payload={"reason": "理由", "message": "督办",
                                                            "approved": True, "query_code": "QC"})
        mail = messages.render(session, row, case, "x@example.com", locale)
        assert case.tracking_number in mail.subject and mail.body.strip()
        assert ("QC" in mail.body) == (topic in messages.CODE_TOPICS)


def test_recipients_per_topic(app, session, factory, staffed):
    site, _, zh, en, boss = staffed
    case = factory.case(site=site)
    organisers = {zh.email, en.email}
    expected = {"overdue": organisers | {boss.email}, "reminder": organisers, "case_chased": organisers,
                "review_rejected": organisers, "extension_decided": organisers,
                "case_reopened": organisers, "case_returned": {boss.email},
                "extension_requested": {boss.email}, "review_requested": {boss.email},
                "feedback_unsatisfied": {boss.email}, "case_triage": {boss.email}}
    for topic, emails in expected.items():
        row = Outbox(topic=topic, case_id=case.id, payload={})
        assert {e for e, _ in messages.recipients(session, row, case)} == emails, topic


def test_staff_notifications_of_closed_or_old_cases_are_confirmed_without_mail(app, session, factory, staffed):
    site, organiser, *_ = staffed
    case = factory.case(site=site)
    ops.answer(session, case, factory.actor("organiser", org=organiser), text="已处理。")
    ops.approve(session, case, factory.actor("supervisor", org=factory.province()))
    session.commit()
    row = _rows(session, "case_assigned")[-1]
    assert delivery.deliver(row.id) == "skipped"
    session.refresh(row)
    assert row.sent_at is not None and row.last_error == "skipped: case closed"
    assert read_mail(mail_dir(app)) == []


def test_transport_error_releases_the_claim_and_schedules_a_retry(app, session, factory, staffed):
    site, *_ = staffed
    factory.case(site=site)
    session.commit()
    row = _rows(session, "case_assigned")[-1]
    app.config["MAIL_URL"] = "smtp://127.0.0.1:1"  # nothing listens there
    assert delivery.deliver(row.id) == "failed"
    session.refresh(row)
    assert row.sent_at is None and row.claimed_at is None and row.next_attempt_at > row.created_at
    assert "Error" in row.last_error


def test_a_broker_that_is_down_does_not_break_the_commit(app, session, factory, staffed, caplog):
    from tracker.jobs import broker

    site, *_ = staffed
    down = broker.make_broker("redis://127.0.0.1:1/6")
    with broker.using(down):
        case = factory.case(site=site)
        session.commit()
    assert "outbox hand-off failed" in caplog.text
    assert _rows(session, "case_assigned")[-1].case_id == case.id


def test_commit_hands_the_new_ids_to_the_delivery_actor(app, session, factory, staffed, stub_broker):
    site, *_ = staffed
    factory.case(site=site, contact_email="c@example.com")
    session.commit()
    ids = [r.id for r in session.exec(select(Outbox).where(Outbox.sent_at.is_(None))).all()]
    assert sorted(int(m) for m in _message_ids(stub_broker)) == sorted(ids[-2:])


def _message_ids(stub_broker):
    from dramatiq import Message

    return [Message.decode(raw).args[0] for raw in list(stub_broker.queues[OUTBOX_QUEUE].queue)]


def test_enqueue_with_a_dedupe_key_stores_one_row(app, session, factory, staffed):
    site, *_ = staffed
    case = factory.case(site=site)
    assert enqueue(session, "reminder", case_id=case.id, dedupe_key="k1") is not None
    assert enqueue(session, "reminder", case_id=case.id, dedupe_key="k1") is None
    session.commit()
    assert enqueue(session, "reminder", case_id=case.id, dedupe_key="k1") is None


def test_mail_urls():
    assert isinstance(make_transport("file:///tmp/x"), FileTransport)
    smtp = make_transport("smtp://user:p%40ss@mail.example.com:2525?tls=starttls")
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.host, smtp.port, smtp.username, smtp.password, smtp.tls) == (
        "mail.example.com", 2525, "user", "p@ss", "starttls")
    assert make_transport("smtps://mail.example.com").port == 465
    with pytest.raises(MailConfigError):
        make_transport("ftp://x")
    with pytest.raises(MailConfigError):
        make_transport("smtp://h?tls=maybe")
