"""Structured logs: one JSON object per line, never the submitted text or a secret.

Request logs carry ids (request, API key, tenant), route, status and timing, never bodies or
the ``Authorization`` header. Exception messages may quote input, so by default an error is
logged as its type and stack only; ``GREENMARK_API_DEBUG_LOG_TEXT=true`` adds messages (and
lets the detect route log its inputs at DEBUG level) for local debugging.

>>> import logging
>>> record = logging.LogRecord("greenmark", logging.INFO, "", 0, "request", None, None)
>>> record.status = 200
>>> JsonFormatter().format(record)[:52]
'{"level": "INFO", "logger": "greenmark", "message": '
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """Format records as JSON; ``with_messages=False`` keeps exception messages (which may quote input) out."""

    def __init__(self, with_messages: bool = False):
        super().__init__()
        self.with_messages = with_messages

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "pid": record.process,  # which worker of `serve --workers N`
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error_type"] = type(error).__name__
            entry["stack"] = "".join(traceback.format_tb(error.__traceback__))
            if self.with_messages:
                entry["error"] = str(error)
        return json.dumps(entry, default=str)


def log_config(level: str = "INFO", with_messages: bool = False) -> dict:
    """A ``logging.config.dictConfig`` for uvicorn and greenmark: JSON to stderr, no uvicorn access log.

    >>> log_config("DEBUG")["loggers"]["greenmark"]["level"]
    'DEBUG'
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "with_messages": with_messages}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "greenmark": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
