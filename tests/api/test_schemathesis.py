"""Property-based tests over the OpenAPI document: every declared operation, generated inputs.

Both runs must show no server error and no response that breaks the declared schema (status,
content type, body shape). Rate limits are off here (the ``app`` fixture); the 429 is tested apart.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.api import schemathesis_hooks  # noqa: F401  (the JSON-lines serializer)
from tracker.api.openapi import build_spec
from tracker.organisations.models import Organisation
from tracker.users.models import ApiToken
from tracker.users.operations import hash_token

#: small enough that the API tests take about a minute, large enough to reach every operation
STATELESS_EXAMPLES = 12
STATEFUL_EXAMPLES = 12
STATEFUL_STEPS = 8

#: "schema-valid data must get a 2xx": not for this API, whose domain rules (the category must
#: exist, a phone or an email must be given, an http/https address) are answered with a
#: declared 422. Every other check runs, and 5xx or undeclared answers fail.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


#: the token of the staff member in these runs (stored hashed, like any other)
TOKEN = "trk_schemathesis-staff-token-for-tests-only-0000"
ROLES = ("organiser", "supervisor", "admin")


@pytest.fixture(params=ROLES)
def staff_headers(request, factory, staff, session):
    """A bearer token of each staff role in turn, with a site and a case the role may act on: the
    organiser is the case's, the supervisor the province above it, and an admin sees every case."""
    case = factory.case()
    role = request.param
    org = {"organiser": case.organiser_id, "supervisor": case.supervisor_id, "admin": None}[role]
    user = staff(role, session.get(Organisation, org) if org else None)
    session.add(ApiToken(user_id=user.id, name="schemathesis", token_hash=hash_token(TOKEN)))
    session.commit()
    return {"Authorization": f"Bearer {TOKEN}"}


# the document is built without an app (it depends on the schemas only); each test then points
# the schema at its own app, whose data is rolled back afterwards
schema = schemathesis.openapi.from_dict(build_spec().to_dict())


@schema.auth()
class StaffToken:
    """Sends the staff member's token wherever the document asks for the bearer scheme."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture()
def api_schema(app, staff_headers):
    """A schema of its own for each run: a state machine keeps the app it was first made with."""
    fresh = schemathesis.openapi.from_dict(build_spec().to_dict())
    fresh.auth()(StaffToken)
    fresh.app = app
    fresh.location = "/api/v1/openapi.json"
    return fresh


def test_served_document_is_the_one_tested(client):
    assert client.get("/api/v1/openapi.json").get_json() == schema.raw_schema


@schema.parametrize()
@settings(max_examples=STATELESS_EXAMPLES, **SETTINGS)
def test_stateless(case, app, staff_headers):
    case.operation.schema.app = app  # parametrize works on a copy of ``schema``
    case.call_and_validate(app=app, excluded_checks=EXCLUDED)


def test_stateful(app, api_schema, staff_headers):
    calls = []
    sessions = app.extensions["tracker.db"].session
    connection = sessions.session_factory.kw["bind"]  # the test's one connection, in its outer transaction

    class Machine(api_schema.as_state_machine()):
        # each scenario starts from the same data: what one scenario wrote (an accepted or returned
        # case) must not change what the next one, drawing the same choices, is answered
        def setup(self):
            sessions.remove()
            self.scenario = connection.begin_nested()

        def teardown(self):
            sessions.remove()
            if self.scenario.is_active:
                self.scenario.rollback()

        def after_call(self, response, case):
            calls.append((case.operation.label, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, additional_checks=additional_checks, excluded_checks=EXCLUDED,
                                   transport_kwargs=kwargs)

    Machine.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, **SETTINGS))
    operations = {label for label, _status in calls}
    print(f"stateful: {len(calls)} calls over {len(operations)} operations")
    assert len(operations) >= 5 and all(status < 500 for _label, status in calls)
