"""Pages for people: a form whose submission runs the same view logic as the API, and the header's links."""
from pyramid.decorator import reify

from svc.auth.identity import SERVICE_KEY
from svc.web.mounts import ENVIRON_KEY
from svc.web.params import query
from svc.web.problems import Problem


def form_page(request, actions, problem_of=None):
    """Run the first of ``actions`` (query parameter, view) whose parameter the form sent.

    A Problem, or a piece's own error that its ``problem_of`` maps to one, shows on the page,
    with its status, instead of as problem+json. ``action`` is the parameter that chose the
    view, so the page knows how to show its result.
    """
    values = {}
    try:
        values = query(request)
        for parameter, view in actions:
            if parameter in values:
                return {"result": view(request), "error": None, "values": values, "action": parameter}
    except Exception as exc:
        problem = exc if isinstance(exc, Problem) else problem_of(exc) if problem_of else None
        if problem is None:
            raise
        return form_problem(request, problem, values)
    return {"result": None, "error": None, "values": values, "action": None}


def form_problem(request, problem, values=None):
    """What a form page shows for ``problem``: its detail, with the problem's status."""
    request.response.status = problem.status
    return {"result": None, "error": problem.body(), "values": values or {}, "action": None}


class Navigation:
    """The links every page's header needs: the index, who-am-I and sign-out, wherever they are mounted."""

    def __init__(self, request):
        self.request = request
        self.table = request.environ.get(ENVIRON_KEY)

    @reify
    def index_url(self):
        """The mount of the home piece (the index), else the root mount; alone, this app's own root."""
        if self.table is not None:
            mounts = [m for m in self.table.mounts if m.domain is None]
            for mount in sorted(mounts, key=lambda m: ("home" not in m.pieces, m.prefix != "")):
                if "home" in mount.pieces or mount.prefix == "":
                    return self.table.url(mount) + "/"
        return self.request.script_name + "/"

    @reify
    def auth_url(self):
        """Where the auth piece is mounted, or None where there is none."""
        if self.table is not None:
            for mount in self.table.mounts:
                if "auth" in mount.pieces:
                    return self.table.url(mount)
        for name, prefix in self.request.svc_pieces:
            if name == "auth":
                return self.request.script_name + prefix
        return None

    @property
    def whoami_url(self):
        return self.auth_url + "/whoami" if self.auth_url is not None else None

    @property
    def logout_url(self):
        """Only a cookie session can be ended; a Basic or Bearer caller sends credentials each time."""
        if self.auth_url is None or self.request.environ.get("AUTH_TYPE") != "cookie":
            return None
        return self.auth_url + "/logout"

    def csrf_token(self):
        """The token the auth piece's forms check, from the auth filter's own CSRF policy."""
        return self.request.environ[SERVICE_KEY].csrf_policy.get_csrf_token(self.request)

    @reify
    def known_permissions(self):
        """Every permission a mounted app declares."""
        if self.table is None:
            return frozenset()
        return frozenset(p for m in self.table.mounts if m.access is not None for p in m.access.paths)


def includeme(config):
    config.add_request_method(Navigation, "nav", reify=True)
