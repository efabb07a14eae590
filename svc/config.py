"""One Configurator, then one include per piece."""
from typing import NamedTuple

from pyramid.config import Configurator

from svc.web.settings import check_unknown_settings, parse_pieces, with_defaults


class Piece(NamedTuple):
    include: str  # the dotted name whose includeme adds the piece
    prefix: str  # where the piece lives when several share one app
    about: str  # one line for the index page


PIECES = {
    "home": Piece("svc.home", "", "Index of mounts and hello"),
    "urls": Piece("svc.urls", "/url", "Parse URLs and join them the way browsers do"),
    "fetch": Piece("svc.fetch", "/fetch", "Fetch a URL for the caller: streamed, pooled, SSRF-safe"),
    "dns": Piece("svc.dns", "/dns", "Host lookups, a JSON DNS API, DNS over HTTPS, bulk lookups"),
    "net": Piece("svc.net", "/net", "This host's network interfaces and MAC address"),
    "auth": Piece("svc.auth", "/auth", "Sign in and out, who am I, and the admin API for users and permissions"),
}


def configure(settings, global_config=None):
    """Return a Configurator with the web foundation and every piece in ``svc.pieces``."""
    # [DEFAULT] carries the svc.* and pyramid.* settings that every app section shares.
    settings = with_defaults(global_config or {}, settings, ("svc.", "pyramid."))
    pieces = parse_pieces(settings.get("svc.pieces", "home"), PIECES)
    config = Configurator(settings=settings)
    # Settings, problem+json errors, OpenAPI, templates and static assets: shared by every piece.
    config.include("svc.web")
    if config.registry.settings["svc"].enforce_permissions:
        # permission="..." on any piece's views, checked against the identity the auth filter found.
        config.include("svc.auth.policy")
    shared = len(pieces) > 1
    for name in pieces:
        piece = PIECES[name]
        prefix = piece.prefix if shared else ""
        # Alone in an app a piece owns the root; beside others it gets its own prefix.
        config.include(piece.include, route_prefix=prefix or None)
        config.registry.svc_pieces.append((name, prefix))
    config.commit()
    check_unknown_settings(config.registry, PIECES)
    return config
