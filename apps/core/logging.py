import logging

from .context import current_request_id


class RequestContextFilter(logging.Filter):
    """Adds the current request id to every log record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (403, 404, ...) is logged as one line: its traceback says nothing about a
    fault, and an attacker's probing would fill the logs with them. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text = None, None
        return True
