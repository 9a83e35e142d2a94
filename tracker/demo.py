"""``tracker demo``: a believable province of generated demo data.

Guangdong's supervisor office, its 21 prefecture-level cities with their city offices, organisers
with portal and department sites, demo staff, and cases over the last four quarters. Every case is
replayed through :mod:`tracker.cases.operations` inside :func:`tracker.db.frozen_clock`, so its
history, deadlines and lateness are computed exactly as for live cases. Seeded, so the same day
and seed give the same data. A database that already holds the demo is left alone.
"""
from __future__ import annotations

import contextlib
import random
import time
from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session, func, select

from tracker import demo_data as data
from tracker.calendar.store import load_calendar, pinned_calendar
from tracker.cases import deadlines
from tracker.cases import operations as ops
from tracker.cases.models import CannedAnswer, Case
from tracker.cases.scope import CITIZEN, Actor
from tracker.cases.states import State
from tracker.db import frozen_clock, utcnow
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrgKind, Site
from tracker.organisations.operations import create_site, get_or_create_organisation
from tracker.outbox.models import Outbox
from tracker.users.models import User
from tracker.users.operations import create_user
from tracker.workdays import BEIJING, beijing_date, start_of_day

DEMO_PASSWORD = "demo-pass-2024"
#: (email, role, organisation code, name)
DEMO_USERS = (
    ("admin@demo.gov.cn", "admin", None, "系统管理员"),
    ("gd@demo.gov.cn", "supervisor", "440000", "省政务服务数据管理局 值班员"),
    ("gz@demo.gov.cn", "supervisor", "440100", "广州市政务服务和数据管理局 值班员"),
    ("rsj.gz@demo.gov.cn", "organiser", "440100-rsj", "广州市人力资源和社会保障局 网站管理员"),
)
CATEGORY_WEIGHTS = {0: 22, 1: 18, 2: 22, 3: 8, 4: 12, 6: 6, 10: 12}
HOUR = timedelta(hours=1)
#: cases on the demo organiser's desk (DemoBuilder.build_desk)
DESK_SIZE = 5


def logins_text() -> str:
    """The demo logins, one a line."""
    lines = [f"Demo logins (password / 密码: {DEMO_PASSWORD}):"]
    for email, role, code, _name in DEMO_USERS:
        lines.append(f"  {email:<22} {role}{f' ({code})' if code else ''}")
    return "\n".join(lines)


def is_loaded(session: Session) -> bool:
    return session.exec(select(User.id).where(User.email == DEMO_USERS[0][0])).first() is not None


def quarter_start(day: date, quarters_back: int = 0) -> date:
    index = day.year * 4 + (day.month - 1) // 3 - quarters_back
    return date(index // 4, index % 4 * 3 + 1, 1)


class _Stop(Exception):
    """The replay of one demo case ends here: it reached the present, or its story is over."""


class DemoBuilder:
    """Builds the demo into ``session`` (flushing; the caller commits in batches)."""

    def __init__(self, session: Session, *, now: datetime, seed: int):
        self.session = session
        self.now = now
        self.rng = random.Random(seed)
        self.cities: list[dict] = []
        self.provincial_sites: list[tuple[Site, str]] = []
        self.actors: dict[int, Actor] = {}
        self.users: dict[str, User] = {}
        #: case id -> (answer when fixed, answer when explained), written for its description
        self.answers: dict[int, tuple[str, str]] = {}

    # ------------------------------------------------------------ organisations and sites

    def build_province(self) -> None:
        s = self.session
        code, name = data.PROVINCE
        province, _ = get_or_create_organisation(s, code=code, name=name, kind=OrgKind.supervisor)
        self.province = province
        for seq, (slug, org_name, site_name, host) in enumerate(data.PROVINCIAL_SITES, start=1):
            organiser = self._organiser(f"{code}-{slug}", org_name, province)
            site = self._site(f"{code}{seq:04d}", site_name, organiser, province, [host])
            self.provincial_sites.append((site, host))
        for city, division, domain, weight in data.CITIES:
            office, _ = get_or_create_organisation(
                s, code=division, name=f"{city}市政务服务和数据管理局", kind=OrgKind.supervisor, parent=province)
            portal_org = self._organiser(f"{division}-bgs", f"{city}市人民政府办公室", office)
            portal = self._site(f"{division}0001", f"{city}市人民政府门户网站", portal_org, office,
                                [f"www.{domain}", domain])
            departments = list(data.CITY_DEPARTMENTS)
            chosen = departments[:1] + self.rng.sample(departments[1:], 4)
            sites = [(portal, f"www.{domain}")]
            for seq, (slug, dept, label) in enumerate(chosen, start=2):
                organiser = self._organiser(f"{division}-{slug}", f"{city}市{dept}", office)
                host = f"{label}.{domain}"
                sites.append((self._site(f"{division}{seq:04d}", f"{city}市{dept}网站", organiser, office, [host]),
                              host))
            self.cities.append({"name": city, "office": office, "domain": domain, "weight": weight,
                                "portal_org": portal_org, "sites": sites})

    def _organiser(self, code: str, name: str, parent: Organisation) -> Organisation:
        org, _ = get_or_create_organisation(self.session, code=code, name=name, kind=OrgKind.organiser,
                                            parent=parent)
        return org

    def _site(self, code: str, name: str, organiser, supervisor, hosts) -> Site:
        site = self.session.exec(select(Site).where(Site.code == code)).first()
        return site or create_site(self.session, code=code, name=name, organiser=organiser,
                                   supervisor=supervisor, hosts=hosts)

    def build_users(self) -> None:
        for email, role, code, name in DEMO_USERS:
            org = self.session.exec(select(Organisation).where(Organisation.code == code)).first() if code else None
            user = create_user(self.session, email=email, password=DEMO_PASSWORD, role=role, organisation=org,
                               name=name)
            self.users[email] = user
            if org is not None:
                self.actors[org.id] = Actor(role=role, user=user, organisation=org, label=name)

    def actor_for(self, org_id: int) -> Actor:
        actor = self.actors.get(org_id)
        if actor is None:
            org = self.session.get(Organisation, org_id)
            role = "supervisor" if org.kind == OrgKind.supervisor else "organiser"
            actor = Actor(role=role, organisation=org, label=f"{org.name} 工作人员")
            self.actors[org_id] = actor
        return actor

    # ------------------------------------------------------------ cases

    def receipt_times(self, start: date, count: int) -> list[datetime]:
        first = start_of_day(start)
        span = (self.now - 2 * HOUR - first).total_seconds()
        times = []
        while len(times) < count:
            instant = first + timedelta(seconds=self.rng.random() * span)
            local = instant.astimezone(BEIJING)
            # fewer reports at night and at weekends
            if local.hour < 7 and self.rng.random() < 0.85:
                continue
            if local.weekday() >= 5 and self.rng.random() < 0.45:
                continue
            times.append(instant.replace(microsecond=0))
        return sorted(times)

    def pick_target(self) -> tuple[str, dict | None]:
        """A page URL (and the city, if any) for one report."""
        rng = self.rng
        if rng.random() < 0.14:
            site, host = rng.choice(self.provincial_sites)
            return self._url(host), None
        city = rng.choices(self.cities, weights=[c["weight"] for c in self.cities])[0]
        roll = rng.random()
        if roll < 0.035:
            host = rng.choice(data.UNKNOWN_GOV_HOSTS).format(domain=city["domain"])
        elif roll < 0.05:
            host = rng.choice(data.NOT_GOV_HOSTS)
        elif roll < 0.45:
            host = city["sites"][0][1]
        else:
            host = rng.choice(city["sites"][1:])[1]
        return self._url(host), city

    def _url(self, host: str) -> str:
        path = self.rng.choice(data.PATHS)
        return f"https://{host}/{path}/content/post_{self.rng.randint(1000000, 9999999)}.html"

    def story(self, category: int, received_at: datetime) -> tuple[tuple[str, str, str], dict]:
        """One situation of ``category`` and the values its description and answers are filled with."""
        rng = self.rng
        year = received_at.astimezone(BEIJING).year
        wrong, right = rng.choice(data.TYPO_PAIRS)
        old_month = rng.randint(1, 12)
        values = dict(section=rng.choice(data.SECTIONS), title=rng.choice(data.TITLES).format(year=year),
                      old=f"{year - 1}年{old_month}月", year=year, service=rng.choice(data.SERVICES),
                      wrong=wrong, right=right)
        return rng.choice(data.SITUATIONS[category]), values

    def add_case(self, received_at: datetime) -> Case:
        page_url, city = self.pick_target()
        case = self.submit(page_url, received_at)
        self._progress(case, city, received_at)
        return case

    def submit(self, page_url: str, received_at: datetime, category: int | None = None) -> Case:
        """A citizen's report of one situation; its answers are kept for when the case is answered."""
        rng = self.rng
        if category is None:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        (description, fixed, explained), values = self.story(category, received_at)
        surname = rng.choice(data.SURNAMES)
        with frozen_clock(received_at):
            case = ops.submit(
                self.session, page_url=page_url, category=category, description=description.format(**values),
                contact_name=surname + rng.choice(("先生", "女士")),
                contact_phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                received_at=received_at).case
        self.answers[case.id] = (fixed.format(**values), explained.format(**values))
        return case

    def _progress(self, case: Case, city: dict | None, t: datetime) -> None:
        """Replay what happened after receipt, stopping at the present."""
        with contextlib.suppress(_Stop):
            t = self._leave_triage(case, city, t)
            t = self._handle(case, t)
            self._feedback(case, t)

    def _at(self, instant: datetime) -> datetime:
        """``instant``, or stop the replay when it has not happened yet."""
        if instant >= self.now:
            raise _Stop
        return instant

    def _leave_triage(self, case: Case, city: dict | None, t: datetime) -> datetime:
        if case.state != State.triage:
            return t
        rng, s = self.rng, self.session
        supervisor = self.actor_for(case.supervisor_id)
        t = self._at(t + timedelta(hours=rng.uniform(1, 20)))
        if city is None or "gov.cn" not in case.page_url:
            with frozen_clock(t):
                ops.close_not_taken_up(s, case, supervisor, outcome="not_gov_site",
                                       reason=data.NOT_TAKEN_UP["not_gov_site"])
            raise _Stop
        with frozen_clock(t):
            ops.assign(s, case, supervisor, organiser_id=city["portal_org"].id)
        return t

    def _handle(self, case: Case, t: datetime) -> datetime:
        """The organiser's part, up to the approval; returns when the case closed."""
        rng, s = self.rng, self.session
        organiser = self.actor_for(case.organiser_id)
        supervisor = self.actor_for(case.supervisor_id)
        t = self._at(t + timedelta(hours=rng.uniform(0.3, 22)))
        with frozen_clock(t):
            ops.accept(s, case, organiser)

        recent = self.now - case.received_at < timedelta(days=60)
        fate = rng.choices(("on_time", "late", "not_taken_up", "stalled", "extension", "rejected"),
                           weights=(74, 8, 8, 4 if recent else 0, 4, 2))[0]
        if fate == "stalled":
            raise _Stop
        if fate == "extension":
            t = self._at(t + timedelta(hours=rng.uniform(1, 8)))
            with frozen_clock(t):
                request = ops.request_extension(s, case, organiser, workdays=rng.choice((3, 5)),
                                                reason=data.EXTENSION_REASON)
            t = self._at(t + timedelta(hours=rng.uniform(1, 6)))
            with frozen_clock(t):
                ops.decide_extension(s, case, supervisor, request_id=request.id, approve=True)
        if fate == "late":
            chase_at = self._at(case.due_at + timedelta(hours=rng.uniform(1, 20)))
            with frozen_clock(chase_at):
                ops.chase(s, case, supervisor, message=data.CHASE_MESSAGE)
            t = chase_at + timedelta(hours=rng.uniform(2, 100))
        else:
            room = (case.due_at - HOUR - t).total_seconds()
            t += timedelta(seconds=max(room, 3600) * rng.uniform(0.1, 0.9))
        with frozen_clock(self._at(t)):
            if fate == "not_taken_up":
                outcome = rng.choice(("duplicate", "out_of_scope", "insufficient_info"))
                ops.close_not_taken_up(s, case, organiser, outcome=outcome, reason=data.NOT_TAKEN_UP[outcome])
            else:
                self._answer(case, organiser, brief=fate == "rejected")
        if fate == "rejected":
            t = self._at(t + timedelta(hours=rng.uniform(2, 20)))
            with frozen_clock(t):
                ops.reject(s, case, supervisor, reason=data.REJECT_REASON)
            t = self._at(t + timedelta(hours=rng.uniform(2, 30)))
            with frozen_clock(t):
                self._answer(case, organiser, fixed=True)
        if not self._approve(case, supervisor, t):
            raise _Stop
        return case.closed_at

    def _feedback(self, case: Case, t: datetime) -> None:
        """Some citizens rate the answer; some of the unsatisfied get their case reopened."""
        rng, s = self.rng, self.session
        if rng.random() >= 0.25:
            return
        t = self._at(t + timedelta(hours=rng.uniform(2, 24 * 7)))
        satisfied = rng.random() < 0.85
        with frozen_clock(t):
            ops.record_feedback(s, case, satisfied=satisfied, actor=CITIZEN,
                                comment=None if satisfied else rng.choice(data.UNSATISFIED_COMMENTS))
        if satisfied or rng.random() < 0.6 or case.outcome not in ("fixed", "explained"):
            return
        supervisor = self.actor_for(case.supervisor_id)
        organiser = self.actor_for(case.organiser_id)
        t = self._at(t + timedelta(hours=rng.uniform(3, 48)))
        with frozen_clock(t):
            ops.reopen(s, case, supervisor, reason=data.REOPEN_REASON)
        t = self._at(t + timedelta(hours=rng.uniform(2, 48)))
        with frozen_clock(t):
            self._answer(case, organiser, fixed=True)
        self._approve(case, supervisor, t)

    def _answer(self, case: Case, organiser: Actor, fixed: bool | None = None, *, brief: bool = False) -> None:
        """Answer with the text written for the case's own situation (or, ``brief``, the thin answer
        that review sends back)."""
        if fixed is None:
            fixed = self.rng.random() < 0.7
        if_fixed, if_explained = self.answers[case.id]
        text = data.BRIEF_ANSWER if brief else if_fixed if fixed else if_explained
        ops.answer(self.session, case, organiser, text=text, outcome="fixed" if fixed else "explained")

    # ------------------------------------------------------------ the demo organiser's desk

    def demo_organiser(self) -> Organisation:
        code = next(code for _email, role, code, _name in DEMO_USERS if role == "organiser")
        return self.session.exec(select(Organisation).where(Organisation.code == code)).one()

    def seed_canned_answers(self) -> None:
        """常用答复: shared ones per category, and a few of the demo organiser's own."""
        own = self.demo_organiser().id
        for organisation_id, rows in ((None, data.CANNED_ANSWERS), (own, data.ORGANISER_CANNED_ANSWERS)):
            for category, title, body in rows:
                self.session.add(CannedAnswer(category_code=category, organisation_id=organisation_id, title=title,
                                              body=body))
        self.session.flush()

    def build_desk(self) -> dict[str, Case]:
        """What the demo organiser finds on logging in: a new case, one due today, one overdue and
        chased, an answer sent back by review, and one waiting in review."""
        s, rng = self.session, self.rng
        org = self.demo_organiser()
        host = next(h for city in self.cities for site, h in city["sites"] if site.organiser_id == org.id)
        organiser, calendar = self.actors[org.id], load_calendar(s)
        today = beijing_date(self.now)
        period = deadlines.answer_period()
        last_day = today if calendar.is_workday(today) else calendar.add_workdays(today, 1)[0]
        due_today = next(today - timedelta(days=back) for back in range(1, 30)
                         if calendar.add_workdays(today - timedelta(days=back), period)[0] == last_day)
        received = {"new": self.now - 2 * HOUR,
                    "due_today": start_of_day(due_today) + 10 * HOUR,
                    "overdue": start_of_day(today - timedelta(days=14)) + 15 * HOUR,
                    "sent_back": self.now - 30 * HOUR,
                    "in_review": self.now - 50 * HOUR}
        desk = {}
        for name, received_at in received.items():
            case = desk[name] = self.submit(self._url(host), received_at, category=rng.choice((0, 1, 2, 4, 10)))
            if name == "new":
                continue
            supervisor = self.actor_for(case.supervisor_id)
            with frozen_clock(received_at + HOUR):
                ops.accept(s, case, organiser)
            if name == "overdue" and case.due_at + 2 * HOUR < self.now:
                with frozen_clock(case.due_at + 2 * HOUR):
                    ops.chase(s, case, supervisor, message=data.CHASE_MESSAGE)
            if name in ("sent_back", "in_review"):
                with frozen_clock(received_at + 4 * HOUR):
                    self._answer(case, organiser, fixed=True, brief=name == "sent_back")
            if name == "sent_back":
                with frozen_clock(received_at + 6 * HOUR):
                    ops.reject(s, case, supervisor, reason=data.REJECT_REASON)
        return desk

    def _approve(self, case: Case, supervisor: Actor, t: datetime) -> bool:
        """Final review, when review is on. True once the case is closed."""
        if case.state == State.in_review:
            t += timedelta(hours=self.rng.uniform(0.5, 20))
            if t >= self.now:
                return False
            with frozen_clock(t):
                ops.approve(self.session, case, supervisor)
        return case.state == State.closed


def load_demo(session: Session, *, today: date, seed: int, cases: int, now: datetime | None = None) -> dict:
    """Build the demo and commit it. Returns what was created."""
    if now is None:
        now = utcnow() if today == utcnow().astimezone(BEIJING).date() else \
            datetime.combine(today, datetime.min.time(), BEIJING).replace(hour=17).astimezone(UTC)
    last_outbox = session.exec(select(func.max(Outbox.id))).one() or 0
    builder = DemoBuilder(session, now=now, seed=seed)
    builder.build_province()
    builder.build_users()
    builder.seed_canned_answers()
    session.commit()
    created = 0
    with pinned_calendar(session):  # no calendar year is loaded meanwhile: read it once
        # the demo organiser's desk is part of the count
        for received_at in builder.receipt_times(quarter_start(today, 3), max(cases - DESK_SIZE, 0)):
            builder.add_case(received_at)
            created += 1
            if created % 250 == 0:
                session.commit()
        created += len(builder.build_desk())
    # the replayed history's notifications belong to the past: nothing to deliver now
    session.execute(sa.delete(Outbox).where(Outbox.id > last_outbox))
    session.commit()
    return {"cities": len(builder.cities), "sites": session.exec(select(func.count()).select_from(Site)).one(),
            "cases": created, "now": now}


def summary(session: Session, now: datetime) -> str:
    rows = session.exec(select(Case.state, func.count()).group_by(Case.state)).all()
    states = ", ".join(f"{state} {count}" for state, count in sorted(rows))
    overdue = session.exec(select(func.count()).select_from(Case).where(
        Case.state != State.closed, Case.due_at <= now)).one()
    late = session.exec(select(func.count()).select_from(Case).where(
        Case.state == State.closed, Case.answered_at >= Case.due_at)).one()
    return f"cases by state: {states}; closed late {late}; open and overdue {overdue}"


@click.command("demo")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Generate as of this Beijing date (default: today).")
@click.option("--seed", default=2024, show_default=True, help="Random seed.")
@click.option("--cases", "count", default=1500, show_default=True, help="How many cases to generate.")
@with_appcontext
def demo(today, seed, count):
    """Load a demo province (Guangdong, 21 cities, sites, staff and a year of cases), once."""
    session = db.session
    if is_loaded(session):
        click.echo("Demo data already loaded: nothing to do. / 演示数据已存在，未做改动。")
        click.echo(logins_text())
        return
    started = time.monotonic()
    day = today.date() if today else utcnow().astimezone(BEIJING).date()
    result = load_demo(session, today=day, seed=seed, cases=count)
    click.echo(f"Demo loaded in {time.monotonic() - started:.1f}s: Guangdong 440000, {result['cities']} cities, "
               f"{result['sites']} sites, {result['cases']} cases ({current_app.config['DATABASE_URL'].split('://')[0]}).")
    click.echo(summary(session, result["now"]))
    click.echo(logins_text())


commands = [demo]
