"""The home piece: the index of what is mounted where, and hello (health is egg:svc#ops's)."""
from svc.home.openapi import PATHS, SCHEMAS


def includeme(config):
    config.add_route("home.index", "/")
    config.add_route("home.hello", "/hello")
    config.add_route("home.hello_name", "/hello/{name}")
    config.add_route("home.echo", "/echo")
    config.add_route("home.favicon", "/favicon.ico")
    config.add_openapi(PATHS, SCHEMAS)
    config.scan("svc.home.views")
