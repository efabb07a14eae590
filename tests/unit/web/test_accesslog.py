"""The access log's records: what any handler or formatter of the ini reads from them."""
import logging
import os
import threading
import time

from webob import Request

from svc.web.accesslog import AccessLog


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hi"]


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_record_is_what_logging_itself_would_make():
    logger = logging.getLogger("svc.access.test")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    capture = Capture()
    logger.addHandler(capture)
    app = AccessLog(hello, logger)
    environ = Request.blank("/hello?name=x", remote_addr="192.0.2.1", environ={"REMOTE_USER": "ann"}).environ
    before = time.time()
    Request(environ).get_response(app)
    (record,) = capture.records
    fields = {"client": 1, "user": 1, "method": 1, "path": 1, "status": 1, "bytes": 1, "duration_ms": 1}
    expected = logger.makeRecord(logger.name, logging.INFO, "accesslog.py", 0, "%s", ("x",), None, "access", fields)
    assert set(vars(record)) == set(vars(expected))
    assert (record.client, record.user, record.path, record.status, record.bytes) == ("192.0.2.1", "ann", "/hello", 200, 2)
    assert record.getMessage().startswith('192.0.2.1 ann "GET /hello" 200 2 ')
    assert (record.name, record.levelname, record.levelno, record.funcName) == (logger.name, "INFO", 20, "access")
    assert before <= record.created <= time.time()
    assert record.msecs == int((record.created - int(record.created)) * 1000)
    assert abs(record.relativeCreated - (record.created - logging._startTime) * 1000) < 1
    assert (record.thread, record.threadName, record.process) == (
        threading.get_ident(), threading.current_thread().name, os.getpid()
    )
    formatted = logging.Formatter("%(asctime)s [%(name)s:%(lineno)s][%(threadName)s] %(message)s").format(record)
    assert f"[svc.access.test:0][{threading.current_thread().name}] 192.0.2.1 ann" in formatted


def test_two_requests_two_records_each_its_own():
    logger = logging.getLogger("svc.access.test2")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    capture = Capture()
    logger.addHandler(capture)
    app = AccessLog(hello, logger)
    Request.blank("/a").get_response(app)
    Request.blank("/b").get_response(app)
    first, second = capture.records
    assert first is not second and (first.path, second.path) == ("/a", "/b") and first.args[3] == "/a"
