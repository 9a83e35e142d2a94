"""Error pages render after any failure, even one that leaves the request's transaction broken."""
from __future__ import annotations

import pytest

from tests.staff.conftest import sign_in
from tracker.extensions import db
from tracker.inbox import controllers as inbox
from tracker.users.models import User


@pytest.fixture()
def organiser(factory, session):
    user = User(email="pages@example.gov.cn", password_hash="!", role="organiser",
                organisation_id=factory.org().id)
    session.add(user)
    session.commit()
    return user


def test_a_failed_flush_still_gets_the_500_page_of_the_signed_in_user(app, client, organiser, monkeypatch):
    def failing_list(*_args, **_kwargs):
        db.session.add(User(email=None, password_hash="!", role="organiser"))  # NOT NULL: the flush fails
        db.session.flush()

    monkeypatch.setattr(inbox, "case_list_context", failing_list)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    sign_in(client, organiser)
    response = client.get("/inbox?lang=en")
    assert response.status_code == 500
    assert "<h1>500</h1>" in response.text
    assert 'href="/inbox"' in response.text  # the signed-in user's navigation, read from the database
