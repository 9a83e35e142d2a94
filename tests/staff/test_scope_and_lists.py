"""Scope on the lists, the inbox queues, filters, countdown and paging."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.staff.conftest import case_numbers, sign_in
from tracker.db import frozen_clock

NUMBER = re.compile(r"ZC\d{8}-\d{4,}")


def test_two_guangdong_organisers_see_disjoint_lists_and_404_on_each_other(client, world, factory, session):
    more_a = [factory.case(site=world.site_a).tracking_number for _ in range(3)]
    more_b = [factory.case(site=world.site_b).tracking_number for _ in range(3)]
    session.commit()
    a_numbers = {world.case_a.tracking_number, *more_a}
    b_numbers = {world.case_b.tracking_number, *more_b}

    sign_in(client, world.organiser_a)
    seen_a = case_numbers(client, "/inbox?state=all")
    sign_in(client, world.organiser_b)
    seen_b = case_numbers(client, "/inbox?state=all")
    assert seen_a == a_numbers and seen_b == b_numbers
    assert seen_a.isdisjoint(seen_b)

    for user, others in ((world.organiser_a, b_numbers), (world.organiser_b, a_numbers)):
        sign_in(client, user)
        for number in others:
            assert client.get(f"/cases/{number}").status_code == 404
            assert client.post(f"/cases/{number}/act/accept").status_code == 404

    sign_in(client, world.supervisor)  # 440000 sees both, and not Guangxi
    seen = case_numbers(client, "/supervise/cases?state=all")
    assert seen == a_numbers | b_numbers
    for number in a_numbers | b_numbers:
        assert client.get(f"/cases/{number}").status_code == 200
    assert client.get(f"/cases/{world.case_c.tracking_number}").status_code == 404


def test_inbox_queues_countdown_and_filters(client, world, factory, session):
    # received Friday 2024-04-26 -> due 2024-04-30 24:00 (Sunday 04-28 is a make-up working day)
    with frozen_clock(datetime(2024, 4, 26, 2, 0, tzinfo=UTC)):
        old = factory.case(site=world.site_a, description="旧留言 已超期", page_url="https://www.gz.gov.cn/old")
    assert old.due_at == datetime(2024, 4, 30, 16, 0, tzinfo=UTC)
    session.commit()
    sign_in(client, world.organiser_a)
    with frozen_clock(datetime(2024, 5, 7, 2, 0, tzinfo=UTC)):  # after the May Day holiday
        page = client.get("/inbox?state=overdue")
        assert old.tracking_number in page.text
        assert "超期2个工作日" in page.text  # 05-06 and 05-07 are working days past 04-30
        assert world.case_a.tracking_number not in page.text
    with frozen_clock(datetime(2024, 4, 30, 2, 0, tzinfo=UTC)):
        page = client.get("/inbox?state=due_soon")
        assert old.tracking_number in page.text and "今日24时到期" in page.text  # its last day
    with frozen_clock(datetime(2024, 4, 29, 2, 0, tzinfo=UTC)):
        assert "剩1个工作日" in client.get("/inbox").text  # 04-30 is left
        assert old.tracking_number not in client.get("/inbox?state=due_soon").text

    assert old.tracking_number in client.get("/inbox?state=new").text
    assert old.tracking_number not in client.get("/inbox?state=in_progress").text
    assert old.tracking_number in client.get("/inbox?q=旧留言").text
    assert old.tracking_number in client.get(f"/inbox?q={old.tracking_number}").text
    assert old.tracking_number in client.get("/inbox?q=gz.gov.cn/old").text
    assert old.tracking_number not in client.get("/inbox?q=nothing-like-this").text
    assert old.tracking_number in client.get("/inbox?from=2024-04-26&to=2024-04-26").text
    assert old.tracking_number not in client.get("/inbox?from=2024-04-27").text
    assert old.tracking_number in client.get(f"/inbox?site={world.site_a.code}&category=2").text
    assert old.tracking_number not in client.get("/inbox?category=4").text


def test_sent_back_and_closed_queues(client, world, factory, session):
    from tracker.cases import operations as ops
    from tracker.cases.scope import Actor

    organiser = Actor.of(world.organiser_a, session)
    supervisor = Actor.of(world.supervisor, session)
    ops.accept(session, world.case_a, organiser)
    ops.answer(session, world.case_a, organiser, text="已处理")
    ops.reject(session, world.case_a, supervisor, reason="答复过于简单")
    session.commit()
    sign_in(client, world.organiser_a)
    assert world.case_a.tracking_number in client.get("/inbox?state=sent_back").text
    assert "被驳回" in client.get("/inbox?state=in_progress").text
    ops.answer(session, world.case_a, organiser, text="已修复链接")
    ops.approve(session, world.case_a, supervisor)
    session.commit()
    assert world.case_a.tracking_number not in client.get("/inbox?state=sent_back").text
    assert world.case_a.tracking_number in client.get("/inbox?state=closed").text
    assert world.case_a.tracking_number not in client.get("/inbox").text


def test_paging_uses_next_links_without_counting_everything(client, world, factory, session):
    from tracker.cases import queries

    numbers = [world.case_a.tracking_number]
    numbers += [factory.case(site=world.site_a).tracking_number for _ in range(queries.PAGE_SIZE + 3)]
    session.commit()
    sign_in(client, world.organiser_a)
    first = client.get("/inbox").text
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/inbox?page=2").text
    assert 'rel="prev"' in second and 'rel="next"' not in second
    on_first = set(NUMBER.findall(first)) & set(numbers)
    on_second = set(NUMBER.findall(second)) & set(numbers)
    assert len(on_first) == queries.PAGE_SIZE and on_first.isdisjoint(on_second)
    assert on_first | on_second == set(numbers)
    assert client.get("/inbox?page=abc").status_code == 200


def test_staff_pages_in_english(client, world):
    sign_in(client, world.organiser_a)
    page = client.get("/inbox?lang=en").text
    assert "working day(s) left" in page and "Search number, URL or text" in page
    assert "Public answer" in client.get(f"/cases/{world.case_a.tracking_number}").text
    sign_in(client, world.supervisor)
    assert "Load per organisation" in client.get("/supervise").text
