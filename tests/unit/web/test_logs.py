"""Request ids on log lines, and the JSON-lines format of the access and decision logs."""
import contextvars
import io
import json
import logging

from webtest import TestApp

from svc.web.accesslog import AccessLog
from svc.web.batchlog import BatchingStreamHandler
from svc.web.logs import JsonFormatter, TextFormatter
from svc.web.ops import SETTINGS, Operations


def hello(environ, start_response):
    environ["REMOTE_USER"] = "alice"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def logged_app(formatter):
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, 60, 1 << 20)
    handler.setFormatter(formatter)
    logger = logging.Logger("svc.access.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app = Operations(AccessLog(hello, logger), SETTINGS.parse({}))
    return TestApp(app), handler, stream


def test_json_lines_have_stable_keys_through_the_batched_handler():
    app, handler, stream = logged_app(JsonFormatter())
    request_id = app.get("/hello/x?y=1").headers["X-Request-ID"]
    handler.flush()
    line = json.loads(stream.getvalue().splitlines()[0])
    assert {"time", "level", "logger", "request_id", "user", "method", "path", "status", "bytes", "duration_ms"} <= set(line)
    assert line["request_id"] == request_id and line["user"] == "alice" and line["status"] == 200
    assert line["path"] == "/hello/x" and line["bytes"] == 5 and line["level"] == "INFO"


def test_text_lines_carry_the_request_id():
    app, handler, stream = logged_app(TextFormatter("%(request_id)s %(message)s"))
    request_id = app.get("/").headers["X-Request-ID"]
    handler.flush()
    assert stream.getvalue().startswith(request_id + " ")



def test_a_fetch_decision_line_has_its_fields():
    from svc.fetch.guard import DestinationPolicy

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("svc.fetch.guard")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        contextvars.Context().run(DestinationPolicy().check_port, "example.test", 9)  # outside any request
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    line = json.loads(stream.getvalue())
    assert line["decision"] == "deny" and line["host"] == "example.test" and line["port"] == 9 and line["request_id"] == "-"
