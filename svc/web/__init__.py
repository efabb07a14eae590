"""What every piece shares: settings, problem+json errors, JSON and Jinja2 rendering,
the OpenAPI document and the static assets."""
from importlib.metadata import PackageNotFoundError, version

from svc.web.health import add_readiness_check
from svc.web.settings import SettingsSpec, as_bool, as_list, read_settings

# Set in the environ by a view whose response relays another server's answer (fetch's
# passthrough), so that the auth filter never takes that server's 401 for svc's own.
RELAYED_KEY = "svc.relayed"

SETTINGS = SettingsSpec(
    "svc",
    debug=(as_bool, False),
    pieces=(as_list, ("home",)),
    enforce_permissions=(as_bool, True),
)


def provide(config, name, value):
    """``request.<name>`` is ``value``, built once at start-up: how a piece hands its views its services."""
    config.add_request_method(lambda request: value, name, reify=True)


def includeme(config):
    config.add_directive("provide", provide)
    registry = config.registry
    registry.svc_setting_specs = {}
    registry.svc_pieces = []
    registry.svc_readiness = []
    try:
        registry.svc_version = version("svc")
    except PackageNotFoundError:  # running from a tree that was never installed
        registry.svc_version = "0"
    read_settings(config, SETTINGS)
    config.include("svc.web.request")
    config.include("pyramid_jinja2")
    config.add_jinja2_search_path("svc:templates")
    config.add_static_view("static", "svc:static/", cache_max_age=3600)
    config.include("svc.web.openapi")
    config.include("svc.web.errors")
    # request.nav: the header's links to the index, who-am-I and sign-out.
    config.include("svc.web.forms")
    # What egg:svc#ops needs from each app: its readiness checks, and route names for metrics.
    config.add_directive("add_readiness_check", add_readiness_check)
    config.add_tween("svc.web.ops.route_name_tween_factory")
