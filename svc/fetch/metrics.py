"""The fetch piece's Prometheus metrics (svc.web.metrics explains the multiprocess rules)."""
from prometheus_client import Counter, Histogram

DECISIONS = Counter(
    "svc_fetch_destination_decisions_total", "Destination decisions of the SSRF guard", ("outcome", "reason")
)
UPSTREAM_RESPONSES = Counter(
    "svc_fetch_upstream_responses_total", "Upstream responses (every hop, redirects included)", ("status", "connection")
)
RELAYED_BYTES = Counter("svc_fetch_relayed_bytes_total", "Upstream body bytes passed on to callers", ("mode",))
TTFB_SECONDS = Histogram(
    "svc_fetch_upstream_ttfb_seconds",
    "Seconds from a hop's start to the upstream's first response byte",
    ("connection",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# The reason a guard verdict gives, as a short label: its text names addresses, a label must not.
_REASONS = (
    ("svc.fetch.deny", "deny-list"),
    ("svc.fetch.allow", "allow-list"),
    ("own listen address", "own-address"),
    ("egress proxy", "egress-proxy"),
    ("is not allowed", "port"),
    ("public address", "public"),
)


def reason_label(reason):
    for marker, label in _REASONS:
        if marker in reason:
            return label
    return "default-deny" if " is " in reason else "other"


def observe_decision(verdict):
    DECISIONS.labels("allow" if verdict.allowed else "deny", reason_label(verdict.reason)).inc()


def observe_exchange(exchange, envelope):
    """One upstream response whose headers are in: its status class, time to first byte, whether a
    pooled connection carried it, and (as the caller reads it) the bytes of its body."""
    connection = "new" if exchange.timings.connect else "reused"
    UPSTREAM_RESPONSES.labels(f"{exchange.status // 100}xx", connection).inc()
    TTFB_SECONDS.labels(connection).observe(exchange.timings.ttfb)
    counter = RELAYED_BYTES.labels("envelope" if envelope else "passthrough")
    if type(exchange.body) is list:
        counter.inc(sum(map(len, exchange.body)))
    else:
        exchange.body = _CountedChunks(exchange.body, counter)


class _CountedChunks:
    __slots__ = ("body", "counter", "sent")

    def __init__(self, body, counter):
        self.body, self.counter, self.sent = body, counter, 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.counter.inc(self.sent)
            self.sent = 0
