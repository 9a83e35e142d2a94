"""Domain errors: refusals with a clear message in Chinese and English, never a 500."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal. ``status`` is the HTTP status the web and API layers answer with."""

    status = 409
    code = "conflict"

    def __init__(self, message_zh: str, message_en: str, *, code: str | None = None,
                 fields: dict | None = None, status: int | None = None):
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    def message(self, language: str = "zh") -> str:
        return self.message_en if language == "en" else self.message_zh


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
