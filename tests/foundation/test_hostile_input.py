"""Hostile input on every surface gets a 4xx with a clear message, never a 500, on both databases.

PostgreSQL refuses the NUL character in text; neither driver can encode a lone surrogate; a
JSON body nested 100,000 deep overflows the parser's stack; a page number of 20 digits overflows
the database's integers. Each row of :data:`CASES` sends one such input to one surface and
expects the refusal and its message (in English: ``?lang=en`` or ``Accept-Language: en``).
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest

from tests.staff.conftest import sign_in
from tracker.users.models import User
from tracker.users.operations import create_token

NUL = "\x00"
SURROGATE = "\ud800"
#: the UTF-8-like bytes of U+D800, which is not valid UTF-8, percent-encoded
SURROGATE_BYTES = "%ED%A0%80"
HUGE_PAGE = "99999999999999999999"
DEEP = b"[" * 100_000 + b"]" * 100_000

NDJSON = "application/x-ndjson"
FORM = "application/x-www-form-urlencoded"
INVALID_CHARACTERS = "invalid characters"
NOT_JSON = "not valid JSON"
BAD_PAGE = "page number"


@dataclass
class Probe:
    """One request: ``who`` signs in (or sends a token on /api), ``{n}`` is a case's tracking number."""

    who: str | None
    method: str
    url: str
    message: str
    json: object = None
    raw: bytes | None = None
    content_type: str = "application/json"
    form: dict = field(default_factory=dict)
    query: bytes | None = None


def _report(**overrides) -> dict:
    body = {"site_code": "4400000001", "page_url": "https://www.gd.gov.cn/a.html", "category": 2,
            "description": "页面链接失效。", "contact_name": "张三", "contact_email": "a@example.cn",
            "consent": True}
    body.update(overrides)
    return body


def _raw_report(field_name: str, escaped: str) -> bytes:
    """A report whose ``field_name`` is ``escaped``, a JSON string body written as is (``\\ud800``)."""
    body = json.dumps(_report(**{field_name: "@@"}))
    return body.replace('"@@"', f'"{escaped}"').encode()


CASES = {
    # NUL on the API
    **{f"api-create-{name}-nul": Probe(None, "POST", "/api/v1/cases", INVALID_CHARACTERS,
                                       json=_report(**{name: f"a{NUL}b"}))
       for name in ("description", "contact_name", "contact_email", "site_code", "page_url")},
    "api-create-key-nul": Probe(None, "POST", "/api/v1/cases", INVALID_CHARACTERS,
                                json={**_report(), f"x{NUL}": 1}),
    "api-list-q-nul": Probe("organiser", "GET", "/api/v1/cases?q=a%00b", INVALID_CHARACTERS),
    "api-sites-q-nul": Probe("organiser", "GET", "/api/v1/sites?q=a%00b", INVALID_CHARACTERS),
    "api-case-number-nul": Probe(None, "GET", "/api/v1/cases/ZC%00?code=x", INVALID_CHARACTERS),
    "api-case-code-nul": Probe(None, "GET", "/api/v1/cases/{n}?code=%00", INVALID_CHARACTERS),
    "api-chase-nul": Probe("supervisor", "POST", "/api/v1/cases/{n}/actions/chase", INVALID_CHARACTERS,
                           json={"message": f"a{NUL}b"}),
    "api-reroute-nul": Probe("supervisor", "POST", "/api/v1/cases/{n}/actions/reroute", INVALID_CHARACTERS,
                             json={"organiser_code": f"44{NUL}"}),
    "api-import-nul": Probe("admin", "POST", "/api/v1/imports/records", "importable", content_type=NDJSON,
                            raw=json.dumps({"id": 1, "problem_id": 2, "created": "2023-07-01 10:00:00",
                                            "content": f"a{NUL}b", "url": "https://www.gd.gov.cn/"}).encode()),
    # NUL on the web pages
    "inbox-q-nul": Probe("organiser", "GET", "/inbox?q=a%00b", INVALID_CHARACTERS),
    "inbox-site-nul": Probe("organiser", "GET", "/inbox?site=44%00", INVALID_CHARACTERS),
    "supervise-q-nul": Probe("supervisor", "GET", "/supervise/cases?q=a%00b", INVALID_CHARACTERS),
    "case-page-number-nul": Probe("organiser", "GET", "/cases/ZC%00", INVALID_CHARACTERS),
    "answers-site-nul": Probe(None, "GET", "/answers?site=a%00b", INVALID_CHARACTERS),
    "suggest-q-nul": Probe(None, "GET", "/sites/suggest?q=a%00b", INVALID_CHARACTERS),
    "detect-url-nul": Probe(None, "GET", "/sites/detect?url=https://www.gd.gov.cn/%00", INVALID_CHARACTERS),
    "detect-code-nul": Probe(None, "GET", "/sites/detect?site_code=44%00", INVALID_CHARACTERS),
    "track-number-nul": Probe(None, "GET", "/track?number=ZC%00&code=x", INVALID_CHARACTERS),
    "track-code-nul": Probe(None, "GET", "/track?number={n}&code=%00", INVALID_CHARACTERS),
    "report-form-nul": Probe(None, "POST", "/report", INVALID_CHARACTERS,
                             form={**_report(description=f"a{NUL}b"), "consent": "y"}),
    "login-form-nul": Probe(None, "POST", "/login", INVALID_CHARACTERS,
                            form={"email": f"a{NUL}@example.cn", "password": "x"}),
    "act-form-nul": Probe("organiser", "POST", "/cases/{n}/act/add_note", INVALID_CHARACTERS,
                          form={"text": f"a{NUL}b"}),
    # lone surrogates
    **{f"api-create-{name}-surrogate": Probe(None, "POST", "/api/v1/cases", INVALID_CHARACTERS,
                                             raw=_raw_report(name, "\\ud800"))
       for name in ("description", "contact_name", "contact_email")},
    "api-chase-surrogate": Probe("supervisor", "POST", "/api/v1/cases/{n}/actions/chase", INVALID_CHARACTERS,
                                 raw=b'{"message": "a\\udfffb"}'),
    "api-list-q-surrogate": Probe("organiser", "GET", f"/api/v1/cases?q={SURROGATE_BYTES}", INVALID_CHARACTERS),
    "inbox-q-surrogate": Probe("organiser", "GET", f"/inbox?q={SURROGATE_BYTES}", INVALID_CHARACTERS),
    "answers-site-surrogate": Probe(None, "GET", f"/answers?site={SURROGATE_BYTES}", INVALID_CHARACTERS),
    "track-number-surrogate": Probe(None, "GET", f"/track?number={SURROGATE_BYTES}&code=x", INVALID_CHARACTERS),
    "report-form-surrogate": Probe(None, "POST", "/report", INVALID_CHARACTERS, content_type=FORM,
                                   raw=b"description=" + SURROGATE_BYTES.encode()),
    "report-form-not-utf8": Probe(None, "POST", "/report", INVALID_CHARACTERS, content_type=FORM,
                                  raw=b"description=\xff"),
    "answers-query-not-utf8": Probe(None, "GET", "/answers", INVALID_CHARACTERS, query=b"site=\xff&lang=en"),
    "report-upload-name-nul": Probe(None, "POST", "/report", INVALID_CHARACTERS,
                                    form={**_report(), "consent": "y", "images": (io.BytesIO(b"x"), f"a{NUL}.png")}),
    "api-import-surrogate": Probe("admin", "POST", "/api/v1/imports/records", "importable", content_type=NDJSON,
                                  raw=b'{"id": 1, "problem_id": 2, "created": "2023-07-01 10:00:00", '
                                      b'"content": "a\\ud800", "url": "https://www.gd.gov.cn/"}'),
    # a body nested 100,000 deep
    "api-create-deep": Probe(None, "POST", "/api/v1/cases", NOT_JSON, raw=DEEP),
    "api-chase-deep": Probe("supervisor", "POST", "/api/v1/cases/{n}/actions/chase", NOT_JSON, raw=DEEP),
    "api-import-deep": Probe("admin", "POST", "/api/v1/imports/records", "importable", raw=DEEP,
                             content_type=NDJSON),
    # page numbers the database cannot hold
    "inbox-huge-page": Probe("organiser", "GET", f"/inbox?page={HUGE_PAGE}", BAD_PAGE),
    "supervise-huge-page": Probe("supervisor", "GET", f"/supervise/cases?page={HUGE_PAGE}", BAD_PAGE),
    "answers-huge-page": Probe(None, "GET", f"/answers?page={HUGE_PAGE}", BAD_PAGE),
    "answers-5000-digit-page": Probe(None, "GET", "/answers?page=" + "9" * 5000, BAD_PAGE),
    "reroute-form-huge-organiser": Probe("supervisor", "POST", "/cases/{n}/act/reroute", "give a number",
                                         form={"organiser_id": HUGE_PAGE}),
    "admin-category-huge-code": Probe("admin", "POST", "/admin/categories", "must be a number",
                                      form={"code": HUGE_PAGE, "name_zh": "测试", "name_en": "Test"}),
    "sla-cases-huge-page": Probe("supervisor", "GET", f"/supervise/report/cases?page={HUGE_PAGE}", BAD_PAGE),
}


@pytest.fixture()
def people(factory, session):
    """An organiser, a supervisor and an admin; a case assigned to the organiser."""
    province = factory.province()
    organiser_org = factory.org(parent=province)
    site = factory.site("4400000001", host="www.gd.gov.cn", organiser=organiser_org, supervisor=province)
    case = factory.case(site=site)
    users = {}
    for role, org in (("organiser", organiser_org), ("supervisor", province), ("admin", None)):
        users[role] = User(email=f"hostile-{role}@example.gov.cn", password_hash="!", role=role,
                           organisation_id=org.id if org else None)
        session.add(users[role])
    session.flush()
    tokens = {role: create_token(session, user, name="test") for role, user in users.items()}
    session.commit()  # a refused request rolls the session back
    return users, tokens, case


def _send(client, people, probe: Probe):
    users, tokens, case = people
    url = probe.url.replace("{n}", case.tracking_number)
    headers = {"Accept-Language": "en"}
    if url.startswith("/api/"):
        if probe.who:
            headers["Authorization"] = f"Bearer {tokens[probe.who]}"
    else:
        if probe.query is None:
            url += ("&" if "?" in url else "?") + "lang=en"
        if probe.who:
            sign_in(client, users[probe.who])
    if probe.query is not None:
        # as a server hands it over: the raw bytes, decoded as latin-1 (PEP 3333)
        return client.open(url, method=probe.method, headers=headers,
                           environ_overrides={"QUERY_STRING": probe.query.decode("latin-1")})
    if probe.raw is not None:
        return client.open(url, method=probe.method, data=probe.raw, content_type=probe.content_type, headers=headers)
    if probe.json is not None:
        return client.open(url, method=probe.method, json=probe.json, headers=headers)
    if probe.form:
        return client.open(url, method=probe.method, data=probe.form, headers=headers)
    return client.open(url, method=probe.method, headers=headers)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_gets_a_4xx_with_a_clear_message(client, people, name):
    probe = CASES[name]
    response = _send(client, people, probe)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if response.mimetype == "application/json":
        body = response.get_json()
        text = json.dumps(body, ensure_ascii=False)
        assert body["status"] == response.status_code
    else:
        text = response.get_data(as_text=True)
    assert probe.message in text, text[:2000]


@pytest.mark.parametrize("query", [f"category={HUGE_PAGE}", "category=²", "category=٣", "page=²", "page=abc"])
@pytest.mark.parametrize("who, path", [("organiser", "/inbox"), ("supervisor", "/supervise/cases"), (None, "/answers")])
def test_a_filter_that_is_no_whole_number_is_ignored(client, people, who, path, query):
    """Like any filter value that is not understood (``?category=x``): the list is shown unfiltered."""
    response = _send(client, people, Probe(who, "GET", f"{path}?{query}", ""))
    assert response.status_code == 200
