"""The urls piece: parse a URL into its parts, and join a reference onto a base."""
from svc.urls.openapi import PATHS, SCHEMAS
from svc.web.settings import SettingsSpec, as_size, read_settings

SETTINGS = SettingsSpec(
    "svc.urls",
    max_url_length=(as_size, 8192),
)


def includeme(config):
    config.provide("urls_settings", read_settings(config, SETTINGS))
    config.add_route("urls.page", "/")
    config.add_route("urls.parse", "/parse")
    config.add_route("urls.join", "/join")
    config.add_openapi(PATHS, SCHEMAS)
    config.scan("svc.urls.views")
