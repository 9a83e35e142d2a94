"""``tracker create-token`` and ``tracker revoke-token``: bearer tokens for the staff API."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.db import utcnow
from tracker.extensions import db
from tracker.users.models import ApiToken, User
from tracker.users.operations import create_token as issue_token
from tracker.users.operations import hash_token


def _user(email: str) -> User:
    user = db.session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@click.command("create-token")
@click.option("--email", required=True, help="the member of staff the token acts as")
@click.option("--name", default="", help="what the token is for (shown in listings)")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Issue a bearer token for the API and print it (once: only its hash is kept)."""
    user = _user(email)
    if not user.is_active:
        raise click.ClickException(f"{email} is deactivated")
    with db.transaction() as session:
        token = issue_token(session, user, name=name[:100])
    click.echo(token)


@click.command("revoke-token")
@click.option("--token", "token", default=None, help="the token itself")
@click.option("--email", default=None, help="revoke every live token of this user")
@click.option("--name", default=None, help="with --email: only the tokens with this name")
@with_appcontext
def revoke_token(token: str | None, email: str | None, name: str | None) -> None:
    """Revoke a token (by its value), or a user's tokens (by email, optionally by name)."""
    if bool(token) == bool(email):
        raise click.UsageError("give either --token or --email")
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token:
        query = query.where(ApiToken.token_hash == hash_token(token.strip()))
    else:
        query = query.where(ApiToken.user_id == _user(email).id)
        if name is not None:
            query = query.where(ApiToken.name == name)
    with db.transaction() as session:
        rows = session.exec(query).all()
        now = utcnow()
        for row in rows:
            row.revoked_at = now
    if not rows:
        raise click.ClickException("no live token matched")
    click.echo(f"revoked {len(rows)} token(s)")


commands = [create_token, revoke_token]
