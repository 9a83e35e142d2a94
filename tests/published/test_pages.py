"""Publishing from the report page, the staff and public lists, the diff page and the downloads."""
from __future__ import annotations

import io

import pytest
from flask import g
from openpyxl import load_workbook
from sqlmodel import select

from tests.report.conftest import bj, login
from tracker.cases import operations as ops
from tracker.db import frozen_clock
from tracker.published.models import PublishedCaseList, PublishedReport
from tracker.published.util import diff
from tracker.reports.exports import to_csv
from tracker.reports.figures import sla_report

SENTENCE = "2024年4月1日至6月23日，全省共收到网民反馈的“我为政府网站找错”留言2条，均已按期办理，办结率达100%。"
WINDOW = {"from": "2024-04-01", "to": "2024-06-23", "scope": "440000", "by": "org"}


@pytest.fixture()
def closed_pair(tree, session):
    first = tree.answer(tree.submit(bj(6, 3, 9), site=tree.gz_site), bj(6, 3, 11), bj(6, 3, 12))
    second = tree.answer(tree.submit(bj(6, 4, 9), site=tree.sz_site), bj(6, 4, 11), bj(6, 4, 12))
    session.commit()  # a refused request rolls back what it had not committed
    return first, second


def publish(client, tree, at=None, **overrides):
    login(client, tree.supervisor_user)
    with frozen_clock(at or bj(6, 24, 10)):
        return client.post("/supervise/published", data={**WINDOW, **overrides})


def test_the_report_page_links_to_a_confirmation_that_publishes(client, session, tree, closed_pair):
    login(client, tree.supervisor_user)
    with frozen_clock(bj(6, 24, 10)):
        page = client.get("/supervise/report", query_string=WINDOW).get_data(as_text=True)
        assert 'id="publish-link"' in page and "/supervise/published/new?" in page
        confirm = client.get("/supervise/published/new", query_string=WINDOW)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert SENTENCE in html and 'name="csrf_token"' in html and 'name="as_of"' not in html  # as of publication
    assert session.exec(select(PublishedReport)).first() is None  # nothing published by looking

    response = publish(client, tree)
    assert response.status_code == 302
    published = session.exec(select(PublishedReport)).one()
    assert response.headers["Location"].endswith(f"/supervise/published/{published.id}")
    assert published.sentence == SENTENCE and published.as_of_rule == "now"
    assert published.as_of == bj(6, 24, 10) and published.published_by_id == tree.supervisor_user.id
    assert published.figures["received"] == 2 and published.rules_version
    lists = {(c.row_key, c.bucket): c.case_ids for c in session.exec(select(PublishedCaseList))}
    assert lists[("440100", "closed_on_time")] == [closed_pair[0].id]
    assert lists[("440300", "closed_on_time")] == [closed_pair[1].id]

    page = client.get(f"/supervise/published/{published.id}").get_data(as_text=True)
    assert SENTENCE in page and "与发布时比较" in page
    cases = client.get(f"/supervise/published/{published.id}/cases", query_string={"row": "440100",
                                                                                   "bucket": "closed_on_time"})
    assert closed_pair[0].tracking_number in cases.get_data(as_text=True)
    assert closed_pair[1].tracking_number not in cases.get_data(as_text=True)
    assert client.get(f"/supervise/published/{published.id}/cases",
                      query_string={"row": "x", "bucket": "closed"}).status_code == 404


def test_a_fixed_as_of_moment_is_kept(client, session, tree, closed_pair):
    assert publish(client, tree, as_of="2024-06-30").status_code == 302
    published = session.exec(select(PublishedReport)).one()
    assert published.as_of_rule == "fixed" and published.as_of == bj(7, 1, 0)


def test_csrf_is_required_to_publish(app, client, session, tree, closed_pair):
    app.config["WTF_CSRF_ENABLED"] = True
    assert publish(client, tree).status_code == 400
    assert session.exec(select(PublishedReport)).first() is None


def test_bad_input_is_refused_with_a_message(client, session, tree, closed_pair):
    response = publish(client, tree, to="2024-13-40")
    assert response.status_code == 422 and "日期格式应为YYYY-MM-DD" in response.get_data(as_text=True)
    response = publish(client, tree, scope="999999")
    assert response.status_code == 404, response.headers.get("Location")
    assert session.exec(select(PublishedReport)).first() is None


def test_who_may_publish_and_see(client, session, factory, tree, closed_pair):
    city = factory.user("supervisor", org=tree.gz)
    organiser = factory.user("organiser", org=tree.gz_org)
    assert publish(client, tree).status_code == 302
    published = session.exec(select(PublishedReport)).one()

    login(client, city)
    with frozen_clock(bj(6, 24, 11)):
        assert client.post("/supervise/published", data=WINDOW).status_code == 404  # the province is above it
        assert client.get("/supervise/published/new", query_string=WINDOW).status_code == 404
    for path in ("", "/diff", "/export.csv", "/cases?row=440100&bucket=received"):
        assert client.get(f"/supervise/published/{published.id}{path}").status_code == 404, path
    assert f'data-id="{published.id}"' not in client.get("/supervise/published").get_data(as_text=True)
    with frozen_clock(bj(6, 24, 11)):
        assert client.post("/supervise/published", data={**WINDOW, "scope": "440100"}).status_code == 302
    assert 'data-id="' in client.get("/supervise/published").get_data(as_text=True)

    login(client, organiser)
    assert client.get("/supervise/published").status_code == 403
    assert client.post("/supervise/published", data={**WINDOW, "scope": "GZ0001"}).status_code == 403


def test_the_diff_page_says_when_nothing_changed_and_lists_a_reopened_case(client, tree, closed_pair, session):
    assert publish(client, tree).status_code == 302
    published = session.exec(select(PublishedReport)).one()
    with frozen_clock(bj(6, 24, 12)):
        page = client.get(f"/supervise/published/{published.id}/diff").get_data(as_text=True)
    assert "没有任何数字发生变化" in page

    tree.do(bj(6, 25, 9), ops.reopen, closed_pair[0], tree.supervisor, reason="网民不满意。")
    with frozen_clock(bj(6, 25, 10)):
        page = client.get(f"/supervise/published/{published.id}/diff").get_data(as_text=True)
    assert "没有任何数字发生变化" not in page
    assert f'data-number="{closed_pair[0].tracking_number}"' in page and 'data-reason="reopened"' in page
    assert f'data-number="{closed_pair[1].tracking_number}"' not in page
    assert 'data-section="total" data-row="" data-field="closed"' in page
    assert SENTENCE in page  # the sentence as published, beside today's


def test_downloads_are_the_report_as_published(client, tree, closed_pair, session):
    assert publish(client, tree).status_code == 302
    published = session.exec(select(PublishedReport)).one()
    original = sla_report(session, date_from="2024-04-01", date_to="2024-06-23", scope_org=tree.province,
                          as_of=bj(6, 24, 10))
    tree.do(bj(6, 25, 9), ops.reopen, closed_pair[0], tree.supervisor, reason="网民不满意。")
    for base in ("/supervise/published", "/published"):
        csv = client.get(f"{base}/{published.id}/export.csv")
        assert csv.status_code == 200 and csv.data == to_csv(original)
        xlsx = client.get(f"{base}/{published.id}/export.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
        totals = [cell.value for cell in list(sheet.iter_rows())[-1]]
        assert totals[1:5] == ["合计", 2, 2, 2]  # received, closed, closed on time: before the reopen
    assert client.get(f"/published/{published.id}/export.pdf").status_code == 404


def test_the_public_sees_sentences_and_totals_without_cases(app, client, tree, closed_pair, session):
    assert publish(client, tree).status_code == 302
    published = session.exec(select(PublishedReport)).one()
    client = app.test_client()  # nobody signed in (and no user cached in the test's app context)
    g.pop("_login_user", None)
    listing = client.get("/published")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and SENTENCE in html
    assert 'data-field="received"' in html and "/supervise/" not in html
    page = client.get(f"/published/{published.id}").get_data(as_text=True)
    assert SENTENCE in page and "广州市政务服务数据管理局" in page
    for case in closed_pair:
        assert case.tracking_number not in html and case.tracking_number not in page
    assert client.get(f"/published/{published.id}/cases").status_code == 404
    assert client.get(f"/supervise/published/{published.id}").status_code == 302  # to the login
    assert client.get("/published/999999").status_code == 404


def test_every_breakdown_figure_drills_back_to_its_cases_as_published(client, session, tree, closed_pair):
    """Not only the rows: each category's counts and each outcome's count keep their case lists,
    which stay as published after a reopen."""
    assert publish(client, tree).status_code == 302
    published = session.exec(select(PublishedReport)).one()
    lists = {(c.row_key, c.bucket): c.case_ids for c in session.exec(select(PublishedCaseList))}
    category = closed_pair[0].category_code
    assert sorted(lists[(f"category:{category}", "closed_on_time")]) == sorted(c.id for c in closed_pair)
    outcome = closed_pair[0].outcome
    assert sorted(lists[(f"outcome:{outcome}", "closed")]) == sorted(c.id for c in closed_pair)

    tree.do(bj(6, 25, 9), ops.reopen, closed_pair[0], tree.supervisor, reason="网民不满意。")
    session.commit()
    page = client.get(f"/supervise/published/{published.id}").get_data(as_text=True)
    assert f'data-key="category:{category}"' in page and f'data-key="outcome:{outcome}"' in page
    for row, bucket in ((f"category:{category}", "closed_on_time"), (f"outcome:{outcome}", "closed")):
        shown = client.get(f"/supervise/published/{published.id}/cases",
                           query_string={"row": row, "bucket": bucket}).get_data(as_text=True)
        assert closed_pair[0].tracking_number in shown and closed_pair[1].tracking_number in shown
    # the diff still names the one case that moved, once, by its row
    moved = diff(session, published, now=bj(6, 25, 10))["cases"]
    assert [(c["tracking_number"], c["reasons"]) for c in moved] == [(closed_pair[0].tracking_number, ["reopened"])]
