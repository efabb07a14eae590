"""svc: a Pyramid service built from pluggable pieces.

Every PasteDeploy app factory here is ``main`` with the piece list fixed, so
``use = egg:svc#urls`` mounts exactly the urls piece wherever the ini puts it.
"""
from svc.config import configure
from svc.web.mounts import declared_access


def main(global_config, **settings):
    """Build the pieces named in ``svc.pieces``."""
    config = configure(settings, global_config)
    app = config.make_wsgi_app()
    # egg:svc#urlmap reads this to tell the index page which pieces each mount serves.
    app.svc_pieces = tuple(name for name, _ in config.registry.svc_pieces)
    # ... and which of its paths need which permission, so the index can say where to sign in.
    app.svc_access = declared_access(config.registry)
    # ... and egg:svc#ops which readiness checks its pieces contribute.
    app.svc_readiness = tuple(config.registry.svc_readiness)
    return app


def _piece_factory(piece):
    def factory(global_config, **settings):
        settings["svc.pieces"] = piece
        return main(global_config, **settings)

    factory.__name__ = f"{piece}_app"
    factory.__doc__ = f"Build only the {piece} piece."
    return factory


# Named *_app so they do not shadow the piece packages (svc.home, svc.urls, svc.auth).
home_app = _piece_factory("home")
urls_app = _piece_factory("urls")
dns_app = _piece_factory("dns")
net_app = _piece_factory("net")
auth_app = _piece_factory("auth")
fetch_app = _piece_factory("fetch")
