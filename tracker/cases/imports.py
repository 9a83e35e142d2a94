"""Import the national platform's public records (JSON lines) as cases.

Each record is replayed through the case operations: :func:`submit` at the moment it was created,
then :func:`record_platform_answer` at the moment it was answered, each inside
:func:`frozen_clock`. Unknown sites, organisers and supervisors are created on the way:

- the supervisor is the province (site code prefix + ``0000``, e.g. ``440000``), ``bm`` for State
  Council departments or ``BT`` for the XPCC; ``12BM010004``-style codes go under their province;
- the organiser is named by ``handled_by`` of the site's first record (or the site name when that
  is empty); later records of the site keep that organiser and their own ``handled_by`` is kept
  in the answer's event. Its code is the
  supervisor code plus a hash of the name, so one organiser that runs several sites of a province
  is one organisation, and the code is the same on every run. An organiser of that name that
  already exists under the same province is reused;
- the site gets its code, name and every host seen in its records' page URLs.

A record without a site code (8 in the 2023H2 file) creates no site: it routes by its page URL
like a live report, and otherwise goes to the default supervisor's triage.

Dates without a time mean that day in Beijing; the platform publishes only the day, so we place
the event at 12:00 Beijing time of that day (mid-day keeps the Beijing date whatever the reader's
zone and lies inside the working day). A record without ``created`` (the 1,240 list-only rows)
is taken as received on the day it was answered, and its event says so.

Records that were answered on the platform notify nobody: they are submitted with
``notify=False``, so no outbox row is written for them at all. Records without ``replied`` stay
open, routed and on their deadline, and notify like any new case.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from tracker.calendar.store import pinned_calendar
from tracker.cases.models import Case, Category
from tracker.cases.operations import record_platform_answer, submit
from tracker.cases.states import OUTCOME_BY_PLATFORM_STATUS
from tracker.cases.validation import clean_text
from tracker.db import frozen_clock
from tracker.errors import DomainError
from tracker.inputs import first_unstorable
from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.operations import (
    add_site_host,
    create_organisation,
    create_site,
)
from tracker.organisations.regions import supervisor_code_for_site, supervisor_name
from tracker.organisations.routing import split_url
from tracker.workdays import BEIJING

#: a date-only value is read as this time of that day in Beijing
DATE_ONLY_TIME = time(12, 0)
BATCH_SIZE = 500


class RecordError(ValueError):
    """A line that cannot be imported; the message says why."""


@dataclass
class ImportSummary:
    imported: int = 0
    already_present: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def summary_line(self) -> str:
        return f"imported {self.imported}, already present {self.already_present}, errors {len(self.errors)}"


@dataclass(frozen=True)
class PlatformRecord:
    """One record of the public file, checked and converted."""

    external_id: str
    site_code: str
    site_name: str
    category: int
    page_url: str
    description: str
    received_at: datetime
    answered_at: datetime | None
    outcome: str | None
    answer: str | None
    handled_by: str
    received_known: bool


# ---------------------------------------------------------------- parsing


def parse_platform_time(value, name: str) -> datetime | None:
    """``2024-04-26`` -> 12:00 Beijing that day; a time without offset is Beijing time."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} is not a date: {value!r}")
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), DATE_ONLY_TIME, tzinfo=BEIJING)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{name} is not a date: {value!r}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=BEIJING)


def _text(raw: dict, name: str, limit: int | None = None) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise RecordError(f"{name} is not text: {value!r}")
    text = clean_text(str(value))
    return text[:limit] if limit else text


def _integer(raw: dict, name: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or value is None or value == "":
        raise RecordError(f"missing {name}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise RecordError(f"{name} is not a number: {value!r}")


def _json_object(line: str | bytes) -> dict:
    """The JSON object on ``line``, holding only text the databases can store."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise RecordError("not valid JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise RecordError("not a JSON object")
    where = first_unstorable(raw)
    if where is not None:
        raise RecordError(f"invalid characters (such as NUL) in {where}")
    return raw


def parse_record(line: str | bytes) -> PlatformRecord:
    """Check one JSON line of the public records; raise :class:`RecordError` when malformed."""
    raw = _json_object(line)
    external_id = str(_integer(raw, "id"))
    category = _integer(raw, "problem_id")
    created = parse_platform_time(raw.get("created"), "created")
    replied = parse_platform_time(raw.get("replied"), "replied")
    if created is None and replied is None:
        raise RecordError("missing created (and replied)")
    if created is not None and replied is not None and replied < created:
        raise RecordError("replied is before created")
    outcome = answer = None
    if replied is not None:
        status = _integer(raw, "status")
        outcome = OUTCOME_BY_PLATFORM_STATUS.get(status)
        if outcome is None:
            raise RecordError(f"unknown status {status}")
        answer = _text(raw, "reply")
        if int(raw.get("not_handle_type") or 0) == 2 or status in (13, 20, 12, 19):
            # for the not-taken-up outcomes the reasoned text is in reject_reason
            answer = _text(raw, "reject_reason") or answer
    page_url = _text(raw, "page_url")
    if len(page_url) > 2000:
        raise RecordError("page_url is longer than 2000 characters")
    return PlatformRecord(
        external_id=external_id, site_code=_text(raw, "sitecode"), site_name=_text(raw, "site_name", 300),
        category=category, page_url=page_url, description=_text(raw, "description", 400),
        received_at=created or replied, answered_at=replied, outcome=outcome and outcome.value,
        answer=answer or None, handled_by=_text(raw, "handled_by", 200), received_known=created is not None,
    )


# ---------------------------------------------------------------- sites and organisations


class Directory:
    """The organisations and sites known so far, by code, for one import run."""

    def __init__(self, session: Session):
        self.session = session
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rolled-back record); reloaded on next use."""
        self._loaded = False

    def _load(self) -> None:
        session = self.session
        self.orgs = {o.code: o for o in session.exec(select(Organisation)).all()}
        self.organisers = {(o.path.split("/")[1], o.name): o for o in self.orgs.values()
                           if o.kind == OrgKind.organiser}
        self.sites = {s.code: s for s in session.exec(select(Site)).all()}
        self.hosts = set(session.exec(select(SiteHost.site_id, SiteHost.host)).all())
        self.categories = set(session.exec(select(Category.code)).all())
        self._loaded = True

    def check_category(self, code: int) -> None:
        if not self._loaded:
            self._load()
        if code not in self.categories:
            raise RecordError(f"unknown problem_id {code}")

    def supervisor(self, code: str) -> Organisation:
        org = self.orgs.get(code)
        if org is None:
            org = create_organisation(self.session, code=code, name=supervisor_name(code),
                                      kind=OrgKind.supervisor)
            self.orgs[code] = org
        return org

    def organiser(self, supervisor: Organisation, name: str) -> Organisation:
        root = supervisor.path.split("/")[1]
        org = self.organisers.get((root, name))
        if org is None:
            code = f"{supervisor.code}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"
            org = self.orgs.get(code) or create_organisation(
                self.session, code=code, name=name, kind=OrgKind.organiser, parent=supervisor)
            self.orgs[code] = self.organisers[(root, name)] = org
        return org

    def site(self, record: PlatformRecord) -> Site | None:
        """The record's site, created (with organiser and supervisor) when unknown; None without a
        usable site code. Registers the host of the record's page URL."""
        if not self._loaded:
            self._load()
        code = record.site_code
        site = self.sites.get(code)
        if site is None:
            supervisor_code = supervisor_code_for_site(code)
            if supervisor_code is None or len(code) > 32:
                return None
            supervisor = self.supervisor(supervisor_code)
            organiser = self.organiser(supervisor, record.handled_by or record.site_name or code)
            site = create_site(self.session, code=code, name=record.site_name or organiser.name,
                               organiser=organiser, supervisor=supervisor)
            self.sites[code] = site
        host, _path = split_url(record.page_url)
        if host and (site.id, host) not in self.hosts:
            add_site_host(self.session, site, host)
            self.hosts.add((site.id, host))
        return site


# ---------------------------------------------------------------- the import


def _import_record(session: Session, directory: Directory, record: PlatformRecord) -> Case:
    directory.check_category(record.category)
    site = directory.site(record)
    with frozen_clock(record.received_at):
        case = submit(session, site_code=site.code if site else None, page_url=record.page_url,
                      category=record.category, description=record.description,
                      received_at=record.received_at, source="import", external_id=record.external_id,
                      notify=record.answered_at is None).case
    if record.answered_at is not None:
        with frozen_clock(record.answered_at):
            record_platform_answer(
                session, case, outcome=record.outcome, answer=record.answer, answered_at=record.answered_at,
                handled_by=record.handled_by or None,
                data=None if record.received_known else {"received_at_from": "replied"})
    return case


def import_lines(session: Session, lines: Iterable[str | bytes], *, batch_size: int = BATCH_SIZE,
                 on_error: Callable[[int, str], None] | None = None) -> ImportSummary:
    """Import JSON lines of public records, committing every ``batch_size`` records.

    A record whose platform id is already a case's external id (or came earlier in ``lines``)
    counts as already present. A malformed line, or one that the operations or the database
    refuse, is skipped and reported as (line number, reason); it never takes other records with
    it. The session is committed: pass one without pending work of its own.
    """
    summary = ImportSummary()
    run = _Run(session, summary, on_error)
    batch: list[tuple[int, PlatformRecord]] = []
    with pinned_calendar(session):
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = parse_record(line)
            except RecordError as exc:
                run.fail(number, str(exc))
                continue
            if record.external_id in run.known:
                summary.already_present += 1
                continue
            run.known.add(record.external_id)
            batch.append((number, record))
            if len(batch) >= batch_size:
                run.import_batch(batch)
                batch = []
        run.import_batch(batch)
    return summary


class _Run:
    """One import: what is known so far, and a batch written at once or, if that fails, record
    by record in savepoints so that only the faulty records are lost."""

    def __init__(self, session: Session, summary: ImportSummary, on_error):
        self.session, self.summary, self.on_error = session, summary, on_error
        self.directory = Directory(session)
        self.known = set(session.exec(select(Case.external_id).where(Case.external_id.is_not(None))).all())

    def fail(self, number: int, message: str) -> None:
        self.summary.errors.append((number, message))
        if self.on_error is not None:
            self.on_error(number, message)

    def import_batch(self, batch: list[tuple[int, PlatformRecord]]) -> None:
        try:
            cases = [_import_record(self.session, self.directory, record) for _number, record in batch]
        except (RecordError, DomainError, SQLAlchemyError):
            self.session.rollback()
            self.directory.reset()
            cases = self._one_by_one(batch)
        self._finish(cases)

    def _one_by_one(self, batch) -> list[Case]:
        cases = []
        for number, record in batch:
            try:
                with self.session.begin_nested():
                    cases.append(_import_record(self.session, self.directory, record))
            except (RecordError, DomainError, SQLAlchemyError) as exc:
                self.directory.reset()
                self.known.discard(record.external_id)
                self.fail(number, _reason(exc))
        return cases

    def _finish(self, cases: list[Case]) -> None:
        self.session.commit()
        self.summary.imported += len(cases)


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message_en
    if isinstance(exc, SQLAlchemyError):
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        return f"database refused it: {detail}"
    return str(exc)


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of a plain or gzip-compressed file (recognised by its first bytes)."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rb") as handle:
        yield from handle
