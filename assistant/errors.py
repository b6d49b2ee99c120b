"""The whole error set, converted once at each edge (API handler, CLI handler).

    CadenceError
     +-- NotFound            404: missing, or not visible to the viewer (never leak existence)
     +-- Forbidden           403: visible, but this viewer may not do that
     +-- InvalidInput        422: bad input; nothing was changed
     |    +-- OrgFileError   an org file with a bad field (names its path/line)
     +-- Conflict            409: e.g. an Idempotency-Key reused with another body
     +-- TooLarge            413: a body above its limit (refused before it is read whole)
     +-- Unauthorized        401: no or bad token
     +-- RateLimited         429: too many draft requests
     +-- ProviderUnavailable 503: the LLM is down or timing out (retry later)
     +-- DraftInvalid        502: the model's output failed validation after one repair
"""

from __future__ import annotations


class CadenceError(Exception):
    status_code = 500
    code = "error"

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(CadenceError):
    status_code = 404
    code = "not_found"


class Forbidden(CadenceError):
    status_code = 403
    code = "forbidden"


class InvalidInput(CadenceError):
    status_code = 422
    code = "invalid_input"


class OrgFileError(InvalidInput):
    code = "invalid_org_file"


class Conflict(CadenceError):
    status_code = 409
    code = "conflict"


class TooLarge(CadenceError):
    status_code = 413
    code = "too_large"


class Unauthorized(CadenceError):
    status_code = 401
    code = "unauthorized"


class RateLimited(CadenceError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailable(CadenceError):
    status_code = 503
    code = "provider_unavailable"

    def __init__(self, message: str, *, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DraftInvalid(CadenceError):
    status_code = 502
    code = "draft_invalid"
