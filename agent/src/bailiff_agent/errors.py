"""Bailiff's errors as Python exceptions.

Every error the API answers is ``{"error": {"code", "message", "details"}}``. The code decides
the exception class here, once (:data:`ERROR_CLASSES`), so an agent can ``except
PlanInvalidError`` and read ``details`` (each with the JSON path of the field at fault, or the
line and column of a refused command) instead of parsing text.

The codes and their HTTP statuses are not written here: they come from the server's OpenAPI
document (``_contract.ERROR_STATUSES``, generated), and a test fails when a code has no class.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ._contract import ERROR_STATUSES


class ErrorDetail(BaseModel):
    """One problem behind an error: usually a field path (``operations.3.destination``) and a message.

    Extra keys the API adds (``line`` and ``column`` for shell commands, ``reason``) are kept.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    message: str
    path: str | None = None

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})

    def describe(self) -> str:
        """The detail as one line a model reads well."""
        extra = self.extra
        if "line" in extra:
            where = f"line {extra['line']}" + (f", column {extra['column']}" if "column" in extra else "")
            return f"{where}: {self.message}"
        return f"{self.path}: {self.message}" if self.path else self.message


class BailiffError(Exception):
    """Base class of every error this package raises about Bailiff.

    ``code`` is the API's error code (``invalid_input``, ``conflict``, ...); ``status`` the HTTP
    status (``None`` when no answer arrived); ``details`` what exactly was wrong.
    """

    code: str = "unknown"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: list[ErrorDetail] | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status
        self.details: list[ErrorDetail] = details or []
        self.request_id = request_id

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later unchanged."""
        return False

    def describe(self) -> str:
        """The error with each detail on its own line, for a model or a log."""
        lines = [f"{self.message} ({self.code})"]
        lines.extend(f"- {detail.describe()}" for detail in self.details)
        if self.request_id:
            lines.append(f"(request id {self.request_id})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


class InvalidInputError(BailiffError):
    """400: the request or plan is malformed (bad JSON, unknown fields, unsafe paths, refused commands)."""

    code = "invalid_input"


class AuthenticationError(BailiffError):
    """401: no token, or one Bailiff could not verify."""

    code = "unauthenticated"


class PermissionDeniedError(BailiffError):
    """403: the identity lacks the role or the case (an agent approving, another firm's case)."""

    code = "forbidden"


class NotFoundError(BailiffError):
    """404: no such plan, case, object or route."""

    code = "not_found"


class MethodNotAllowedError(BailiffError):
    """405: the path exists, but not for this HTTP method."""

    code = "method_not_allowed"


class ConflictError(BailiffError):
    """409: the plan is in a state where this is illegal (applying a plan nobody approved)."""

    code = "conflict"


class HashMismatchError(ConflictError):
    """409: the approver reviewed a different plan than the one stored."""

    code = "hash_mismatch"


class ReportChangedError(ConflictError):
    """409: the dry-run report changed since the approver reviewed it (the workspace moved and the
    plan was validated again). ``details[0]`` carries ``expected`` (the current snapshot hash) and
    ``got`` (the one sent); read the plan again and approve what it does now."""

    code = "report_changed"


class PreconditionFailedError(BailiffError):
    """412: an object changed since the caller looked (stale generation)."""

    code = "precondition_failed"


class PayloadTooLargeError(BailiffError):
    """413: the body or a file's content is over the configured limit."""

    code = "payload_too_large"


class RangeNotSatisfiableError(BailiffError):
    """416: the byte range asked for (``Range`` header) lies outside the object read."""

    code = "range_not_satisfiable"


class ObjectHeldError(BailiffError):
    """423: a document under legal hold or retention would be deleted, overwritten or moved away.
    ``details`` name the object and its holds (``kind``, and ``until`` for retention); permanent:
    retrying does not help until an administrator releases the hold or the retention ends."""

    code = "object_held"


class PlanInvalidError(BailiffError):
    """422: the plan's dry run has errors or breaks a policy rule, so it cannot be approved or run."""

    code = "plan_invalid"


class RetryableError(BailiffError):
    """429 or 503: Bailiff or one of its dependencies is busy or down; retrying later may work."""

    code = "unavailable"

    @property
    def retryable(self) -> bool:
        return True


class RateLimitedError(RetryableError):
    """429: too many requests against a backend."""

    code = "rate_limited"


class UnavailableError(RetryableError):
    """503: a dependency (storage, state store, queue) is down or timed out."""

    code = "unavailable"


class InternalServerError(BailiffError):
    """500: a bug in Bailiff; ``request_id`` finds the logged cause."""

    code = "internal"


class TransportError(RetryableError):
    """No answer at all: connection refused, DNS, TLS, timeout."""

    code = "transport"


class ProtocolError(BailiffError):
    """An answer that is not Bailiff's JSON (a proxy's HTML page, a truncated body)."""

    code = "protocol"


class PlanWaitTimeout(BailiffError):
    """A wait for a plan to be decided or finished ran out of time; the plan itself is unaffected."""

    code = "wait_timeout"


class ContentUnavailableError(BailiffError):
    """This Bailiff has no ``GET /cases/{case}/files/content``, so file content cannot be read."""

    code = "content_unavailable"


#: The one mapping from the API's error codes to exception classes.
ERROR_CLASSES: dict[str, type[BailiffError]] = {
    cls.code: cls
    for cls in (
        InvalidInputError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        MethodNotAllowedError,
        ConflictError,
        HashMismatchError,
        ReportChangedError,
        PreconditionFailedError,
        PayloadTooLargeError,
        RangeNotSatisfiableError,
        ObjectHeldError,
        PlanInvalidError,
        RateLimitedError,
        UnavailableError,
        InternalServerError,
    )
}


def _status_classes() -> dict[int, type[BailiffError]]:
    # The class of the first code answered with each status: the family a bare status stands
    # for (409 is ConflictError, the base of hash_mismatch and report_changed).
    classes: dict[int, type[BailiffError]] = {}
    for code, status in ERROR_STATUSES.items():
        cls = ERROR_CLASSES.get(code)
        if cls is not None:
            classes.setdefault(status, cls)
    return classes


#: When the body names no code (a proxy answered), the status decides the family.
_STATUS_CLASSES: dict[int, type[BailiffError]] = _status_classes()


def error_from_response(status: int, body: Any) -> BailiffError:
    """The exception for an error answer: by the body's code, else by the HTTP status."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str):
        code: str = error["code"]
        raw_details = error.get("details")
        items: list[Any] = raw_details if isinstance(raw_details, list) else []
        details = [ErrorDetail.model_validate(item) for item in items if isinstance(item, dict) and isinstance(item.get("message"), str)]
        cls = ERROR_CLASSES.get(code) or _STATUS_CLASSES.get(status) or BailiffError
        request_id = error.get("id") if isinstance(error.get("id"), str) else None
        return cls(error["message"], code=code, status=status, details=details, request_id=request_id)
    cls = _STATUS_CLASSES.get(status, InternalServerError if status >= 500 else ProtocolError)
    return cls(f"HTTP {status} without a Bailiff error body", status=status)
