"""Domain errors: refusals with a clear message in Chinese and English, never a 500.

A refusal carries one message, a lazy gettext string whose id is the Chinese text:
``InvalidInput(_l("内容不能超过%(n)s字。", n=400))``. It is rendered when it is shown, in the
language of whoever reads it: :meth:`Localised.message`.
"""
from __future__ import annotations

from tracker.i18n import in_language


class Localised:
    """An error whose message is rendered on demand, in either language."""

    def __init__(self, text):
        super().__init__(text)
        #: the message as given: a lazy string (or a plain one, shown as it is)
        self.text = text

    def message(self, language: str = "zh") -> str:
        return in_language(self.text, language)

    @property
    def message_zh(self) -> str:
        return self.message("zh")

    @property
    def message_en(self) -> str:
        return self.message("en")

    def __str__(self) -> str:
        return self.message_en


class DomainError(Localised, Exception):
    """A refusal. ``status`` is the HTTP status the web and API layers answer with."""

    status = 409
    code = "conflict"

    def __init__(self, text, *, code: str | None = None, fields: dict | None = None, status: int | None = None):
        super().__init__(text)
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}


class BadRequest(DomainError):
    """A request that cannot be read (a body that is not JSON, or nested too deeply)."""

    status = 400
    code = "bad_request"


class NotAllowed(DomainError):
    """The actor may not do this (role or scope)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidState(DomainError):
    """The case's state does not allow the operation."""

    status = 409
    code = "invalid_state"


class InvalidInput(DomainError):
    """Input that fails a domain rule; ``fields`` names the offending fields."""

    status = 422
    code = "invalid_input"
