"""The citizen's side after the round: deadline changes told, the query code kept safe, the site
lookup, the searchable answers and the rating's errors."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from PIL import Image
from sqlmodel import select

from tests.public.helpers import close_case, png_bytes, report_data, submit_form
from tests.public.test_report import limited_app, report_and_read_receipt  # noqa: F401 - a fixture
from tests.public.test_track import _code_for
from tracker.cases import operations as ops
from tracker.cases.models import Attachment, Case
from tracker.db import frozen_clock, utcnow
from tracker.notifications import messages
from tracker.organisations.models import Organisation
from tracker.outbox.models import Outbox
from tracker.public.held import HeldUpload


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def track_html(client, case, code) -> str:
    response = client.get("/track", query_string={"number": case.tracking_number, "code": code},
                          follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def timeline(html: str) -> list[str]:
    block = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
            for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def due_mails(session, case) -> list[str]:
    rows = session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "case_due_changed")
                        .order_by(Outbox.id)).all()
    bodies = []
    for row in rows:
        reason, mails = messages.build(session, row, row.created_at)
        assert reason is None and [m.recipient for m in mails] == ["citizen@example.com"]
        assert "查询码：" not in mails[0].body
        bodies.append(mails[0].subject + "\n" + mails[0].body)
    return bodies


def test_extension_reroute_and_reopen_each_say_the_due_date_on_the_timeline_and_by_mail(client, factory, session):
    site = factory.site(name="示例区政府网站")
    other = factory.org(parent=session.get(Organisation, site.supervisor_id), name="示例区数据局")
    with frozen_clock(at("2024-04-26T10:00:00+08:00")):
        submission = factory.submission(site=site, contact_email="citizen@example.com")
    case, code = submission.case, submission.query_code
    organiser = factory.actor("organiser", org=session.get(Organisation, site.organiser_id))
    supervisor = factory.actor("supervisor", org=session.get(Organisation, site.supervisor_id))
    assert "2024-04-30 24:00" in track_html(client, case, code)
    with frozen_clock(at("2024-04-29T10:00:00+08:00")):
        ops.accept(session, case, organiser)
        request = ops.request_extension(session, case, organiser, workdays=2, reason="需要核实")
        ops.decide_extension(session, case, supervisor, request_id=request.id, approve=True, note="内部意见")
        ops.reroute(session, case, supervisor, organiser_id=other.id, note="内部改派说明")
    html = track_html(client, case, code)
    lines = timeline(html)
    assert "延期申请已批准，答复期限延至 2024-05-07 24:00" in lines[-2]
    assert "已改派“示例区数据局”办理，答复期限不变：2024-05-07 24:00" in lines[-1]
    assert "内部意见" not in html and "内部改派说明" not in html and "需要核实" not in html
    other_actor = factory.actor("organiser", org=other)
    with frozen_clock(at("2024-05-06T10:00:00+08:00")):
        ops.accept(session, case, other_actor)
        ops.answer(session, case, other_actor, text="已更正。")
        ops.approve(session, case, supervisor)
        ops.record_feedback(session, case, satisfied=False, comment="仍未更正")
        ops.reopen(session, case, supervisor, reason="请再核实")
    session.flush()
    lines = timeline(track_html(client, case, code))
    # reopened on 05-06 (Monday): 05-07, 05-08, 05-09
    assert "重新办理，新的答复期限：2024-05-09 24:00" in lines[-1]
    bodies = due_mails(session, case)
    assert len(bodies) == 3
    assert "已获批准" in bodies[0] and "答复期限：2024-05-09 24:00" in bodies[0]  # rendered now: the due in force
    assert "示例区数据局" in bodies[1] and "答复期限不变" in bodies[1]
    assert "已重新办理" in bodies[2] and "2024-05-09 24:00" in bodies[2]


def test_a_denied_extension_changes_nothing_and_a_case_without_email_gets_no_mail(client, factory, session):
    site = factory.site()
    with frozen_clock(at("2024-04-26T10:00:00+08:00")):
        submission = factory.submission(site=site)
    case = submission.case
    organiser = factory.actor("organiser", org=session.get(Organisation, site.organiser_id))
    supervisor = factory.actor("supervisor", org=session.get(Organisation, site.supervisor_id))
    with frozen_clock(at("2024-04-29T10:00:00+08:00")):
        request = ops.request_extension(session, case, organiser, workdays=2, reason="需要核实")
        ops.decide_extension(session, case, supervisor, request_id=request.id, approve=False,
                             note="材料不全，请按期答复")
    lines = timeline(track_html(client, case, submission.query_code))
    assert not any("延期" in line for line in lines)
    assert session.exec(select(Outbox).where(Outbox.topic == "case_due_changed")).all() == []


# ---------------------------------------------------------------- 2. the query code stays out of addresses


def test_a_link_with_the_code_opens_the_case_at_an_address_without_it(app, client, factory, session):
    site = factory.site(name="示例区政府网站")
    submission = factory.submission(site=site)
    case, code = submission.case, submission.query_code
    first = client.get("/track", query_string={"number": case.tracking_number, "code": code})
    assert first.status_code == 303 and first.location == f"/track?number={case.tracking_number}"
    page = client.get(first.location)
    assert page.status_code == 200 and 'id="timeline"' in page.text and code not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as browser_session:
        assert code not in str(dict(browser_session))
    # the form posts the code; another browser has only the number and sees the empty form
    posted = client.post("/track", data={"number": case.tracking_number, "code": code.lower()})
    assert posted.status_code == 303 and "code" not in posted.location
    alone = app.test_client().get(f"/track?number={case.tracking_number}")
    assert alone.status_code == 200 and 'id="timeline"' not in alone.text and "没有找到该留言" not in alone.text
    assert f'value="{case.tracking_number}"' in alone.text
    wrong = client.post("/track", data={"number": case.tracking_number, "code": "AAAABBBBCCCCDDDD"})
    assert wrong.status_code == 404 and "没有找到该留言" in wrong.text


def test_rating_from_the_remembered_case_and_its_errors_once(client, factory, session):
    case = close_case(factory, session, description="链接打不开", answer="已修复。")
    code = _code_for(session, case)
    client.get("/track", query_string={"number": case.tracking_number, "code": code})
    html = client.get(f"/track?number={case.tracking_number}").text
    assert 'action="/track/rate#rating"' in html and code not in html
    none = client.post("/track/rate", data={"number": case.tracking_number})
    assert none.status_code == 422
    errors = re.findall(r'class="field-error"[^>]*>([^<]*)<', none.text)
    assert errors == ["请选择满意或不满意。"]  # once, not with the field's own "not a valid choice"
    assert 'id="case-title"' in none.text and case.tracking_number in none.text  # still on the case
    bare = client.post("/track/rate", data={"number": case.tracking_number, "rating": "unsatisfied"})
    assert re.findall(r'class="field-error"[^>]*>([^<]*)<', bare.text) == ["不满意时请说明原因。"]
    done = client.post("/track/rate", data={"number": case.tracking_number, "rating": "satisfied"})
    assert done.status_code == 303 and done.location == f"/track?number={case.tracking_number}&rated=1#rating"
    assert case.feedback == "satisfied"
    again = client.post("/track/rate", data={"number": case.tracking_number, "rating": "satisfied"})
    assert again.status_code == 409
    assert re.findall(r'class="field-error"[^>]*>([^<]*)<', again.text) == []  # the form is gone: said once
    assert 'id="feedback-done"' in again.text


def test_the_confirmation_mails_its_number_and_code_only_to_its_own_session_and_only_twice(app, client, session,
                                                                                          monkeypatch):
    case, code = submit_form(client, session, page_url="https://unknown.example.org/a")
    page = client.get("/report/received")  # shown once: the form lives on the page just shown
    assert page.status_code == 302
    empty = client.post("/report/received/mail", data={"email": ""})
    assert empty.status_code == 422 and "请填写电子邮箱。" in empty.text and code in empty.text
    relay = client.post("/report/received/mail", data={"email": "a@example.com,b@example.com"})
    assert relay.status_code == 422
    sent = client.post("/report/received/mail", data={"email": "me@example.com"})
    assert sent.status_code == 200 and "已发送到 me@example.com" in sent.text
    [row] = session.exec(select(Outbox).where(Outbox.topic == "case_receipt_copy")).all()
    reason, [mail] = messages.build(session, row, row.created_at)
    assert reason is None and mail.recipient == "me@example.com"
    assert case.tracking_number in mail.body and f"查询码：{code}" in mail.body
    assert client.post("/report/received/mail", data={"email": "me2@example.com"}).status_code == 200
    third = client.post("/report/received/mail", data={"email": "me3@example.com"})
    assert third.status_code == 429 and "发送次数已达上限" in third.text
    # another browser, or the same one after the window, cannot send anything
    assert app.test_client().post("/report/received/mail", data={"email": "x@example.com"}).status_code == 410
    monkeypatch.setattr("tracker.public.receipt.MAIL_WINDOW_SECONDS", -1)
    assert client.post("/report/received/mail", data={"email": "x@example.com"}).status_code == 410
    assert len(session.exec(select(Outbox).where(Outbox.topic == "case_receipt_copy")).all()) == 2
    with client.session_transaction() as browser_session:
        assert code not in str(dict(browser_session))


def _held_token(html: str) -> str | None:
    match = re.search(r'name="held_token" value="([^"]+)"', html)
    return match.group(1) if match else None


def test_a_captcha_miss_keeps_the_screenshots_for_this_session_only(app, client, session, monkeypatch):
    app.config["CAPTCHA"] = True
    answers = iter(["AB34", "ARP6", "KX7M", "MN34", "PQ78"])
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: next(answers))
    image = Image.open(io.BytesIO(client.get("/captcha.png").data))
    assert image.size == (200, 72)  # larger than the library's 160 x 60, as the form shows it
    assert 'width="200" height="72"' in client.get("/report").text
    client.get("/captcha.png")
    files = [(io.BytesIO(png_bytes(color="red")), "first.png"), (io.BytesIO(png_bytes(color="blue")), "second.png")]
    empty = client.post("/report", data={**report_data(captcha=""), "screenshots": files},
                        content_type="multipart/form-data")
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "请输入验证码。" in html
    assert "first.png、second.png" in html and "截图需要重新选择" not in html
    token = _held_token(html)
    assert token and len(session.exec(select(HeldUpload)).all()) == 2
    # the token is worth nothing in another browser session
    stranger = app.test_client()
    stranger.get("/captcha.png")
    theirs = stranger.post("/report", data={**report_data(captcha="KX7M"), "held_token": token})
    assert theirs.status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    assert session.exec(select(Attachment).where(Attachment.case_id == case.id)).all() == []
    # a wrong captcha again: still held; the right one: the report carries both screenshots
    client.get("/captcha.png")
    wrong = client.post("/report", data={**report_data(captcha="ZZZZ"), "held_token": token})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text and "first.png、second.png" in wrong.text
    token = _held_token(wrong.text)
    client.get("/captcha.png")
    done = client.post("/report", data={**report_data(captcha="PQ78"), "held_token": token})
    assert done.status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    assert [a.filename for a in session.exec(select(Attachment).where(Attachment.case_id == case.id)
                                             .order_by(Attachment.id))] == ["first.png", "second.png"]
    assert session.exec(select(HeldUpload)).all() == []  # released with the report


def test_held_screenshots_expire(app, client, session, monkeypatch):
    app.config["CAPTCHA"] = True
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: "KX7M")
    client.get("/captcha.png")
    refused = client.post("/report", data={**report_data(captcha="ZZZZ"),
                                           "screenshots": [(io.BytesIO(png_bytes()), "late.png")]},
                          content_type="multipart/form-data")
    token = _held_token(refused.text)
    with frozen_clock(utcnow() + timedelta(minutes=31)):
        client.get("/captcha.png")
        assert client.post("/report", data={**report_data(captcha="KX7M"), "held_token": token}).status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    assert session.exec(select(Attachment).where(Attachment.case_id == case.id)).all() == []


# ---------------------------------------------------------------- 3. the site lookup


def suggest(client, q):
    response = client.get("/sites/suggest", query_string={"q": q})
    return [s["name"] for s in response.get_json()], response.headers.get("X-More-Sites") == "1"


def test_the_site_lookup_finds_hosts_short_names_and_initials(client, factory):
    factory.site(name="广州市人力资源和社会保障局", host="rsj.gz.gov.cn")
    factory.site(name="广州市教育局", host="jyj.gz.gov.cn")
    factory.site(name="深圳市人力资源和社会保障局", host="hrss.sz.gov.cn")
    assert suggest(client, "rsj.gz") == (["广州市人力资源和社会保障局"], False)
    assert sorted(suggest(client, "gz.gov.cn")[0]) == ["广州市人力资源和社会保障局", "广州市教育局"]
    assert suggest(client, "广州 人社") == (["广州市人力资源和社会保障局"], False)
    assert suggest(client, "广州人社局") == (["广州市人力资源和社会保障局"], False)
    assert suggest(client, "gzrs") == (["广州市人力资源和社会保障局"], False)
    assert suggest(client, "szs")[0][0] == "深圳市人力资源和社会保障局"  # initials in a row first
    assert suggest(client, "上海 人社") == ([], False)
    assert suggest(client, "%_") == ([], False)


def test_more_than_ten_matches_says_so(client, factory):
    for n in range(11):
        factory.site(name=f"测试县第{n}网站")
    names, more = suggest(client, "测试县")
    assert len(names) == 10 and more
    names, more = suggest(client, "测试县 第1")
    assert names == ["测试县第1网站", "测试县第10网站"] and not more


def test_a_chosen_suggestion_is_the_site_and_shows_its_name(client, session, factory):
    site = factory.site(name="广州市教育局")
    choice = f"{site.name}（{site.code}）"
    refused = client.post("/report", data=report_data(site_code=choice, description=""))
    assert refused.status_code == 422 and f'value="{choice}"' in refused.text
    detected = client.get("/sites/detect", query_string={"url": "https://x.example.org/a", "site_code": choice})
    assert detected.get_json()["site"] == {"code": site.code, "name": site.name}
    assert client.post("/report", data=report_data(site_code=choice)).status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    assert case.site_id == site.id and case.site_code_given == site.code


# ---------------------------------------------------------------- 4. published answers


def listed(html: str) -> list[str]:
    return re.findall(r'<p class="pre description">([^<]*)</p>', html)


def test_answers_are_searched_by_keyword_dates_site_and_category(client, factory, session, monkeypatch):
    site = factory.site(name="辛市人民政府网站")
    other = factory.site(name="壬县人民政府网站")
    with frozen_clock(at("2024-03-05T10:00:00+08:00")):
        close_case(factory, session, description="三月的附件无法下载", answer="附件已恢复。", site=site, category=0)
    with frozen_clock(at("2024-04-10T10:00:00+08:00")):
        close_case(factory, session, description="四月的错别字", answer="错别字已改正。", site=site, category=4)
        close_case(factory, session, description="四月的附件链接错误", answer="链接已更正。", site=other, category=0)
        close_case(factory, session, description="请联系王小明 13912345678 处理附件", answer="已处理。", site=other)
    assert listed(client.get("/answers", query_string={"q": "附件"}).text) == [
        "请联系王** 139****5678 处理附件", "四月的附件链接错误", "三月的附件无法下载"]
    assert listed(client.get("/answers", query_string={"q": "附件 四月"}).text) == ["四月的附件链接错误"]
    assert listed(client.get("/answers", query_string={"q": "附件", "site": "辛市"}).text) == ["三月的附件无法下载"]
    assert listed(client.get("/answers", query_string={"category": "4"}).text) == ["四月的错别字"]
    april = client.get("/answers", query_string={"from": "2024-04-01", "to": "2024-04-30", "category": "0"})
    assert listed(april.text) == ["四月的附件链接错误"] and "共 1 条" in april.text
    assert listed(client.get("/answers", query_string={"to": "2024-03-05"}).text) == ["三月的附件无法下载"]
    # what masking hides is not found: neither the phone number nor the name
    for hidden in ("13912345678", "王小明"):
        found = client.get("/answers", query_string={"q": hidden})
        assert listed(found.text) == [] and "共 0 条" in found.text, hidden
    bad = client.get("/answers", query_string={"from": "2024-13-01"})
    assert bad.status_code == 422 and "日期格式应为" in bad.text
    backwards = client.get("/answers", query_string={"from": "2024-05-01", "to": "2024-04-01"})
    assert backwards.status_code == 422 and "开始日期不能晚于结束日期" in backwards.text
    # a keyword search reads only the newest window of answers, and says so
    monkeypatch.setattr("tracker.public.util.KEYWORD_WINDOW", 2)
    windowed = client.get("/answers", query_string={"q": "附件"}).text
    assert listed(windowed) == ["请联系王** 139****5678 处理附件", "四月的附件链接错误"]
    assert "共 2+ 条" in windowed and "最新 2 条答复中查找" in windowed


def test_answers_have_numbered_pages_and_a_jump(client, factory, session, monkeypatch):
    monkeypatch.setattr("tracker.public.util.PAGE_SIZE", 1)
    site = factory.site(name="癸市人民政府网站")
    for n in range(9):
        close_case(factory, session, description=f"第{n}条附件", answer="已改正。", site=site)
    html = client.get("/answers", query_string={"q": "附件", "page": 5}).text
    numbers = re.findall(r'<li>(?:<span class="current" aria-current="page">|<a [^>]*>)(\d+)<', html)
    assert numbers == ["1", "3", "4", "5", "6", "7", "9"] and html.count("…") == 2
    assert 'href="/answers?page=9&amp;q=%E9%99%84%E4%BB%B6"' in html
    assert listed(html) == ["第4条附件"]
    assert '<input type="hidden" name="q" value="附件">' in html and 'id="jump-page"' in html
    jumped = client.get("/answers", query_string={"q": "附件", "page": 8}).text
    assert listed(jumped) == ["第1条附件"] and "第 8 / 9 页" in jumped


def test_each_answer_has_its_own_page_with_dates_and_whether_it_was_on_time(client, factory, session):
    site = factory.site(name="示例市人民政府网站")
    organiser = session.get(Organisation, site.organiser_id)
    with frozen_clock(at("2024-04-26T10:00:00+08:00")):
        on_time = close_case(factory, session, description="错别字", answer="已改正。", site=site,
                             page_url="https://www.example.gov.cn/a/b.html?name=王小明&token=secret#frag")
    with frozen_clock(at("2024-04-26T10:00:00+08:00")):
        case = factory.case(site=site, description="链接失效")
    actor = factory.actor("organiser", org=organiser)
    with frozen_clock(at("2024-05-06T10:00:00+08:00")):
        ops.accept(session, case, actor)
        ops.answer(session, case, actor, text="已修复。")
        ops.approve(session, case, factory.actor("admin"))
    session.flush()
    page = client.get(f"/answers/{on_time.tracking_number}")
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", "", page.text)
    assert on_time.tracking_number in text and "示例市人民政府网站" in text and organiser.name in text
    assert "2024-04-30 24:00" in text and "按期答复" in text
    assert "https://www.example.gov.cn/a/b.html" in text and "secret" not in text and "王小明" not in text
    late = re.sub(r"<[^>]+>", "", client.get(f"/answers/{case.tracking_number}").text)
    assert "超期答复" in late and "2024-05-06" in late
    listing = client.get("/answers").text
    assert f'href="/answers/{on_time.tracking_number}"' in listing
    still_open = factory.case(site=site)
    for number in (still_open.tracking_number, "ZC20000101-9999", "%27;--"):
        assert client.get(f"/answers/{number}").status_code == 404


def test_sending_the_receipt_is_limited_per_address(limited_app):  # noqa: F811 - the fixture imported above
    limited_app.config["RECEIPT_MAIL_RATE_LIMIT"] = "1 per hour"
    env = {"REMOTE_ADDR": "198.51.100.77"}
    statuses = []
    for _ in range(2):  # two browsers behind one address, each with a report of its own
        client = limited_app.test_client()
        report_and_read_receipt(client, env)
        statuses.append(client.post("/report/received/mail", data={"email": "me@example.com"},
                                    environ_base=env).status_code)
    assert statuses == [200, 429]
