"""Prometheus metrics: the per-request ones, the exposition for ``/metrics``, and the
multiprocess set-up that lets every granian worker's numbers add up.

Each piece defines its own metrics beside its code (svc/fetch/metrics.py, ...), always with
labels: a labelled metric makes its values when first used, which is in a worker, after the
runner switched prometheus_client to multiprocess mode (pserve imported this module in the
master before the runner could set PROMETHEUS_MULTIPROC_DIR; workers are forked from it).
Per process, without PROMETHEUS_MULTIPROC_DIR (waitress, tests): the ordinary in-memory registry.
"""
import glob
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values
from prometheus_client import gc_collector, multiprocess, platform_collector, process_collector
from prometheus_client.registry import REGISTRY

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "svc_http_requests_total", "HTTP requests answered", ("mount", "route", "method", "status")
)
REQUEST_SECONDS = Histogram(
    "svc_http_request_duration_seconds",
    "Time from the request's arrival to its last byte",
    ("mount", "route", "method"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def observe_request(mount, route, method, status, seconds):
    """One answered request; ``status`` is the three-digit code, labelled by its class (2xx)."""
    method = method if method in METHODS else "other"
    REQUESTS.labels(mount, route, method, status[:1] + "xx").inc()
    REQUEST_SECONDS.labels(mount, route, method).observe(seconds)


def status_class(code):
    return f"{int(code) // 100}xx" if code else "none"


def prepare_multiprocess_dir(path):
    """Called by the granian runner before any worker starts: empty ``path`` of a former run's
    files and point every worker there."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    os.environ[MULTIPROC_ENV] = path


def start_worker():
    """In a freshly forked worker: store values in this worker's files from now on."""
    if os.environ.get(MULTIPROC_ENV):
        values.ValueClass = values.get_value_class()


def worker_exited(pid):
    """A worker's live gauges stop counting when it exits (its counters stay in the sums)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


def exposition(extra_collectors=()):
    """``(body, content type)`` of every worker's metrics, plus the answering process's own
    process, platform and GC collectors, plus ``extra_collectors`` (collected at scrape time)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process_collector.ProcessCollector(registry=registry)
        platform_collector.PlatformCollector(registry=registry)
        gc_collector.GCCollector(registry=registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    for collector in extra_collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Default:
    """The process-wide default registry, as one collector, so scrape-time ones can join it."""

    def collect(self):
        return REGISTRY.collect()
