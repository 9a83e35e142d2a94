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
