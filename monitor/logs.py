"""Log lines as text (`time LEVEL module event key=value …`) or as JSON lines for a log collector:
{"at", "level", "logger", "event", "message", and each key=value of the message as a field}."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

_PAIR = re.compile(r"(\w+)=(\S+)")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        out = {"at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name,
               "event": _PAIR.split(message, 1)[0].strip() or message, "message": message}
        for key, value in _PAIR.findall(message):
            out.setdefault(key, value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure(level: int, fmt: str = "text") -> None:
    """Once per process (as logging.basicConfig: a second call changes nothing)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
