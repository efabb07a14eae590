"""Request ids on every log line, and the two line formats: plain text and JSON lines.

The front layer (svc.web.ops) sets the id of the request being served in a contextvar; both
formatters read it when a record is formatted, which happens in the thread that logged it
(BatchingStreamHandler formats in emit), so every line of a request carries its id.
Pick a format in the ini: ``formatter = text`` or ``formatter = json`` on a handler.
"""
import contextvars
import logging
from datetime import datetime, timezone
import re
import uuid

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

REQUEST_ID_KEY = "svc.request_id"  # the environ key: set by the front door from a trusted proxy
REQUEST_ID = contextvars.ContextVar("svc_request_id", default="-")
# What an incoming X-Request-ID may be: printable, no spaces or quotes, and short.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")


def new_request_id():
    return uuid.uuid4().hex


def valid_request_id(value):
    """The value when it is a usable request id, else None."""
    return value if value and _VALID_ID.match(value) else None


class RequestIdFilter(logging.Filter):
    """Gives every record ``request_id`` (``-`` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


_with_id = RequestIdFilter().filter


class TextFormatter(logging.Formatter):
    """logging.Formatter, with ``%(request_id)s`` available to the format."""

    def format(self, record):
        _with_id(record)
        return super().format(record)


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line with stable keys: time, level, logger, request_id, message, and the
    fields the access log and the fetch and dns pieces attach (``extra=``)."""

    def __init__(self, fmt=None, datefmt=None, style="%", **kwargs):
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            datefmt,
            style="%",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
            **kwargs,
        )

    def format(self, record):
        _with_id(record)
        return super().format(record)

    def formatTime(self, record, datefmt=None):
        if datefmt:
            return super().formatTime(record, datefmt)
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
