"""The dns piece's Prometheus metrics (svc.web.metrics explains the multiprocess rules)."""
from prometheus_client import Counter

CACHE_LOOKUPS = Counter("svc_dns_cache_lookups_total", "Answer cache lookups, per worker cache", ("result",))
UPSTREAM_QUERIES = Counter("svc_dns_upstream_queries_total", "Questions sent to the nameservers", ("outcome",))
DOH_QUERIES = Counter("svc_dns_doh_queries_total", "/dns-query requests by the format asked for", ("format",))
BULK_NAMES = Counter("svc_dns_bulk_names_total", "Names received in /bulk uploads", ("mode",))


def observe_cache(hit):
    CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


def observe_upstream(error):
    """``error``: None for an answer, else the UpstreamError raised (timeout or failure)."""
    UPSTREAM_QUERIES.labels("answer" if error is None else type(error).__name__).inc()
