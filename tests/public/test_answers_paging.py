"""The published answers cost what one page shows, whatever the number of closed cases: the count
stops at a cap, the page number is bounded, and the rows come from the published-case indexes."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from tests.public.helpers import close_case
from tracker.public import util

#: the partial indexes the answers are read by (created by the schema's migrations)
PUBLISHED_INDEXES = {
    "ix_case_published": "closed_at, id",
    "ix_case_published_category": "category_code, closed_at, id",
    "ix_case_published_site": "site_id, closed_at, id",
}


@pytest.fixture()
def published_indexes(app, session):
    """The connection of the test's session; the published-case indexes come with the migrations."""
    connection = session.get_bind()
    names = {row[0] for row in connection.exec_driver_sql(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'case_report'" if connection.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case_report'")}
    assert set(PUBLISHED_INDEXES) <= names
    return connection


@contextmanager
def statements(connection):
    """Every statement sent on ``connection`` in the block, as ``(sql, parameters)``."""
    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", note)


def offsets(seen) -> list[int]:
    """The OFFSET of every statement that has one."""
    found = []
    for statement, parameters in seen:
        match = re.search(r"OFFSET (\?|%\((\w+)\)s|\d+)", statement)
        if not match:
            continue
        if match.group(1).isdigit():
            found.append(int(match.group(1)))
        elif match.group(2):
            found.append(parameters[match.group(2)])
        else:
            found.append(parameters[statement[:match.start(1)].count("?")])
    return found


def shown(html: str) -> int:
    return html.count('class="panel answer-item"')


@pytest.fixture()
def small_pages(monkeypatch):
    """Pages of 2 answers, at most 3 of them: the count stops at 6."""
    monkeypatch.setattr(util, "PAGE_SIZE", 2)
    monkeypatch.setattr(util, "MAX_PAGES", 3)


def _close(factory, session, count: int, **kwargs) -> None:
    for i in range(count):
        close_case(factory, session, description=f"第{i}处错别字", answer="已改正。", **kwargs)


def test_the_total_is_counted_up_to_the_cap_and_shown_as_more(client, factory, session, small_pages):
    site = factory.site(name="丙市人民政府网站")
    _close(factory, session, 6, site=site)
    exact = client.get("/answers").get_data(as_text=True)
    assert "共 6 条" in exact and "共 6+ 条" not in exact and "只列出最新的" not in exact
    assert "第 1 / 3 页" in exact
    _close(factory, session, 1, site=site)
    capped = client.get("/answers").get_data(as_text=True)
    assert "共 6+ 条" in capped and "只列出最新的 6 条答复" in capped and "第 1 / 3 页" in capped
    assert shown(capped) == 2
    last = client.get("/answers?page=3").get_data(as_text=True)
    assert shown(last) == 2 and 'rel="next"' not in last and 'rel="prev"' in last
    refresh()  # the test app context outlives requests; forget the cached locale
    english = client.get("/answers?lang=en").get_data(as_text=True)
    assert "6+ in total" in english and "Only the newest 6 answers are listed" in english


def test_a_filtered_total_is_capped_too(client, factory, session, small_pages):
    site = factory.site(name="丁县人民政府网站")
    _close(factory, session, 7, site=site, category=4)
    close_case(factory, session, description="附件无法下载", answer="已恢复。", category=0)
    for query in ({"site": "丁县"}, {"site": site.code}, {"category": "4"}, {"site": "丁县", "category": "4"}):
        assert "共 6+ 条" in client.get("/answers", query_string=query).get_data(as_text=True), query
    by_other = client.get("/answers", query_string={"category": "0"}).get_data(as_text=True)
    assert "共 1 条" in by_other and "附件无法下载" in by_other


def test_a_page_beyond_the_last_is_the_last_without_a_long_offset(client, factory, session, small_pages):
    _close(factory, session, 7)
    with statements(session.get_bind()) as seen:
        response = client.get("/answers?page=100000")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "第 3 / 3 页" in html and shown(html) == 2
    assert offsets(seen) and max(offsets(seen)) <= (util.MAX_PAGES - 1) * util.PAGE_SIZE


@pytest.mark.parametrize("page", ["999999999", "1000000000000000000000000"])
def test_a_huge_page_number_is_refused_clearly(client, factory, session, page):
    close_case(factory, session, description="错别字", answer="已改正。")
    with statements(session.get_bind()) as seen:
        response = client.get(f"/answers?page={page}")
    assert response.status_code == 422
    assert "页码超出范围" in response.get_data(as_text=True)
    assert not [statement for statement, _ in seen if "case_report" in statement]


def test_a_search_over_several_sites_merges_their_newest_answers(client, factory, session, small_pages):
    sites = [factory.site(name=f"戊市第{n}网站") for n in range(3)]
    for n in range(7):
        close_case(factory, session, description=f"第{n}条", answer="已改正。", site=sites[n % 3])
    pages = [client.get("/answers", query_string={"site": "戊市", "page": p}).get_data(as_text=True)
             for p in (1, 2, 3)]
    assert "共 6+ 条" in pages[0]
    listed = [int(n) for html in pages for n in re.findall(r"第(\d)条", html)]
    assert listed == [6, 5, 4, 3, 2, 1]
    # more sites than are read one by one, and more than are listed: the same answers, the same order
    for setting, value in (("SITES_ONE_BY_ONE", 2), ("SITES_LISTED", 2)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(util, setting, value)
            again = [client.get("/answers", query_string={"site": "戊市", "page": p}).get_data(as_text=True)
                     for p in (1, 2, 3)]
        assert again == pages, setting


# ---------------------------------------------------------------- query plans


def _plan(connection, kind: str, statement: str, parameters) -> str:
    if kind == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(str(row[-1]) for row in rows)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return "\n".join(row[0] for row in rows)


def _case_plans(client, connection, kind: str, query: dict) -> list[tuple[str, str]]:
    """``(statement, plan)`` of every read of ``case_report`` that GET /answers makes."""
    with statements(connection) as seen:
        assert client.get("/answers", query_string=query).status_code == 200
    reads = [(s, p) for s, p in seen if "case_report" in s and s.lstrip().upper().startswith("SELECT")]
    return [(statement, _plan(connection, kind, statement, parameters)) for statement, parameters in reads]


@pytest.mark.parametrize("query, index", [
    ({}, "ix_case_published"),
    ({"category": "4"}, "ix_case_published_category"),
    ({"site": "己市"}, "ix_case_published_site"),
    ({"site": "己市", "category": "4"}, "ix_case_published_site"),
])
def test_the_first_page_is_read_from_an_index_without_sorting_the_closed_cases(
        client, factory, session, db_kind, published_indexes, query, index):
    site = factory.site(name="己市人民政府网站")
    for n in range(3):
        close_case(factory, session, description=f"第{n}条", answer="已改正。", site=site, category=4)
    close_case(factory, session, description="附件无法下载", answer="已恢复。", category=0)
    factory.case(site=site, description="尚未办结")
    plans = _case_plans(client, published_indexes, db_kind, query)
    ordered = [plan for statement, plan in plans if "ORDER BY" in statement]
    assert len(ordered) == 1, plans
    page = ordered[0]
    assert re.search(rf"\b{index}\b", page), page
    for _statement, plan in plans:  # the count and the rows of the page too
        if db_kind == "sqlite":
            assert "TEMP B-TREE" not in plan, plan
            assert not re.search(r"SCAN case_report(?! USING)", plan), plan
        else:
            assert "Sort" not in plan and "Seq Scan on case_report" not in plan, plan


def test_a_search_over_a_few_sites_reads_each_by_its_index(client, factory, session, db_kind, published_indexes):
    for n in range(3):
        site = factory.site(name=f"庚市第{n}网站")
        close_case(factory, session, description=f"第{n}条", answer="已改正。", site=site)
    plans = _case_plans(client, published_indexes, db_kind, {"site": "庚市"})
    ordered = [plan for statement, plan in plans if "ORDER BY" in statement]
    assert len(ordered) == 1, plans
    page = ordered[0]
    assert page.count("ix_case_published_site") == 3, page
    if db_kind == "sqlite":  # only the merged rows (a page per site at most) are sorted
        assert not re.search(r"SCAN case_report(?! USING)", page), page
    else:
        assert "Seq Scan on case_report" not in page, page
