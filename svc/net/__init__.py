"""The net piece: this host's network interfaces and its primary MAC address."""
from svc.net.interfaces import interfaces
from svc.net.mac import primary_mac
from svc.net.openapi import PATHS, SCHEMAS
from svc.web.settings import SettingsSpec, read_settings

# No settings yet; declaring the namespace makes a mistyped svc.net.* key fail at start-up.
SETTINGS = SettingsSpec("svc.net")


def includeme(config):
    read_settings(config, SETTINGS)
    # What the views read this host's network from: request.net_interfaces() and request.net_mac().
    config.provide("net_interfaces", interfaces)
    config.provide("net_mac", primary_mac)
    config.add_route("net.page", "/")
    config.add_route("net.interfaces", "/interfaces")
    config.add_route("net.mac", "/mac")
    config.add_openapi(PATHS, SCHEMAS)
    config.scan("svc.net.views")
