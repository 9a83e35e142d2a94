"""Import the national platform's public records (JSON lines) as cases.

Each record is replayed through the rules of the case operations: :func:`take_in` (the rules of
:func:`submit`) at the moment it was created, then :func:`close_with_platform_answer` (those of
:func:`record_platform_answer`) at the moment it was answered, each inside :func:`frozen_clock`.
The rules build rows without writing them; a batch of records is then written with one or two
statements per table (:class:`_Run`). Unknown sites, organisers and supervisors are created on the
way:

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

Records that were answered on the platform notify nobody: they are taken in with
``notify=False``, so no outbox row is written for them at all. Records without ``replied`` stay
open, routed and on their deadline, and notify like any new case.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar, pinned_calendar
from tracker.cases import access
from tracker.cases.history import Action
from tracker.cases.models import Case, Category
from tracker.cases.numbers import reserve_tracking_numbers, tracking_day, tracking_number
from tracker.cases.operations import Intake, close_with_platform_answer, take_in, write_intakes
from tracker.cases.permissions import check
from tracker.cases.scope import SYSTEM
from tracker.cases.states import OUTCOME_BY_PLATFORM_STATUS
from tracker.cases.validation import clean_text
from tracker.db import frozen_clock
from tracker.errors import DomainError
from tracker.inputs import first_unstorable
from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.operations import (
    NATIONAL_ROOT_CODE,
    national_root,
    new_organisation,
    new_site,
    new_site_host,
)
from tracker.organisations.regions import supervisor_code_for_site, supervisor_name
from tracker.organisations.routing import HostEntry, SiteEntry, host_variants, split_url
from tracker.organisations.util import RoutedTo, resolve_with
from tracker.workdays import BEIJING, WorkCalendar

#: a date-only value is read as this time of that day in Beijing
DATE_ONLY_TIME = time(12, 0)
BATCH_SIZE = 1000


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
    """The organisations and sites known so far, in memory, for one import run: routing reads it
    (a :class:`tracker.organisations.util.Directory`), and :meth:`plan` adds the unknown ones.

    What a batch adds is only planned at first (plain rows, :func:`tracker.db.plain`), in record
    order, so that each record is routed against what the records before it had created;
    :meth:`write_planned` then writes it level by level (supervisors, organisers, sites, hosts),
    one statement each. Planned sites are named by negative ids in the routing entries.
    """

    def __init__(self, session: Session):
        self.session = session
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rolled-back record); reloaded on next use."""
        self._loaded = False

    def _load(self) -> None:
        session = self.session
        orgs = session.exec(select(Organisation)).all()
        self.orgs = {o.code: o for o in orgs}
        self.orgs_by_id = {o.id: o for o in orgs}
        self.organisers = {(o.path.split("/")[1], o.name): o for o in orgs if o.kind == OrgKind.organiser}
        sites = session.exec(select(Site)).all()
        self.sites = {s.code: s for s in sites}
        self.site_ids = {s.code: s.id for s in sites}
        self.by_site_id = {s.id: s for s in sites}
        self.hosts: dict[str, list[HostEntry]] = {}
        self.registered: set[tuple[int, str]] = set()
        for row in session.exec(select(SiteHost)).all():
            self._add_host(self.by_site_id[row.site_id], row.site_id, row.host, row.path_prefix)
        self.categories = set(session.exec(select(Category.code)).all())
        # plain rows (tracker.db.plain) until written
        self._planned_orgs: list[tuple[SimpleNamespace, Organisation]] = []
        # every site planned since the load: the planned ids index this list
        self._planned_sites: list[tuple[SimpleNamespace, Organisation, Organisation]] = []
        self._sites_written = 0
        self._planned_hosts: list[tuple[SimpleNamespace, str]] = []
        self._loaded = True

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._load()

    def _add_host(self, site: Site, site_id: int, host: str, prefix: str = "") -> None:
        self.hosts.setdefault(host, []).append(HostEntry(site_id, site.code, host, prefix, site.is_running))
        self.registered.add((site_id, host))

    # ------------------------------------------------ what routing reads

    def code_site(self, code: str) -> SiteEntry | None:
        site = self.sites.get(code)
        return SiteEntry(self.site_ids[code], site.code, site.is_running) if site is not None else None

    def host_entries(self, page_url: str) -> list[HostEntry]:
        host, _path = split_url(page_url)
        return [entry for variant in host_variants(host) for entry in self.hosts.get(variant, ())]

    def site(self, site_id: int) -> tuple[Site, Organisation | None, Organisation | None] | None:
        site = self.by_site_id.get(site_id)
        if site is None:
            return None
        if site_id < 0:  # planned in this batch: its organisations are known by object
            _site, supervisor, organiser = self._planned_sites[-site_id - 1]
            return site, supervisor, organiser
        return site, self.orgs_by_id.get(site.supervisor_id), self.orgs_by_id.get(site.organiser_id)

    def supervisor(self, code: str) -> Organisation | None:
        org = self.orgs.get(code)
        return org if org is not None and org.kind == OrgKind.supervisor else None

    def national_root(self) -> Organisation:
        root = self.orgs.get(NATIONAL_ROOT_CODE)
        if root is None:
            root = national_root(self.session)
            self.orgs[root.code], self.orgs_by_id[root.id] = root, root
        return root

    # ------------------------------------------------ what the import adds

    def check_category(self, code: int) -> None:
        self._ensure_loaded()
        if code not in self.categories:
            raise RecordError(f"unknown problem_id {code}")

    def _supervisor(self, code: str) -> Organisation:
        org = self.orgs.get(code)
        if org is None:
            org = self._plan_org(code=code, name=supervisor_name(code), kind=OrgKind.supervisor,
                                 parent=self.national_root())
        return org

    def _organiser(self, supervisor: Organisation, name: str) -> Organisation:
        root = supervisor.path.split("/")[1]
        org = self.organisers.get((root, name))
        if org is None:
            code = f"{supervisor.code}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"
            org = self.orgs.get(code) or self._plan_org(code=code, name=name, kind=OrgKind.organiser,
                                                        parent=supervisor)
            self.organisers[(root, name)] = org
        return org

    def _plan_org(self, *, code: str, name: str, kind: str, parent: Organisation) -> Organisation:
        org = new_organisation(code=code, name=name, kind=kind, parent=parent)
        self.orgs[code] = org
        self._planned_orgs.append((org, parent))
        return org

    def plan(self, record: PlatformRecord) -> Site | None:
        """The record's site, planned (with organiser and supervisor) when unknown; None without a
        usable site code. Plans the registration of the host of the record's page URL."""
        self._ensure_loaded()
        code = record.site_code
        site = self.sites.get(code)
        if site is None:
            supervisor_code = supervisor_code_for_site(code)
            if supervisor_code is None or len(code) > 32:
                return None
            supervisor = self._supervisor(supervisor_code)
            organiser = self._organiser(supervisor, record.handled_by or record.site_name or code)
            site = new_site(code=code, name=record.site_name or organiser.name, organiser=organiser,
                            supervisor=supervisor)
            self._planned_sites.append((site, supervisor, organiser))
            self.sites[code], self.site_ids[code] = site, -len(self._planned_sites)
            self.by_site_id[self.site_ids[code]] = site
        host, _path = split_url(record.page_url)
        site_id = self.site_ids[code]
        if host and (site_id, host) not in self.registered:
            self._add_host(site, site_id, host)
            self._planned_hosts.append((site, host))
        return site

    def write_planned(self) -> None:
        """Write what was planned, level by level (supervisors, organisers, sites, hosts): one
        statement a level."""
        for kind in (OrgKind.supervisor, OrgKind.organiser):
            level = [(org, parent) for org, parent in self._planned_orgs if org.kind == kind]
            for org, parent in level:
                org.parent_id = parent.id
            self._insert(Organisation, [org for org, _parent in level])
            self.orgs_by_id.update((org.id, org) for org, _parent in level)
        # written sites keep their planned ids in the routing entries until the next reload
        sites = self._planned_sites[self._sites_written:]
        for site, supervisor, organiser in sites:
            site.supervisor_id, site.organiser_id = supervisor.id, organiser.id
        self._insert(Site, [site for site, _supervisor, _organiser in sites])
        self._insert(SiteHost, [new_site_host(site, host) for site, host in self._planned_hosts], returning=False)
        self._planned_orgs, self._planned_hosts, self._sites_written = [], [], len(self._planned_sites)

    def _insert(self, model, rows: list, *, returning: bool = True) -> None:
        """Insert plain rows of ``model`` and give them their ids (read back by code)."""
        if not rows:
            return
        table = model.__table__
        self.session.execute(table.insert(), [{c.key: getattr(row, c.key) for c in table.columns if c.key != "id"}
                                              for row in rows])
        if returning:
            ids = _ids_by(self.session, table.c.code, [row.code for row in rows])
            for row in rows:
                row.id = ids[row.code]


def _ids_by(session: Session, column, keys: list[str]) -> dict[str, int]:
    """The ids of the rows just written, by a unique ``column``: a plain executemany (which
    psycopg pipelines) and a read by key cost less than a multi-row INSERT ... RETURNING."""
    ids = {}
    for start in range(0, len(keys), access.CHUNK):
        chunk = keys[start:start + access.CHUNK]
        ids.update((key, row_id) for key, row_id in session.execute(
            sa.select(column, column.table.c.id).where(column.in_(chunk))))
    return ids


# ---------------------------------------------------------------- the import


@dataclass
class _Planned:
    number: int
    record: PlatformRecord
    routed: RoutedTo


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
    summary.errors.sort()  # by line, however each was found
    return summary


class _Run:
    """One import: what is known so far, and a batch written at once or, if that fails, record
    by record in savepoints so that only the faulty records are lost.

    A batch is replayed through the rules of the operations (:func:`take_in`, then
    :func:`close_with_platform_answer`) and written with a statement or two per table: the new
    organisations and sites (a flush per level), the tracking numbers, the cases, their events,
    their outbox rows (records still open notify like new cases; answered ones write none) and
    their access rows.
    """

    def __init__(self, session: Session, summary: ImportSummary, on_error):
        self.session, self.summary, self.on_error = session, summary, on_error
        self.directory = Directory(session)
        self.known = set(session.exec(select(Case.external_id).where(Case.external_id.is_not(None))).all())

    def fail(self, number: int, message: str) -> None:
        self.summary.errors.append((number, message))
        if self.on_error is not None:
            self.on_error(number, message)

    def import_batch(self, batch: list[tuple[int, PlatformRecord]]) -> None:
        batch = self._known_categories(batch)
        if not batch:
            return
        try:
            written = self._write(self._plan(batch))
        except (RecordError, DomainError, SQLAlchemyError):
            self.session.rollback()
            self.directory.reset()
            written = self._one_by_one(batch)
        self.session.commit()
        self.summary.imported += written

    def _known_categories(self, batch: list[tuple[int, PlatformRecord]]) -> list[tuple[int, PlatformRecord]]:
        """The records of known categories; the others are reported, before they plan anything."""
        kept = []
        for number, record in batch:
            try:
                self.directory.check_category(record.category)
            except RecordError as exc:
                self.known.discard(record.external_id)
                self.fail(number, str(exc))
            else:
                kept.append((number, record))
        return kept

    def _plan(self, batch: list[tuple[int, PlatformRecord]]) -> list[_Planned]:
        """Route each record in turn, planning the organisations and sites it needs that are not
        there yet."""
        planned = []
        for number, record in batch:
            site = self.directory.plan(record)
            routed = resolve_with(self.directory, site.code if site else None, record.page_url)
            planned.append(_Planned(number, record, routed))
        return planned

    def _write(self, planned: list[_Planned]) -> int:
        """Write the planned records: organisations and sites, cases, events, outbox and access rows."""
        if not planned:
            return 0
        session = self.session
        self.directory.write_planned()
        calendar = load_calendar(session)
        days = [tracking_day(p.record.received_at) for p in planned]
        first = reserve_tracking_numbers(session, Counter(days))
        intakes = []
        for p, day in zip(planned, days, strict=True):
            intakes.append(_replay(session, calendar, p, tracking_number(day, first[day])))
            first[day] += 1
        table = Case.__table__
        session.execute(table.insert(), [_case_row(intake.case) for intake in intakes])
        ids = _ids_by(session, table.c.external_id, [intake.case.external_id for intake in intakes])
        for intake in intakes:
            intake.case.id = ids[intake.case.external_id]
        write_intakes(session, intakes)
        access.refresh(session.connection(), ids.values())
        return len(intakes)

    def _one_by_one(self, batch: list[tuple[int, PlatformRecord]]) -> int:
        written = 0
        for number, record in batch:
            try:
                with self.session.begin_nested():
                    written += self._write(self._plan([(number, record)]))
            except (RecordError, DomainError, SQLAlchemyError) as exc:
                self.directory.reset()
                self.known.discard(record.external_id)
                self.fail(number, _reason(exc))
        return written


def _replay(session: Session, calendar: WorkCalendar, planned: _Planned, number: str) -> Intake:
    """The record as the operations would have taken it in when it was created (notifying only
    when it is still open), then closed with the platform's answer when it was answered."""
    record, routed = planned.record, planned.routed
    with frozen_clock(record.received_at):
        intake = take_in(calendar, routed, tracking_number=number, page_url=record.page_url,
                         category=record.category, description=record.description, received_at=record.received_at,
                         site_code=routed.site.code if routed.site else None, source="import",
                         external_id=record.external_id, notify=record.answered_at is None)
    if record.answered_at is not None:
        with frozen_clock(record.answered_at):
            check(session, Action.import_answer, SYSTEM, intake.case)
            intake.events.append(close_with_platform_answer(
                intake.case, calendar, outcome=record.outcome, answer=record.answer,
                answered_at=record.answered_at, handled_by=record.handled_by or None,
                data=None if record.received_known else {"received_at_from": "replied"}))
    return intake


_CASE_COLUMNS = [column.key for column in Case.__table__.columns if column.key != "id"]


def _case_row(case: Case) -> dict:
    return {key: getattr(case, key) for key in _CASE_COLUMNS}


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
