"""Thin handlers of the citizen's side."""
from flask import render_template
from sqlalchemy import func
from sqlmodel import select

from tracker.cases.models import Case
from tracker.extensions import db
from tracker.organisations.models import Organisation, Site


def home():
    """The home page: what Tracker holds, and where to go next."""
    session = db.session
    counts = {
        "cases": session.exec(select(func.count()).select_from(Case)).one(),
        "sites": session.exec(select(func.count()).select_from(Site)).one(),
        "organisations": session.exec(select(func.count()).select_from(Organisation)).one(),
    }
    return render_template("public/home.html", counts=counts)
