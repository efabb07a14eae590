"""The admin console (``<auth mount>/admin``) and the account page (``<auth mount>/account``): HTML forms.

Each form runs the same AuthService calls as the admin API (svc/auth/admin.py), with the same
checks; only the answer differs: a redirect to the page after a change (POST-redirect-GET),
the page again with the error after a refusal. No JavaScript is needed.
"""
import time

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from svc.auth.admin import ADMIN, actor_of
from svc.auth.credentials import client_ip
from svc.auth.identity import identity_of
from svc.auth.names import InvalidName, InvalidValue
from svc.auth.permissions import check_grantable
from svc.auth.errors import SignInBusy, SignInRefused, SignInUnavailable, Throttled
from svc.auth.store import StoreError, digest
from svc.auth.views import auth_service
from svc.web.params import query
from svc.web.problems import Problem

AUDIT_ON_PAGE = 50
MAX_TOKEN_DAYS = 3650

DONE = {
    "add_user": "User added.",
    "remove_user": "User removed.",
    "set_password": "Password set; the user's sessions ended.",
    "unlock": "Sign-in lock cleared.",
    "revoke_sessions": "Every session of the user ended.",
    "end_user_session": "Session ended.",
    "add_group": "Group added.",
    "remove_group": "Group removed.",
    "add_member": "Member added.",
    "remove_member": "Member removed.",
    "grant": "Permission granted.",
    "revoke": "Grant revoked.",
    "revoke_token": "Token revoked.",
    "change_password": "Password changed; your other sessions ended.",
}


class FormError(Exception):
    """A form the page refuses; the message is shown above the forms, with ``status``."""

    def __init__(self, message, status=400):
        self.status = status
        super().__init__(message)


def _field(request, name, required=True):
    value = request.POST.get(name, "")
    value = value.strip() if name not in ("password", "current", "new") else value
    if required and not value:
        raise FormError(f"fill in the field {name.replace('_', ' ')}")
    return value


def _token_lifetime(request):
    """The form's expiry in days, as seconds; empty is never."""
    days = _field(request, "expires_days", required=False)
    if not days:
        return None
    if not days.isdigit() or not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise FormError(f"a token expires after 1 to {MAX_TOKEN_DAYS} days, or never (empty)")
    return int(days) * 86400


def _when(seconds):
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds)) if seconds else "never"


def _page(request, template, values, status=200):
    response = render_to_response(template, {"when": _when, **values}, request)
    response.status = status
    response.cache_control = "no-store"  # tokens, session ids and the CSRF token
    return response


def _done(request, route, action, anchor):
    return HTTPSeeOther(location=request.route_path(route, _query={"done": action}, _anchor=anchor))


# the console


def _admin_action(request, service, action):
    """Run one console form; returns the new token for create_token, else None."""
    actor = actor_of(request)
    if action == "add_user":
        service.admin.add_user(_field(request, "name"), _field(request, "password"), actor=actor)
    elif action == "set_password":
        service.admin.set_password(_field(request, "name"), _field(request, "password"), actor=actor)
    elif action == "unlock":
        service.store.user(_field(request, "name"))
        service.admin.unlock(_field(request, "name"), actor=actor)
    elif action == "grant":
        permission = _field(request, "permission")
        check_grantable(permission, service.known_permissions)
        service.admin.grant(_field(request, "subject"), permission, actor=actor)
    elif action == "create_token":
        token, _info = service.admin.create_token(
            _field(request, "user"), _field(request, "label", required=False), _token_lifetime(request), actor=actor
        )
        return token
    elif action == "revoke_token":
        service.admin.revoke_token(_token_id(request), actor=actor)
    elif action in _OPERATIONS:
        getattr(service.admin, action)(*(_field(request, name) for name in _OPERATIONS[action]), actor=actor)
    else:
        raise FormError("unknown action")
    return None


# Console forms that are one Administration call, with the form fields that are its arguments.
_OPERATIONS = {
    "remove_user": ("name",),
    "revoke_sessions": ("name",),
    "end_user_session": ("user", "session"),
    "add_group": ("name",),
    "remove_group": ("name",),
    "add_member": ("group", "user"),
    "remove_member": ("group", "user"),
    "revoke": ("subject", "permission"),
}
_SECTIONS = {"grant": "grants", "revoke": "grants", "create_token": "tokens", "revoke_token": "tokens",
             "add_group": "groups", "remove_group": "groups", "add_member": "groups", "remove_member": "groups",
             "end_user_session": "sessions", "revoke_sessions": "sessions"}


def _token_id(request):
    value = _field(request, "id")
    if not value.isdigit() or len(value) > 18:
        raise FormError(f"no token {value}")
    return int(value)


def _console(request, error=None, status=200, token=None):
    service = auth_service(request)
    users = service.store.users()
    for user in users:
        user["locked"] = service.admin.locked_clients(user["name"])
    sessions = {u["name"]: service.store.sessions(u["name"]) for u in users if u["sessions"]}
    return _page(request, "auth_console.jinja2", {
        "users": users,
        "groups": service.store.groups(),
        "grants": service.store.grants(),
        "permissions": sorted(service.known_permissions),
        "tokens": service.store.tokens(),
        "sessions": sessions,
        "audit": service.audit.entries(limit=AUDIT_ON_PAGE, newest_first=True),
        "error": error,
        "done": DONE.get(query(request).get("done")) if error is None and token is None else None,
        "token": token,
        "form": request.POST if error else {},
    }, status)


@view_config(route_name="auth.console", request_method="GET", permission=ADMIN)
def console(request):
    return _console(request)


@view_config(route_name="auth.console", request_method="POST", permission=ADMIN, require_csrf=True)
def console_form(request):
    service = auth_service(request)
    action = request.POST.get("action", "")
    try:
        token = _admin_action(request, service, action)
    except (FormError, InvalidName, InvalidValue, StoreError) as exc:
        return _console(request, str(exc), getattr(exc, "status", 400))
    if token is not None:  # shown once, so on this answer and never again
        return _console(request, token=token)
    return _done(request, "auth.console", action, _SECTIONS.get(action, "users"))


# the account page


def _signed_in(request):
    identity = identity_of(request.environ)
    if identity is None:
        raise Problem(401, "Sign in to see your account", slug="unauthorized")  # the filter challenges
    return identity


def _account(request, identity, error=None, status=200, token=None):
    service = auth_service(request)
    current = digest(identity.session_key) if identity.session_key else None
    return _page(request, "auth_account.jinja2", {
        "identity": identity,
        "sessions": service.store.sessions(identity.name),
        "current_session": current,
        "tokens": service.store.tokens(identity.name),
        "error": error,
        "done": DONE.get(query(request).get("done")) if error is None and token is None else None,
        "token": token,
        "form": request.POST if error else {},
    }, status)


def _account_action(request, service, identity, action):
    actor = actor_of(request)
    if action == "change_password":
        current, new = _field(request, "current"), _field(request, "new")
        if new != request.POST.get("again", ""):
            raise FormError("the new password and its repetition differ")
        client = client_ip(request.environ, service.settings.trusted_proxies)
        try:
            service.identification.verify_password(identity.name, current, client)
        except Throttled as exc:
            raise FormError(str(exc), 429) from None
        except (SignInBusy, SignInUnavailable) as exc:
            raise FormError(str(exc), 503) from None
        except SignInRefused:
            raise FormError("the current password is wrong") from None
        service.admin.set_password(identity.name, new, actor=actor, keep_session=identity.session_key)
    elif action == "create_token":
        token, _info = service.admin.create_token(
            identity.name, _field(request, "label", required=False), _token_lifetime(request), actor=actor
        )
        return token
    elif action == "revoke_token":
        token_id = _token_id(request)
        if token_id not in {t.id for t in service.store.tokens(identity.name)}:
            raise FormError(f"you have no token {token_id}")
        service.admin.revoke_token(token_id, actor=actor)
    elif action == "end_user_session":
        service.admin.end_user_session(identity.name, _field(request, "session"), actor=actor)
    else:
        raise FormError("unknown action")
    return None


@view_config(route_name="auth.account", request_method="GET")
def account(request):
    return _account(request, _signed_in(request))


@view_config(route_name="auth.account", request_method="POST", require_csrf=True)
def account_form(request):
    identity = _signed_in(request)
    service = auth_service(request)
    action = request.POST.get("action", "")
    try:
        token = _account_action(request, service, identity, action)
    except (FormError, InvalidName, InvalidValue, StoreError) as exc:
        return _account(request, identity, str(exc), getattr(exc, "status", 400))
    if token is not None:
        return _account(request, identity, token=token)
    return _done(request, "auth.account", action, {"change_password": "password", "revoke_token": "tokens"}.get(action, "sessions"))
