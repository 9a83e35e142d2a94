"""The notice sentence: 780 cases all on time, and the variants with late and overdue cases."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa

from tests.report.conftest import bj
from tracker.calendar.store import load_calendar
from tracker.cases.models import Case
from tracker.reports.figures import sla_report
from tracker.reports.notice import date_range, percent, scope_word

SENTENCE_780 = "2024年4月1日至6月23日，全省共收到网民反馈的“我为政府网站找错”留言780条，均已按期办理，办结率达100%。"


def _bulk_closed_cases(session, tree, count: int, first: date, last: date, *, late_every: int = 0):
    """``count`` closed cases spread over [first, last], answered within the day (or, for every
    ``late_every``-th, a day after the due time), inserted in one statement."""
    calendar = load_calendar(session)
    days = (last - first).days + 1
    sites = [tree.gz_site, tree.sz_site]
    rows = []
    for n in range(count):
        day = first + timedelta(days=n % days)
        received = bj(day.month, day.day, 8 + n % 10, year=day.year)
        due = calendar.due(received, 3).due_at
        answered = received + timedelta(hours=2)
        if late_every and n % late_every == 0:
            answered = due + timedelta(days=1)
        site = sites[n % 2]
        rows.append({
            "tracking_number": f"BULK{n:06d}", "query_code_hash": secrets.token_hex(32), "source": "web",
            "state": "closed", "outcome": "fixed" if n % 3 else "explained", "site_id": site.id,
            "organiser_id": site.organiser_id, "supervisor_id": site.supervisor_id, "category_code": n % 5,
            "page_url": "https://gz.example.gov.cn/", "description": "错别字", "contact_name": "",
            "contact_phone": "", "contact_email": "", "received_at": received, "due_at": due,
            "due_is_provisional": False, "assigned_at": received, "answered_at": answered,
            "closed_at": answered + timedelta(hours=1), "updated_at": answered, "reopened_at": None,
        })
    session.execute(sa.insert(Case), rows)
    session.flush()


def test_780_guangdong_cases_all_on_time(session, tree, runner):
    _bulk_closed_cases(session, tree, 780, date(2024, 4, 1), date(2024, 6, 23))
    report = sla_report(session, date_from="2024-04-01", date_to="2024-06-23", scope_org=tree.province,
                        as_of=bj(7, 1, 9))
    assert report["received"] == 780 and report["closed_on_time"] == 780
    assert report["sentence"] == SENTENCE_780
    result = runner.invoke(args=["report", "--from", "2024-04-01", "--to", "2024-06-23", "--scope", "440000",
                                 "--as-of", "2024-07-01", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == SENTENCE_780


def test_a_quarter_with_late_answers(session, tree):
    # 90 cases over 4/1–6/29, every 7th answered a day after its due time: 13 late, 77 on time
    _bulk_closed_cases(session, tree, 90, date(2024, 4, 1), date(2024, 6, 29), late_every=7)
    report = sla_report(session, date_from="2024-04-01", date_to="2024-06-30", scope_org=tree.province,
                        as_of=bj(8, 1, 9))
    assert (report["received"], report["closed"], report["closed_on_time"], report["closed_late"]) == (90, 90, 77, 13)
    assert report["completion_rate"] == 1 and round(report["on_time_rate"], 4) == 0.8556
    assert report["sentence"] == (
        "2024年4月1日至6月30日，全省共收到网民反馈的“我为政府网站找错”留言90条，已办结90条，办结率100%，"
        "按期办结率85.6%；其中超期办结13条，超期未办结0条。")


def test_rates_have_one_decimal_except_100():
    assert percent(1) == "100%"
    assert percent(6 / 7) == "85.7%"
    assert percent(0.6) == "60.0%"
    assert percent(0) == "0.0%"
    assert percent(0.99996) == "99.9%"  # never rounded up to a full 100
    assert percent(None) == "—"


def test_the_first_date_carries_its_year_and_the_second_only_another_one():
    assert date_range(date(2024, 4, 1), date(2024, 6, 23)) == "2024年4月1日至6月23日"
    assert date_range(date(2023, 4, 1), date(2023, 6, 23)) == "2023年4月1日至6月23日"
    assert date_range(date(2023, 12, 1), date(2024, 1, 31)) == "2023年12月1日至2024年1月31日"


def test_scope_words():
    assert scope_word("440000", "广东省政务服务数据管理局") == "全省"
    assert scope_word("440100", "广州市政务服务数据管理局") == "全市"
    assert scope_word("110000", "北京市政务服务管理局") == "全市"
    assert scope_word("GZ0001", "广州市某局") == "广州市某局"


def test_nothing_received_and_nothing_yet_due(session, tree):
    empty = sla_report(session, date_from="2024-01-01", date_to="2024-01-31", scope_org=tree.province,
                       as_of=bj(2, 1))
    assert empty["received"] == 0 and empty["on_time_rate"] is None and empty["completion_rate"] is None
    assert empty["sentence"] == "2024年1月1日至1月31日，全省共收到网民反馈的“我为政府网站找错”留言0条。"
    tree.submit(bj(1, 30, 9), site=tree.gz_site)
    pending = sla_report(session, date_from="2024-01-01", date_to="2024-01-31", scope_org=tree.province,
                         as_of=bj(1, 31, 9))
    assert pending["open_not_due"] == 1 and pending["on_time_rate"] is None
    assert pending["sentence"].endswith(
        "留言1条，已办结0条，办结率0.0%；其中超期办结0条，超期未办结0条，尚在办理期限内1条。")
