"""The admin pages over HTTP: the calendar upload, people coming and going, organisations and sites
being edited, moved and deactivated, and Chinese words for every code."""
from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlmodel import select

from tests.calendar.helpers import CSV_2027, SOURCE_2027
from tests.staff.conftest import sign_in
from tracker.calendar.models import CalendarYear
from tracker.db import frozen_clock

NOVEMBER_2026 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _upload(client, text: bytes | str, source: str = SOURCE_2027, name: str = "2027.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/admin/calendar", data={"file": (io.BytesIO(data), name), "source": source},
                       content_type="multipart/form-data")


# ---------------------------------------------------------------- 18: calendar warnings and upload

def test_calendar_warning_goes_to_admins_and_supervisors_read_a_sentence(client, world):
    with frozen_clock(NOVEMBER_2026):
        sign_in(client, world.supervisor)
        page = client.get("/supervise").text
        assert "2027年节假日安排尚未导入" in page
        assert "tracker calendar" not in page and "系统管理员" in page
        sign_in(client, world.admin)
        for url in ("/admin", "/admin/users", "/admin/calendar"):
            page = client.get(url).text
            assert "2027年节假日安排尚未导入" in page and 'href="/admin/calendar"' in page, url


def test_admin_uploads_next_years_schedule_and_the_warning_goes(client, world, session):
    with frozen_clock(NOVEMBER_2026):
        sign_in(client, world.admin)
        response = _upload(client, CSV_2027)
        assert response.status_code == 302 and response.location.endswith("/admin/calendar")
        page = client.get("/admin/calendar").text
        assert "2027年节假日安排已导入：1个节假日，0个调休上班日" in page
        assert SOURCE_2027 in page
        assert "节假日安排尚未导入" not in page
        assert session.get(CalendarYear, 2027).source == SOURCE_2027
        sign_in(client, world.supervisor)
        assert "节假日安排尚未导入" not in client.get("/supervise").text


def test_calendar_upload_refuses_bad_files_with_a_message(client, world, session):
    sign_in(client, world.admin)
    bad_header = _upload(client, "day,kind\n2027-01-01,holiday\n")
    assert bad_header.status_code == 422 and "节假日文件有误" in bad_header.text and "date,kind,name" in bad_header.text
    bad_kind = _upload(client, "date,kind,name\n2027-01-01,party,元旦\n")
    assert bad_kind.status_code == 422 and "节假日文件有误" in bad_kind.text
    not_utf8 = _upload(client, "date,kind,name\n2027-01-01,holiday,元旦\n".encode("gbk"))
    assert not_utf8.status_code == 422 and "UTF-8" in not_utf8.text
    missing = client.post("/admin/calendar", data={"source": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "请选择节假日安排文件" in missing.text
    assert session.exec(select(CalendarYear)).all() == []


def test_only_admins_load_the_calendar(client, world):
    sign_in(client, world.supervisor)
    assert _upload(client, CSV_2027).status_code == 403
    assert client.get("/admin/calendar").status_code == 403


# ---------------------------------------------------------------- 19: people come and go

def reset_mails(session) -> list:
    """The password-link mails in the outbox, rendered as they would be sent."""
    from tracker.db import utcnow
    from tracker.notifications.messages import build
    from tracker.outbox import Outbox

    mails = []
    for row in session.exec(select(Outbox).where(Outbox.topic == "password_reset").order_by(Outbox.id)).all():
        reason, built = build(session, row, utcnow())
        mails += built
    return mails


def link_in(mail) -> str:
    import re

    return re.search(r"http://[^\s]+/password/reset/[\w-]+", mail.body).group(0).split("5000", 1)[1]


def _login_form(client, email, password="correct horse battery"):
    from flask import g

    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password})


def test_admin_edits_a_user(client, world, session):
    sign_in(client, world.admin)
    url = f"/admin/users/{world.organiser_a.id}"
    page = client.get(url).text
    assert "主办单位工作人员" in page and "广州市政务服务数据管理局" in page
    response = client.post(url, data={"action": "save", "name": "李四", "role": "organiser", "org": "440300SZ"})
    assert response.status_code == 302
    session.refresh(world.organiser_a)
    assert world.organiser_a.name == "李四" and world.organiser_a.organisation_id == world.org_b.id
    # a code that names nothing says so, and nothing changes
    response = client.post(url, data={"action": "save", "name": "王五", "role": "organiser", "org": "NOPE"})
    assert response.status_code == 422 and "单位代码不存在：NOPE" in response.text
    response = client.post(url, data={"action": "save", "name": "王五", "role": "organiser", "org": "440000"})
    assert response.status_code == 422 and "是主管单位：主办单位工作人员须属于一个主办单位" in response.text
    session.refresh(world.organiser_a)
    assert world.organiser_a.name == "李四"
    assert client.get("/admin/users/999999").status_code == 404


def test_a_disabled_user_cannot_log_in_and_their_sessions_and_tokens_stop(client, world, session, app):
    from tracker.users.operations import create_token

    token = create_token(session, world.organiser_a, "feed")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    other = app.test_client()
    sign_in(other, world.organiser_a)
    assert other.get("/inbox").status_code == 200

    sign_in(client, world.admin)
    response = client.post(f"/admin/users/{world.organiser_a.id}", data={"action": "disable"})
    assert response.status_code == 302
    assert "已停用" in client.get(f"/admin/users/{world.organiser_a.id}").text
    from flask import g

    g.pop("_login_user", None)
    assert other.get("/inbox").status_code == 302  # the open session ended: back to the login page
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert _login_form(app.test_client(), "gz@example.gov.cn").status_code == 401

    # enabled again: the password works, the old token stays revoked
    sign_in(client, world.admin)
    assert client.post(f"/admin/users/{world.organiser_a.id}", data={"action": "enable"}).status_code == 302
    assert _login_form(app.test_client(), "gz@example.gov.cn").status_code == 302
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_a_disabled_users_open_cases_stay_with_the_organisation(client, world, session, factory):
    colleague = factory.user("organiser", org=world.org_a, email="gz2@example.gov.cn")
    session.commit()
    sign_in(client, world.admin)
    assert client.post(f"/admin/users/{world.organiser_a.id}", data={"action": "disable"}).status_code == 302
    session.refresh(world.case_a)
    assert world.case_a.organiser_id == world.org_a.id and world.case_a.state != "closed"
    sign_in(client, colleague)
    assert world.case_a.tracking_number in client.get("/inbox").text


def test_an_admin_cannot_disable_themselves(client, world, session):
    sign_in(client, world.admin)
    response = client.post(f"/admin/users/{world.admin.id}", data={"action": "disable"})
    assert response.status_code == 422 and "不能停用自己的账号" in response.text
    session.refresh(world.admin)
    assert world.admin.is_active


def test_admin_sends_a_one_time_password_link_through_the_outbox(client, world, session, app):
    sign_in(client, world.admin)
    response = client.post(f"/admin/users/{world.organiser_a.id}", data={"action": "reset_password"})
    assert response.status_code == 302
    assert "已向 gz@example.gov.cn 发送一次性重设密码链接" in client.get(response.location).text
    [mail] = reset_mails(session)
    assert mail.recipient == "gz@example.gov.cn" and "系统管理员为您的账号" in mail.body
    link = link_in(mail)
    citizen = app.test_client()
    new = {"password": "a brand new secret", "confirm": "a brand new secret"}
    assert citizen.post(link, data=new).status_code == 302
    assert _login_form(app.test_client(), "gz@example.gov.cn", "a brand new secret").status_code == 302
    assert citizen.get(link).status_code == 404  # once only


def test_admin_resets_a_users_second_factor(client, world, session):
    world.supervisor.totp_secret = "JBSWY3DPEHPK3PXP"
    session.commit()
    sign_in(client, world.admin)
    assert client.post(f"/admin/users/{world.supervisor.id}", data={"action": "reset_totp"}).status_code == 302
    session.refresh(world.supervisor)
    assert world.supervisor.totp_secret is None


def test_user_list_searches_and_pages(client, world, factory, session):
    for n in range(55):
        factory.user("organiser", org=world.org_b, email=f"bulk{n:02d}@example.gov.cn")
    session.commit()
    sign_in(client, world.admin)
    first = client.get("/admin/users").text
    assert "第1页" in first and 'rel="next"' in first
    second = client.get("/admin/users?page=2").text
    assert 'rel="prev"' in second
    found = client.get("/admin/users?q=gz%40").text
    assert "gz@example.gov.cn" in found and "sz@example.gov.cn" not in found and "bulk00" not in found
    assert "主办单位工作人员" in found and ">organiser<" not in found
    assert "没有符合条件的记录" in client.get("/admin/users?q=%25%25").text


# ---------------------------------------------------------------- 20: organisations and sites change

ALL_CASES = "/supervise/cases?state=all"


def test_a_moved_sites_open_cases_go_to_the_new_supervisor_and_not_the_old(client, world, session):
    from tests.staff.conftest import case_numbers
    from tracker.cases.models import CaseEvent

    number = world.case_a.tracking_number
    sign_in(client, world.supervisor)
    assert number in case_numbers(client, ALL_CASES)
    sign_in(client, world.other_supervisor)
    assert number not in case_numbers(client, ALL_CASES)

    sign_in(client, world.admin)
    response = client.post(f"/admin/sites/{world.site_a.id}", data={
        "action": "save", "name": "广州市人民政府（迁移后）", "organiser_code": "450100NN",
        "supervisor_code": "450000"})
    assert response.status_code == 302
    assert "1件在办留言随网站转到新的单位" in client.get(response.location).text
    session.refresh(world.case_a)
    assert (world.case_a.organiser_id, world.case_a.supervisor_id) == (world.org_c.id, world.other_province.id)
    assert world.case_a.state == "assigned"
    assert session.exec(select(CaseEvent).where(CaseEvent.case_id == world.case_a.id,
                                                CaseEvent.action == "reroute")).first() is not None

    sign_in(client, world.other_supervisor)
    assert number in case_numbers(client, ALL_CASES)
    sign_in(client, world.supervisor)
    assert number not in case_numbers(client, ALL_CASES)
    sign_in(client, world.organiser_a)
    assert client.get(f"/cases/{number}").status_code == 404
    sign_in(client, world.admin)
    assert "广州市人民政府（迁移后）" in client.get("/admin/sites?q=4401000001").text


def test_a_moved_organisations_cases_follow_it_in_the_tree(client, world, session, factory):
    from tests.staff.conftest import case_numbers

    city = factory.org("440100", kind="supervisor", parent=world.province, name="广州市数据局")
    organiser = factory.org("440100HP", parent=city, name="黄埔区政务服务中心")
    site = factory.site("4401120001", host="www.hp.gov.cn", organiser=organiser, supervisor=city)
    case = factory.case(site=site, page_url="https://www.hp.gov.cn/x.html")
    session.commit()
    sign_in(client, world.supervisor)
    assert case.tracking_number in case_numbers(client, ALL_CASES)

    sign_in(client, world.admin)
    response = client.post(f"/admin/organisations/{city.id}",
                           data={"action": "save", "name": "广州市政务服务和数据管理局", "parent": "450000"})
    assert response.status_code == 302
    assert "1件留言的可见范围随之更新" in client.get(response.location).text
    session.refresh(organiser)
    assert organiser.path == "/450000/440100/440100HP/"
    sign_in(client, world.other_supervisor)
    assert case.tracking_number in case_numbers(client, ALL_CASES)
    sign_in(client, world.supervisor)
    assert case.tracking_number not in case_numbers(client, ALL_CASES)

    # a move into its own subtree, under an organiser, or to a code that names nothing: refused
    sign_in(client, world.admin)
    refusals = (("440100", "不能把单位移到它自己或它的下级单位之下"), ("440100HP", "上级单位必须是主管单位"),
                ("NOPE", "单位代码不存在：NOPE"))
    for parent, message in refusals:
        response = client.post(f"/admin/organisations/{city.id}",
                               data={"action": "save", "name": "x", "parent": parent})
        assert response.status_code == 422 and message in response.text, parent
    session.refresh(city)
    assert city.name == "广州市政务服务和数据管理局"


def test_an_organisation_is_deactivated_only_without_running_sites(client, world, session):
    sign_in(client, world.admin)
    response = client.post(f"/admin/organisations/{world.org_a.id}", data={"action": "deactivate"})
    assert response.status_code == 422 and "仍有运行中的网站（如4401000001）" in response.text
    assert client.post(f"/admin/sites/{world.site_a.id}", data={"action": "stop"}).status_code == 302
    assert client.post(f"/admin/organisations/{world.org_a.id}", data={"action": "deactivate"}).status_code == 302
    session.refresh(world.org_a)
    assert not world.org_a.is_active
    assert "已停用" in client.get("/admin/organisations?q=440100GZ").text
    # no new staff for it
    response = client.post("/admin/users", data={"email": "new@example.gov.cn", "password": "long enough pw",
                                                 "role": "organiser", "org": "440100GZ"})
    assert response.status_code == 422 and "已停用，不能再添加工作人员" in response.text


def test_a_stopped_site_takes_no_new_reports_on_the_form_or_the_api(client, world, session):
    from tests.public.helpers import report_data
    from tracker.cases.models import Case

    sign_in(client, world.admin)
    assert client.post(f"/admin/sites/{world.site_b.id}", data={"action": "stop"}).status_code == 302
    assert "已停止运行" in client.get(f"/admin/sites/{world.site_b.id}").text
    before = len(session.exec(select(Case.id)).all())
    anonymous = client.application.test_client()
    by_code = anonymous.post("/report", data=report_data(page_url="https://www.example.cn/a", site_code="4403000001"))
    assert by_code.status_code == 422
    assert "网站“测试网站4403000001”（4403000001）已停止运行，不再受理新的留言" in by_code.text
    by_url = anonymous.post("/report", data=report_data(page_url="https://www.sz.gov.cn/b/c.html"))
    assert by_url.status_code == 422 and "已停止运行，不再受理新的留言" in by_url.text
    api = anonymous.post("/api/v1/cases", json={"page_url": "https://www.sz.gov.cn/b.html", "category": 2,
                                                "description": "页面打不开。", "contact_phone": "13912345678",
                                                "consent": True})
    assert api.status_code == 422 and api.get_json()["fields"] == {"page_url": ["4403000001"]}
    assert len(session.exec(select(Case.id)).all()) == before
    # a running site still takes them
    assert anonymous.post("/report", data=report_data(page_url="https://www.gz.gov.cn/a.html")).status_code == 303


def test_site_and_organisation_lists_search_and_page(client, world, factory, session):
    for n in range(52):
        factory.org(f"4400{n:02d}XX", parent=world.province, name=f"批量单位{n:02d}")
    session.commit()
    sign_in(client, world.admin)
    page = client.get("/admin/organisations").text
    assert 'rel="next"' in page and "主办单位" in page and ">organiser<" not in page
    found = client.get("/admin/organisations?q=批量单位07").text
    assert "4400" + "07XX" in found and "批量单位08" not in found and "rel=\"next\"" not in found
    sites = client.get("/admin/sites?q=南宁").text
    assert "4501000001" not in sites  # the site's name is 测试网站…, its organiser 南宁…: names of sites only
    assert "4501000001" in client.get("/admin/sites?q=450100").text


# ---------------------------------------------------------------- 21: no English codes on Chinese screens

def test_roles_kinds_outcomes_and_extension_states_show_in_chinese(client, world, session):
    import re

    from tracker.cases import operations as ops
    from tracker.cases.scope import Actor

    organiser = Actor.of(world.organiser_a, session)
    supervisor = Actor.of(world.supervisor, session)
    ops.accept(session, world.case_a, organiser)
    request = ops.request_extension(session, world.case_a, organiser, workdays=2, reason="需要协调技术单位")
    ops.decide_extension(session, world.case_a, supervisor, request_id=request.id, approve=True)
    ops.answer(session, world.case_a, organiser, text="已修复页面链接，感谢您的监督与支持。", outcome="fixed")
    session.commit()

    def visible(html: str) -> str:
        """The text a reader sees: no tags or attribute values, no command examples, no email addresses."""
        html = re.sub(r"<pre[^>]*>.*?</pre>", " ", html, flags=re.S)
        return re.sub(r"\S+@\S+", " ", re.sub(r"<[^>]+>", " ", html))

    sign_in(client, world.organiser_a)
    case_page = visible(client.get(f"/cases/{world.case_a.tracking_number}").text)
    # the history says the extension's days, reason and decision in words (one place renders it)
    assert "申请延期2个工作日" in case_page and "理由：需要协调技术单位" in case_page
    assert "批准延期2个工作日" in case_page and "approved" not in case_page
    sign_in(client, world.supervisor)
    queue = visible(client.get("/supervise").text)
    assert "属实已整改" in queue and "fixed" not in queue
    sign_in(client, world.admin)
    for url in ("/admin", "/admin/users", f"/admin/users/{world.supervisor.id}", "/admin/organisations",
                f"/admin/organisations/{world.province.id}"):
        text = visible(client.get(url).text)
        for code in ("organiser", "supervisor", "admin"):
            assert re.search(rf"\b{code}\b", text) is None, (url, code)
    assert "要求两步验证：主办单位工作人员" in visible(client.get("/admin").text)


def test_errors_say_what_is_wrong(client, world):
    sign_in(client, world.admin)
    unknown = client.post("/admin/users", data={"email": "x@example.gov.cn", "password": "long enough pw",
                                                "role": "organiser", "org": "440199"})
    assert unknown.status_code == 422 and "单位代码不存在：440199" in unknown.text
    wrong_kind = client.post("/admin/users", data={"email": "x@example.gov.cn", "password": "long enough pw",
                                                   "role": "supervisor", "org": "440100GZ"})
    assert wrong_kind.status_code == 422
    assert "“广州市政务服务数据管理局”是主办单位：主管单位工作人员须属于一个主管单位" in wrong_kind.text
    no_org = client.post("/admin/users", data={"email": "x@example.gov.cn", "password": "long enough pw",
                                               "role": "organiser", "org": ""})
    assert no_org.status_code == 422 and "请填写单位代码" in no_org.text
    site = client.post("/admin/sites", data={"code": "4401000009", "name": "x", "organiser_code": "NOPE",
                                             "supervisor_code": "440000"})
    assert site.status_code == 422 and "单位代码不存在：NOPE" in site.text
    csv = "code,name,organiser_code,supervisor_code,hosts\n4406000002,x,NOPE,440000,a.gov.cn\n"
    imported = client.post("/admin/sites", data={"file": (io.BytesIO(csv.encode()), "sites.csv")},
                           content_type="multipart/form-data")
    assert imported.status_code == 422 and "第2行：单位代码不存在：NOPE" in imported.text


def test_a_site_csv_import_says_what_it_did_in_words(client, world):
    sign_in(client, world.admin)
    csv = ("code,name,organiser_code,supervisor_code,hosts\n4401000002,新网站,440100GZ,440000,new.gz.gov.cn\n"
           "4401000001,,440100GZ,440000,www2.gz.gov.cn\n")
    response = client.post("/admin/sites", data={"file": (io.BytesIO(csv.encode()), "sites.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "已导入网站：新增1个，更新1个。" in client.get("/admin/sites").text


def test_staff_of_a_deactivated_organisation_can_still_be_edited(client, world, session):
    world.org_a.is_active = False
    session.commit()
    sign_in(client, world.admin)
    response = client.post(f"/admin/users/{world.organiser_a.id}",
                           data={"action": "save", "name": "留任人员", "role": "organiser", "org": "440100GZ"})
    assert response.status_code == 302
    session.refresh(world.organiser_a)
    assert world.organiser_a.name == "留任人员"
