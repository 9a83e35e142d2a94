"""`tracker import-records` on small files cut from the public records."""
from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tracker.cases.imports import import_lines
from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import State
from tracker.organisations.models import Organisation, Site, SiteHost
from tracker.outbox.models import Outbox

pytestmark = pytest.mark.records


def real_records(records_path, ids=None, count=None) -> list[dict]:
    rows = []
    with gzip.open(records_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if ids is None or record["id"] in ids:
                rows.append(record)
            if count is not None and len(rows) == count:
                break
    return rows


def write_lines(path, lines: list[str], compressed: bool = False):
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if compressed else data)
    return path


def by_external_id(session, external_id) -> Case:
    return session.exec(select(Case).where(Case.external_id == str(external_id))).one()


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gz"])
def test_plain_and_gzip_files_import(runner, session, records_path, tmp_path, compressed):
    lines = [json.dumps(r, ensure_ascii=False) for r in real_records(records_path, count=40)]
    path = write_lines(tmp_path / ("r.jsonl.gz" if compressed else "r.jsonl"), lines, compressed)

    result = runner.invoke(args=["import-records", str(path)])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "imported 40, already present 0, errors 0"
    assert len(session.exec(select(Case).where(Case.source == "import")).all()) == 40
    again = runner.invoke(args=["import-records", str(path)])
    assert again.output.splitlines()[-1] == "imported 0, already present 40, errors 0"


def test_malformed_lines_are_named_and_skipped(runner, session, records_path, tmp_path):
    good = [json.dumps(r, ensure_ascii=False) for r in real_records(records_path, count=6)]
    bad_date = dict(json.loads(good[0]), id=990001, created="2024-13-45")
    no_id = {k: v for k, v in json.loads(good[1]).items() if k != "id"}
    bad_status = dict(json.loads(good[2]), id=990002, status="77")
    lines = [good[0], good[1], "{this is not json", good[2], json.dumps(bad_date), good[3], json.dumps(no_id),
             "", json.dumps(bad_status), good[4], "[1, 2]", good[5]]
    path = write_lines(tmp_path / "mixed.jsonl", lines)

    result = runner.invoke(args=["import-records", str(path)])

    output = result.output.splitlines()
    assert output[-1] == "imported 6, already present 0, errors 5"
    assert output[:-1] == [
        "line 3: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
        "line 5: created is not a date: '2024-13-45'",
        "line 7: missing id",
        "line 9: unknown status 77",
        "line 11: not a JSON object",
    ]
    assert result.exit_code == 1
    imported = {c.external_id for c in session.exec(select(Case).where(Case.source == "import")).all()}
    assert imported == {str(json.loads(line)["id"]) for line in good}


def test_record_without_reply_is_an_open_case_on_its_deadline(session, records_path):
    record = real_records(records_path, ids={314050})[0]
    record.update(created="2024-04-26", replied=None, reply=None, status=None)

    summary = import_lines(session, [json.dumps(record, ensure_ascii=False)])

    assert (summary.imported, summary.errors) == (1, [])
    case = by_external_id(session, 314050)
    site = session.exec(select(Site).where(Site.code == "4400000117")).one()
    assert case.state == State.assigned
    assert case.site_id == site.id and case.organiser_id == site.organiser_id
    assert case.received_at == datetime(2024, 4, 26, 4, 0, tzinfo=UTC)  # 12:00 Beijing
    # 2024-04-26 (Fri) does not count; 04-28 (Sun) is a make-up working day, then 04-29, 04-30
    assert case.due_at == datetime(2024, 4, 30, 16, 0, tzinfo=UTC)  # 2024-04-30 24:00 Beijing
    assert case.tracking_number.startswith("ZC20240426-")
    assert case.answered_at is None and case.outcome is None
    assert case.sweep_at is not None
    # a live case: its organiser is told
    assert session.exec(select(Outbox).where(Outbox.case_id == case.id,
                                             Outbox.topic == "case_assigned")).one()


def test_closed_records_keep_outcome_answer_and_on_time(session, records_path):
    # both created 2024-02-02 (Fri). 02-04 (Sun) is a make-up working day, so 3 working days end
    # on 02-06: due 2024-02-06 24:00 Beijing. 314050 answered 02-05 (on time), 314106 on 02-07 (late).
    records = {r["id"]: r for r in real_records(records_path, ids={314050, 314106})}
    import_lines(session, [json.dumps(r, ensure_ascii=False) for r in records.values()])

    on_time, late = by_external_id(session, 314050), by_external_id(session, 314106)
    due = datetime(2024, 2, 6, 16, 0, tzinfo=UTC)
    for case, record in ((on_time, records[314050]), (late, records[314106])):
        assert case.state == State.closed and case.outcome == "fixed"  # status 1
        assert case.due_at == due
        assert case.answer == record["reply"]
        assert case.tracking_number.startswith("ZC20240202-")
        assert case.sweep_at is None
        assert not session.exec(select(Outbox).where(Outbox.case_id == case.id)).all()
        event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc())).first()
        assert (event.action, event.state_after, event.actor_label) == ("import_answer", "closed", "系统")
        assert event.data["handled_by"] == record["handled_by"]
    assert on_time.answered_at == on_time.closed_at == datetime(2024, 2, 5, 4, 0, tzinfo=UTC)
    assert late.answered_at == datetime(2024, 2, 7, 4, 0, tzinfo=UTC)
    assert on_time.is_closed_on_time and not late.is_closed_on_time


def test_not_taken_up_answer_comes_from_reject_reason(session, records_path):
    record = next(r for r in real_records(records_path) if r["status"] == "13" and r["reject_reason"])
    import_lines(session, [json.dumps(record, ensure_ascii=False)])

    case = by_external_id(session, record["id"])
    assert case.outcome == "duplicate"
    assert case.answer == case.not_taken_up_reason == record["reject_reason"].strip()


def test_list_only_record_is_received_on_its_reply_day(session, records_path):
    record = next(r for r in real_records(records_path)
                  if r["created"] is None and r["sitecode"].startswith("bm"))
    import_lines(session, [json.dumps(record, ensure_ascii=False)])

    case = by_external_id(session, record["id"])
    replied = datetime.fromisoformat(record["replied"] + "T12:00:00+08:00")
    assert case.received_at == case.answered_at == replied
    assert case.page_url == "" and case.description == ""
    assert case.state == State.closed
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.action == "import_answer")).one()
    assert event.data["received_at_from"] == "replied"
    assert session.exec(select(Organisation).where(Organisation.code == "bm")).one().name == "国务院部门"


def test_sites_organisers_and_supervisors_are_created_once(session, records_path):
    # three Tianjin sites of two kinds of code, two of them handled by the same office
    records = real_records(records_path, ids={299610, 299622, 306362, 287181, 307783})
    summary = import_lines(session, [json.dumps(r, ensure_ascii=False) for r in records])

    assert summary.imported == 5
    tianjin = session.exec(select(Organisation).where(Organisation.code == "120000")).one()
    national = session.exec(select(Organisation).where(Organisation.code == "000000")).one()
    assert (tianjin.name, tianjin.kind, tianjin.parent_id) == ("天津市人民政府办公厅", "supervisor", national.id)
    sites = {s.code: s for s in session.exec(select(Site).where(Site.code.in_(
        ["12BM050003", "12BM050001", "12BM010004"]))).all()}
    assert set(sites) == {"12BM050003", "12BM050001", "12BM010004"}
    assert all(s.supervisor_id == tianjin.id for s in sites.values())
    office = session.get(Organisation, sites["12BM050003"].organiser_id)
    assert office.name == "天津市人民政府政务服务办公室" and office.path.startswith("/120000/")
    assert sites["12BM050001"].organiser_id == office.id  # same name, same province: one organiser
    # 287181, the first record of its site, has an empty handled_by: its organiser is named after the site
    assert session.get(Organisation, sites["12BM010004"].organiser_id).name == "天津市政府采购网"
    hosts = set(session.exec(select(SiteHost.host).where(SiteHost.site_id == sites["12BM050003"].id)).all())
    assert hosts == {"bmzx.zwfwb.tj.gov.cn"}


def test_a_refused_record_is_skipped_without_losing_its_batch(session, records_path):
    # a record the database refuses (an unknown category) is reported by line; the records after
    # it in the same batch create their supervisors and import
    assert session.exec(select(Organisation)).first() is None
    refused = dict(real_records(records_path, count=1)[0], id=990100, problem_id=99)
    others = real_records(records_path, count=5)

    summary = import_lines(session, [json.dumps(r, ensure_ascii=False) for r in [refused, *others]])

    assert summary.errors == [(1, "unknown problem_id 99")]
    assert summary.imported == 5
    assert len(session.exec(select(Case)).all()) == 5


def test_a_record_no_site_claims_waits_in_the_national_roots_triage(session, records_path):
    # even on an empty installation: never in whichever province happened to come first
    no_code = next(r for r in real_records(records_path) if not r["sitecode"] and r["page_url"])
    first = real_records(records_path, count=1)

    summary = import_lines(session, [json.dumps(r, ensure_ascii=False) for r in [*first, no_code]])

    assert (summary.imported, summary.errors) == (2, [])
    case = by_external_id(session, no_code["id"])
    national = session.exec(select(Organisation).where(Organisation.code == "000000")).one()
    assert (case.site_id, case.organiser_id, case.supervisor_id) == (None, None, national.id)
    assert national.path == "/" and national.parent_id is None


def test_only_open_records_are_handed_to_the_notifier(session, records_path, monkeypatch):
    handed: list[int] = []
    monkeypatch.setattr("tracker.outbox.hand_off", lambda ids: handed.extend(ids) or len(ids))
    answered = real_records(records_path, count=3)
    still_open = dict(answered[0], id=990003, replied=None, reply=None, created="2024-04-26")

    import_lines(session, [json.dumps(r, ensure_ascii=False) for r in [*answered, still_open]])

    rows = session.exec(select(Outbox)).all()
    open_case = by_external_id(session, 990003)
    assert [(row.topic, row.case_id) for row in rows] == [("case_assigned", open_case.id)]
    assert handed == [rows[0].id]
