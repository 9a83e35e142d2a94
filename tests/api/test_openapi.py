"""The OpenAPI document and the docs page."""
from __future__ import annotations

import re

from tracker.api.schemas import ACTION_SCHEMAS
from tracker.cases.permissions import ALLOWED


def test_document_is_openapi_3_with_bearer_and_errors(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "a token from `tracker create-token --email E`"}
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "code", "message", "fields"}


def test_every_response_has_a_description(client):
    document = client.get("/api/v1/openapi.json").get_json()
    responses = document["components"]["responses"]
    count = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if "$ref" in answer:
                    answer = responses[answer["$ref"].rsplit("/", 1)[1]]
                assert answer["description"].strip(), (path, method, status)
                count += 1
    assert count > 100


def test_each_staff_operation_has_its_own_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    staff_operations = {"accept", "answer", "approve", "reject", "return", "reroute", "assign", "request_extension",
                        "decide_extension", "chase", "close_not_taken_up", "reopen", "add_note",
                        "pause", "resume", "decide_pause"}
    assert set(ACTION_SCHEMAS) == staff_operations and staff_operations <= set(ALLOWED)
    for operation in staff_operations:
        post = document["paths"][f"/api/v1/cases/{{tracking_number}}/actions/{operation}"]["post"]
        assert post["security"] == [{"bearer": []}]
        assert "application/json" in post["requestBody"]["content"]
    create = document["components"]["schemas"]["CaseCreate"]
    assert create["additionalProperties"] is False  # unknown fields are refused
    assert create["properties"]["description"]["maxLength"] == 400
    assert create["properties"]["category"]["maximum"] == 2**31 - 1
    assert document["paths"]["/api/v1/cases"]["post"]["security"] == []


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/api/v1/docs?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "API documentation" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/api/docs.js" in sources and "/static/api/docs.css" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "<script>" not in html  # no inline script under script-src 'self'
    script = client.get("/static/api/docs.js")
    assert script.status_code == 200 and b"openapi" in script.data.lower()
    assert not re.search(rb"https?://|//cdn", script.data)  # everything it needs is served here
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_case_detail_lists_the_page_checks(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    detail = schemas["CaseDetail"]
    assert "page_checks" in detail["required"]
    assert detail["properties"]["page_checks"]["type"] == "array"
    check = schemas[detail["properties"]["page_checks"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert {"checked_at", "status", "error", "final_url", "title"} <= set(check["required"])
    assert check["properties"]["status"]["nullable"] is True
