"""Every table, imported once so that the metadata (and Alembic) sees them all."""
from sqlmodel import SQLModel

from tracker.calendar.models import CalendarDay, CalendarYear  # noqa: F401
from tracker.cases import access  # noqa: F401  (keeps the access rows in step with every flush)
from tracker.cases.models import (  # noqa: F401
    Attachment,
    CannedAnswer,
    Case,
    CaseAccess,
    CaseEvent,
    CasePause,
    Category,
    ExtensionRequest,
    LintRule,
    TrackingSequence,
)
from tracker.evidence.models import PageCheck  # noqa: F401
from tracker.organisations.models import Organisation, Site, SiteHost  # noqa: F401
from tracker.outbox.models import Outbox, SentMessage  # noqa: F401
from tracker.public.captcha import CaptchaChallenge  # noqa: F401
from tracker.public.held import HeldUpload  # noqa: F401
from tracker.published.models import PublishedCaseList, PublishedReport  # noqa: F401
from tracker.users.models import ApiToken, PasswordReset, RolePolicy, User  # noqa: F401

metadata = SQLModel.metadata
