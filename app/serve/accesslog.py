"""gunicorn's access log as JSON lines: one object per request, each field escaped properly (a user agent
or path with quotes cannot break the line, as it can with a JSON-looking ``access_log_format``)."""
from __future__ import annotations

import datetime as dt
import json

from gunicorn.glogging import Logger


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        self.access_log.info(json.dumps(access_record(resp, environ, request_time), ensure_ascii=False))


def access_record(resp, environ, request_time: dt.timedelta) -> dict:
    status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
    return {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "remote": environ.get("REMOTE_ADDR"),
        "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or None,
        "status": int(status),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "referer": environ.get("HTTP_REFERER"),
    }
