"""The admin API under ``<auth mount>/admin``: what svc-admin does, over HTTP, for holders of ``admin``."""

from pyramid.csrf import check_csrf_token
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

from svc.auth.audit import Actor
from svc.auth.credentials import client_ip
from svc.auth.identity import identity_of
from svc.auth.names import InvalidName, InvalidValue
from svc.auth.password_policy import InvalidPassword
from svc.auth.permissions import UnknownPermission, check_grantable
from svc.auth.public import PublicRefused, check_public_grant
from svc.auth.store import AlreadyExists, NotFound, StoreError
from svc.auth.views import auth_service
from svc.web.params import json_body, one_value, query
from svc.web.problems import Problem, invalid_request

ADMIN = "admin"
MAX_HTPASSWD_BYTES = 1024 * 1024
MAX_AUDIT_PAGE = 1000


def _store_errors(func):
    """Store refusals become problems: unknown 404, duplicate 409, malformed 400."""

    def wrapper(request):
        try:
            return func(request)
        except NotFound as exc:
            raise Problem(404, str(exc), slug="not-found") from None
        except AlreadyExists as exc:
            raise Problem(409, str(exc), slug="conflict") from None
        except UnknownPermission as exc:
            raise Problem(400, str(exc), slug="unknown-permission", title="Unknown permission", known=exc.known) from None
        except InvalidPassword as exc:
            raise Problem(400, str(exc), slug="weak-password", title="Password refused", rule=exc.rule) from None
        except PublicRefused as exc:
            raise Problem(400, str(exc), slug="public-refused", title="Not made public") from None
        except (InvalidName, InvalidValue, StoreError) as exc:  # an invalid name, value, permission or password
            raise invalid_request(str(exc)) from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _writing(request):
    """The service, after the CSRF check a browser's cookie session needs for any change."""
    identity = identity_of(request.environ)
    if identity is not None and identity.method == "cookie":
        check_csrf_token(request)  # Basic and Bearer callers cannot be forged by another site
    return auth_service(request)


def actor_of(request):
    """The signed-in caller who makes a change, with their address, for the audit log."""
    service = auth_service(request)
    return Actor(identity_of(request.environ).name, client_ip(request.environ, service.settings.trusted_proxies))


def _json(request, *required, optional=()):
    body = json_body(request)
    if not isinstance(body, dict):
        raise invalid_request("the body must be a JSON object")
    unknown = set(body) - set(required) - set(optional)
    if unknown:
        raise invalid_request(f"unknown members: {', '.join(sorted(unknown))}")
    for name in required:
        if not isinstance(body.get(name), str):
            raise invalid_request(f"the member {name} is required and must be a string", member=name)
    return body


def _admin_view(route_name, request_method):
    return view_config(route_name=route_name, request_method=request_method, permission=ADMIN, renderer="json")


@_admin_view("auth.admin.users", "GET")
def list_users(request):
    return {"users": auth_service(request).store.users()}


@_admin_view("auth.admin.users", "POST")
@_store_errors
def add_user(request):
    service = _writing(request)
    body = _json(request, "name", optional=("password",))
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise invalid_request("the member password must be a string", member="password")
    service.admin.add_user(body["name"], password, actor=actor_of(request))
    request.response.status = 201
    return service.store.user(body["name"])


@_admin_view("auth.admin.user", "GET")
@_store_errors
def show_user(request):
    return auth_service(request).store.user(request.matchdict["name"])


@_admin_view("auth.admin.user", "DELETE")
@_store_errors
def remove_user(request):
    _writing(request).admin.remove_user(request.matchdict["name"], actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.password", "PUT")
@_store_errors
def set_password(request):
    service = _writing(request)
    service.admin.set_password(request.matchdict["name"], _json(request, "password")["password"], actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.sessions", "DELETE")
@_store_errors
def revoke_sessions(request):
    count = _writing(request).admin.revoke_sessions(request.matchdict["name"], actor=actor_of(request))
    return {"revoked": count}


@_admin_view("auth.admin.groups", "GET")
def list_groups(request):
    return {"groups": auth_service(request).store.groups()}


@_admin_view("auth.admin.groups", "POST")
@_store_errors
def add_group(request):
    service = _writing(request)
    name = _json(request, "name")["name"]
    service.admin.add_group(name, actor=actor_of(request))
    request.response.status = 201
    return next(g for g in service.store.groups() if g["name"] == name)


@_admin_view("auth.admin.group", "DELETE")
@_store_errors
def remove_group(request):
    _writing(request).admin.remove_group(request.matchdict["name"], actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.member", "PUT")
@_store_errors
def add_member(request):
    _writing(request).admin.add_member(request.matchdict["name"], request.matchdict["user"], actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.member", "DELETE")
@_store_errors
def remove_member(request):
    _writing(request).admin.remove_member(request.matchdict["name"], request.matchdict["user"], actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.grants", "GET")
def list_grants(request):
    return {"grants": auth_service(request).store.grants()}


@_admin_view("auth.admin.grants", "POST")
@_store_errors
def grant(request):
    service = _writing(request)
    body = _json(request, "subject", "permission", optional=("force",))
    if not isinstance(body.get("force", False), bool):
        raise invalid_request("the member force must be true or false", member="force")
    check_public_grant(body["subject"], body["permission"], body.get("force", False))
    check_grantable(body["permission"], service.known_permissions, body.get("force", False))
    service.admin.grant(body["subject"], body["permission"], actor=actor_of(request))
    request.response.status = 201
    return {"subject": body["subject"], "permission": body["permission"]}


@_admin_view("auth.admin.grant", "DELETE")
@_store_errors
def revoke(request):
    _writing(request).admin.revoke(request.matchdict["subject"], request.matchdict["permission"], actor=actor_of(request))
    return HTTPNoContent()


def _token_json(info):
    return {
        "id": info.id,
        "user": info.user,
        "label": info.label,
        "hint": info.hint,
        "created_at": info.created_at,
        "expires_at": info.expires_at,
    }


@_admin_view("auth.admin.tokens", "GET")
@_store_errors
def list_tokens(request):
    user = query(request).get("user")
    return {"tokens": [_token_json(t) for t in auth_service(request).store.tokens(user)]}


@_admin_view("auth.admin.tokens", "POST")
@_store_errors
def create_token(request):
    service = _writing(request)
    body = _json(request, "user", optional=("label", "expires_in"))
    label = body.get("label", "")
    expires_in = body.get("expires_in")
    if not isinstance(label, str):
        raise invalid_request("the member label must be a string", member="label")
    if expires_in is not None and (type(expires_in) is not int or expires_in <= 0):
        raise invalid_request("the member expires_in is a positive number of seconds", member="expires_in")
    token, info = service.admin.create_token(body["user"], label, expires_in, actor=actor_of(request))
    request.response.status = 201
    request.response.cache_control = "no-store"
    return {**_token_json(info), "token": token}


@_admin_view("auth.admin.token", "DELETE")
@_store_errors
def revoke_token(request):
    try:
        token_id = int(request.matchdict["id"])
    except ValueError:
        raise Problem(404, f"no token {request.matchdict['id']}", slug="not-found") from None
    _writing(request).admin.revoke_token(token_id, actor=actor_of(request))
    return HTTPNoContent()


@_admin_view("auth.admin.htpasswd", "POST")
@_store_errors
def import_htpasswd(request):
    service = _writing(request)
    if request.content_type != "text/plain":
        raise Problem(415, "Send the htpasswd file as text/plain", slug="unsupported-media-type")
    if len(request.body) > MAX_HTPASSWD_BYTES:
        raise Problem(413, f"The file is larger than {MAX_HTPASSWD_BYTES} bytes", slug="request-too-large")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("the htpasswd file is not UTF-8") from None
    return service.admin.import_htpasswd(text, actor=actor_of(request))


@_admin_view("auth.admin.audit", "GET")
def audit(request):
    """Entries oldest first from ``since`` (Unix seconds); ``next`` pages on (``after``, an entry id)."""
    params = query(request)
    since, after, limit = (_count(params, name) for name in ("since", "after", "limit"))
    limit = min(limit or 100, MAX_AUDIT_PAGE)
    entries = auth_service(request).audit.entries(since=since, after=after, limit=limit)
    more = {"since": since, "after": entries[-1]["id"], "limit": limit} if len(entries) == limit else None
    return {
        "entries": entries,
        "next": request.route_path("auth.admin.audit", _query={k: v for k, v in more.items() if v is not None})
        if more else None,
    }


def _count(params, name):
    """A query parameter that is a whole number of at least 0, or None when absent."""
    if name not in params:
        return None
    value = one_value(params, name)
    if not value.isdigit() or len(value) > 18:
        raise invalid_request(f"{name} is a whole number", parameter=name)
    return int(value)
