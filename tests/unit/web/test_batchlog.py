import configparser
import io
import logging
import os
import time

import pytest

from svc.web.batchlog import BatchingStreamHandler
from tests.conftest import ROOT


@pytest.fixture
def logger_to(request):
    """A logger writing through a BatchingStreamHandler into a StringIO."""
    created = []

    def make(**options):
        stream = io.StringIO()
        handler = BatchingStreamHandler(stream, **options)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger(f"test.batchlog.{request.node.name}.{len(created)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        created.append((logger, handler))
        return logger, handler, stream

    yield make
    for logger, handler in created:
        logger.removeHandler(handler)
        handler.close()


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_lines_wait_then_leave_together(logger_to):
    logger, _, stream = logger_to(interval=0.05, capacity=10_000)
    logger.info("one")
    logger.info("two")
    assert stream.getvalue() == ""
    assert wait_for(lambda: stream.getvalue() == "one\ntwo\n")


def test_a_full_buffer_leaves_without_waiting_for_the_interval(logger_to):
    logger, _, stream = logger_to(interval=3600, capacity=10)
    logger.info("12345")
    assert not wait_for(lambda: stream.getvalue(), timeout=0.2)
    logger.info("67890")
    assert wait_for(lambda: stream.getvalue() == "12345\n67890\n")


def test_flush_and_close_write_what_waits(logger_to):
    logger, handler, stream = logger_to(interval=3600)
    logger.info("kept")
    handler.flush()
    assert stream.getvalue() == "kept\n"
    logger.info("last")
    handler.close()
    assert stream.getvalue() == "kept\nlast\n"


def test_production_batches_the_per_request_loggers():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, "production.ini"))
    assert parser["handler_batched"]["class"] == "svc.web.batchlog.BatchingStreamHandler"
    for section in ("logger_access", "logger_fetch_decisions"):
        assert parser[section]["handlers"] == "batched"
        assert parser[section]["propagate"] == "0"
