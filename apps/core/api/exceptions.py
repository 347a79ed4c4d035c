"""One error body for the whole API:

{"type": "validation_error", "detail": "...", "errors": {"field": ["..."]}, "request_id": "..."}
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.context import current_request_id
from apps.core.db import is_retryable


def _flatten(detail):
    if isinstance(detail, list):
        return " ".join(str(d) for d in detail)
    return str(detail)


class Busy(exceptions.APIException):
    """The database gave up on the request's transaction (a deadlock or lock wait, retried here a few
    times first): nothing was written, and the same request may simply be sent again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"
    default_detail = (
        "The database is busy with other work on the same records; nothing was stored. Send the request again."
    )


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The object is not in a state that allows this."


# A service's ValidationError with one of these codes means "not now", not "bad input": 409.
CONFLICT_CODES = {"conflict", "invalid_state"}


def exception_handler(exc, context):
    if (
        isinstance(exc, DjangoValidationError)
        and not hasattr(exc, "error_dict")
        and exc.error_list
        and all(e.code in CONFLICT_CODES for e in exc.error_list)
    ):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif is_retryable(exc):
        exc = Busy()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging take over

    body = {"type": getattr(exc, "default_code", "error"), "detail": "", "request_id": current_request_id()}
    if isinstance(exc, exceptions.ValidationError):
        body["type"] = "validation_error"
        body["detail"] = "The request is not valid; see errors."
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["errors"] = data
    elif isinstance(response.data, dict) and "detail" in response.data:
        body["detail"] = _flatten(response.data["detail"])
        body["type"] = getattr(response.data["detail"], "code", body["type"])
    else:
        body["detail"] = _flatten(response.data)
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        body["type"] = "throttled"
    if isinstance(exc, Busy):
        response["Retry-After"] = "1"
    response.data = body
    return response
