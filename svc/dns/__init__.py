"""The dns piece: host lookups, reverse lookups, a JSON DNS API, DNS over HTTPS and bulk lookups."""

from pyramid.events import NewResponse

from svc.dns.cache import ResolverCache
from svc.dns.doh import ReplyMemo
from svc.dns.lookup import HostLookup
from svc.dns.openapi import PATHS, SCHEMAS
from svc.dns.resolver import DNSResolver
from svc.dns.upstream import Nameserver, Upstream, as_nameservers, nameservers_answer, system_nameservers
from svc.web.negotiation import add_vary
from svc.web.settings import (
    SettingError,
    SettingsSpec,
    as_bool,
    as_dotted,
    as_int,
    as_seconds,
    as_size,
    read_settings,
)

SETTINGS = SettingsSpec(
    "svc.dns",
    nameservers=(as_nameservers, ()),
    timeout=(as_seconds(0, 60), 2.0),
    retries=(as_int(0, 10), 1),
    cache_size=(as_int(0, 10_000_000), 10_000),
    cache_max_ttl=(as_int(0, 7 * 86400), 86400),
    cache_max_bytes=(as_size, "32MiB"),
    reply_memo_max_bytes=(as_size, "8MiB"),
    forward_client_subnet=(as_bool, False),
    lookup_backend=(as_dotted, "svc.dns.lookup:SystemLookup"),
    lookup_timeout=(as_seconds(0, 300), 5.0),
    lookup_workers=(as_int(2, 1024), 16),
    bulk_max_lines=(as_int(1, 1_000_000), 10_000),
    bulk_max_bytes=(as_size, "2MiB"),
    bulk_concurrency=(as_int(1, 1024), 8),
    bulk_workers=(as_int(1, 1023), None),
    bulk_deadline=(as_seconds(0, 86400), 60.0),
    # What caches and deadlines read the time from (seconds); tests swap in a clock they turn.
    clock=(as_dotted, "time.monotonic"),
    ready_required=(as_bool, False),
)

# glibc's own fallback when resolv.conf names no nameserver.
FALLBACK_NAMESERVER = Nameserver("127.0.0.1")


def includeme(config):
    settings = read_settings(config, SETTINGS)
    nameservers = settings.nameservers or system_nameservers() or (FALLBACK_NAMESERVER,)
    resolver = DNSResolver(
        Upstream(nameservers, settings.timeout, settings.retries),
        ResolverCache(settings.cache_size, settings.cache_max_ttl, settings.cache_max_bytes, clock=settings.clock),
    )
    replies = ReplyMemo(settings.cache_size, settings.reply_memo_max_bytes, clock=settings.clock)
    bulk_workers = settings.bulk_workers or settings.lookup_workers // 2
    if bulk_workers >= settings.lookup_workers:
        raise SettingError(
            f"setting svc.dns.bulk_workers = {bulk_workers} must be below svc.dns.lookup_workers "
            f"= {settings.lookup_workers}, so that single lookups keep workers of their own"
        )
    lookup = HostLookup(
        settings.lookup_backend(resolver), settings.lookup_workers, settings.lookup_timeout, bulk_workers, settings.clock
    )
    config.provide("dns_settings", settings)
    config.provide("dns_resolver", resolver)
    config.provide("dns_replies", replies)
    config.provide("dns_lookup", lookup)
    # /readyz asks the nameservers one question; it fails readiness only if ready_required.
    config.add_readiness_check("dns.nameservers", nameservers_answer(nameservers), settings.ready_required)
    config.add_route("dns.page", "/")
    config.add_route("dns.lookup", "/lookup")
    config.add_route("dns.reverse", "/reverse")
    config.add_route("dns.resolve", "/resolve")
    config.add_route("dns.query", "/dns-query")
    config.add_route("dns.bulk", "/bulk")
    config.add_subscriber(vary_on_accept, NewResponse)
    config.add_openapi(PATHS, SCHEMAS)
    config.scan("svc.dns.views")


def vary_on_accept(event):
    """Every response of /dns-query depends on Accept (wire or JSON), errors included."""
    route = event.request.matched_route
    if route is not None and route.name == "dns.query":
        add_vary(event.response, "Accept")
