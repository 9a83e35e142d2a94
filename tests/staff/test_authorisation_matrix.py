"""Every staff route × role × in-scope / out-of-scope case -> the expected status, and no leaks.

The routes are read from the app's URL map: a new staff route without a row in EXPECTED fails
``test_every_staff_route_is_in_the_matrix``.
"""
from __future__ import annotations

import pytest

from tests.staff.conftest import sign_in
from tracker import create_app

STAFF_BLUEPRINTS = ("users", "inbox", "supervise", "admin")
ROLES = ("anonymous", "organiser", "supervisor", "admin")
LOGIN = 302  # sent to the login page

# (endpoint, method) -> role -> status, or (in-scope status, out-of-scope status)
EXPECTED = {
    ("users.login", "GET"): {"anonymous": 200, "organiser": 302, "supervisor": 302, "admin": 302},
    ("users.login", "POST"): {"anonymous": 401, "organiser": 302, "supervisor": 302, "admin": 302},
    ("users.login_code", "GET"): {r: 302 for r in ROLES},
    ("users.login_code", "POST"): {r: 302 for r in ROLES},
    ("users.enrol_totp", "GET"): {"anonymous": LOGIN, "organiser": 200, "supervisor": 200, "admin": 200},
    ("users.enrol_totp", "POST"): {"anonymous": LOGIN, "organiser": 422, "supervisor": 422, "admin": 422},
    ("users.logout", "GET"): {r: 200 for r in ROLES},
    ("users.logout", "POST"): {r: 302 for r in ROLES},
    ("inbox.index", "GET"): {"anonymous": LOGIN, "organiser": 200, "supervisor": 403, "admin": 403},
    ("inbox.returned", "GET"): {"anonymous": LOGIN, "organiser": 200, "supervisor": 403, "admin": 403},
    ("inbox.canned", "GET"): {"anonymous": LOGIN, "organiser": 200, "supervisor": 403, "admin": 403},
    ("inbox.canned", "POST"): {"anonymous": LOGIN, "organiser": 422, "supervisor": 403, "admin": 403},
    ("inbox.delete_canned", "POST"): {"anonymous": LOGIN, "organiser": 404, "supervisor": 403, "admin": 403},
    ("inbox.case", "GET"): {"anonymous": LOGIN, "organiser": (200, 404), "supervisor": (200, 404), "admin": (200, 200)},
    ("inbox.act", "POST"): {"anonymous": LOGIN, "organiser": (302, 404), "supervisor": (302, 404), "admin": (302, 302)},
    ("inbox.attachment", "GET"): {"anonymous": LOGIN, "organiser": (200, 404), "supervisor": (200, 404),
                                  "admin": (200, 200)},
    # page checks are off in the tests: a request in scope is refused with 409 (tests/evidence turns them on)
    ("inbox.recheck", "POST"): {"anonymous": LOGIN, "organiser": (409, 404), "supervisor": (409, 404),
                                "admin": (409, 409)},
    ("supervise.index", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 200, "admin": 200},
    ("supervise.cases", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 200, "admin": 200},
    ("supervise.chase", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 422, "admin": 422},
    ("admin.index", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.policies", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 302},
    ("admin.organisations", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.organisations", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
    ("admin.sites", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.sites", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
    ("admin.users", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.users", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
    ("admin.categories", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.categories", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
    ("admin.user", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.user", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 400},
    ("admin.organisation", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.organisation", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 400},
    ("admin.site", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.site", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 400},
    ("admin.calendar", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.calendar", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
    ("users.forgot_password", "GET"): {r: 200 for r in ROLES},
    ("users.forgot_password", "POST"): {r: 422 for r in ROLES},  # the matrix posts no email
    ("users.reset_password", "GET"): {r: 404 for r in ROLES},
    ("users.reset_password", "POST"): {r: 404 for r in ROLES},
    ("admin.lint", "GET"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 200},
    ("admin.lint", "POST"): {"anonymous": LOGIN, "organiser": 403, "supervisor": 403, "admin": 422},
}

#: extra query strings tried on list pages, so that filters cannot widen the scope
LIST_QUERIES = ("", "?state=all", "?state=triage", "?q=MARK", "?site=4501000001", "?state=closed&page=2")


def staff_routes() -> set[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_staff_route_is_in_the_matrix():
    assert staff_routes() == set(EXPECTED)


def _user(world, role):
    return {"organiser": world.organiser_a, "supervisor": world.supervisor, "admin": world.admin}.get(role)


def _url(app, world, endpoint: str, case) -> str:
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    if "tracking_number" in rule.arguments:
        values["tracking_number"] = case.tracking_number
    if "attachment_id" in rule.arguments:
        values["attachment_id"] = world.attachments[case.id]
    if "answer_id" in rule.arguments:
        values["answer_id"] = 999999  # no such canned answer
    if "operation" in rule.arguments:
        values["operation"] = "add_note"
    # the admin pages of one row: the user, organisation or site of the case in question
    if "user_id" in rule.arguments:
        values["user_id"] = world.organiser_a.id if case is world.case_a else world.other_supervisor.id
    if "org_id" in rule.arguments:
        values["org_id"] = case.organiser_id
    if "site_id" in rule.arguments:
        values["site_id"] = case.site_id
    if "token" in rule.arguments:
        values["token"] = "no-such-link"
    with app.test_request_context():
        return url_for(endpoint, **values)


def _call(client, method, url):
    form = {"text": "内部备注", "email": "", "password": ""}
    return client.get(url) if method == "GET" else client.post(url, data=form)


def _leaks(world, body: bytes, url: str) -> list[str]:
    """Data of the out-of-scope case in ``body``, not counting the echo of the requested URL
    (language switch, login ``next``)."""
    from urllib.parse import quote

    text = body.decode("utf-8", "replace")
    for echo in (url, quote(url, safe=""), quote(url)):
        text = text.replace(echo, "")
    c = world.case_c
    return [marker for marker in (c.tracking_number, "MARK-C", c.contact_email, c.contact_phone, c.page_url)
            if marker in text]


@pytest.mark.parametrize("scope", ["in", "out"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method", sorted(EXPECTED))
def test_matrix(app, client, world, endpoint, method, role, scope):
    expected = EXPECTED[(endpoint, method)][role]
    if isinstance(expected, tuple):
        expected = expected[0 if scope == "in" else 1]
    user = _user(world, role)
    if user is not None:
        sign_in(client, user)
    case = world.case_a if scope == "in" else world.case_c
    url = _url(app, world, endpoint, case)
    response = _call(client, method, url)
    assert response.status_code == expected, (endpoint, method, role, scope, response.status_code)
    if expected == LOGIN and role == "anonymous":
        assert "/login" in response.location
    if role in ("anonymous", "organiser", "supervisor"):
        assert _leaks(world, response.data, url) == []


def test_zero_leaks_across_every_route_and_list_filter(app, client, world):
    """One sweep: organiser and supervisor of Guangdong over every GET route and list filter."""
    leaks = []
    requests = 0
    for role in ("organiser", "supervisor"):
        sign_in(client, _user(world, role))
        for endpoint, method in sorted(EXPECTED):
            if method != "GET":
                continue
            for case in (world.case_a, world.case_c):
                base = _url(app, world, endpoint, case)
                for query in (LIST_QUERIES if endpoint.endswith(("index", "cases")) else ("",)):
                    response = client.get(base + query)
                    requests += 1
                    leaks += [(role, base + query, m) for m in _leaks(world, response.data, base + query)]
    assert requests > 50
    assert leaks == []


def test_out_of_scope_writes_change_nothing(app, client, world, session):
    """Posting every operation at an out-of-scope case answers 404 and writes no event."""
    from sqlmodel import func, select

    from tracker.cases.models import CaseEvent
    from tracker.cases.permissions import STAFF_OPERATIONS as ACTIONS

    before = session.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == world.case_c.id)).one()
    for user in (world.organiser_a, world.supervisor):
        sign_in(client, user)
        for operation in ACTIONS:
            response = client.post(f"/cases/{world.case_c.tracking_number}/act/{operation}",
                                   data={"text": "x", "reason": "x", "message": "x", "workdays": "2",
                                         "organiser_id": str(world.org_a.id), "outcome": "duplicate"})
            assert response.status_code == 404, (user.email, operation)
    after = session.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == world.case_c.id)).one()
    assert after == before
