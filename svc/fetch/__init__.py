"""The fetch piece: fetch a URL for the caller, pooled, streamed and SSRF-safe."""
from dataclasses import dataclass

from pyramid.events import NewResponse
from pyramid.security import NO_PERMISSION_REQUIRED

from svc.fetch import views
from svc.fetch.cors import add_cors_headers, as_origins
from svc.fetch.fetcher import Fetcher
from svc.fetch.guard import DestinationPolicy, as_ports, as_proxy, as_rules
from svc.fetch.headers import DEFAULT_STRIPPED, ResponseFilter
from svc.fetch.loops import LoopGuard, deployment_mark
from svc.fetch.openapi import PATHS, SCHEMAS
from svc.fetch.slots import CallerSlots
from svc.web.settings import (
    SettingsSpec,
    as_dotted,
    as_int,
    as_list,
    as_seconds,
    as_size,
    as_text,
    read_settings,
)

SETTINGS = SettingsSpec(
    "svc.fetch",
    allow=(as_rules, ""),
    deny=(as_rules, ""),
    ports=(as_ports, "80 443 8000 8080 8443"),
    connect_timeout=(as_seconds(0, 300), 5),
    read_timeout=(as_seconds(0, 3600), 30),
    total_timeout=(as_seconds(0, 86400), 60),
    max_redirects=(as_int(0, 50), 5),
    max_request_size=(as_size, "1MiB"),
    max_response_size=(as_size, "1GiB"),
    max_envelope_size=(as_size, "10MiB"),
    max_header_size=(as_size, "64KiB"),
    max_url_length=(as_size, "8KiB"),
    pool_size=(as_int(1, 4096), 16),
    pool_connections=(as_int(1, 1024), 4),
    pool_idle_timeout=(as_seconds(0, 3600), 30),
    ca_bundle=(as_text, None),
    cors_origins=(as_origins, ""),
    strip_response_headers=(as_list, DEFAULT_STRIPPED),
    engine=(as_dotted, "svc.fetch.curl.CurlEngine"),
    resolver=(as_dotted, "svc.fetch.resolver.SystemResolver"),
    max_concurrent_per_user=(as_int(1, 4096), 2),
    proxy=(as_proxy, ""),
)


@dataclass(frozen=True)
class FetchService:
    """What the views use, built once per app from the settings."""

    fetcher: Fetcher
    response_filter: ResponseFilter
    slots: CallerSlots


def includeme(config):
    settings = read_settings(config, SETTINGS)
    policy = DestinationPolicy(allow=settings.allow, deny=settings.deny, ports=settings.ports, proxy=settings.proxy)
    resolver = settings.resolver()
    engine = settings.engine(settings)
    user_agent = f"svc-fetch/{config.registry.svc_version}"
    config.provide("fetch_settings", settings)
    config.provide("fetch", FetchService(
        Fetcher(policy, resolver, engine, settings, user_agent),
        ResponseFilter(settings.strip_response_headers),
        CallerSlots(settings.max_concurrent_per_user),
    ))
    loops = LoopGuard(deployment_mark(config.get_settings()))
    # The Via of this request's fetches; FetchLoop (508) when svc itself sent the request.
    config.add_request_method(lambda request: loops.outgoing_via(request.headers.get("Via")), "fetch_via", reify=True)
    config.add_route("fetch.root", "/")
    config.add_route("fetch.path", "/{target:[A-Za-z][A-Za-z0-9+.-]*:.*}")
    if settings.cors_origins:
        # Only then: any subscriber makes Pyramid notify every event of every request.
        config.add_subscriber(add_cors_headers, NewResponse)
    config.add_openapi(PATHS, SCHEMAS)
    # A route's views are tried in the order they are added: the preflight's comes last.
    config.add_view(
        views.fetch_root, route_name="fetch.root", request_method=("GET", "HEAD", "POST"), renderer="json",
        permission="fetch", decorator=views.guarded,
    )
    config.add_view(
        views.fetch_path, route_name="fetch.path", request_method=("GET", "HEAD"), permission="fetch",
        decorator=views.guarded,
    )
    config.add_view(
        views.preflight_root, route_name="fetch.root", request_method="OPTIONS", permission=NO_PERMISSION_REQUIRED
    )
    config.add_view(
        views.preflight_path, route_name="fetch.path", request_method="OPTIONS", permission=NO_PERMISSION_REQUIRED
    )
