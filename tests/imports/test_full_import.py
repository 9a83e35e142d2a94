"""The whole public file (11,409 records), imported once for this module on a fresh database."""
from __future__ import annotations

import gzip
import json
import re
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import BASE_CONFIG, fresh_database_url
from tracker import create_app
from tracker.cases.models import Case
from tracker.cases.states import State
from tracker.extensions import db
from tracker.organisations.models import Organisation, Site, SiteHost
from tracker.organisations.routing import is_valid_site_code, split_url
from tracker.organisations.util import routing_agreement

pytestmark = pytest.mark.records

#: README tables: problem_id -> rows, and status -> (outcome, rows)
CATEGORY_ROWS = {0: 2492, 1: 1229, 2: 3064, 3: 131, 4: 1332, 5: 82, 6: 1154, 10: 1925}
OUTCOME_ROWS = {"fixed": 8051, "explained": 3318, "duplicate": 18, "out_of_scope": 13, "not_gov_site": 5,
                "insufficient_info": 4}
#: measured on the 2023H2 file (see test_routing_share); the floors leave a small margin
URL_ONLY_SAME_SITE_FLOOR = 0.92  # measured 9,438 / 10,169 records with a page URL = 92.81 %
WITH_CODE_SAME_SITE_FLOOR = 0.999  # measured 11,399 / 11,409 = 99.91 %


@pytest.fixture(scope="module")
def records(records_path) -> list[dict]:
    with gzip.open(records_path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def imported(records_path, db_kind, tmp_path_factory):
    """(app, CLI result, (wall, CPU) seconds) after importing the whole file into a fresh database."""
    tmp = tmp_path_factory.mktemp("full_import")
    app = create_app({**BASE_CONFIG, "DATABASE_URL": fresh_database_url(db_kind, tmp),
                      "MAIL_URL": f"file://{tmp / 'mail'}"})
    scoped = app.extensions["tracker.db"].session
    with app.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        result = app.test_cli_runner().invoke(args=["import-records", str(records_path)])
        elapsed = (time.perf_counter() - started, time.process_time() - cpu_started)
        scoped.remove()
        yield app, result, elapsed
        scoped.remove()
    app.extensions["tracker.db"].engine.dispose()


def test_every_record_imports(imported):
    _app, result, (wall, cpu) = imported
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "imported 11409, already present 0, errors 0"
    print(f"imported 11,409 records in {wall:.1f} s ({cpu:.1f} s of CPU)")


def test_the_import_takes_well_under_a_minute_on_sqlite(imported, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the one-minute target is for the embedded default, SQLite")
    _app, _result, (_wall, cpu) = imported
    # CPU time, so that other work on a busy machine does not decide the result
    assert cpu < 60


def test_every_case_is_closed_numbered_and_keeps_its_platform_id(imported, records):
    session = db.session
    cases = session.exec(select(Case.tracking_number, Case.external_id, Case.state, Case.source)).all()
    assert len(cases) == 11409
    assert {external_id for _n, external_id, _s, _src in cases} == {str(r["id"]) for r in records}
    assert all(re.fullmatch(r"ZC\d{8}-\d{4,}", number) for number, *_ in cases)
    assert {(state, source) for _n, _e, state, source in cases} == {(State.closed, "import")}


def test_categories_and_outcomes_map_as_the_readme_says(imported):
    session = db.session
    assert dict(session.exec(select(Case.category_code, func.count()).group_by(Case.category_code)).all()) \
        == CATEGORY_ROWS
    assert dict(session.exec(select(Case.outcome, func.count()).group_by(Case.outcome)).all()) == OUTCOME_ROWS


def test_sites_hosts_and_supervisors(imported, records):
    session = db.session
    codes = {r["sitecode"] for r in records if r["sitecode"]}
    assert set(session.exec(select(Site.code)).all()) == codes
    assert len(codes) == 4045  # the README's 4,046 distinct sites count the 8 records without a code as one
    pairs = {(r["sitecode"], split_url(r["page_url"])[0]) for r in records if r["sitecode"] and r["page_url"]}
    assert session.exec(select(func.count()).select_from(SiteHost)).one() == len({p for p in pairs if p[1]})
    supervisors = dict(session.exec(select(Organisation.code, Organisation.name)
                                    .where(Organisation.kind == "supervisor")).all())
    assert supervisors["440000"] == "广东省人民政府办公厅"
    assert supervisors["650000"] == "新疆维吾尔自治区人民政府办公厅"
    assert (supervisors["bm"], supervisors["BT"]) == ("国务院部门", "新疆生产建设兵团")
    assert supervisors["000000"] == "全国政府网站主管单位"
    assert len(supervisors) == 34  # the national root, 31 provinces, bm and BT
    roots = session.exec(select(Organisation.code).where(Organisation.parent_id.is_(None))).all()
    assert roots == ["000000"]  # one tree with one top
    national = session.exec(select(Organisation).where(Organisation.code == "000000")).one()
    tops = set(session.exec(select(Organisation.code).where(Organisation.parent_id == national.id)).all())
    assert tops == set(supervisors) - {"000000"}
    guangdong = session.exec(select(Organisation).where(Organisation.code == "440000")).one()
    assert session.exec(select(func.count()).select_from(Site)
                        .where(Site.supervisor_id == guangdong.id)).one() == 251


def test_a_second_run_imports_nothing(imported, records_path):
    app, _result, _elapsed = imported
    again = app.test_cli_runner().invoke(args=["import-records", str(records_path)])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == "imported 0, already present 11409, errors 0"
    assert db.session.exec(select(func.count()).select_from(Case)).one() == 11409


def test_routing_share(imported, records):
    """Re-route every record as a new report: by its page URL only, then with its site code."""
    session = db.session
    reports = [(r["sitecode"], r["page_url"]) for r in records]
    with_url = [(code, url) for code, url in reports if url]

    by_url = routing_agreement(session, with_url, with_code=False)
    by_url_all = routing_agreement(session, reports, with_code=False)
    by_code = routing_agreement(session, reports, with_code=True)
    for label, tally in (("URL only, records with a URL", by_url), ("URL only, all records", by_url_all),
                         ("with the site code", by_code)):
        print(f"{label}: {tally}")

    assert by_url.total == 10169
    assert by_url.share("same_site") > URL_ONLY_SAME_SITE_FLOOR
    # what does not route to the recorded site goes to triage, almost never to another site
    assert by_url.ambiguous + by_url.no_match >= by_url.total - by_url.same_site - 5
    # the 1,240 list-only records have no URL: they can only go to triage
    assert by_url_all.no_match - by_url.no_match == 1240
    assert by_code.share("same_site") > WITH_CODE_SAME_SITE_FLOOR
    # with the code given, only the 8 records without a code can miss (the ``12BM…`` shape is valid)
    odd_codes = sum(1 for code, _url in reports if not is_valid_site_code(code))
    assert odd_codes == 8
    assert by_code.total - by_code.same_site <= odd_codes


def test_the_report_without_a_scope_covers_every_record_and_a_province_only_its_own(imported, records):
    app, _result, _elapsed = imported
    runner = app.test_cli_runner()
    window = ["report", "--from", "2019-05-01", "--to", "2024-03-01", "--format", "json"]

    whole = runner.invoke(args=window)
    assert whole.exit_code == 0, whole.output
    report = json.loads(whole.output)
    assert report["scope"]["code"] == "000000" and report["received"] == 11409
    for key in ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "open_not_due"):
        assert sum(row[key] for row in report["rows"]) == report[key]  # the rows add up to the totals
    assert report["sentence"].startswith("2019年5月1日至2024年3月1日，全国共收到")

    tibet = json.loads(runner.invoke(args=[*window, "--scope", "540000"]).output)
    assert tibet["received"] == sum(1 for r in records if r["sitecode"].startswith("54"))
    # records without a site code that no site claims by their page URL (7 of the 8) wait in the
    # national root's own triage, in no province
    no_code = [str(r["id"]) for r in records if not r["sitecode"]]
    unclaimed = db.session.exec(select(func.count()).select_from(Case).where(
        Case.external_id.in_(no_code), Case.site_id.is_(None))).one()
    own = next(row for row in report["rows"] if row["key"] == "000000")
    assert own["received"] == unclaimed == 7
