"""What configure() gathers while it builds one app, kept in one object on the registry."""
from dataclasses import dataclass, field


@dataclass
class Assembly:
    """One app's start-up state: filled while its pieces are included, only read once it serves.

    Per process, as the registry that holds it is.
    """

    version: str  # svc's installed version, for the OpenAPI document and fetch's User-Agent
    pieces: list = field(default_factory=list)  # (name, route prefix) of each included piece, in order
    settings: dict = field(default_factory=dict)  # namespace -> its parsed, typed settings
    setting_specs: dict = field(default_factory=dict)  # namespace -> SettingsSpec, to refuse unknown keys
    openapi: dict | None = None  # the OpenAPI paths and components the pieces add
    readiness: list = field(default_factory=list)  # ReadinessCheck of each piece's dependency
    route_rules: dict | None = None  # route name -> RouteRules, built once on first use


def assembly_of(registry):
    """The Assembly of the app ``registry`` belongs to (set by svc.web's includeme)."""
    return registry.svc_assembly
