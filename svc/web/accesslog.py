"""``egg:svc#accesslog``: one log line per request (method, path, status, bytes, duration).

Waitress writes no access log, and Paste's TransLogger omits the duration and
brings all of Paste with it, so this small filter does the one job. Being outermost,
it also refuses a path that is not UTF-8 before any filter or app below decodes it.
"""
import logging
import time

from svc.web.problems import problem_json_response, status_problem
from svc.web.request import raw_path, undecodable_path

log = logging.getLogger("svc.access")

FORMAT = '%s %s "%s %s" %s %d %.1fms'


class AccessLog:
    def __init__(self, app, logger=log):
        self.app = app
        self.logger = logger
        self.svc_pieces = getattr(app, "svc_pieces", ())

    def __call__(self, environ, start_response):
        app = undecodable_path_app if undecodable_path(environ) else self.app
        if not self.logger.isEnabledFor(logging.INFO):
            return app(environ, start_response)
        started = time.perf_counter()
        status = ["500"]

        def recording_start_response(status_line, headers, exc_info=None):
            status[0] = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            body = app(environ, recording_start_response)
        except BaseException:
            self.write(environ, "500", 0, started)
            raise
        if type(body) is list:  # the whole body is known now: no need to wrap it
            self.write(environ, status[0], sum(map(len, body)), started)
            return body
        return _CountingBody(body, lambda sent: self.write(environ, status[0], sent, started))

    def write(self, environ, status, sent, started):
        client = environ.get("REMOTE_ADDR", "-")
        user = environ.get("REMOTE_USER") or "-"
        method = environ.get("REQUEST_METHOD", "-")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        duration = (time.perf_counter() - started) * 1000
        args = (client, user, method, path, status, sent, duration)
        # The same, as fields for the JSON-lines formatter (svc.web.logs.JsonFormatter).
        fields = {"client": client, "user": user, "method": method, "path": path, "status": int(status),
                  "bytes": sent, "duration_ms": round(duration, 1)}
        # makeRecord + handle skips logging's stack walk for the caller, which is
        # a third of the cost of a log call and says nothing useful here.
        record = self.logger.makeRecord(
            self.logger.name, logging.INFO, __file__, 0, FORMAT, args, None, "access", fields
        )
        self.logger.handle(record)


def undecodable_path_app(environ, start_response):
    """The 400 for a path no router can read (Pyramid's own exception view says the same)."""
    problem = status_problem(400, "The request path is not valid UTF-8")
    return problem_json_response(problem, instance=raw_path(environ))(environ, start_response)


class _CountingBody:
    """Counts the bytes the server really sends, and logs when the server closes us."""

    def __init__(self, body, on_close):
        self._body = body
        self._on_close = on_close
        self._sent = 0

    def __iter__(self):
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close(self._sent)


def filter_factory(global_conf, **local_conf):
    return AccessLog
