"""Who receives what: recipients per topic, and the message rendered from ``templates/mail``.

Each topic has ``templates/mail/<topic>.zh.txt`` and ``<topic>.en.txt``; the first line is
``Subject: …``, then a blank line, then the body. Staff get their own locale; citizens get Chinese.
The query code appears only in the citizen's confirmation (``case_received``) and in the copy of it
sent to an address typed on the confirmation page (``case_receipt_copy``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlmodel import Session, select

from tracker.cases.models import Case
from tracker.cases.states import State
from tracker.db import utcnow
from tracker.organisations.models import Organisation, Site
from tracker.outbox import enqueue
from tracker.outbox.models import Outbox
from tracker.users.models import User

ORGANISER, SUPERVISOR, CITIZEN = "organiser", "supervisor", "citizen"
#: the address a citizen typed on the confirmation page, in the row's payload (``email``)
GIVEN_ADDRESS = "given_address"
#: topics whose mail carries the query code (dropped from the payload once sent)
CODE_TOPICS = {"case_received", "case_receipt_copy"}

#: topic -> who receives it
AUDIENCE: dict[str, tuple[str, ...]] = {
    "case_received": (CITIZEN,),
    "case_answered": (CITIZEN,),
    "case_due_changed": (CITIZEN,),
    "case_receipt_copy": (GIVEN_ADDRESS,),
    "case_assigned": (ORGANISER,),
    "reminder": (ORGANISER,),
    "overdue": (ORGANISER, SUPERVISOR),
    "extension_decided": (ORGANISER,),
    "review_rejected": (ORGANISER,),
    "case_chased": (ORGANISER,),
    "case_reopened": (ORGANISER,),
    "case_triage": (SUPERVISOR,),
    "review_requested": (SUPERVISOR,),
    "extension_requested": (SUPERVISOR,),
    "feedback_unsatisfied": (SUPERVISOR,),
    "case_returned": (SUPERVISOR,),
    "case_paused": (CITIZEN,),
    "case_resumed": (ORGANISER,),
    "pause_requested": (SUPERVISOR,),
}
#: staff topics that still matter once the case is closed
STAFF_TOPICS_AFTER_CLOSE = {"feedback_unsatisfied"}


@dataclass
class Mail:
    recipient: str
    locale: str
    subject: str
    body: str
    headers: dict = field(default_factory=dict)

    def to_email(self, outbox_id: int, sender: str, topic: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = format_datetime(_now_local())
        digest = hashlib.sha256(self.recipient.lower().encode()).hexdigest()[:16]
        domain = sender.rpartition("@")[2] or "tracker.invalid"
        # the same outbox row and recipient always carry the same Message-ID: receivers can dedupe
        message["Message-ID"] = f"<outbox-{outbox_id}-{digest}@{domain}>"
        message["X-Tracker-Outbox"] = str(outbox_id)
        message["X-Tracker-Topic"] = topic
        message["Content-Language"] = "zh-CN" if self.locale == "zh" else "en"
        message.set_content(self.body, charset="utf-8")
        return message


def _now_local():
    return utcnow()


def _staff(session: Session, organisation_id: int | None, role: str) -> list[User]:
    if organisation_id is None:
        return []
    return list(session.exec(select(User).where(
        User.organisation_id == organisation_id, User.role == role, User.is_active == True  # noqa: E712
    ).order_by(User.id)).all())


def skip_reason(row: Outbox, case: Case | None, now) -> str | None:
    """Why this row is confirmed without mail, or None to send it."""
    if row.topic not in AUDIENCE:
        return f"skipped: unknown topic {row.topic}"
    if case is None:
        return "skipped: no case"
    max_age = current_app.config["MAIL_MAX_AGE_DAYS"]
    if max_age and row.created_at < now - timedelta(days=max_age):
        return f"skipped: older than {max_age} days"
    staff = not {CITIZEN, GIVEN_ADDRESS} & set(AUDIENCE[row.topic])
    if staff and case.state == State.closed and row.topic not in STAFF_TOPICS_AFTER_CLOSE:
        return "skipped: case closed"
    if row.topic == "case_assigned" and row.payload.get("organiser_id") not in (None, case.organiser_id):
        return "skipped: case moved to another organiser"
    return None


def recipients(session: Session, row: Outbox, case: Case) -> list[tuple[str, str]]:
    """(email, locale) pairs, deduplicated, in a stable order."""
    found: list[tuple[str, str]] = []
    for audience in AUDIENCE[row.topic]:
        if audience == CITIZEN:
            if case.contact_email:
                found.append((case.contact_email.strip(), "zh"))
        elif audience == GIVEN_ADDRESS:
            if row.payload.get("email"):
                found.append((row.payload["email"].strip(), row.payload.get("locale") or "zh"))
        elif audience == ORGANISER:
            organiser_id = row.payload.get("organiser_id") or case.organiser_id
            users = _staff(session, organiser_id, ORGANISER)
            if organiser_id is None and row.topic == "reminder":  # in triage: the supervisor decides
                users = _staff(session, case.supervisor_id, SUPERVISOR)
            found += [(u.email, u.locale or "zh") for u in users]
        else:
            found += [(u.email, u.locale or "zh") for u in _staff(session, case.supervisor_id, SUPERVISOR)]
    seen: set[str] = set()
    unique = []
    for email, locale in found:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append((email, locale if locale in {"zh", "en"} else "zh"))
    return unique


def render(session: Session, row: Outbox, case: Case, recipient: str, locale: str) -> Mail:
    base_url = current_app.config["BASE_URL"].rstrip("/")
    organiser = session.get(Organisation, case.organiser_id) if case.organiser_id else None
    supervisor = session.get(Organisation, case.supervisor_id)
    site = session.get(Site, case.site_id) if case.site_id else None
    context = {
        "case": case,
        "payload": row.payload,
        "organiser": organiser,
        "supervisor": supervisor,
        "site": site,
        "base_url": base_url,
        "track_url": f"{base_url}/track?number={case.tracking_number}",
        "staff_url": f"{base_url}/inbox",
        "query_code": row.payload.get("query_code") if row.topic in CODE_TOPICS else None,
    }
    template = current_app.jinja_env.get_template(f"mail/{row.topic}.{locale}.txt")
    text = template.render(**context)
    head, _, body = text.lstrip("\n").partition("\n\n")
    subject = head.removeprefix("Subject:").strip()
    return Mail(recipient=recipient, locale=locale, subject=subject, body=body.strip() + "\n")


#: topics about a staff account rather than a case: the payload names the user
ACCOUNT_TOPICS = {"password_reset"}


def _account_mail(session: Session, row: Outbox, now) -> tuple[str | None, list[Mail]]:
    """A one-time password link, to the account's own address (never once it is disabled or the
    link has run out)."""
    user = session.get(User, row.payload.get("user_id") or 0)
    if user is None or not user.is_active:
        return "skipped: no active account", []
    expires_at = datetime.fromisoformat(row.payload["expires_at"])
    if expires_at <= now:
        return "skipped: link expired", []
    locale = user.locale if user.locale in {"zh", "en"} else "zh"
    base_url = current_app.config["BASE_URL"].rstrip("/")
    text = current_app.jinja_env.get_template(f"mail/{row.topic}.{locale}.txt").render(
        user=user, reset_url=f"{base_url}/password/reset/{row.payload['token']}", expires_at=expires_at,
        by_admin=bool(row.payload.get("by_admin")), login_url=f"{base_url}/login")
    head, _, body = text.lstrip("\n").partition("\n\n")
    return None, [Mail(recipient=user.email, locale=locale, subject=head.removeprefix("Subject:").strip(),
                       body=body.strip() + "\n")]


def queue_receipt_copy(session: Session, case: Case, *, email: str, query_code: str, locale: str) -> None:
    """Queue the tracking number and query code of ``case`` to an address the citizen typed on
    the confirmation page (sent after the caller's commit, like every notice)."""
    enqueue(session, "case_receipt_copy", case_id=case.id,
            payload={"email": email, "query_code": query_code, "locale": locale})


def build(session: Session, row: Outbox, now) -> tuple[str | None, list[Mail]]:
    """(skip reason, []) or (None, the messages to send)."""
    if row.topic in ACCOUNT_TOPICS:
        return _account_mail(session, row, now)
    case = session.get(Case, row.case_id) if row.case_id else None
    reason = skip_reason(row, case, now)
    if reason:
        return reason, []
    mails = [render(session, row, case, email, locale) for email, locale in recipients(session, row, case)]
    if not mails:
        return "no recipients", []
    return None, mails
